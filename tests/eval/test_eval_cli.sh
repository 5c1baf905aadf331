#!/usr/bin/env bash
# fhesynth evaluate from the command line: a good run writes both outputs and prints a summary;
# bad inputs (column mismatch, empty synthetic file, unknown target, missing option) exit 1 or 2
# with exactly one line on stderr and leave no output file behind.
# usage: test_eval_cli.sh FHESYNTH
set -u
bin=$1
dir=$(mktemp -d /tmp/fhs_eval_cli_XXXXXX)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# A small table: 300 rows, two numbers, two categories, a label.
gen() { # gen FILE SEED
  awk -v seed="$2" 'BEGIN { srand(seed); print "x,y,city,label";
    split("Lyon Oslo Lima", c, " ");
    for (i = 0; i < 300; i++) { x = rand(); printf "%.6f,%.4f,%s,%s\n", x, 100 * rand(),
      c[1 + int(3 * rand())], (x > 0.5) ? "high" : "low" } }' > "$1"
}
gen "$dir/real.csv" 1
gen "$dir/syn.csv" 2
gen "$dir/hold.csv" 3
printf 'x,y,city\n0.5,1,Oslo\n' > "$dir/mismatch.csv"
printf 'x,y,city,label,extra\n0.5,1,Oslo,low,1\n' > "$dir/extra.csv"
: > "$dir/empty.csv"
printf 'x,y,city,label\n' > "$dir/header_only.csv"
printf '{"format": "fhesynth-stats", "epsilon": 1.5, "delta": 1e-6}\n' > "$dir/stats.json"

# expect_fail CODE(S) NAME ARGS...: exit code in CODES, one stderr line, no report/json.
expect_fail() {
  local codes=$1 name=$2
  shift 2
  rm -f "$dir/out.html" "$dir/out.json"
  "$bin" evaluate "$@" --report "$dir/out.html" --json "$dir/out.json" > "$dir/stdout" 2> "$dir/stderr"
  local rc=$? lines
  lines=$(wc -l < "$dir/stderr")
  [[ " $codes " == *" $rc "* ]] && ok || bad "$name: exit $rc, wanted $codes"
  [ "$lines" -eq 1 ] && ok || bad "$name: $lines stderr lines: $(cat "$dir/stderr")"
  grep -q '^fhesynth: ' "$dir/stderr" && ok || bad "$name: message: $(cat "$dir/stderr")"
  [ ! -e "$dir/out.html" ] && [ ! -e "$dir/out.json" ] && ok || bad "$name: output file written"
  ls -A "$dir" | grep -q '^\.out' && bad "$name: temporary file left" || ok
}

expect_fail "1" "column mismatch" --real "$dir/real.csv" --synthetic "$dir/mismatch.csv"
expect_fail "1" "extra column" --real "$dir/real.csv" --synthetic "$dir/extra.csv"
expect_fail "1" "empty synthetic" --real "$dir/real.csv" --synthetic "$dir/empty.csv"
expect_fail "1" "header-only synthetic" --real "$dir/real.csv" --synthetic "$dir/header_only.csv"
expect_fail "1 2" "unknown target" --real "$dir/real.csv" --synthetic "$dir/syn.csv" --target nope
expect_fail "1 2" "numeric target" --real "$dir/real.csv" --synthetic "$dir/syn.csv" --target x
expect_fail "1" "missing file" --real "$dir/real.csv" --synthetic "$dir/nothere.csv"
expect_fail "2" "no --synthetic" --real "$dir/real.csv"
expect_fail "2" "bad option" --real "$dir/real.csv" --synthetic "$dir/syn.csv" --frobnicate

# A good run.
"$bin" evaluate --real "$dir/real.csv" --synthetic "$dir/syn.csv" --holdout "$dir/hold.csv" \
  --stats "$dir/stats.json" --report "$dir/r.html" --json "$dir/m.json" > "$dir/stdout" 2> "$dir/stderr"
rc=$?
[ $rc -eq 0 ] && ok || bad "good run: exit $rc: $(cat "$dir/stderr")"
[ -s "$dir/r.html" ] && [ -s "$dir/m.json" ] && ok || bad "good run: outputs missing"
grep -q 'epsilon 1.5' "$dir/stdout" && ok || bad "good run: budget not read: $(cat "$dir/stdout")"
grep -q '"format": "fhesynth-metrics"' "$dir/m.json" && ok || bad "good run: metrics format"
grep -Eq '^privacy [0-9]+/100' "$dir/stdout" && ok || bad "good run: privacy line: $(cat "$dir/stdout")"
grep -Eq 'https?:|<script|src=' "$dir/r.html" && bad "report fetches something" || ok
"$bin" evaluate --help | grep -q -- '--holdout' && ok || bad "--help"

echo "test_eval_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
