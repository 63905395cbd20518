#!/usr/bin/env bash
# iamlet next to nginx serving the same bytes, driven by the same clients in one run. See bench/README.md for what
# each figure means and how it is measured. Everything stays on loopback (127.0.0.0/8).
#
# Needs: the packaged jars (./mvnw -q -B -DskipTests package), wrk, nginx, curl, python3, a JDK 25.
# Usage: bench/compare.sh [--seconds N] [--rounds N] [--warmup N] [--rate N] [--connections N] [--max-ram SIZE]
#                         [--java-opts FLAGS] [--scale] [--keep] [--out FILE]
#   --seconds N      length of each measured wrk run and open-loop phase (default 8)
#   --rounds N       rounds of the interleaved comparisons; medians are reported (default 3)
#   --warmup N       seconds of wrk load on each server before anything is measured (default 12)
#   --rate N         open-loop rate, requests per second (default 1000)
#   --connections N  wrk connections, one wrk thread (default 32)
#   --max-ram SIZE   JVM's view of the container memory limit, -XX:MaxRAM (default 256m, the DaemonSet's limit)
#   --java-opts F    more JVM flags for iamlet, after the launcher's (e.g. -XX:TieredStopAtLevel=4 for C2)
#   --aot FILE       the AOT cache to use (default agent/target/iamlet.aot when newer than the jar); one trained
#                    with the same --java-opts (IAMLET_AOT_CACHE=FILE IAMLET_JAVA_OPTS=... bin/iamlet aot-train)
#   --scale          also the scale run: a fresh iamlet next to 50,000 pods on other nodes, against a fresh plain one
#   --keep           keep the working directory (every process's log, wrk's outputs, the measurements)
#   --out FILE       where the Markdown table goes as well as stdout (default bench/results/last.md)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

seconds=8; rounds=3; warmup=12; rate=1000; connections=32; max_ram=256m; java_opts=""; scale=false; keep=false
aot_file=""
out="$root/bench/results/last.md"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --max-ram) max_ram="$2"; shift 2 ;;
    --java-opts) java_opts="$2"; shift 2 ;;
    --aot) aot_file="$(realpath "$2")"; shift 2 ;;
    --scale) scale=true; shift ;;
    --keep) keep=true; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for n in "$seconds" "$rounds" "$warmup" "$rate" "$connections"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || { echo "compare.sh: numbers must be positive integers" >&2; exit 2; }
done
[ "$seconds" -le 120 ] && [ "$rounds" -le 10 ] && [ "$warmup" -le 120 ] && [ "$rate" -le 5000 ] \
  || { echo "compare.sh: bounds: --seconds <= 120, --rounds <= 10, --warmup <= 120, --rate <= 5000" >&2; exit 2; }

missing=""
for tool in wrk nginx curl python3; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
[ -z "$missing" ] || { echo "compare.sh: missing:$missing (apt-get install -y wrk nginx curl python3)" >&2; exit 1; }
java_bin=$(ls -d /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -1 || true)
[ -n "$java_bin" ] || { echo "compare.sh: no JDK 25 under /usr/lib/jvm/temurin-25*" >&2; exit 1; }
jcmd_bin="$(dirname "$java_bin")/jcmd"
for jar in agent/target/iamlet.jar standins/target/iamlet-standins-all.jar; do
  [ -f "$jar" ] || { echo "compare.sh: $jar is missing: ./mvnw -q -B -DskipTests package" >&2; exit 1; }
done

