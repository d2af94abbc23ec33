#!/usr/bin/env bash
# Installs what is missing, then configures, builds and runs every test in
# three builds: Release, ASan+UBSan and TSan; then builds the fuzz targets
# (clang, build/fuzz) and runs each for 20 s from its seed corpus
# (tools/fuzz.sh). All four steps run even when one fails; the exit status
# is non-zero if any failed. The Release pass also runs the JavaScript
# client's tests and the browser test, builds the API reference (the `docs`
# target, failing on an undocumented public member) and tests the Debian
# packages (tools/lib/deb_test.sh: build, install, build the README example
# against them, remove them). The ASan+UBSan build is a static one
# (BUILD_SHARED_LIBS=OFF), so both library configurations are built, tested
# and installed. When tests fail, the run ends with the telling lines of
# what the first ones printed (tools/lib/failed_test_excerpt.awk).
#
#   tools/test.sh                 # all four steps
#   tools/test.sh --only tsan     # one of release | asan | tsan | fuzz
#
# Environment: SPROCKET_JOBS (default 2) for build and test parallelism (and
# fuzz targets run at once), SPROCKET_TEST_TIMEOUT (default 300) seconds per
# test without its own TIMEOUT, SPROCKET_FUZZ_SECONDS (default 20) per fuzz
# target, SPROCKET_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

usage() {
  sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

builds=(release asan tsan fuzz)
while (($#)); do
  case $1 in
    --only) builds=("${2:-}"); shift 2 || { usage >&2; exit 2; } ;;
    --only=*) builds=("${1#*=}"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
for b in "${builds[@]}"; do
  [[ $b == release || $b == asan || $b == tsan || $b == fuzz ]] ||
    { echo "--only takes release, asan, tsan or fuzz, not '$b'" >&2; exit 2; }
done

jobs=${SPROCKET_JOBS:-2}
test_timeout=${SPROCKET_TEST_TIMEOUT:-300}

# Sanitizer settings; anything already in the environment wins.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan-suppressions.txt:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tools/tsan-suppressions.txt}

cmake_args_for() {
  case $1 in
    release) echo "-DCMAKE_BUILD_TYPE=Release" ;;
    asan) echo "-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPROCKET_SANITIZE=address,undefined -DSPROCKET_BUILD_BENCH=OFF -DBUILD_SHARED_LIBS=OFF" ;;
    tsan) echo "-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPROCKET_SANITIZE=thread -DSPROCKET_BUILD_BENCH=OFF" ;;
  esac
}

# GCC 12's TSan cannot map its shadow memory when the kernel randomises more
# than 28 bits of mmap addresses (newer kernels default to 32); running the
# tests without ASLR avoids "FATAL: ThreadSanitizer: unexpected memory mapping".
tsan_launcher() {
  local bits
  bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28)
  if ((bits > 28)) && command -v setarch >/dev/null; then
    echo "setarch $(uname -m) -R"
  fi
}

