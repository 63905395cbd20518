#!/usr/bin/env bash
# bench/memory-probe.sh OUTDIR [JVM flags...]: the stand-ins (110 pods) and `iamlet serve` through the image launcher
# (-XX:MaxRAM=256m, the AOT cache when it is newer than the jar, NOAOT=1 to leave it out; HTTPS_API=1 for an https
# API server with its own CA), with NMT and a class-load
# log unless LIGHT=1; waits for ready, wrk on one pod's cached credentials (WARMUP, WRK seconds), then writes
# OUTDIR/summary (ready_ms, CPU time to ready, RSS idle/after, req/s and server CPU µs per request, classes, threads), nmt.txt and
# smaps_rollup. AOT=FILE uses another AOT cache (trained with other flags). KUBE=kubeconfig: the stand-ins' kubeconfig instead of
# fabric8's environment variables. HOLD=1 leaves both processes running (their pids are printed) for jcmd. Loopback only.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/memory-probe.sh OUTDIR [JVM flags...]" >&2; exit 2; }
out="$(realpath -m "$1")"; shift; opts="$*"
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || { echo "memory-probe.sh: $out exists and is not empty" >&2; exit 2; }
mkdir -p "$out"
cd "$(dirname "$0")/.."; root="$(pwd)"
fp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P0=$(fp); P1=$(fp); P2=$(fp); P3=$(fp)
jdk_bin=$(ls -d /usr/lib/jvm/temurin-25*/bin | head -1); jcmd="$jdk_bin/jcmd"
# RUNTIME=DIR runs the agent on another Java runtime (the image's, made by jlink); jcmd stays the JDK's
java_bin="${RUNTIME:-$(dirname "$jdk_bin")}/bin/java"
python3 - "$out/node.json" <<'PY'
import json, sys
pods = [{"namespace": "bench", "name": f"pod-{n}", "serviceAccount": f"sa-{n}", "ip": f"127.0.1.{n}",
         "annotations": {"iam.amazonaws.com/role": f"bench-{n}"}} for n in range(1, 111)]
pods.append({"namespace": "bench", "name": "wrk", "serviceAccount": "sa-wrk", "ip": "127.0.0.1",
             "annotations": {"iam.amazonaws.com/role": "bench-wrk"}})
accounts = [{"namespace": "bench", "name": p["serviceAccount"],
             "roleArn": "arn:aws:iam::111122223333:role/" + p["annotations"]["iam.amazonaws.com/role"]} for p in pods]
json.dump({"node": "bench-node", "namespaces": [{"name": "bench", "annotations": {"iam.amazonaws.com/allowed-roles": "[\"bench-*\"]"}}],
  "serviceAccounts": accounts, "pods": pods}, open(sys.argv[1], "w"))
