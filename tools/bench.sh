#!/usr/bin/env bash
# Builds the benchmarks (Release, build/release), runs them and prints one
# Markdown table per experiment comparing sprocket with the mutex+cv
# baseline and ZeroMQ. Raw JSON, results.csv and report.md go to
# build/release/bench-results/.
#
#   tools/bench.sh            # full: 5 repetitions of >= 0.5 s, medians
#   tools/bench.sh --quick    # one short repetition (under 2 minutes)
#   tools/bench.sh --filter REGEX   # only matching benchmarks (google-benchmark regex)
#
# Environment: SPROCKET_JOBS (default 2) build parallelism,
# SPROCKET_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

quick=0
filter=""
command_line="tools/bench.sh${*:+ $*}"
while (($#)); do
  case $1 in
    --quick) quick=1; shift ;;
    --filter) filter=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --filter=*) filter=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

sprocket_install_deps python3

dir=build/release
out=$dir/bench-results
programs=(bench_message bench_inproc bench_baselines)

# The same configuration as the Release build of tools/test.sh, benchmarks on.
args=(-DCMAKE_BUILD_TYPE=Release -DSPROCKET_BUILD_BENCH=ON)
[[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)
echo "==> configure: cmake -S . -B $dir ${args[*]}"
cmake -S . -B "$dir" "${args[@]}" >/dev/null
echo "==> build: ${programs[*]}"
cmake --build "$dir" -j "${SPROCKET_JOBS:-2}" --target "${programs[@]}"

if ((quick)); then
  bench_args=(--benchmark_min_time=0.05)
  limit=300
else
  bench_args=(--benchmark_min_time=0.5 --benchmark_repetitions=5
              --benchmark_report_aggregates_only=true
              --benchmark_enable_random_interleaving=true)
  limit=1800
fi
[[ -n $filter ]] && bench_args+=("--benchmark_filter=$filter")

mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.txt
failed=()
for p in "${programs[@]}"; do
  t0=$SECONDS
  echo "==> run: $p ${bench_args[*]} (console output: $out/$p.txt)"
  # A hung benchmark must not hang the script: interrupt it after $limit s.
  rc=0
  timeout --kill-after=10 "$limit" "$dir/bench/$p" "${bench_args[@]}" \
    --benchmark_out="$out/$p.json" --benchmark_out_format=json >"$out/$p.txt" 2>&1 || rc=$?
  if ((rc != 0)); then
    echo "    FAILED (exit status $rc$( ((rc == 124)) && echo ", timed out after $limit s")); the end of its output:" >&2
    tail -n 20 "$out/$p.txt" >&2
    failed+=("$p")
    rm -f "$out/$p.json"
  fi
  echo "    done in $((SECONDS - t0)) s"
done

machine="$(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
json=("$out"/*.json)
if [[ -e ${json[0]} ]]; then
  echo
  python3 tools/lib/bench_report.py --out-dir "$out" --command "$command_line" \
    --machine "$machine" "${json[@]}"
  echo "(written: $out/report.md, $out/results.csv and the raw JSON)"
fi
if ((${#failed[@]})); then
  echo "benchmark programs that failed: ${failed[*]}" >&2
  exit 1
fi
