#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, in build/fuzz) and runs
# each for a while, starting from its seed corpus in tests/fuzz/corpus/.
#
#   tools/fuzz.sh                       # every target, 600 s each, one at a time
#   tools/fuzz.sh --seconds 20 url      # the named targets only
#   tools/fuzz.sh --merge ws_frame      # then fold new inputs into the seed corpus
#   tools/fuzz.sh --list                # the target names
#
# Options: --seconds N (default 600) per target; --jobs N targets at once
# (default 1); --merge adds to tests/fuzz/corpus/<target>/ the inputs that
# reach new coverage (libFuzzer's -merge=1: a minimal set); --build-only;
# --no-build; --work DIR for the runs' files (default build/fuzz/run). The
# runs work on a copy of the corpus there, so the tree's seeds change only
# with --merge. A crash, leak, timeout or out-of-memory leaves its
# reproducer there; the script then names the target and the file and
# exits 1. Environment: SPROCKET_SKIP_DEPS=1 skips the apt step;
# SPROCKET_FUZZ_FLAGS adds libFuzzer flags.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

seconds=600 jobs=1 merge=0 build=1 run=1 list=0 work_root=build/fuzz/run
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --seconds=*) seconds=${1#*=}; shift ;;
    --jobs) jobs=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --jobs=*) jobs=${1#*=}; shift ;;
    --merge) merge=1; shift ;;
    --work) work_root=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
    --work=*) work_root=${1#*=}; shift ;;
    --build-only) run=0; shift ;;
    --no-build) build=0; shift ;;
    --list) list=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "--seconds takes a whole number > 0, not '$seconds'" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "--jobs takes a whole number > 0, not '$jobs'" >&2; exit 2; }

dir=build/fuzz
corpus_root=tests/fuzz/corpus

if ((build)); then
  sprocket_install_deps
  args=(-DSPROCKET_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
  [[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)
  echo "==> [fuzz] configure: CC=clang CXX=clang++ cmake -S . -B $dir ${args[*]}"
  CC=clang CXX=clang++ cmake -S . -B "$dir" "${args[@]}" >/dev/null
  echo "==> [fuzz] build"
  cmake --build "$dir" -j "${SPROCKET_JOBS:-2}"
fi
[[ -f $dir/fuzz_targets.txt ]] || { echo "no fuzz build in $dir: run without --no-build" >&2; exit 1; }
mapfile -t known <"$dir/fuzz_targets.txt"
if ((list)); then
  printf '%s\n' "${known[@]}"
  exit 0
fi
((run)) || exit 0
((${#targets[@]})) || targets=("${known[@]}")
for t in "${targets[@]}"; do
  [[ " ${known[*]} " == *" $t "* ]] || { echo "unknown target '$t' (known: ${known[*]})" >&2; exit 2; }
done

# Leaks are findings too; a slow input (10 s) is a hang.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
read -r -a extra_flags <<<"${SPROCKET_FUZZ_FLAGS:-}"

# Runs one target in $work_root/<target>/: corpus/ (a copy of the
# seeds, grown by the run), artifacts/ (reproducers) and log; with
# tests/fuzz/<target>.dict as its dictionary when there is one.
run_target() {
  local t=$1 work=$work_root/$1
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "$corpus_root/$t/." "$work/corpus/" 2>/dev/null || true
  local dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  "$dir/tests/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "${dict[@]}" "${extra_flags[@]}" "$work/corpus" \
    >"$work/log" 2>&1
}

# One line per target from its log: executions, coverage, corpus.
report() {
  local t=$1 log=$work_root/$1/log execs done_line
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  printf '%-16s execs %-11s %s\n' "$t" "${execs:-?}" \
    "$(sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//; s/ exec\/s.*//' <<<"$done_line")"
}

echo "==> [fuzz] ${#targets[@]} target(s), ${seconds} s each, ${jobs} at a time (work: $work_root/)"
declare -A pid_of
failed=()
finish() {
  local t=$1 rc=0
  wait "${pid_of[$t]}" || rc=$?
  unset "pid_of[$t]"
  report "$t"
  if ((rc != 0)); then
    local found
    found=$(find "$work_root/$t/artifacts" -type f | head -1)
    echo "FAIL $t (exit $rc): reproducer ${found:-none written}; log $work_root/$t/log"
    [[ -n $found ]] && echo "     rerun: $dir/tests/fuzz/${t}_fuzz $found"
    # What failed, and the frames in sprocket's own code.
    { grep -E 'FUZZ_CHECK|^  at |ERROR:|SUMMARY:' "$work_root/$t/log" || true
      grep -E '^ *#[0-9]+ .*\.(c|cc|cpp|h|hpp):[0-9]+' "$work_root/$t/log" | grep -F "$PWD/" |
        grep -v check_failed || true
    } | head -12 | sed 's/^/     /'
    failed+=("$t")
  elif ((merge)); then
    local before after
    before=$(find "$corpus_root/$t" -type f | wc -l)
    "$dir/tests/fuzz/${t}_fuzz" -merge=1 "$corpus_root/$t" "$work_root/$t/corpus" \
      >"$work_root/$t/merge.log" 2>&1
    after=$(find "$corpus_root/$t" -type f | wc -l)
    echo "     merged into $corpus_root/$t: $before -> $after files"
  fi
}

queue=("${targets[@]}")
running=()
while ((${#queue[@]} || ${#running[@]})); do
  while ((${#queue[@]})) && ((${#running[@]} < jobs)); do
    t=${queue[0]}
    queue=("${queue[@]:1}")
    run_target "$t" &
    pid_of[$t]=$!
    running+=("$t")
  done
  # Wait for the oldest run (they all last about as long).
  finish "${running[0]}"
  running=("${running[@]:1}")
done

if ((${#failed[@]})); then
  echo "==> [fuzz] FAILED: ${failed[*]}"
  exit 1
fi
echo "==> [fuzz] no findings"
