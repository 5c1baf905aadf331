#!/usr/bin/env bash
# synthesize and run through the CLI: every model writes the requested rows and columns; the
# same seed gives identical files, another seed a different one; CSV, Parquet and JSON Lines of
# one seed hold the same values (the Parquet file read by hyparquet, an independent reader); and
# bad inputs (stats/schema mismatch, rows 0, unknown model, unknown extension) fail in one line
# with no output file.
# usage: test_cli_synth.sh FHESYNTH SOURCE_DIR NODE_DIR
set -uo pipefail
BIN=$1 SRC=$2 NODE_DIR=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

# bad input: exit code, exactly one "fhesynth: " line, and no output file
fails() {
  local name=$1 code=$2 out=$3
  shift 3
  "$@" >out.txt 2>err.txt
  local rc=$?
  if [[ $rc -eq $code && $(wc -l <err.txt) -eq 1 ]] && grep -q '^fhesynth: ' err.txt && [[ ! -e $out ]] &&
     [[ -z $(ls -A "$(dirname "$out")" | grep '^\.' || true) ]]; then
    ok "$name"
  else
    bad "$name (exit $rc, stderr: $(tr '\n' '|' <err.txt))"
  fi
}

# 7 of the 15 columns keep fit cheap (its cost grows with the number of cells, not rows)
head -n 801 "$SRC/data/adult.csv" | cut -d, -f1,2,4,6,9,10,15 > real.csv
"$BIN" run real.csv --out base.csv --workdir W --seed 1 --quiet || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
models=$("$BIN" synthesize --help | sed -n 's/.*\[--model \([a-z|.]*\).*/\1/p' | tr '|' ' ' | sed 's/\.\.\.//')
cols=$(head -n 1 real.csv)
for m in $models; do
  if "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 300 --out "$m.csv" --model "$m" --seed 5 --quiet 2>err.txt; then
    check "$m: 300 rows" test "$(($(wc -l <"$m.csv") - 1))" -eq 300
    check "$m: the real columns" test "$(head -n 1 "$m.csv")" = "$cols"
    "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 300 --out "$m.again.csv" --model "$m" --seed 5 --quiet
    check "$m: same seed, same bytes" cmp -s "$m.csv" "$m.again.csv"
    "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 300 --out "$m.other.csv" --model "$m" --seed 6 --quiet
    check "$m: another seed, another file" bash -c "! cmp -s $m.csv $m.other.csv"
    check "$m: manifest records the seed" grep -q '"seed": "5"' "$m.csv.manifest.json"
    # the output encodes back under the schema: encrypting it with --schema succeeds
    check "$m: values fit the schema" "$BIN" encrypt "$m.csv" --keys W/keys --out "$m.fhe" --schema W/SCHEMA.json --quiet
  elif grep -q "release plan" err.txt; then
    echo "note: $m needs its own release plan (decrypt --model $m); skipped here"
  else
    bad "$m: synthesize failed: $(cat err.txt)"
  fi
done

# one seed, three formats
for ext in csv parquet jsonl; do
  "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 500 --out "f.$ext" --seed 9 --quiet
done
check "parquet written" test -s f.parquet
check "jsonl has 500 lines" test "$(wc -l <f.jsonl)" -eq 500
# hyparquet from the build folder test_io_hyparquet fills, or from scripts/setup-node.sh's copy
checker=""
if [[ -d $NODE_DIR/node_modules/hyparquet ]]; then
  cp "$SRC/tests/io/parquet_check.mjs" "$NODE_DIR/"
  checker=$NODE_DIR/parquet_check.mjs
elif [[ -d $SRC/tests/io/node_modules/hyparquet ]]; then
  checker=$SRC/tests/io/parquet_check.mjs
fi
if command -v node >/dev/null 2>&1 && [[ -n $checker ]]; then
  check "hyparquet reads the Parquet file and finds the CSV's and JSON Lines' values" \
    node "$checker" compare f.parquet f.csv f.jsonl
elif command -v node >/dev/null 2>&1; then
  bad "hyparquet is not installed in $NODE_DIR (run scripts/setup-node.sh; test_io_hyparquet installs it)"
else
  echo "note: node is not installed; the hyparquet comparison is skipped"
fi

# without --rows: the noisy row count of STATS.json, rounded (never the exact count)
want=$(python3 -c 'import json, sys, math; print(math.floor(json.load(open(sys.argv[1]))["rows_noisy"] + 0.5))' W/STATS.json) # half up, as the C code rounds
"$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --out norows.csv --seed 1 --quiet 2>/dev/null
got=$(($(wc -l < norows.csv) - 1))
check "synthesize without --rows writes the noisy count ($got rows, rows_noisy $want)" test "$got" = "$want"

# bad inputs
head -n 301 "$SRC/data/adult.csv" | cut -d, -f1-5 > other_in.csv
"$BIN" run other_in.csv --out other.csv --workdir W2 --seed 1 --quiet 2>/dev/null
fails "stats/schema mismatch" 1 x1.csv "$BIN" synthesize W/STATS.json --schema W2/SCHEMA.json --rows 10 --out x1.csv
fails "rows 0" 2 x2.csv "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 0 --out x2.csv
fails "unknown model" 2 x3.csv "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 10 --out x3.csv --model nosuch
fails "unknown output extension" 2 x4.xlsx "$BIN" synthesize W/STATS.json --schema W/SCHEMA.json --rows 10 --out x4.xlsx
fails "run: unknown output extension" 2 x5.txt "$BIN" run real.csv --out x5.txt --workdir W --quiet
fails "run: missing input" 1 x6.csv "$BIN" run nosuch.csv --out x6.csv --workdir W3 --quiet
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