PY
mkfifo "$out/in"
# STANDINS_ARGS: more flags for the stand-ins, e.g. the scale run's "--scale-pods 50000 --scale-namespaces 2000
# --scale-service-accounts 5000" (bench/compare.sh --scale)
# HTTPS_API=1: the API server over https with its own CA, as a cluster's (default: plain http, as the benchmarks and
# the AOT cache's training have it)
api_tls=(); [ "${HTTPS_API:-}" = 1 ] && api_tls=(--api-https)
bin/iamlet stand-ins --bind 127.0.0.1 "${api_tls[@]}" ${STANDINS_ARGS:-} --spec "$out/node.json" --out "$out/s" --exit-on-eof <"$out/in" >"$out/standins.log" 2>&1 &
spid=$!
ipid=""
# whatever happens (a failed step under set -e included), nothing is left running unless HOLD=1 asked for it
cleanup() { [ "${HOLD:-}" = 1 ] && [ -n "$ipid" ] && return 0; kill $ipid $spid 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
exec 7>"$out/in"
for _ in $(seq 1 600); do
  grep -q '^STANDINS .*"ready"' "$out/standins.log" && break
  kill -0 $spid 2>/dev/null || { echo "memory-probe.sh: the stand-ins exited, see $out/standins.log" >&2; exit 1; }
  sleep 0.5
done
ready=$(grep '^STANDINS .*"ready"' "$out/standins.log" | head -1 | sed 's/^STANDINS //')
f() { echo "$ready" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
jhome="$out/jdk"; mkdir -p "$jhome/bin"; ln -s "$java_bin" "$jhome/bin/java"; ln -s "$java_bin" "$jhome/bin/java-netbind"
aot_file="${AOT:-$root/agent/target/iamlet.aot}"
aot=(); [ "${NOAOT:-}" = 1 ] || { [ "$aot_file" -nt agent/target/iamlet.jar ] && aot=("IAMLET_AOT_CACHE=$aot_file"); }
diag="-XX:NativeMemoryTracking=summary -Xlog:class+load=info:file=$out/classes.txt"; [ -n "${LIGHT:-}" ] && diag=""
# the API server from fabric8's environment variables, as in a cluster (no kubeconfig; the AOT cache is trained so);
# KUBE=kubeconfig reads the stand-ins' kubeconfig instead
ca=""; [ "${HTTPS_API:-}" = 1 ] && ca=$(f apiServerCa)
mapfile -t kube_env < <(daemonset/image/cluster-env "$(f apiServer)" $ca)
[ "${KUBE:-}" = kubeconfig ] && kube_env=(KUBECONFIG="$(f kubeconfig)")
# worked out before the clock starts: each python3 takes ~0.2 s here
sts=$(f sts); upstream=$(f metadata)
t0=$(date +%s%N)
env -i PATH="$PATH" ${EXTRA_ENV:-} HOME="$out" JAVA_HOME="$jhome" IAMLET_JAR=$root/agent/target/iamlet.jar ${aot[@]+"${aot[@]}"} \
  JAVA_OPTS="-XX:MaxRAM=256m $diag $opts" \
  "${kube_env[@]}" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAIAMLETFAKENODE01 AWS_SECRET_ACCESS_KEY=iamletFakeNodeSecretAccessKey00000000000 \
  AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$out/none" AWS_SHARED_CREDENTIALS_FILE="$out/none" \
  daemonset/image/iamlet serve --node-name bench-node --container-listen 127.0.0.1:$P0 --metadata-listen 127.0.0.1:$P1 \
  --probe-listen 127.0.0.1:$P2 --metrics-listen 127.0.0.1:$P3 --sts-endpoint "$sts" --metadata-upstream "$upstream" \
  --cluster-name bench --base-role-arn arn:aws:iam::111122223333:role/ >"$out/iamlet.log" 2>"$out/iamlet.err" &
ipid=$!
for _ in $(seq 1 3000); do [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:$P2/readyz || true)" = 200 ] && break; sleep 0.02; done
echo "ready_ms $(( ($(date +%s%N) - t0) / 1000000 ))" | tee "$out/summary"
# CPU time the JVM had used by then, all threads (user + system; the launcher execs it, so $ipid is the JVM)
echo "cpu_ms_to_ready $(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' /proc/$ipid/stat)" | tee -a "$out/summary"
sleep 5
echo "rss_idle $(awk '/VmRSS/{print $2}' /proc/$ipid/status)" | tee -a "$out/summary"
tok=$(cat "$out/s/tokens/bench.wrk.token" 2>/dev/null || true)
if [ -n "$tok" ]; then
  wrk -t1 -c32 -d${WARMUP:-5}s -H "Authorization: $tok" http://127.0.0.1:$P0/v1/credentials >/dev/null
  t0=$(awk '{sub(/.*\) /, ""); print $12 + $13}' /proc/$ipid/stat)
  wrk -t1 -c32 -d${WRK:-10}s -H "Authorization: $tok" http://127.0.0.1:$P0/v1/credentials > "$out/wrk.txt"
  t1=$(awk '{sub(/.*\) /, ""); print $12 + $13}' /proc/$ipid/stat)
  n=$(awk '/requests in/ {print $1}' "$out/wrk.txt")
  echo "wrk: $(grep Requests/sec "$out/wrk.txt") cpu_us_per_req $(( (t1 - t0) * 10000 / n ))" | tee -a "$out/summary"
fi
echo "rss_after $(awk '/VmRSS/{print $2}' /proc/$ipid/status)" | tee -a "$out/summary"
$jcmd $ipid VM.native_memory summary > "$out/nmt.txt" 2>&1 || true
[ ! -f "$out/classes.txt" ] || grep -c . "$out/classes.txt" | sed 's/^/classes /' | tee -a "$out/summary"
cat /proc/$ipid/smaps_rollup > "$out/smaps_rollup" || true
cp /proc/$ipid/smaps "$out/smaps" || true
ls /proc/$ipid/task | wc -l | sed 's/^/threads /' | tee -a "$out/summary"
[ "${HOLD:-}" = 1 ] && { echo "pids $ipid $spid"; exit 0; }
exec 7>&-
