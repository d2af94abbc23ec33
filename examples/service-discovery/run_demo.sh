#!/usr/bin/env bash
# Runs the service-discovery demo end to end over tcp on this machine:
# starts the daemon and three services as separate processes, shows them
# discovered, resolves and asks one, kills one service and shows it
# forgotten at the next survey, and stops everything it started.
#
#   run_demo.sh <directory with discovery-daemon, -service, -client> [port base]
set -euo pipefail

bin=${1:?usage: run_demo.sh <bin dir> [port base]}
base=${2:-5700}
log=$(mktemp -d)/daemon.log
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

export DISCOVERY_ADDR=tcp://127.0.0.1:$base
export RESOLVER_ADDR=tcp://127.0.0.1:$((base + 1))
export SURVEY_INTERVAL=${SURVEY_INTERVAL:-500} SURVEY_DEADLINE=${SURVEY_DEADLINE:-250}

# Waits (up to 15 s) until the daemon's log has `count` lines matching `pattern`.
wait_for() {
  local pattern=$1 count=$2
  for _ in $(seq 150); do
    (($(grep -c -- "$pattern" "$log" || true) >= count)) && return 0
    sleep 0.1
  done
  echo "run_demo: timed out waiting for $count x '$pattern'; daemon log:" >&2
  cat "$log" >&2
  return 1
}

"$bin/discovery-daemon" >"$log" 2>&1 &
pids+=($!)
echo "== started the discovery daemon (pid $!), surveying every ${SURVEY_INTERVAL} ms"
for i in 1 2 3; do
  SERVICE_NAME=answer SERVICE_ADDR=tcp://127.0.0.1:$((base + 10 + i)) "$bin/discovery-service" >/dev/null &
  pids+=($!)
  echo "== started service $i (pid $!) at tcp://127.0.0.1:$((base + 10 + i))"
done

wait_for "discovered answer" 3
grep "discovered" "$log"
echo "== resolving 'answer' and asking it:"
SERVICE_NAME=answer "$bin/discovery-client"

victim=${pids[1]}
kill "$victim"
wait "$victim" 2>/dev/null || true
echo "== killed service 1 (pid $victim)"
wait_for "lost answer" 1
grep "lost" "$log"
echo "== asking again (only live providers are picked):"
SERVICE_NAME=answer "$bin/discovery-client"
echo "== done; stopping everything started here"
