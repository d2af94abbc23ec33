#!/usr/bin/env bash
# Tests the Debian packages of a configured and built sprocket tree, the way
# a user meets them, and leaves the machine as it was:
#   1. `cpack -G DEB` makes libsprocket<N>, libsprocket-dev, sprocket-utils;
#   2. `apt-get install ./...deb` installs them (their dependencies are
#      sprocket's build dependencies, already installed);
#   3. README.md's example is built with README.md's own commands — its
#      pkg-config line and its find_package lines — against /usr, and
#      run (the CMake build also links sprocket::sprocket_static);
#   4. sprocket-nanocat from the package runs a REQ/REP exchange over ipc;
#   5. the packages are purged, on success or failure.
#
#   tools/lib/deb_test.sh BUILD_DIR
#
# Needs root (or sudo) for apt. Refuses to run when any of the packages is
# installed already, since it could not restore that.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
build=${1:?usage: tools/lib/deb_test.sh BUILD_DIR}
# The shared library's package is named after its SONAME version.
runtime=$(sed -n 's/^set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n $runtime ]] || { echo "deb_test: $build/CPackConfig.cmake names no runtime package" >&2; exit 1; }
packages=("$runtime" libsprocket-dev sprocket-utils)

sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "deb_test: needs root or sudo for apt-get" >&2; exit 1; }
  sudo=(sudo)
fi

for pkg in "${packages[@]}"; do
  if dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^.i'; then
    echo "deb_test: $pkg is installed already; not testing over it (remove it first)" >&2
    exit 1
  fi
done

work=$(mktemp -d)
installed=0
cleanup() {
  local rc=$?
  if ((installed)); then
    echo "==> [packages] purge ${packages[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${packages[@]}" >/dev/null || rc=1
    for pkg in "${packages[@]}"; do
      if dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^.i'; then
        echo "deb_test: $pkg is still installed after the purge" >&2
        rc=1
      fi
    done
  fi
  [[ -n ${rep_pid:-} ]] && kill "$rep_pid" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

echo "==> [packages] cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/debs" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; exit 1; }
debs=()
for pkg in "${packages[@]}"; do
  deb=("$work"/debs/"${pkg}"_*.deb)
  [[ -f ${deb[0]} ]] || { echo "deb_test: cpack made no $pkg package" >&2; ls "$work/debs" >&2; exit 1; }
  debs+=("${deb[0]}")
  echo "    $(basename "${deb[0]}"): Depends: $(dpkg-deb -f "${deb[0]}" Depends)"
done

echo "==> [packages] apt-get install ${debs[*]##*/}"
installed=1
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${debs[@]}" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; exit 1; }

# README.md's first C++ block, its CMake lines and its pkg-config command.
app=$work/app
mkdir -p "$app"
awk '/^```cpp$/ { inside = 1; next } inside && /^```/ { exit } inside' README.md >"$app/app.cpp"
cmake_lines=$(awk '/^```cmake$/ { inside = 1; next } inside && /^```/ { exit } inside' README.md)
pc_command=$(grep -m1 -E '^c\+\+ -std=c\+\+20 app\.cpp \$\(pkg-config --cflags --libs sprocket\)$' README.md) ||
  { echo "deb_test: README.md has no 'c++ -std=c++20 app.cpp \$(pkg-config --cflags --libs sprocket)' line" >&2; exit 1; }
[[ -s $app/app.cpp && $cmake_lines == *find_package* ]] ||
  { echo "deb_test: README.md's example or CMake lines not found" >&2; exit 1; }

# Runs a built example; it must print the README's hello and need (or not)
# the packaged libsprocket.so.N.
check_app() {
  local program=$1 linkage=$2 out
  out=$(timeout 60 "$program") || { echo "deb_test: $program failed" >&2; return 1; }
  [[ $out == hello ]] || { echo "deb_test: $program printed '$out', not hello" >&2; return 1; }
  if [[ $linkage == shared ]]; then
    local lib
    lib=$(ldd "$program" | awk '/libsprocket\.so/ { print $3 }')
    [[ -n $lib && $(dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null) == "$runtime":* ]] ||
      { echo "deb_test: $program does not use the packaged libsprocket:" >&2; ldd "$program" >&2; return 1; }
  else
    ! ldd "$program" | grep -q libsprocket ||
      { echo "deb_test: $program should link sprocket statically" >&2; return 1; }
  fi
  echo "    $program: hello ($linkage)"
}

echo "==> [packages] README example, pkg-config: $pc_command"
(cd "$app" && env -u PKG_CONFIG_PATH bash -c "$pc_command") && check_app "$app/a.out" shared

echo "==> [packages] README example, find_package(sprocket)"
cat >"$app/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.22)
project(app LANGUAGES CXX)
add_executable(app app.cpp)
$cmake_lines
add_executable(app_static app.cpp)
target_link_libraries(app_static PRIVATE sprocket::sprocket_static)
EOF
cmake -S "$app" -B "$app/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$work/cmake.log" 2>&1 &&
  cmake --build "$app/build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
grep -q '^sprocket_DIR:PATH=/usr/lib/cmake/sprocket$' "$app/build/CMakeCache.txt" ||
  { echo "deb_test: find_package(sprocket) did not use the package:" >&2
    grep '^sprocket_DIR' "$app/build/CMakeCache.txt" >&2; exit 1; }
check_app "$app/build/app" shared
check_app "$app/build/app_static" static

echo "==> [packages] sprocket-nanocat: REQ/REP over ipc"
nanocat=/usr/bin/sprocket-nanocat
[[ -x $nanocat ]] || { echo "deb_test: $nanocat is not installed" >&2; exit 1; }
[[ $(dpkg-query -S "$nanocat") == sprocket-utils:* ]] || { echo "deb_test: $nanocat is not sprocket-utils'" >&2; exit 1; }
sock=$work/nanocat.ipc
timeout 60 "$nanocat" --rep --bind "ipc://$sock" --data pong --ascii --count 1 >"$work/rep.out" &
rep_pid=$!
for _ in $(seq 600); do [[ -S $sock ]] && break; sleep 0.1; done
reply=$(timeout 60 "$nanocat" --req --connect "ipc://$sock" --data ping --ascii --recv-timeout 30)
wait "$rep_pid" || { echo "deb_test: the REP side failed" >&2; exit 1; }
rep_pid=
[[ $reply == pong && $(cat "$work/rep.out") == ping ]] ||
  { echo "deb_test: expected ping/pong, got '$(cat "$work/rep.out")'/'$reply'" >&2; exit 1; }
echo "    ping -> pong"
