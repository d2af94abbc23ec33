#!/usr/bin/env bash
# From a fresh Debian 12 checkout to a running demo: installs what is
# missing, builds sprocket and its examples (Release, into build/quickstart)
# and runs examples/hello_inproc.cpp.
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

echo "==> run: $dir/examples/hello_inproc"
exec "$dir/examples/hello_inproc"
