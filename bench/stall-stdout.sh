#!/bin/bash
# Issue 10 (never block on logging): iamlet serve with its stdout going into a pipe nobody reads for STALL seconds; wrk drives cached grants meanwhile.
set -u
cd "$(dirname "$0")/.."   # the repository
W=/tmp/d-stall/run; rm -rf $W; mkdir -p $W
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
STALL=${STALL:-45}
mkfifo $W/in $W/stdout
$JAVA -jar standins/target/iamlet-standins-all.jar --bind 127.0.0.1 --spec bench/cluster.json --out $W/s --exit-on-eof <$W/in >$W/standins.log 2>&1 &
SPID=$!
exec 7>$W/in
for i in $(seq 1 120); do grep -q '^STANDINS .*"ready"' $W/standins.log && break; sleep 0.5; done
READY=$(grep '^STANDINS .*"ready"' $W/standins.log | head -1 | sed 's/^STANDINS //')
f() { echo "$READY" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# the reader opens the pipe now but reads only after STALL seconds: stdout stalls once the pipe's 64 KiB are full
( sleep $STALL; cat > $W/iamlet.out ) < $W/stdout &
RPID=$!; T0=$SECONDS
env -i PATH="$PATH" HOME=$W KUBECONFIG="$(f kubeconfig)" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=AKIAIAMLETFAKENODE01 AWS_SECRET_ACCESS_KEY=iamletFakeNodeSecretAccessKey00000000000 \
  AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$W/none AWS_SHARED_CREDENTIALS_FILE=$W/none \
  $JAVA --enable-native-access=ALL-UNNAMED ${LOGBACK:+-Dlogback.configurationFile=$LOGBACK} -jar agent/target/iamlet.jar serve --node-name bench-node \
  --container-listen 127.0.0.1:28711 --probe-listen 127.0.0.1:28712 --metrics-listen 127.0.0.1:28713 \
  --sts-endpoint "$(f sts)" --audit-every-grant=true > $W/stdout 2>$W/iamlet.err &
IPID=$!
for i in $(seq 1 120); do [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:28712/readyz)" = 200 ] && break; sleep 0.5; done
TOKEN=$(cat $W/s/tokens/shop.web-1.token)
echo "ready; first: $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $TOKEN" http://127.0.0.1:28711/v1/credentials)"
timeout 60 wrk -t1 -c8 -d20s --timeout 2s --latency -H "Authorization: $TOKEN" http://127.0.0.1:28711/v1/credentials > $W/wrk.txt 2>&1
echo "during the stall (stdout unread):"
grep -E "requests in|Requests/sec|Non-2xx|Socket errors|50%|99%" $W/wrk.txt
echo "  healthz $(curl -s -o /dev/null -w '%{http_code} %{time_total}s' --max-time 2 http://127.0.0.1:28712/healthz)  readyz $(curl -s -o /dev/null -w '%{http_code} %{time_total}s' --max-time 2 http://127.0.0.1:28712/readyz)"
echo "  credentials $(curl -s -o /dev/null -w '%{http_code} %{time_total}s' --max-time 2 -H "Authorization: $TOKEN" http://127.0.0.1:28711/v1/credentials)"
curl -s --max-time 2 http://127.0.0.1:28713/metrics | grep -E "^iamlet_log_lines_dropped_total|^iamlet_work_rejected|^executor_queued_tasks" | sed 's/^/  /'
REST=$(( STALL + 5 - (SECONDS - T0) )); [ $REST -gt 0 ] && sleep $REST   # the reader reads only after STALL seconds
echo "after the reader caught up:"
grep -c '"audit":true' $W/iamlet.out | sed 's/^/  audit lines written: /'
grep 'log lines dropped' $W/iamlet.out | head -2 | cut -c1-400 | sed 's/^/  /'
kill $IPID; wait $IPID 2>/dev/null
exec 7>&-; sleep 1; kill $SPID 2>/dev/null; wait $SPID 2>/dev/null
wait $RPID 2>/dev/null
echo done
