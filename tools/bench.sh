#!/usr/bin/env bash
# Builds the benchmarks (Release, build/release), runs them in rounds and
# prints one Markdown table per experiment and transport: sprocket beside raw
# sockets, NNG, nanomsg and ZeroMQ, with ratios, what each costs per message
# (CPU, context switches), the idle cost, and the targets. Results go to
# build/release/bench-results/ (report.md, results.csv, results.json, the
# raw output and, with gnuplot, bench-throughput.png and bench-latency.png).
#
#   tools/bench.sh                  # full: 5 rounds, under 12 minutes; charts also to docs/
#   tools/bench.sh --quick          # 1 short round, under 2 minutes
#   tools/bench.sh --rounds N       # N rounds (of the full length)
#   tools/bench.sh --filter REGEX   # only what matches experiment/pattern/transport/library/size
#   tools/bench.sh --busy-core      # the same with a CPU hog pinned to the last core
#                                   #   (results in build/release/bench-results-busy-core/)
#   tools/bench.sh --syscalls       # system calls per message (kernel tracepoints: root, or
#                                   #   perf_event_paranoid <= 1), 1 round of the stream and
#                                   #   inproc cells (results in .../bench-results-syscalls/)
#
# Run it alone on the machine: cpulock tools/bench.sh
# Environment: SPROCKET_JOBS (default 2) build parallelism,
# SPROCKET_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

quick=0
rounds=""
filter=""
busy_core=0
syscalls=0
command_line="tools/bench.sh${*:+ $*}"
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --busy-core) busy_core=1; shift ;;
    --syscalls) syscalls=1; shift ;;
    --rounds) rounds=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --filter) filter=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --filter=*) filter=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -z $rounds || $rounds =~ ^[1-9][0-9]*$ ]] || { echo "--rounds takes a positive number" >&2; exit 2; }
if ((syscalls)); then
  # Counting needs the tracepoints (tracefs) and the right to open them.
  id_file=/sys/kernel/tracing/events/raw_syscalls/sys_enter/id
  [[ -r $id_file ]] || id_file=/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id
  paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)
  if [[ ! -r $id_file ]] || ((EUID != 0 && paranoid > 1)); then
    echo "--syscalls needs the kernel tracepoint raw_syscalls/sys_enter (tracefs at /sys/kernel/tracing)" \
      "and root or kernel.perf_event_paranoid <= 1 (it is $paranoid)" >&2
    exit 2
  fi
fi

sprocket_install_deps python3

dir=build/release
out=$dir/bench-results
((busy_core)) && out+=-busy-core
((syscalls)) && out+=-syscalls
rotated=(bench_inproc bench_baselines bench_stream bench_survey)  # run every round, order rotated
micro=(bench_radix_tree bench_codecs)  # run once, like bench_message
programs=("${rotated[@]}" bench_message "${micro[@]}")

