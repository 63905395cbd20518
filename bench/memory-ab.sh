#!/usr/bin/env bash
# bench/memory-ab.sh ROUNDS NAME 'ENV=x ...|JVM flags' [NAME 'ENV|flags' ...]: variants of `iamlet serve` run one
# after the other through bench/memory-probe.sh (LIGHT=1: no NMT), ROUNDS times in turn, one line per run: start to
# ready (and the JVM's CPU time by then, and the agent's own uptime_ms at the pod index synced), VmRSS idle and after
# the wrk load, anonymous memory after it, req/s and server CPU µs per request.
# ENV before the '|' goes to memory-probe.sh (NOAOT=1, AOT=FILE, WARMUP, WRK), flags after it to the JVM, e.g.
#   bench/memory-ab.sh 3 base '|' young6 '|-Xmn6m' c2 '|-XX:TieredStopAtLevel=4'
# TREE=DIR runs another checkout's build (its jar, AOT cache and probe), to compare two commits in one sitting:
#   git worktree add ../before HEAD~1 && (cd ../before && ./mvnw -q -DskipTests package && bin/iamlet aot-train)
#   WARMUP=8 WRK=10 bench/memory-ab.sh 5 before 'TREE=../before|' after '|'
# Memory figures hold on a busy machine; CPU ones do not (compare in one sitting, quote the load). Loopback only.
set -uo pipefail
[ $# -ge 3 ] && [ $(( ($# - 1) % 2 )) = 0 ] || { sed -n '2,10p' "$0" >&2; exit 2; }
rounds=$1; shift
cd "$(dirname "$0")/.."
out=$(mktemp -d /tmp/memory-ab.XXXXXX)
args=("$@")
for r in $(seq 1 "$rounds"); do
  for ((i = 0; i < ${#args[@]}; i += 2)); do
    name=${args[i]}; spec=${args[i+1]}
    envs="${spec%%|*}"; flags="${spec#*|}"
    d="$out/$name.$r"
    tree=.
    for e in $envs; do case "$e" in TREE=*) tree="${e#TREE=}" ;; esac; done
    # shellcheck disable=SC2086 # envs and flags are lists on purpose
    env LIGHT=1 $envs "$tree/bench/memory-probe.sh" "$d" $flags >/dev/null 2>&1 || { echo "$name r$r: failed, see $d" >&2; continue; }
    printf "%-10s r%s ready_ms=%s cpu_ms_to_ready=%s uptime_ms=%s rss_idle_mib=%.1f rss_after_mib=%.1f anon_after_mib=%.1f %s\n" \
      "$name" "$r" "$(awk '/ready_ms/{print $2}' "$d/summary")" "$(awk '/cpu_ms_to_ready/{print $2}' "$d/summary")" \
      "$(grep -o '"uptime_ms":[0-9]*' "$d/iamlet.log" | head -1 | cut -d: -f2)" "$(awk '/rss_idle/{print $2/1024}' "$d/summary")" \
      "$(awk '/rss_after/{print $2/1024}' "$d/summary")" "$(awk '/^Anonymous/{print $2/1024}' "$d/smaps_rollup")" \
      "$(grep -o 'Requests/sec: *[0-9.]*\|cpu_us_per_req [0-9]*' "$d/summary" | tr '\n' ' ')"
  done
done
echo "runs kept in $out (uptime: $(uptime | sed 's/.*load/load/'))"
