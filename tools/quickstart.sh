#!/usr/bin/env bash
# From a fresh Debian 12 checkout to a running demo: installs what is
# missing, builds sprocket and its examples (Release, into build/quickstart)
# and runs a demo.
#
#   tools/quickstart.sh                 # the service-discovery demo over tcp
#   tools/quickstart.sh --demo live     # the live-notifications demo: prints
#                                       # the URL to open in two browser windows
#   tools/quickstart.sh --demo live --http-port 9000 ...   # options of run_demo.sh
#
# discovery (examples/service-discovery): a discovery daemon and three
# services as separate processes, a client resolving and asking one, one
# service killed and forgotten at the next survey; everything it starts is
# stopped before it exits. live (examples/live-notifications): the server
# and an "e-mail alerts" consumer run until Ctrl-C.
#
# Environment: SPROCKET_JOBS (default 2) build parallelism,
# SPROCKET_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

demo=discovery
if [[ ${1:-} == --demo ]]; then
  demo=${2:-}
  shift 2 || true
elif [[ ${1:-} == --demo=* ]]; then
  demo=${1#*=}
  shift
fi
case $demo in
  discovery | live) ;;
  *) echo "quickstart: --demo takes 'discovery' or 'live', not '$demo'" >&2; exit 2 ;;
esac
if [[ $demo == discovery && $# -gt 0 ]]; then
  echo "quickstart: unknown argument: $1 (usage: tools/quickstart.sh [--demo discovery|live] [demo options])" >&2
  exit 2
fi

sprocket_install_deps

dir=build/quickstart
args=(-DCMAKE_BUILD_TYPE=Release -DSPROCKET_BUILD_EXAMPLES=ON
      -DSPROCKET_BUILD_TESTS=OFF -DSPROCKET_BUILD_BENCH=OFF)
[[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)

echo "==> configure: cmake -S . -B $dir ${args[*]}"
cmake -S . -B "$dir" "${args[@]}"
echo "==> build"
cmake --build "$dir" -j "${SPROCKET_JOBS:-2}"

if [[ $demo == live ]]; then
  echo "==> run: examples/live-notifications/run_demo.sh"
  exec examples/live-notifications/run_demo.sh "$dir/examples/live-notifications" "$dir/tools/nanocat/nanocat" "$@"
fi
echo "==> run: examples/service-discovery/run_demo.sh"
exec examples/service-discovery/run_demo.sh "$dir/examples/service-discovery"
