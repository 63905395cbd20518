#!/usr/bin/env bash
# Load on the hot path, measured on `iamlet serve` alone: the stand-ins (API server, STS) run as their own process,
# iamlet serve runs as the DaemonSet runs it, and wrk plays one pod asking for its cached credentials over
# keep-alive connections on loopback. Prints wrk's figures, the agent's memory (idle and after load), its CPU time
# (and per request: process CPU time / requests), and how many STS calls the load caused (the cache must hold it at
# one).
# Needs: the packaged jar (./mvnw -q -DskipTests package) and wrk (apt-get install wrk).
# Usage: bench/hot-path.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
connections="${2:-16}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
work="$(mktemp -d)"
standins_pid=""; agent_pid=""
cleanup() { kill $agent_pid $standins_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkfifo "$work/in"
bin/iamlet stand-ins --bind 127.0.0.1 --spec bench/cluster.json --out "$work" --exit-on-eof <"$work/in" \
  >"$work/standins.log" 2>&1 &
standins_pid=$!
exec 3>"$work/in"   # keeps the stand-ins' stdin open until this script ends
for _ in $(seq 1 120); do grep -q '^STANDINS .*"ready"' "$work/standins.log" && break; sleep 0.5; done
ready=$(grep '^STANDINS .*"ready"' "$work/standins.log" | head -1 | sed 's/^STANDINS //')
[ -n "$ready" ] || { cat "$work/standins.log"; echo "stand-ins did not start" >&2; exit 1; }
field() { echo "$ready" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

KUBECONFIG="$(field kubeconfig)" AWS_REGION=us-east-1 bin/iamlet serve --node-name bench-node \
  --container-listen 127.0.0.1:18170 --probe-listen 127.0.0.1:12703 --metrics-listen 127.0.0.1:19876 \
  --sts-endpoint "$(field sts)" >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 120); do curl -sf http://127.0.0.1:12703/readyz >/dev/null && break; sleep 0.5; done
curl -sf http://127.0.0.1:12703/readyz >/dev/null || { cat "$work/agent.log"; echo "iamlet not ready" >&2; exit 1; }
java_pid=$(pgrep -P "$agent_pid" java || echo "$agent_pid")
token=$(cat "$work"/tokens/shop.web-1.token)
endpoint=http://127.0.0.1:18170/v1/credentials
metric() { curl -s http://127.0.0.1:19876/metrics | awk -v m="$1" '$1 ~ "^"m {s+=$2} END {print s+0}'; }

echo "== iamlet serve, ready and idle"
grep -E 'VmRSS' /proc/"$java_pid"/status
curl -sf -H "Authorization: $token" "$endpoint" >/dev/null
sts_before=$(metric iamlet_sts_requests_total)
echo "== warm-up (5 s)"
wrk -t2 -c"$connections" -d5s -H "Authorization: $token" "$endpoint" >/dev/null
cpu_before=$(awk '{print $14+$15}' /proc/"$java_pid"/stat)
echo "== wrk -t2 -c$connections -d${seconds}s $endpoint"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: $token" "$endpoint" | tee "$work/wrk.txt"
cpu_after=$(awk '{print $14+$15}' /proc/"$java_pid"/stat)
echo "== iamlet serve after the load"
grep -E 'VmRSS|VmHWM' /proc/"$java_pid"/status
echo "CPU seconds used during the ${seconds}s run: $(( (cpu_after - cpu_before) / $(getconf CLK_TCK) ))"
# CPU per request moves less than req/s on a shared machine: everything the process did (GC, logging) counts
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
python3 -c "print('server CPU per request: %.1f us over %d requests' % (($cpu_after - $cpu_before) * 1e6 / $(getconf CLK_TCK) / $requests, $requests))"
echo "STS calls caused by warm-up and run: $(( $(metric iamlet_sts_requests_total) - sts_before ))"
count=$(metric 'iamlet_request_seconds_count\{endpoint="container"')
sum=$(metric 'iamlet_request_seconds_sum\{endpoint="container"')
python3 -c "print('server-side mean per request: %.1f us over %d requests' % ($sum / $count * 1e6, $count))"
