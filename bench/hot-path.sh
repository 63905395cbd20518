#!/usr/bin/env bash
# Load on the hot path: a cached credential served to one pod over keep-alive connections, on loopback.
# Starts `iamlet demo` (the agent against embedded stand-ins), warms up, then runs wrk and prints its figures,
# the process's resident memory and CPU time, and how many STS calls the load caused (must stay 1).
# Needs: the packaged jar (./mvnw -q -DskipTests package) and wrk (apt-get install wrk).
# Usage: bench/hot-path.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
connections="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
log="$(mktemp)"
bin/iamlet demo >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 120); do grep -q "Serving until" "$log" && break; sleep 0.5; done
grep -q "Serving until" "$log" || { cat "$log"; echo "demo did not start" >&2; exit 1; }
java_pid=$(pgrep -P "$pid" java || echo "$pid")
endpoint=$(grep -o 'container endpoint  http://[^ ]*' "$log" | awk '{print $3}')
metrics=$(grep -o 'metrics             http://[^ ]*' "$log" | awk '{print $2}')
token_file=$(grep -o 'cat [^)]*web-1.token' "$log" | head -1 | awk '{print $2}')
token=$(cat "$token_file")
sts_before=$(curl -s "$metrics" | awk '/^iamlet_sts_requests_total/ {s+=$2} END {print s+0}')
echo "== warm-up (5 s)"
wrk -t2 -c"$connections" -d5s -H "Authorization: $token" "$endpoint" >/dev/null
cpu_before=$(awk '{print $14+$15}' /proc/"$java_pid"/stat)
echo "== wrk -t2 -c$connections -d${seconds}s $endpoint"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: $token" "$endpoint"
cpu_after=$(awk '{print $14+$15}' /proc/"$java_pid"/stat)
sts_after=$(curl -s "$metrics" | awk '/^iamlet_sts_requests_total/ {s+=$2} END {print s+0}')
echo "== agent process (includes the embedded stand-ins)"
grep -E 'VmRSS|VmHWM' /proc/"$java_pid"/status
echo "CPU seconds during the run: $(( (cpu_after - cpu_before) / $(getconf CLK_TCK) ))"
echo "STS calls during warm-up and run: $(echo "$sts_after - $sts_before" | bc)"
curl -s "$metrics" | grep -E '^iamlet_request_seconds_(count|sum)\{endpoint="container"' || true