declare -A result summary excerpt
# Configures, builds and tests one build; records its result and returns
# non-zero on failure.
run_build() {
  local name=$1 dir=build/$1 log=build/$1/ctest.log
  local -a args launcher=()
  read -r -a args <<<"$(cmake_args_for "$name")"
  # Ninja for new build trees; an existing tree keeps its generator.
  [[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)
  [[ $name == tsan ]] && read -r -a launcher <<<"$(tsan_launcher)"

  echo
  echo "==> [$name] configure: cmake -S . -B $dir ${args[*]}"
  if ! cmake -S . -B "$dir" "${args[@]}"; then
    result[$name]="FAIL (configure)"
    return 1
  fi
  echo "==> [$name] build"
  if ! cmake --build "$dir" -j "$jobs"; then
    result[$name]="FAIL (build)"
    return 1
  fi
  echo "==> [$name] test${launcher:+ (under ${launcher[*]})}"
  local rc=0
  "${launcher[@]}" ctest --test-dir "$dir" --output-on-failure --no-tests=error \
    --timeout "$test_timeout" -j "$jobs" 2>&1 | tee "$log" || rc=$?
  # CTest's own summary: the pass-rate line and the list of failures.
  summary[$name]=$(sed -n -e '/tests passed, /p' -e '/Total Test time/p' -e '/The following tests FAILED/,$p' "$log" |
    grep -v '^Errors while running CTest' || true)
  local failed=()
  if ((rc != 0)); then
    failed+=(tests)
    excerpt[$name]=$(awk -v max=2 -f tools/lib/failed_test_excerpt.awk "$log" || true)
  fi
  [[ $name == release ]] && release_extras "$dir" failed
  if ((${#failed[@]})); then
    result[$name]="FAIL ($(IFS=,; echo "${failed[*]}"))"
    return 1
  fi
  result[$name]="PASS"
}

# The fuzz step: tools/fuzz.sh builds build/fuzz and runs every target for
# SPROCKET_FUZZ_SECONDS from a copy of its seed corpus; a finding fails it.
run_fuzz() {
  local log=build/fuzz-run.log seconds=${SPROCKET_FUZZ_SECONDS:-20} rc=0
  mkdir -p build
  echo
  echo "==> [fuzz] tools/fuzz.sh --seconds $seconds --jobs $jobs"
  SPROCKET_SKIP_DEPS=1 tools/fuzz.sh --seconds "$seconds" --jobs "$jobs" 2>&1 | tee "$log" || rc=$?
  summary[fuzz]=$(grep -E '^[a-z_0-9]+ +execs |^FAIL |^     rerun:' "$log" || true)
  if ((rc != 0)); then
    result[fuzz]="FAIL (findings or build; log: $log)"
    return 1
  fi
  result[fuzz]="PASS"
}


# Once per run, in the Release pass: the API reference and the Debian
# packages. Appends what failed to the array named by $2.
release_extras() {
  local dir=$1 t0=$SECONDS
  local -n failures=$2
  echo "==> [release] docs: API reference (Doxygen, fails on undocumented members)"
  if cmake --build "$dir" --target docs; then
    echo "    docs: $((SECONDS - t0)) s, $dir/docs/html/index.html"
  else
    failures+=(docs)
  fi
  t0=$SECONDS
  echo "==> [release] Debian packages (tools/lib/deb_test.sh)"
  if tools/lib/deb_test.sh "$dir"; then
    echo "    packages: $((SECONDS - t0)) s"
  else
    failures+=(packages)
  fi
}

# The JavaScript and browser tests run in the Release build only.
if [[ " ${builds[*]} " == *" release "* ]]; then
  sprocket_install_deps "${SPROCKET_JS_TEST_DEPS[@]}"
else
  sprocket_install_deps
fi

status=0
start=$SECONDS
for b in "${builds[@]}"; do
  t0=$SECONDS
  if [[ $b == fuzz ]]; then
    run_fuzz || status=1
  else
    run_build "$b" || status=1
  fi
  result[$b]+=" in $((SECONDS - t0)) s"
done

echo
echo "==================== summary ===================="
for b in "${builds[@]}"; do
  if [[ -n ${summary[$b]:-} ]]; then
    if [[ $b == fuzz ]]; then
      echo "--- fuzz (log: build/fuzz-run.log)"
    else
      echo "--- $b (log: build/$b/ctest.log)"
    fi
    echo "${summary[$b]}"
  fi
done
echo
for b in "${builds[@]}"; do
  printf '%-8s %s\n' "$b:" "${result[$b]}"
done
echo "total: $((SECONDS - start)) s"
# Last, because a CI log is often read from its tail alone: what the first
# failed tests printed, and the verdicts once more.
for b in "${builds[@]}"; do
  if [[ -n ${excerpt[$b]:-} ]]; then
    echo
    echo "==================== $b: failed tests' output (all of it in build/$b/ctest.log) ===================="
    echo "${excerpt[$b]}"
  fi
done
if ((status != 0)); then
  echo
  for b in "${builds[@]}"; do printf '%s %s; ' "$b" "${result[$b]}"; done
  echo
fi
exit "$status"
