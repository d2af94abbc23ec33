#!/usr/bin/env bash
# Runs the live-notifications demo: the server (the page over HTTP, edits
# over REQ/REP on ws://, changes published on ws:// and tcp://) and the
# "e-mail alerts" — a nanocat subscribed over tcp that prints every change.
# Prints the URL to open, then runs until Ctrl-C and stops what it started.
#
#   run_demo.sh <dir with live-notifications-server> <nanocat> [--check] [server options]
#
# Server options: --host ADDR --http-port P --ws-port P --tcp-port P
# (defaults 127.0.0.1, 8480, 8481, 8482; 0 = any free port).
# --check: instead of waiting, make one edit with `nanocat --req` over ws://,
# show that the alerts consumer printed it, and stop (the quickstart's test).
set -euo pipefail

bin=${1:?usage: run_demo.sh <bin dir> <nanocat> [--check] [server options]}
nanocat=${2:?usage: run_demo.sh <bin dir> <nanocat> [--check] [server options]}
shift 2
check=0
if [[ ${1:-} == --check ]]; then
  check=1
  shift
fi

logs=$(mktemp -d)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$logs"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Waits (up to 15 s) until `file` has a line matching `pattern`.
wait_for() {
  local file=$1 pattern=$2
  for _ in $(seq 150); do
    grep -q -- "$pattern" "$file" && return 0
    sleep 0.1
  done
  echo "run_demo: timed out waiting for '$pattern' in $file:" >&2
  cat "$file" >&2
  return 1
}

"$bin/live-notifications-server" "$@" >"$logs/server.log" 2>&1 &
pids+=($!)
wait_for "$logs/server.log" '^ready' || exit 1
page=$(sed -n 's/^ *page: *//p' "$logs/server.log")
rpc=$(sed -n 's/^ *edits (REP): *//p' "$logs/server.log")
tcp=$(grep -o 'tcp://[^ ]*' "$logs/server.log")

: >"$logs/alerts.log"
"$nanocat" --sub --connect "$tcp" --subscribe record/ --ascii >"$logs/alerts.log" 2>&1 &
pids+=($!)

cat "$logs/server.log"
echo
echo "Open these two in your browser (two windows side by side), open a record in"
echo "both, edit it in one and press Save: the other shows the change at once."
echo
echo "    ${page}?user=alice"
echo "    ${page}?user=bob"
echo
echo "E-mail alerts (nanocat --sub --connect $tcp --subscribe record/ --ascii):"

if ((check)); then
  # The alerts consumer connects in the background: edit until it has seen one.
  for i in $(seq 50); do
    "$nanocat" --req --connect "$rpc" --data "edit 4 quickstart"$'\n'"check $i" --recv-timeout 5 >/dev/null
    if grep -q '"editor":"quickstart"' "$logs/alerts.log"; then
      cat "$logs/alerts.log"
      echo "== the edit reached the alerts consumer; stopping"
      exit 0
    fi
    sleep 0.1
  done
  echo "run_demo: the alerts consumer printed no edit:" >&2
  cat "$logs/alerts.log" "$logs/server.log" >&2
  exit 1
fi

echo "(Ctrl-C stops the demo)"
tail -n +1 -f "$logs/alerts.log" &
pids+=($!)
wait "${pids[0]}"
