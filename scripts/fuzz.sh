#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, -DFHS_FUZZ=ON, build/fuzz) when needed and runs every
# target for SECONDS each (default 60), then prints per target executions per second, coverage
# ("cov": edges, "ft": features, from libFuzzer's last status line), corpus size and crashes.
#   scripts/fuzz.sh [--build-dir DIR] [--no-build] [SECONDS] [TARGET...]
# Seeds: fuzz/corpus/TARGET (checked in) and the binary seeds fuzz_seedgen writes to
# DIR/fuzz-seeds. New inputs go to DIR/fuzz-corpus/TARGET, crashes to DIR/fuzz-artifacts/TARGET.
# A crash is a bug: copy its file to fuzz/regressions/TARGET/ with the fix, so
# test_fuzz_regressions replays it in every build. Exit status 1 when any target crashed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build/fuzz
do_build=1
secs=60
targets=()
while (($#)); do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    [0-9]*) secs=$1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(fuzz_csv fuzz_parquet fuzz_schema_json fuzz_stats_json fuzz_ledger fuzz_domain fuzz_keys
     fuzz_sealed_key fuzz_datafile fuzz_statsfile fuzz_inspect)
((${#targets[@]})) || targets=("${all[@]}")

if ((do_build)); then
  if ! command -v clang-14 >/dev/null; then
    echo "fuzz: clang-14 is not installed (scripts/setup-debian.sh installs it)" >&2
    exit 2
  fi
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFHS_FUZZ=ON >/dev/null
  fi
  cmake --build "$build" -j "$(nproc)" --target fuzz_seedgen "${targets[@]}" >/dev/null
fi
bin=$build/fuzz
seeds=$build/fuzz-seeds
if [ ! -f "$seeds/.done" ]; then
  rm -rf "$seeds"
  ASAN_OPTIONS=detect_leaks=0 "$bin/fuzz_seedgen" "$seeds" >/dev/null
  touch "$seeds/.done"
fi

dict_of() {
  case $1 in
    fuzz_csv) echo csv ;;
    fuzz_parquet) echo parquet ;;
    fuzz_schema_json|fuzz_domain) echo json_schema ;;
    fuzz_stats_json) echo json_stats ;;
    fuzz_ledger) echo json_ledger ;;
    *) echo binary ;;
  esac
}

printf '%-17s %8s %10s %7s %7s %7s %s\n' target seconds exec/s cov ft corpus crashes
failed=0
for t in "${targets[@]}"; do
  work=$build/fuzz-corpus/$t
  art=$build/fuzz-artifacts/$t
  log=$build/fuzz-logs/$t.log
  mkdir -p "$work" "$art" "$(dirname "$log")"
  inputs=("$work")
  for d in "$root/fuzz/corpus/$t" "$seeds/$t" "$root/fuzz/regressions/$t"; do
    [ -d "$d" ] && inputs+=("$d")
  done
  touch "$log.start"
  set +e
  (cd "$build" && "$bin/$t" -max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb=3072 \
     -max_len=262144 -dict="$root/fuzz/dict/$(dict_of "$t").dict" -artifact_prefix="$art/" "${inputs[@]}") \
     >"$log" 2>&1
  rc=$?
  set -e
  status=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$status")
  eps=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  crashes=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$log.start" 2>/dev/null | wc -l || true)
  note=$crashes
  if ((rc != 0)); then
    failed=1
    note="$crashes (exit $rc; see $log)"
  fi
  printf '%-17s %8s %10s %7s %7s %7s %s\n' "$t" "$secs" "${eps:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$note"
done
exit $failed
