# Sourced by the scripts in tools/: the Debian packages sprocket needs, and
# an installer that runs apt only when one of them is missing.
#
#   source tools/lib/deps.sh
#   sprocket_install_deps            # the packages below
#   sprocket_install_deps python3    # ... plus extra ones
#
# SPROCKET_SKIP_DEPS=1 skips the step (for machines without apt or network).

SPROCKET_DEPS=(
  cmake ninja-build g++ pkg-config                 # toolchain
  dpkg-dev file doxygen                            # Debian packages (cpack), API reference
  libasio-dev libfmt-dev libssl-dev                # the library
  libgtest-dev libbenchmark-dev openssl            # tests (openssl makes TLS test certificates), benchmarks
  clang libclang-rt-14-dev                         # fuzz targets (libFuzzer; the runtime is only recommended by clang)
  nng-utils nanomsg-utils libnng-dev libnanomsg-dev libzmq3-dev  # peers
  perl libnanomsg-raw-perl                         # a binding run on libnanomsg.so.5
  gnuplot-nox                                      # benchmark plots
  iproute2                                         # fault tests: ip netns, veth pairs
)

# For the tests of the JavaScript client and the browser test of the
# live-notifications demo (tools/test.sh adds them when it runs the Release
# build, the one that runs those tests). Debian 12's nodejs is Node 18; a
# Node already installed as the `nodejs` package (20 from NodeSource on the
# project's machines) is kept. node-ws is the `ws` package for Node,
# node-typescript checks the client's type declarations.
SPROCKET_JS_TEST_DEPS=(nodejs node-ws node-typescript chromium chromium-driver)

# Prints, one per line, the packages among "$@" that are not installed.
sprocket_missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || printf '%s\n' "$pkg"
  done
}

# Installs whatever is missing of SPROCKET_DEPS and "$@"; does nothing (and
# needs no network) when everything is there already.
sprocket_install_deps() {
  if [[ ${SPROCKET_SKIP_DEPS:-0} == 1 ]]; then
    echo "==> dependencies: skipped (SPROCKET_SKIP_DEPS=1)"
    return 0
  fi
  if ! command -v dpkg-query >/dev/null; then
    echo "==> dependencies: not a Debian system; install the equivalents of: ${SPROCKET_DEPS[*]} $*" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(sprocket_missing_packages "${SPROCKET_DEPS[@]}" "$@")
  if ((${#missing[@]} == 0)); then
    echo "==> dependencies: all installed"
    return 0
  fi
  local sudo=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      echo "error: missing packages (${missing[*]}) and neither root nor sudo" >&2
      return 1
    fi
    sudo=(sudo)
  fi
  echo "==> dependencies: installing ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
