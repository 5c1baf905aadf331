#!/usr/bin/env bash
# fhesynth schema: public column lists, Private-PGM domain files, DP discovery (charged to the
# ledger, canary label never kept) and --unsafe-exact; usage errors exit 2, bad data 1, with
# one-line messages naming the file. Args: FHESYNTH ROOT.
set -u
BIN=$1
ROOT=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export FHESYNTH_HOME=${FHESYNTH_HOME:-$T/home}
pass=0 fail=0
ok() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $*" >&2; fi; }
# run CMD...: sets rc, out (stdout), err (stderr)
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; out=$(cat "$T/out"); err=$(cat "$T/err"); }
one_line() { [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]; }

# public column list
run "$BIN" schema --out "$T/p.json" --columns 'age:numeric:0:100:10;when:datetime:2000-01-01,2010-01-01,2020-01-01:missing;sex:categorical:Female|Male:other=Unknown'
ok [ "$rc" -eq 0 ]
ok grep -q '"origin": "public"' "$T/p.json"
ok grep -q '"name": "age", "type": "numeric", "bins": \[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100\], "missing": false, "clamp": true}' "$T/p.json"
ok grep -q '"categories": \["Female", "Male", "Unknown"\], "missing": false, "other": "Unknown"' "$T/p.json"
ok grep -q '"type": "datetime", "bins": \[946684800, 1262304000, 1577836800\], "missing": true, "clamp": true' "$T/p.json"
run "$BIN" schema --out "$T/q.json" --columns 'age:numeric:0,10:strict'
ok [ "$rc" -eq 0 ]
ok grep -q '"bins": \[0, 10\], "missing": false}' "$T/q.json"

# Private-PGM domain file
printf '{"age": 3, "sex": 2}\n' >"$T/domain.json"
run "$BIN" schema --out "$T/d.json" --domain "$T/domain.json"
ok [ "$rc" -eq 0 ]
ok grep -q '"name": "age", "type": "numeric", "bins": \[0, 1, 2, 3\], "missing": false}' "$T/d.json"
printf '{"age": 0}\n' >"$T/bad-domain.json"
run "$BIN" schema --out "$T/d2.json" --domain "$T/bad-domain.json"
ok [ "$rc" -eq 1 ]
ok one_line
ok grep -q "bad-domain.json" "$T/err"

# usage errors: exit 2, one line
for args in "--columns a:numeric:0:1:1" "--out $T/x.json" "--out $T/x.json --columns a:numeric:0:1:1 --domain $T/domain.json" \
  "--out $T/x.json --columns a:weird:1" "--out $T/x.json --columns a:numeric:5:1:3" "--out $T/x.json $ROOT/data/adult.csv" \
  "--out $T/x.json $ROOT/data/adult.csv --dp --unsafe-exact" "--out $T/x.json $ROOT/data/adult.csv --dp --epsilon -1" \
  "--out $T/x.json --columns a:categorical:x --epsilon 1" "--out $T/x.json --bogus"; do
  run "$BIN" schema $args
  ok [ "$rc" -eq 2 ]
  ok one_line
done

# DP discovery on a canary table: 3000 rows plus one unique label and age 9876
awk 'BEGIN { srand(7); print "age,job"; split("Clerk Baker Teacher Nurse", j, " ");
  for (i = 0; i < 3000; i++) printf "%d,%s\n", 18 + int(rand() * 60), j[1 + int(rand() * 4)];
  print "9876,Zyxwv-Canary" }' >"$T/canary.csv"
for i in 1 2 3 4 5; do
  run "$BIN" schema "$T/canary.csv" --out "$T/dp.json" --dp --epsilon 1 --ledger "$T/ledger.json"
  ok [ "$rc" -eq 0 ]
  ok grep -q '"origin": "dp", "dp": {"rho": ' "$T/dp.json"
  ok grep -vq 'Zyxwv' "$T/dp.json"
  ok grep -q '"categories": \["Baker", "Clerk", "Nurse", "Teacher"' "$T/dp.json"
  ok python3 -c "import json,sys; s=json.load(open('$T/dp.json')); a=[c for c in s['columns'] if c['name']=='age'][0]; sys.exit(0 if a['clamp'] and a['bins'][-1] < 1000 and 'rows' not in s else 1)"
done
ok grep -q '"discovery"' "$T/ledger.json"
# the budget runs out: discovery is refused and writes nothing
run "$BIN" schema "$T/canary.csv" --out "$T/dp2.json" --dp --epsilon 12 --ledger "$T/ledger.json"
ok [ "$rc" -eq 1 ]
ok one_line
ok [ ! -e "$T/dp2.json" ]
# a data error names the file
printf 'a\n' >"$T/empty.csv"
run "$BIN" schema "$T/empty.csv" --out "$T/e.json" --dp --ledger "$T/l2.json"
ok [ "$rc" -eq 1 ]
ok one_line
ok grep -q "empty.csv" "$T/err"

# unsafe exact: warns, origin exact
run "$BIN" schema "$T/canary.csv" --out "$T/exact.json" --unsafe-exact --ledger "$T/l3.json"
ok [ "$rc" -eq 0 ]
ok grep -q 'warning' "$T/err"
ok grep -q '"origin": "exact"' "$T/exact.json"
ok grep -q 'Zyxwv' "$T/exact.json"

# an old schema with "rows" is refused with a clear message
printf '{"format": "fhesynth-schema", "version": 1, "rows": 5, "columns": [{"name": "a", "type": "numeric", "bins": [0, 1], "missing": false}]}\n' >"$T/old.json"
run "$BIN" encrypt "$T/canary.csv" --keys "$T/nokeys" --out "$T/x.fhe" --schema "$T/old.json"
ok [ "$rc" -ne 0 ]

echo "test_cli_schema: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
