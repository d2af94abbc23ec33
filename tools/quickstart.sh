#!/usr/bin/env bash
# From a fresh Debian 12 checkout to a running demo: installs what is
# missing, builds sprocket and its examples (Release, into build/quickstart)
# and runs the service-discovery demo over tcp (examples/service-discovery):
# a discovery daemon and three services as separate processes, a client
# resolving and asking one, one service killed and forgotten at the next
# survey. Everything it starts is stopped before it exits.
#
# Environment: SPROCKET_JOBS (default 2) build parallelism,
# SPROCKET_SKIP_DEPS=1 to skip the apt step.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
source tools/lib/deps.sh

sprocket_install_deps

dir=build/quickstart
args=(-DCMAKE_BUILD_TYPE=Release -DSPROCKET_BUILD_EXAMPLES=ON
      -DSPROCKET_BUILD_TESTS=OFF -DSPROCKET_BUILD_BENCH=OFF)
[[ -f $dir/CMakeCache.txt ]] || args+=(-G Ninja)

echo "==> configure: cmake -S . -B $dir ${args[*]}"
cmake -S . -B "$dir" "${args[@]}"
echo "==> build"
cmake --build "$dir" -j "${SPROCKET_JOBS:-2}"

echo "==> run: examples/service-discovery/run_demo.sh"
exec examples/service-discovery/run_demo.sh "$dir/examples/service-discovery"
