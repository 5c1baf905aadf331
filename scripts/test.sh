#!/usr/bin/env bash
# Sets up the machine, then builds and runs the whole test suite twice: an optimised Release
# build, and a Debug build under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/setup-node.sh
jobs=$(nproc)
for cfg in release asan; do
  case $cfg in
    release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan)    flags=(-DCMAKE_BUILD_TYPE=Debug -DFHS_SANITIZE=ON) ;;
  esac
  cmake -S . -B "build/$cfg" -G Ninja "${flags[@]}" >/dev/null
  cmake --build "build/$cfg" -j "$jobs"
  echo "== tests ($cfg) =="
  FHS_TEST_CONFIG=$cfg ctest --test-dir "build/$cfg" --output-on-failure -j "$jobs"
done
