#!/usr/bin/env bash
# replay_all.sh BINDIR SRCDIR TARGET...: replays fuzz/regressions/TARGET and fuzz/corpus/TARGET
# through BINDIR/TARGET_replay (no libFuzzer needed). Fails on the first crash.
set -euo pipefail
bin=$1 src=$2
shift 2
for t in "$@"; do
  dirs=()
  for d in "$src/regressions/$t" "$src/corpus/$t"; do
    [ -d "$d" ] && dirs+=("$d")
  done
  ((${#dirs[@]})) || continue
  printf '%-18s ' "$t"
  "$bin/${t}_replay" "${dirs[@]}"
done
