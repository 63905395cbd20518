#!/bin/bash
# Trains the JDK's AOT cache (JEP 483/514/515) for `iamlet serve`: runs the agent through the image's own
# launcher (same jar path, same JVM flags, so the cache matches the runs that use it) against the stand-ins
# (API server, STS, instance metadata; all on loopback), makes the requests a node sees (container credentials,
# metadata credentials, probes, metrics, a denial), then stops it with SIGTERM: the JVM writes the cache as it
# exits, recording the classes it loaded and linked and the methods' profiles.
#
#   aot-train.sh OUTPUT STANDINS_JAR
#
# The image's build runs it with the stand-ins' jar bind-mounted, so no layer of the image carries them
# (Dockerfile). Locally: daemonset/image/aot-train.sh agent/target/iamlet.aot standins/target/iamlet-standins-all.jar
# with IAMLET_JAR=agent/target/iamlet.jar and JAVA_HOME set (bin/iamlet aot-train does all that).
# Needs bash (its /dev/tcp), no curl: the JRE base image may not have it.
set -euo pipefail

out="${1:?usage: aot-train.sh OUTPUT STANDINS_JAR}"
standins_jar="${2:?usage: aot-train.sh OUTPUT STANDINS_JAR}"
here="$(cd "$(dirname "$0")" && pwd)"
launcher="${IAMLET_LAUNCHER:-$here/iamlet}"
spec="$here/aot-train-cluster.json"
java_home="${JAVA_HOME:-/opt/java/openjdk}"
# Loopback ports; the image build has a network namespace of its own, a local run picks a random range.
base="${IAMLET_TRAIN_PORT_BASE:-$((20000 + RANDOM % 20000))}"
container_port=$base probe_port=$((base + 1)) metadata_port=$((base + 2)) metrics_port=$((base + 3))

work="$(mktemp -d)"
standins_pid="" agent_pid=""
cleanup() {
  [ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
  [ -z "$standins_pid" ] || kill "$standins_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# http METHOD PORT PATH [HEADER...]: prints the status code; the body goes to $work/body.
http() {
  local method="$1" port="$2" path="$3" header request
  shift 3
  request="$method $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
  for header in "$@"; do request+="$header\r\n"; done
  { exec 5<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || { echo 000; return; }
  printf "$request\r\n" >&5
  cat <&5 >"$work/response" || true
  exec 5<&-
  sed -e '1,/^\r$/d' "$work/response" >"$work/body"
  head -1 "$work/response" | cut -d' ' -f2
}

"$java_home/bin/java" -jar "$standins_jar" --bind 127.0.0.1 --spec "$spec" --out "$work/standins" \
  >"$work/standins.log" 2>&1 &
standins_pid=$!
for _ in $(seq 1 240); do grep -q '^STANDINS .*"ready"' "$work/standins.log" && break; sleep 0.25; done
ready="$(grep -m1 '^STANDINS .*"ready"' "$work/standins.log")" || {
  cat "$work/standins.log" >&2; echo "aot-train: the stand-ins did not start" >&2; exit 1; }
field() { printf '%s' "$ready" | sed -e "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/"; }

rm -f "$out"
# The API server comes from fabric8's environment variables (cluster-env), as in a cluster, where the pod's service
# account replaces a kubeconfig: trained with a kubeconfig, the cache would load a YAML parser and fabric8's kubeconfig
# model at every start (~2 MiB, ~0.1 s) that no node uses. The node's AWS credentials are the stand-in STS's fixed
# test keys (FakeSts.NODE_*), nothing real; no AWS configuration file is read and the instance metadata service is
# never asked.
mapfile -t cluster_env < <("$here/cluster-env" "$(field apiServer)")
env "${cluster_env[@]}" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAIAMLETFAKENODE01 \
  AWS_SECRET_ACCESS_KEY=iamletFakeNodeSecretAccessKey00000000000 AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent IAMLET_AOT_CACHE_OUTPUT="$out" \
  "$launcher" serve --node-name aot-train-node --cluster-name aot-train \
  --container-listen "127.0.0.1:$container_port" --probe-listen "127.0.0.1:$probe_port" \
  --metadata-listen "127.0.0.1:$metadata_port" --metrics-listen "127.0.0.1:$metrics_port" \
  --sts-endpoint "$(field sts)" --metadata-upstream "$(field metadata)" \
  --base-role-arn arn:aws:iam::111122223333:role/ >"$work/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 1 480); do [ "$(http GET "$probe_port" /readyz)" = 200 ] && break; sleep 0.25; done
[ "$(http GET "$probe_port" /readyz)" = 200 ] || {
  cat "$work/agent.log" >&2; echo "aot-train: iamlet serve did not become ready" >&2; exit 1; }

token="$(cat "$work/standins/tokens/shop.web-1.token")"
credentials=/latest/meta-data/iam/security-credentials/
expect() { [ "$1" = "$2" ] || { cat "$work/agent.log" >&2; echo "aot-train: $3 answered $1, not $2" >&2; exit 1; }; }
# Enough rounds for the hot methods to be profiled (JEP 515); a few seconds in all.
for round in $(seq 1 100); do
  expect "$(http GET "$container_port" /v1/credentials "Authorization: $token")" 200 "container credentials"
  expect "$(http GET "$metadata_port" "$credentials")" 200 "metadata role list"
  expect "$(http GET "$metadata_port" "${credentials}app-web")" 200 "metadata credentials"
  if [ $((round % 10)) = 1 ]; then
    expect "$(http PUT "$metadata_port" /latest/api/token "X-aws-ec2-metadata-token-ttl-seconds: 60")" 200 \
      "IMDSv2 token"
    http GET "$container_port" /v1/credentials "Authorization: not-a-token" >/dev/null
    http GET "$metadata_port" /latest/meta-data/instance-id >/dev/null
    http GET "$probe_port" /healthz >/dev/null
    expect "$(http GET "$metrics_port" /metrics)" 200 "metrics"
  fi
done

kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
agent_pid=""
# 143: the JVM ends with the signal's status once its shutdown hook has run
{ [ "$status" = 0 ] || [ "$status" = 143 ]; } && [ -s "$out" ] || {
  cat "$work/agent.log" >&2; echo "aot-train: serve exited $status without writing $out" >&2; exit 1; }
echo "aot-train: wrote $out ($(du -h "$out" | cut -f1))" >&2