# The same configuration as the Release build of tools/test.sh, benchmarks on.
args=(-DCMAKE_BUILD_TYPE=Release -DSPROCKET_BUILD_BENCH=ON)
[[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)
echo "==> configure: cmake -S . -B $dir ${args[*]}"
cmake -S . -B "$dir" "${args[@]}" | grep 'sprocket bench' || true
echo "==> build: ${programs[*]} (and bench_stream's peer programs)"
cmake --build "$dir" -j "${SPROCKET_JOBS:-2}" --target "${programs[@]}"
# NNG's side of the survey, built with bench_survey when NNG is found.
[[ -x $dir/bench/bench_survey_nng ]] && rotated+=(bench_survey_nng)
# --syscalls: only the cells with a per-message cost, and none of the rest.
if ((syscalls)); then
  rotated=(bench_inproc bench_baselines bench_stream)
  micro=()
  rounds=${rounds:-1}
  [[ -n $filter ]] || filter='^(throughput|latency)/'
  export SPROCKET_BENCH_SYSCALLS=1
fi

# Per round: google-benchmark's minimum time per benchmark, and bench_stream's
# seconds of measured sending per measurement (plus about 0.1 s to start two
# processes, connect and warm up).
# idle: seconds every library's idle connection is watched, once per run.
if ((quick)); then
  rounds=${rounds:-1} min_time=0.02 duration=0.1 limit=300 idle=2
  micro_time=0.02 survey_time=0.1 micro_filter='-/1000000(/|$)'  # 1 M subscriptions: full run only
else
  rounds=${rounds:-5} min_time=0.2 duration=0.35 limit=900 idle=10
  micro_time=0.03 survey_time=0.5 micro_filter=''
fi
# The idle experiment runs unless a filter leaves it out or system calls are counted.
run_idle=1
((syscalls)) && run_idle=0
[[ -n $filter && ! idle/pair =~ $filter ]] && run_idle=0

# --busy-core: a process spinning on the last core for the whole run, so
# that every benchmark has one core less than it has threads wanting one.
busy_pid=""
stop_busy() { [[ -n $busy_pid ]] && kill "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null || true; busy_pid=""; }
if ((busy_core)); then
  busy_cpu=$(($(nproc) - 1))
  taskset -c "$busy_cpu" bash -c 'while :; do :; done' &
  busy_pid=$!
  trap stop_busy EXIT
  echo "==> busy core: pid $busy_pid spinning on CPU $busy_cpu for the whole run"
fi

mkdir -p "$out"
rm -rf "$out"/*.json "$out"/*.jsonl "$out"/*.txt "$out"/*.png "$out"/plot
failed=()

# run NAME ROUND COMMAND...: runs a benchmark program, stopping it after
# $limit seconds; its console output goes to $out/NAME.txt (appended).
run() {
  local name=$1 round=$2 rc=0 t0=$SECONDS
  shift 2
  echo "    $name (round $round)"
  timeout --kill-after=10 "$limit" "$@" >>"$out/$name.txt" 2>&1 || rc=$?
  if ((rc != 0)); then
    echo "    $name FAILED in round $round (exit status $rc$( ((rc == 124)) && echo ", timed out after $limit s")); the end of its output:" >&2
    tail -n 15 "$out/$name.txt" >&2
    failed+=("$name/r$round")
  fi
  echo "      done in $((SECONDS - t0)) s"
}

gbench_args=("--benchmark_min_time=$min_time" --benchmark_enable_random_interleaving=true)
[[ -n $filter ]] && gbench_args+=("--benchmark_filter=$filter")
stream_args=(--duration "$duration")
survey_args=("--benchmark_min_time=$survey_time")
[[ -n $filter ]] && survey_args+=("--benchmark_filter=$filter")
micro_args=("--benchmark_min_time=$micro_time" --benchmark_enable_random_interleaving=true)
[[ -n $filter ]] && micro_filter=$filter
[[ -n $micro_filter ]] && micro_args+=("--benchmark_filter=$micro_filter")
[[ -n $filter ]] && stream_args+=(--filter "$filter")

start=$SECONDS
for ((r = 0; r < rounds; r++)); do
  echo "==> round $((r + 1)) of $rounds"
  for ((i = 0; i < ${#rotated[@]}; i++)); do
    p=${rotated[(i + r) % ${#rotated[@]}]}
    if [[ $p == bench_stream ]]; then
      run "$p" "$r" "$dir/bench/$p" "${stream_args[@]}" --round "$r" --out "$out/$p-r$r.jsonl"
    elif [[ $p == bench_survey* ]]; then
      run "$p" "$r" "$dir/bench/$p" "${survey_args[@]}" \
        --benchmark_out="$out/$p-r$r.json" --benchmark_out_format=json
    else
      run "$p" "$r" "$dir/bench/$p" "${gbench_args[@]}" \
        --benchmark_out="$out/$p-r$r.json" --benchmark_out_format=json
    fi
  done
done
if ((run_idle)); then
  echo "==> idle: every library's idle connection for $idle s, all at once"
  idle_filter='^idle/'
  [[ -n $filter ]] && idle_filter=$filter
  run bench_stream-idle 0 "$dir/bench/bench_stream" --idle "$idle" --filter "$idle_filter" \
    --out "$out/bench_stream-idle.jsonl"
fi
if ((!syscalls)); then
  echo "==> bench_message: $rounds repetition(s)"
  run bench_message 0 "$dir/bench/bench_message" "${gbench_args[@]}" --benchmark_repetitions="$rounds" \
    --benchmark_out="$out/bench_message.json" --benchmark_out_format=json
fi
for p in "${micro[@]}"; do
  echo "==> $p: one repetition"
  run "$p" 0 "$dir/bench/$p" "${micro_args[@]}" --benchmark_out="$out/$p.json" --benchmark_out_format=json
done
echo "==> measured in $((SECONDS - start)) s"
stop_busy

machine="nproc $(nproc); $(lscpu 2>/dev/null | grep 'Model name' | sed 's/  */ /g' | head -n 1)"
report_args=(--out-dir "$out" --command "$command_line" --machine "$machine")
((busy_core)) && report_args+=(--busy-core --mode "busy core: a CPU hog (bash busy loop) pinned to CPU $busy_cpu throughout")
# --busy-core: how much each library lost, against the last normal run (if any).
((busy_core)) && [[ -f $dir/bench-results/results.json ]] &&
  report_args+=(--baseline "$dir/bench-results/results.json" --baseline-label "the last normal run (idle cores)")
((syscalls)) && report_args+=(--mode "system calls counted (kernel tracepoints): the rates are slowed by the counting; read the per-message counts")
# A full, unfiltered run in the normal mode also refreshes the charts in docs/.
((quick == 0 && busy_core == 0 && syscalls == 0)) && [[ -z $filter ]] && report_args+=(--docs-dir docs)
shopt -s nullglob
results=("$out"/*.json "$out"/*.jsonl)
if ((${#results[@]})); then
  echo
  python3 tools/lib/bench_report.py "${report_args[@]}" "${results[@]}"
  echo "(written: $out/report.md, results.csv, results.json and the raw output)"
fi
if ((${#failed[@]})); then
  echo "benchmark runs that failed: ${failed[*]}" >&2
  exit 1
fi
