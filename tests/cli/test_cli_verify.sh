#!/usr/bin/env bash
CHECKS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/checks.sh # before any cd
# `fhesynth decrypt --verify INPUT` against a malicious server (issue 11, "Tamper").
#
# usage: test_cli_verify.sh PATH/TO/fhesynth PATH/TO/test_stats_verify
#
# test_stats_verify --write writes a small CSV and its public schema; --tamper plays the
# server: it adds a zero-sum rectangle (+5, -5, -5, +5) to table (0, 1) inside STATS.fhe's
# result ciphertexts and recomputes every checksum. The tampered file decrypts without
# --verify (the attack is real) and is refused with it: exit 1, one line on stderr, no
# STATS.json, the ledger unchanged. The last line is "N passed, M failed".
set -u

if [[ $# -lt 2 || ! -x $1 || ! -x $2 ]]; then
  echo "usage: $0 PATH/TO/fhesynth PATH/TO/test_stats_verify" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(realpath "$1")
HELPER=$(realpath "$2")
T=$(mktemp -d "${TMPDIR:-/tmp}/fhs-cli-verify.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export LC_ALL=C FHESYNTH_HOME="$T/home" # ledgers of this test stay here

# PASS/FAILED, ok, bad, check
source "$CHECKS"
runs() {
  local name=$1
  shift
  if "$@" >stdout 2>stderr; then ok "$name"; else bad "$name" "exit $?: $(head -c 400 stderr | tr '\n' '|')"; fi
}
# Every file a release could charge (key directory, fhesynth home), with its hash.
ledger_state() { find K home -type f ! -name owner.key 2>/dev/null | sort | xargs -r sha256sum; }

runs "write in.csv and SCHEMA.json" "$HELPER" --write "$T"
runs "keygen" "$BIN" keygen --out K --ring 8192 --quiet
runs "encrypt with the public schema" "$BIN" encrypt in.csv --keys K --schema SCHEMA.json --out DATA.fhe --quiet
runs "fit" "$BIN" fit DATA.fhe --eval-key K/eval.key --out STATS.fhe --quiet
runs "decrypt --verify of the honest result" \
  "$BIN" decrypt STATS.fhe --keys K --schema SCHEMA.json --out honest.json --epsilon 1 --verify in.csv
check "it says every count matched" grep -q "every count matches in.csv" stderr
runs "the server tampers (checksums recomputed)" "$HELPER" --tamper STATS.fhe BAD.fhe

before=$(ledger_state)
check "the honest release was charged (a ledger to compare)" test -n "$before"
"$BIN" decrypt BAD.fhe --keys K --schema SCHEMA.json --out bad.json --epsilon 1 --verify in.csv >stdout 2>stderr
rc=$?
check "decrypt --verify of the tampered result exits 1" test "$rc" -eq 1
check "one line on stderr" test "$(wc -l <stderr)" -eq 1
check "it names the file, table, cell and both values" \
  grep -Eq '^fhesynth: BAD\.fhe: the server.s result does not match the data: table \(0, 1\) cell \(0, 0\) is [0-9]+, the data gives [0-9]+ \(tampered or wrong input\); nothing released$' stderr
check "no STATS.json written" test ! -e bad.json
check "no temporary file left" test -z "$(find . -maxdepth 1 -name '.bad.json*')"
check "nothing charged to the ledger" test "$before" = "$(ledger_state)"

runs "without --verify the tampered result decrypts (the attack is real)" \
  "$BIN" decrypt BAD.fhe --keys K --schema SCHEMA.json --out bad.json --epsilon 1 --quiet
"$BIN" decrypt STATS.fhe --keys K --schema SCHEMA.json --out x.json --epsilon 1 --verify missing.csv >stdout 2>stderr
check "--verify with a missing input exits 1" test $? -eq 1
check "... naming it" grep -q "missing.csv" stderr
check "... and writes nothing" test ! -e x.json
"$BIN" decrypt STATS.fhe --keys K --schema SCHEMA.json --out x.json --epsilon 1 --verify >stdout 2>stderr
check "--verify without INPUT is a usage error" test $? -eq 2

echo "$PASS passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
