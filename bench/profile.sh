#!/usr/bin/env bash
# bench/profile.sh MODE OUTDIR [JVM flags...]: where `iamlet serve`'s CPU goes under one load, with async-profiler.
# The agent runs as bench/memory-probe.sh starts it (the image's launcher, the AOT cache, 110 pods on the stand-ins,
# HOLD=1 LIGHT=1); MODE is the load:
#   keepalive  wrk -t1 -c32 on one pod's cached /v1/credentials, keep-alive (compare.sh's keep-alive figure)
#   container  bench/OpenLoop.java at 1,000 req/s from the 110 pods' addresses, a new connection per request
#   metadata   the same on the metadata path (PUT token + GET credentials)
# 15 s of the load warm the JIT up, then 10 s more are profiled (CPU samples every 1 ms, all threads) and measured.
# Writes OUTDIR/cpu.collapsed (one stack per line, for flame graphs), OUTDIR/load.txt (wrk's or OpenLoop's output),
# and prints the CPU per request, the share of the samples by owner (kernel, Netty, JDK, JIT runtime, iamlet, ...),
# the frames with the most samples of their own, and iamlet's methods with everything they call.
# async-profiler: ASYNC_PROFILER=/path/to/libasyncProfiler.so, else tools.profiler:async-profiler (Maven Central,
# through ./mvnw) for this machine's architecture. SECONDS_WARM and SECONDS_PROFILED change the two phases.
# Loopback only (127.0.0.0/8); everything it started is stopped when it ends, whatever way.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
mode="$1"; out="$(realpath -m "$2")"; shift 2
case "$mode" in keepalive|container|metadata) ;; *) echo "profile.sh: MODE is keepalive, container or metadata" >&2; exit 2 ;; esac
[ ! -e "$out" ] || [ -z "$(ls -A "$out")" ] || { echo "profile.sh: $out exists and is not empty" >&2; exit 2; }
mkdir -p "$out"
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* | head -1)}"
jcmd="$JAVA_HOME/bin/jcmd"; java_bin="$JAVA_HOME/bin/java"
warm="${SECONDS_WARM:-15}"; profiled="${SECONDS_PROFILED:-10}"

lib="${ASYNC_PROFILER:-}"
if [ -z "$lib" ]; then
  version=4.1
  case "$(uname -m)" in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) echo "profile.sh: no async-profiler for $(uname -m)" >&2; exit 1 ;; esac
  jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
  [ -f "$jar" ] || ./mvnw -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$version" -Dtransitive=false >/dev/null
  unzip -q -o -j "$jar" "$arch/libasyncProfiler.so" -d "$out/async-profiler"
  lib="$out/async-profiler/libasyncProfiler.so"
fi

probe="$out/agent"
HOLD=1 LIGHT=1 WARMUP=1 WRK=1 bench/memory-probe.sh "$probe" "$@" >"$out/probe.log" 2>&1 \
  || { echo "profile.sh: the agent did not start, see $out/probe.log" >&2; exit 1; }
read -r _ ipid spid < <(grep '^pids' "$out/probe.log")
trap 'kill $ipid $spid 2>/dev/null || true' EXIT
args=$(tr '\0' ' ' </proc/"$ipid"/cmdline)
port() { echo "$args" | grep -o -- "--$1 127.0.0.1:[0-9]*" | cut -d: -f2; }
cport=$(port container-listen); mport=$(port metadata-listen)
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' /proc/"$ipid"/stat; }

if [ "$mode" = keepalive ]; then
  token=$(cat "$probe/s/tokens/bench.wrk.token")
  load() { wrk -t1 -c32 -d"$1"s -H "Authorization: $token" "http://127.0.0.1:$cport/v1/credentials"; }
else
  pods="$out/pods.txt"; : >"$pods"
  for n in $(seq 1 110); do echo "127.0.1.$n $probe/s/tokens/bench.pod-$n.token bench-$n" >>"$pods"; done
  target=$cport; [ "$mode" = metadata ] && target=$mport
  load() { "$java_bin" -Xmx256m -XX:+UseSerialGC bench/OpenLoop.java --pods "$pods" --rate 1000 --warmup 1 \
    --seconds "$1" --clk-tck "$clk_tck" "$mode,$mode,127.0.0.1:$target,$ipid"; }
fi

load "$warm" >/dev/null
"$jcmd" "$ipid" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms\"" >/dev/null
t0=$(cpu_ticks)
load "$profiled" >"$out/load.txt"
t1=$(cpu_ticks)
"$jcmd" "$ipid" JVMTI.agent_load "$lib" "\"stop,file=$out/cpu.collapsed,collapsed\"" >/dev/null

if [ "$mode" = keepalive ]; then
  n=$(awk '/requests in/ {print $1}' "$out/load.txt")
  echo "$mode: $(grep Requests/sec "$out/load.txt" | tr -s ' '), $(( (t1 - t0) * 1000000 / clk_tck / n )) µs of agent CPU per request"
else
  python3 - "$out/load.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{d['kind']}: {d['achieved_rps']:.0f} req/s, p50 {d['p50_us'] / 1000:.2f} ms, p99 {d['p99_us'] / 1000:.2f} ms,"
      f" {d['cpu_us_per_req']:.0f} µs of agent CPU per request")
PY
fi

python3 - "$out/cpu.collapsed" <<'PY'
import collections, sys

def owner(frame):
    if frame.endswith('_[k]'):
        return 'kernel'
    for prefix, name in (('io/iamlet', 'iamlet'), ('io/netty', 'Netty'), ('com/github/benmanes', 'Caffeine'),
                         ('io/micrometer', 'Micrometer'), ('io/prometheus', 'Micrometer'), ('ch/qos', 'logging'),
                         ('org/slf4j', 'logging'), ('io/fabric8', 'fabric8'), ('tools/jackson', 'Jackson'),
                         ('com/nimbusds', 'nimbus'), ('sun/security', 'JDK security'),
                         ('java/security', 'JDK security'), ('java/', 'JDK'), ('jdk/', 'JDK'), ('sun/', 'JDK')):
        if frame.startswith(prefix):
            return name
    return 'JIT runtime, stubs, libc' if '/' not in frame or frame.startswith('[') else 'other Java'

total = 0
by_owner, own, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    stack, _, count = line.rstrip().rpartition(' ')
    if not stack:
        continue
    count = int(count)
    total += count
    frames = stack.split(';')
    by_owner[owner(frames[-1])] += count
    own[frames[-1]] += count
    for frame in set(frames):
        if frame.startswith('io/iamlet'):
            inclusive[frame] += count
if total == 0:
    sys.exit('profile.sh: no samples')
print(f'\n{total} samples; by the owner of the frame that was running:')
for name, count in by_owner.most_common():
    print(f'  {100 * count / total:5.1f} %  {name}')
print('\nframes with the most samples of their own:')
for frame, count in own.most_common(25):
    print(f'  {100 * count / total:5.1f} %  {frame[:130]}')
print("\niamlet's methods, with everything they call:")
for frame, count in inclusive.most_common(25):
    print(f'  {100 * count / total:5.1f} %  {frame[:130]}')
PY
