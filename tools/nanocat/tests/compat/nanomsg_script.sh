#!/usr/bin/env bash
# A shell script in the style people write for nanomsg's nanocat: a REP
# service and a REQ health check, a PUB feed tailed by a SUB with topics, a
# SUB in every output format, data from a file, a PUSH/PULL pipe, a BUS pair and the
# exit statuses of bad invocations. It uses only nanomsg's options and
# prints a transcript on stdout. compat_test.sh runs it once with nanomsg's
# nanocat and once with sprocket's (NANOCAT=...) and requires the same
# transcript from both.
set -eu
NC=${NANOCAT:-nanocat}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}" $daemon_pid; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
port=$((20000 + RANDOM % 12000))  # below the ephemeral range

# Starts a receiving nanocat in the background, output to a file; it ends
# by itself at --recv-timeout (whole seconds: nanomsg truncates fractions).
serve() {
  local out=$1
  shift
  "$NC" "$@" --recv-timeout 3 >"$out" &
  pids+=($!)
}

# Waits for the background nanocats; each must exit 0.
collect() {
  for p in "${pids[@]}"; do wait "$p"; done
  pids=()
}

# A service runs until it is killed (nanocat's REP fails at --recv-timeout).
daemon_pid=
start_daemon() {
  local out=$1
  shift
  "$NC" "$@" >"$out" &
  daemon_pid=$!
}
stop_daemon() {
  kill "$daemon_pid"
  wait "$daemon_pid" || true
}

echo "== req/rep over tcp (-L/-l)"
start_daemon rep.out --rep -L "$port" -D pong -A
sleep 0.5
"$NC" --req -l "$port" -D ping -A
echo "req exit $?"
"$NC" --req --connect "tcp://127.0.0.1:$port" --data "ping 2" --quoted
stop_daemon
echo "rep saw:"
cat rep.out

echo "== pub/sub over ipc with topics"
serve sub.out --sub --bind-ipc ./feed.sock --subscribe weather --subscribe alerts -Q
serve all.out --sub -X ./feed2.sock -A
sleep 0.5
# --delay in whole seconds: nanomsg's nanocat truncates 0.5 to 0.
for msg in 'weather: sunny' 'news: none' 'alerts/storm' 'weather/rain	"x"'; do
  "$NC" --pub --connect ipc://./feed.sock --connect ipc://./feed2.sock --data "$msg" --delay 1
done
collect
echo "subscribed:"
cat sub.out
echo "everything:"
cat all.out

echo "== each output format"
printf 'line one\nbin\001\377 end' >payload.bin
connects=()
for fmt in raw ascii quoted msgpack hex; do
  serve "sub-$fmt.out" --sub --bind "ipc://$work/fmt-$fmt.sock" --format "$fmt"
  connects+=(--connect "ipc://$work/fmt-$fmt.sock")
done
sleep 0.5
"$NC" --pub "${connects[@]}" --file payload.bin -d 1
"$NC" --pub "${connects[@]}" -D short -d 1
collect
for fmt in raw ascii quoted msgpack hex; do
  echo "$fmt:"
  od -An -c "sub-$fmt.out"
done

echo "== push/pull"
serve pull.out --pull -X ./pipe.sock -Q
sleep 0.5
"$NC" --push -x ./pipe.sock -D "to the pipe" -d 1
collect
cat pull.out

echo "== bus"
serve bus.out --bus -X ./bus.sock -A
sleep 0.5
"$NC" --bus -x ./bus.sock -D "hello bus" -d 1 --recv-timeout 1
echo "bus sender exit $?"
collect
cat bus.out

echo "== errors"
status() {
  local what=$1 s=0
  shift
  "$NC" "$@" >/dev/null 2>&1 || s=$?
  echo "$what: $s"
}
status "unknown option" --bogus
status "no address" --push
status "bad scheme" --push --connect nope://x -D a
status "unreadable file" --push -F /nonexistent/file -l "$port"
status "data for SUB" --sub --connect "tcp://127.0.0.1:$port" --data x
status "subscribe on PUB" --pub --bind "tcp://127.0.0.1:$port" --subscribe x
echo "== done"
