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
# A short libFuzzer run of every fuzz target (fuzz/, scripts/fuzz.sh), clang only.
if command -v clang-14 >/dev/null; then
  CC=clang-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFHS_FUZZ=ON >/dev/null
  cmake --build build/fuzz -j "$jobs" --target fuzz/all
  echo "== tests (fuzz) =="
  ctest --test-dir build/fuzz --output-on-failure -R '^test_fuzz_'
else
  echo "== tests (fuzz): skipped, clang-14 is not installed (scripts/setup-debian.sh installs it) =="
fi