work="$(mktemp -d /tmp/iamlet-compare.XXXXXX)"
started=()      # pids of every process this script started, killed by cleanup
keep_fds=()     # write ends of the stand-ins' stdin fifos
cleanup() {
  local status=$?
  for fd in "${keep_fds[@]}"; do eval "exec $fd>&-" 2>/dev/null || true; done
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=""
    for pid in "${started[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.1
  done
  for pid in "${started[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -ne 0 ] || [ "$keep" = true ]; then
    [ "$status" -eq 0 ] || echo "compare.sh: failed" >&2
    echo "compare.sh: logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "== $(date +%H:%M:%S) $*" >&2; }
facts="$work/facts.jsonl"   # one JSON object per measurement; bench/compare_report.py turns it into the table
fact() { echo "$1" >>"$facts"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# stop_pid PID: SIGTERM, at most 15 s for it to exit, then SIGKILL.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{sub(/.*\) /, ""); print $12 + $13}' /proc/"$p"/stat) )); done; echo "$t"; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' /proc/"$1"/status; }
rss_sum() { local t=0 p; for p in "$@"; do t=$(( t + $(kib "$p" VmRSS) )); done; echo "$t"; }
clk_tck=$(getconf CLK_TCK)

# --- the node: 110 pods at 127.0.1.1..127.0.1.110, each with its own service account and role, plus the pod wrk
# plays (127.0.0.1: wrk cannot choose its source address). Namespace policy allows the metadata path's roles.
python3 - "$work/node-110.json" <<'EOF'
import json, sys
pods = [{"namespace": "bench", "name": f"pod-{n}", "serviceAccount": f"sa-{n}", "ip": f"127.0.1.{n}",
         "annotations": {"iam.amazonaws.com/role": f"bench-{n}"}} for n in range(1, 111)]
pods.append({"namespace": "bench", "name": "wrk", "serviceAccount": "sa-wrk", "ip": "127.0.0.1",
             "annotations": {"iam.amazonaws.com/role": "bench-wrk"}})
accounts = [{"namespace": "bench", "name": p["serviceAccount"],
             "roleArn": "arn:aws:iam::111122223333:role/" + p["annotations"]["iam.amazonaws.com/role"]} for p in pods]
spec = {"node": "bench-node",
        "namespaces": [{"name": "bench", "annotations": {"iam.amazonaws.com/allowed-roles": "[\"bench-*\"]"}}],
        "serviceAccounts": accounts, "pods": pods}
json.dump(spec, open(sys.argv[1], "w"), indent=1)
EOF

# start_standins DIR [flags...]: API server, STS and metadata stand-ins seeded with the node; sets standins_ready.
start_standins() {
  local dir="$1" fd line; shift
  mkdir -p "$dir"; mkfifo "$dir/in"
  bin/iamlet stand-ins --bind 127.0.0.1 --spec "$work/node-110.json" --out "$dir" --exit-on-eof "$@" \
    <"$dir/in" >"$dir/standins.log" 2>&1 &
  started+=($!)
  exec {fd}>"$dir/in"   # keeps the stand-ins' stdin open until cleanup closes it
  keep_fds+=("$fd")
  for _ in $(seq 1 600); do
    grep -q '^STANDINS .*"ready"' "$dir/standins.log" && break
    kill -0 "${started[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  line=$(grep '^STANDINS .*"ready"' "$dir/standins.log" | head -1 | sed 's/^STANDINS //' || true)
  [ -n "$line" ] || { tail -20 "$dir/standins.log" >&2; echo "compare.sh: stand-ins did not start" >&2; exit 1; }
  standins_ready="$line"
}
ready_field() { echo "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }

# The image's launcher, run as is: JAVA_HOME is a directory whose java and java-netbind are the JDK 25's java.
jhome="$work/jdk"; mkdir -p "$jhome/bin"
ln -s "$java_bin" "$jhome/bin/java"; ln -s "$java_bin" "$jhome/bin/java-netbind"
aot_env=()
# a cache trained on an older jar would only be refused (bin/iamlet aot-train trains one)
if [ -n "$aot_file" ]; then
  [ -f "$aot_file" ] || { echo "compare.sh: no AOT cache $aot_file" >&2; exit 2; }
  aot_env=("IAMLET_AOT_CACHE=$aot_file")
elif [ agent/target/iamlet.aot -nt agent/target/iamlet.jar ]; then
  aot_env=("IAMLET_AOT_CACHE=$root/agent/target/iamlet.aot")
fi

# start_iamlet DIR STANDINS_READY_LINE: iamlet serve as the DaemonSet runs it (kube2iam overlay: container endpoint
# and metadata path); sets iamlet_pid and the ports, records start-to-ready. The API server comes from fabric8's
# environment variables, not a kubeconfig: in a cluster there is no kubeconfig (the pod's service account), and
# the AOT cache is trained the same way (daemonset/image/cluster-env), so no YAML parser is loaded.
start_iamlet() {
  local dir="$1" ready="$2" t0 code="" cluster_env sts upstream
  mkdir -p "$dir"
  mapfile -t cluster_env < <(daemonset/image/cluster-env "$(ready_field "$ready" apiServer)")
  cport=$(free_port); mport=$(free_port); pport=$(free_port); xport=$(free_port)
  # everything the command line needs is worked out before the clock starts: each python3 takes ~0.2 s here
  sts=$(ready_field "$ready" sts); upstream=$(ready_field "$ready" metadata)
  t0=$(date +%s%N)
  env -i PATH="$PATH" HOME="$dir" JAVA_HOME="$jhome" IAMLET_JAR="$root/agent/target/iamlet.jar" \
    ${aot_env[@]+"${aot_env[@]}"} JAVA_OPTS="-XX:MaxRAM=$max_ram${java_opts:+ $java_opts}" \
    "${cluster_env[@]}" AWS_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=AKIAIAMLETFAKENODE01 AWS_SECRET_ACCESS_KEY=iamletFakeNodeSecretAccessKey00000000000 \
    AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$dir/none" AWS_SHARED_CREDENTIALS_FILE="$dir/none" \
    daemonset/image/iamlet serve --node-name bench-node \
      --container-listen "127.0.0.1:$cport" --metadata-listen "127.0.0.1:$mport" \
      --probe-listen "127.0.0.1:$pport" --metrics-listen "127.0.0.1:$xport" \
      --sts-endpoint "$sts" --metadata-upstream "$upstream" \
      --cluster-name bench --base-role-arn arn:aws:iam::111122223333:role/ \
      >"$dir/iamlet.log" 2>"$dir/iamlet.err" &
  iamlet_pid=$!
  started+=("$iamlet_pid")
  for _ in $(seq 1 3000); do   # at most ~120 s
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$pport/readyz" || true)
    [ "$code" = 200 ] && break
    kill -0 "$iamlet_pid" 2>/dev/null || break
    sleep 0.02
  done
  [ "$code" = 200 ] || { tail -5 "$dir/iamlet.err" "$dir/iamlet.log" >&2; echo "compare.sh: iamlet not ready" >&2; exit 1; }
  ready_ms=$(ms_since "$t0")
}
metric() { curl -s --max-time 5 "http://127.0.0.1:$xport/metrics" | awk -v m="$1" 'index($1, m) == 1 {s += $2} END {print s + 0}'; }
# Waits (at most 60 s) until the metadata path's prefetch has cached all 111 pods' credentials.
wait_prefetch() {
  for _ in $(seq 1 600); do
    [ "$(metric 'iamlet_cache_identities{source="assume-role"}' | cut -d. -f1)" -ge 111 ] && return 0
    sleep 0.1
  done
  echo "compare.sh: prefetch did not cache 111 pods in 60 s" >&2; exit 1
}
pod_token() { cat "$1/tokens/bench.$2.token"; }
# timed_get NAME URL SOURCE_IP [curl flags]: one request, its time in ms, and the cache_hit of its audit line.
audit_lines() { grep -c '"iamlet.audit"' "$1/iamlet.log" || true; }
# last_cache_hit DIR BEFORE: cache_hit of the audit line after the first BEFORE ones (the logger is asynchronous).
last_cache_hit() {
  for _ in $(seq 1 50); do [ "$(audit_lines "$1")" -gt "$2" ] && break; sleep 0.1; done
  grep '"iamlet.audit"' "$1/iamlet.log" | sed -n "$(( $2 + 1 ))p" \
    | python3 -c 'import json,sys; print(str(json.load(sys.stdin).get("cache_hit")).lower())' 2>/dev/null || echo null
}
curl_ms() { python3 -c "import sys; print(round(float(sys.argv[1]) * 1000, 1))" "$1"; }

# first_requests DIR SDIR: the first credential requests after ready (see bench/README.md).
first_requests() {
  local dir="$1" sdir="$2" token out before
  before=$(audit_lines "$dir")
  # Metadata path, pod-1, whose credentials the prefetch has cached: PUT token + GET, both timed.
  out=$(curl -s --interface 127.0.1.1 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' \
    -o "$dir/imds-token" -w '%{http_code} %{time_total}' "http://127.0.0.1:$mport/latest/api/token")
  [ "${out%% *}" = 200 ] || { echo "compare.sh: token PUT answered ${out%% *}" >&2; exit 1; }
  local put_s="${out#* }"
  out=$(curl -s --interface 127.0.1.1 -H "X-aws-ec2-metadata-token: $(cat "$dir/imds-token")" -o "$dir/metadata.json" \
    -w '%{http_code} %{time_total}' "http://127.0.0.1:$mport/latest/meta-data/iam/security-credentials/bench-1")
  [ "${out%% *}" = 200 ] || { echo "compare.sh: metadata GET answered ${out%% *}" >&2; exit 1; }
  fact "{\"type\":\"first\",\"what\":\"metadata_cached\",\"ms\":$(curl_ms "$(python3 -c "print($put_s + ${out#* })")"),\"cache_hit\":$(last_cache_hit "$dir" "$before")}"
  # Container endpoint, pod-1: nothing cached for it yet (no prefetch on this path), so STS is called.
  token=$(pod_token "$sdir" pod-1)
  for what in container_uncached container_cached; do
    before=$(audit_lines "$dir")
    out=$(curl -s --interface 127.0.1.1 -H "Authorization: $token" -o /dev/null -w '%{http_code} %{time_total}' \
      "http://127.0.0.1:$cport/v1/credentials")
    [ "${out%% *}" = 200 ] || { echo "compare.sh: container GET answered ${out%% *}" >&2; exit 1; }
    fact "{\"type\":\"first\",\"what\":\"$what\",\"ms\":$(curl_ms "${out#* }"),\"cache_hit\":$(last_cache_hit "$dir" "$before")}"
  done
}

memory_fact() {   # memory_fact SERVER WHEN PIDS...: VmRSS (and VmHWM) in KiB, summed over the processes
  local server="$1" when="$2"; shift 2
  local hwm=0 p
  for p in "$@"; do hwm=$(( hwm + $(kib "$p" VmHWM) )); done
  fact "{\"type\":\"memory\",\"server\":\"$server\",\"when\":\"$when\",\"rss_kib\":$(rss_sum "$@"),\"hwm_kib\":$hwm}"
}
classes_fact() {  # classes_fact SERVER PID: classes loaded and metaspace used, from jcmd (attaches: do it last)
  "$jcmd_bin" "$2" VM.classloader_stats >"$work/classes-$1.txt" 2>&1 || true
  "$jcmd_bin" "$2" VM.metaspace >"$work/metaspace-$1.txt" 2>&1 || true
  fact "{\"type\":\"classes\",\"server\":\"$1\",\"classloader_stats\":\"$work/classes-$1.txt\",\"metaspace\":\"$work/metaspace-$1.txt\"}"
}

# --- nginx on the same bytes: its own prefix and config, a non-daemon child on a loopback port.
start_nginx() {
  local dir="$work/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  nport=$(free_port)
  cat >"$dir/nginx.conf" <<EOF
user $(id -un);
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  # One access line per request, as iamlet writes one audit line per credential request.
  access_log $dir/logs/access.log;
  types { }
  default_type application/json;
  keepalive_requests 100000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $dir/www;
    location = /v1/credentials { try_files /container.json =404; }
    location = /latest/api/token { return 200 "nginx-bench-imds-token"; }
    location ~ ^/latest/meta-data/iam/security-credentials/[^/]+\$ { try_files /metadata.json =404; }
    location / { return 404; }
  }
}
EOF
  nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/logs/error.log" &
  nginx_pid=$!
  started+=("$nginx_pid")
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$nport/v1/credentials" || true)" = 200 ] && break
    kill -0 "$nginx_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nport/v1/credentials" || true)" = 200 ] \
    || { cat "$dir/logs/error.log" >&2; echo "compare.sh: nginx did not start" >&2; exit 1; }
  nginx_pids=("$nginx_pid" $(pgrep -P "$nginx_pid"))
}

# run_wrk SERVER MODE ROUND SECONDS PORT TOKEN PIDS...: one wrk run; MODE keepalive or close; ROUND 0 = warm-up.
run_wrk() {
  local server="$1" mode="$2" round="$3" secs="$4" port="$5" token="$6"; shift 6
  local file="$work/wrk-$server-$mode-$round.txt" before after extra=()
  [ "$mode" = close ] && extra=(-H "Connection: close")
  before=$(cpu_ticks "$@")
  timeout $(( secs + 30 )) wrk -t1 -c"$connections" -d"${secs}s" --timeout 5s --latency -H "Authorization: $token" \
    ${extra[@]+"${extra[@]}"} "http://127.0.0.1:$port/v1/credentials" >"$file" 2>&1 \
    || { cat "$file" >&2; echo "compare.sh: wrk failed" >&2; exit 1; }
  after=$(cpu_ticks "$@")
  [ "$round" = 0 ] || fact "{\"type\":\"wrk\",\"server\":\"$server\",\"mode\":\"$mode\",\"round\":$round,\"file\":\"$file\",\"cpu_ticks\":$((after - before)),\"clk_tck\":$clk_tck}"
}

# open_loop ROUNDS SDIR PHASE...: the fixed-rate client (bench/OpenLoop.java) over the 110 pods.
open_loop() {
  local rounds_="$1" sdir="$2"; shift 2
  local pods="$work/pods-$(basename "$sdir").txt" phases=() r
  : >"$pods"
  for n in $(seq 1 110); do echo "127.0.1.$n $sdir/tokens/bench.pod-$n.token bench-$n" >>"$pods"; done
  for r in $(seq 1 "$rounds_"); do for p in "$@"; do phases+=("${p/ROUND/$r}"); done; done
  timeout $(( (rounds_ * $# * (seconds + 2 + 20)) + 60 )) "$java_bin" -Xmx256m -XX:+UseSerialGC bench/OpenLoop.java \
    --pods "$pods" --rate "$rate" --warmup 2 --seconds "$seconds" --clk-tck "$clk_tck" "${phases[@]}" >>"$facts" \
    || { echo "compare.sh: the open-loop client failed" >&2; exit 1; }
}

# ================================================================ the run
loadavg_fact() { fact "{\"type\":\"loadavg\",\"when\":\"$1\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"; }
loadavg_fact start
say "stand-ins (110 pods + the wrk pod)"
start_standins "$work/standins"
plain_ready="$standins_ready"
say "iamlet serve through daemonset/image/iamlet (-XX:MaxRAM=$max_ram${java_opts:+ $java_opts}${aot_env[*]:+, AOT cache})"
start_iamlet "$work/iamlet" "$plain_ready"
fact "{\"type\":\"start\",\"server\":\"iamlet\",\"ready_ms\":$ready_ms}"
wait_prefetch
memory_fact iamlet idle "$iamlet_pid"
first_requests "$work/iamlet" "$work/standins"

say "nginx on the bytes iamlet answered (container: the wrk pod's; metadata: pod-1's)"
mkdir -p "$work/nginx/www"
wrk_token=$(pod_token "$work/standins" wrk)
curl -sf -H "Authorization: $wrk_token" -o "$work/nginx/www/container.json" "http://127.0.0.1:$cport/v1/credentials"
cp "$work/iamlet/metadata.json" "$work/nginx/www/metadata.json"
chmod -R a+rX "$work/nginx/www"
start_nginx
memory_fact nginx idle "${nginx_pids[@]}"

say "warm-up: ${warmup}s of wrk on iamlet (keep-alive, then new connections), 5s on nginx"
run_wrk iamlet keepalive 0 "$warmup" "$cport" "$wrk_token" "$iamlet_pid"
run_wrk iamlet close 0 5 "$cport" "$wrk_token" "$iamlet_pid"
run_wrk nginx keepalive 0 5 "$nport" "$wrk_token" "${nginx_pids[@]}"
for r in $(seq 1 "$rounds"); do
  say "wrk round $r/$rounds: keep-alive and new connection per request, nginx and iamlet interleaved (${seconds}s each)"
  for mode in keepalive close; do
    run_wrk nginx "$mode" "$r" "$seconds" "$nport" "$wrk_token" "${nginx_pids[@]}"
    run_wrk iamlet "$mode" "$r" "$seconds" "$cport" "$wrk_token" "$iamlet_pid"
  done
done

say "open loop: $rate req/s from 110 pod addresses, container and metadata paths, interleaved, $rounds rounds"
open_loop "$rounds" "$work/standins" \
  "container-nginx-ROUND,container,127.0.0.1:$nport,$(IFS=+; echo "${nginx_pids[*]}")" \
  "container-iamlet-ROUND,container,127.0.0.1:$cport,$iamlet_pid" \
  "metadata-nginx-ROUND,metadata,127.0.0.1:$nport,$(IFS=+; echo "${nginx_pids[*]}")" \
  "metadata-iamlet-ROUND,metadata,127.0.0.1:$mport,$iamlet_pid"
memory_fact iamlet after "$iamlet_pid"
memory_fact nginx after "${nginx_pids[@]}"
fact "{\"type\":\"sts\",\"server\":\"iamlet\",\"calls\":$(metric iamlet_sts_requests_total)}"
classes_fact iamlet "$iamlet_pid"

# --- the scale run: a fresh plain iamlet and a fresh one beside 50,000 pods elsewhere, the same short load on each.
if [ "$scale" = true ]; then
  if ! grep -q -- '--scale-pods' <<<"$(bin/iamlet stand-ins --help 2>&1 || true)"; then
    say "scale run SKIPPED: this build's 'iamlet stand-ins' has no --scale-pods flag (it comes with H4's lean stand-in)"
    fact '{"type":"scale_skipped","reason":"iamlet stand-ins has no --scale-pods"}'
  else
    stop_pid "$iamlet_pid"
    say "scale run: stand-ins with 50,000 pods on other nodes, 2,000 namespaces, 5,000 service accounts"
    start_standins "$work/standins-scale" --scale-pods 50000 --scale-namespaces 2000 --scale-service-accounts 5000
    scale_ready="$standins_ready"
    fact "{\"type\":\"scale_cluster\",\"holds\":$(echo "$scale_ready" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("cluster")))')}"
    for variant in plain scale; do
      if [ "$variant" = plain ]; then ready="$plain_ready"; sdir="$work/standins"; else ready="$scale_ready"; sdir="$work/standins-scale"; fi
      say "scale run, $variant: start, then ${seconds}s wrk keep-alive, ${seconds}s new connections, open loop on both paths"
      start_iamlet "$work/iamlet-$variant" "$ready"
      fact "{\"type\":\"start\",\"server\":\"iamlet-$variant\",\"ready_ms\":$ready_ms}"
      wait_prefetch
      memory_fact "iamlet-$variant" idle "$iamlet_pid"
      token=$(pod_token "$sdir" wrk)
      run_wrk "iamlet-$variant" keepalive 0 "$seconds" "$cport" "$token" "$iamlet_pid"
      run_wrk "iamlet-$variant" close 0 "$seconds" "$cport" "$token" "$iamlet_pid"
      open_loop 1 "$sdir" "scale-$variant-container,container,127.0.0.1:$cport,$iamlet_pid" \
        "scale-$variant-metadata,metadata,127.0.0.1:$mport,$iamlet_pid"
      memory_fact "iamlet-$variant" after "$iamlet_pid"
      classes_fact "iamlet-$variant" "$iamlet_pid"
      stop_pid "$iamlet_pid"
    done
  fi
fi

loadavg_fact end
mkdir -p "$(dirname "$out")"
python3 bench/compare_report.py "$facts" \
  --command "bench/compare.sh --seconds $seconds --rounds $rounds --warmup $warmup --rate $rate --connections $connections --max-ram $max_ram${java_opts:+ --java-opts '$java_opts'}$([ "$scale" = true ] && echo ' --scale')${aot_file:+ --aot $aot_file}${aot_env[*]:+ (AOT cache)}" \
  | tee "$out"
say "table written to $out"
