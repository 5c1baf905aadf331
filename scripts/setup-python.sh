#!/usr/bin/env bash
# Sets up the fhesynth Python package on Debian 12: the Debian packages, libfhesynth built
# from this tree, a virtual environment that sees Debian's pandas, and the package installed
# in it with the library bundled (no PyPI: everything comes from Debian).
#
#   scripts/setup-python.sh                    # -> build/venv; then: build/venv/bin/python
#   scripts/setup-python.sh --venv ~/fhs --prefix ~/.local   # also install the C library + CLI
#
# Options:
#   --venv DIR     the virtual environment (default: build/venv); created with
#                  --system-site-packages so that python3-pandas is used
#   --prefix DIR   also `cmake --install` the C library, header, pkg-config file and CLI there
#   --lib FILE     bundle this libfhesynth.so instead of building one
#   --build DIR    CMake build directory (default: build/python)
#   --python PY    interpreter (default: Debian's /usr/bin/python3)
#   --no-apt       do not install Debian packages (they must be present)
# Idempotent: apt-get runs only for missing packages, and the package is reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
venv=build/venv prefix="" lib="" build=build/python py="" apt=1
while (($#)); do
  case $1 in
    --venv) venv=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --lib) lib=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --python) py=$2; shift 2 ;;
    --no-apt) apt=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "setup-python: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$py" ]; then
  if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
fi
# the last check runs from / (so that the source tree cannot shadow the installed package):
# a relative venv must become absolute first
case $venv in /*) ;; *) venv="$PWD/$venv" ;; esac

# 1. Debian packages
if ((apt)); then
  pkgs=(python3 python3-pandas python3-pytest python3-setuptools python3-wheel python3-venv python3-pip)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup-python: installing ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
  [ -n "$lib" ] || scripts/setup-debian.sh  # compilers and the C libraries
fi

# 2. the C library
if [ -z "$lib" ] || [ -n "$prefix" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  if [ -n "$prefix" ]; then
    cmake --build "$build"
    cmake --install "$build" --prefix "$prefix"
  else
    cmake --build "$build" --target fhesynth_shared
  fi
  [ -n "$lib" ] || lib=$(ls "$build"/src/api/libfhesynth.so.[0-9]* | sort | head -n1)
fi
[ -f "$lib" ] || { echo "setup-python: $lib: no such library" >&2; exit 1; }

# 3. the virtual environment (Debian's pandas, numpy and pytest come through system site packages)
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv --system-site-packages "$venv"
fi

# 4. the package, with libfhesynth.so.0 inside it, built from a staged copy so the source
#    tree gets no build/ or egg-info
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r python "$stage/python"
rm -rf "$stage/python/build" "$stage"/python/*.egg-info "$stage/python/fhesynth"/libfhesynth.so*
find "$stage/python" -name __pycache__ -prune -exec rm -rf {} +
cp "$(readlink -f "$lib")" "$stage/python/fhesynth/libfhesynth.so.0"
"$venv/bin/python" -m pip install --no-index --no-build-isolation --disable-pip-version-check -q \
  "$stage/python"

# 5. check
(cd / && env -u FHESYNTH_LIBRARY "$venv/bin/python" -c \
  'import fhesynth; print("setup-python: fhesynth %s, libfhesynth %s at %s" % (fhesynth.__version__, fhesynth.library_version(), fhesynth.library_path()))')
echo "setup-python: ready: $venv/bin/python (or: source $venv/bin/activate)"
