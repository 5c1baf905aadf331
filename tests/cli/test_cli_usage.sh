#!/usr/bin/env bash
# What a new user hit (issue 12, section 9): usage errors that exit 2 and name the option and
# its range, evaluate --quiet still printing its summary, a model refused (or explained) on
# statistics released for another plan, and progress that is labelled by stage, cleared before
# the next line, has an ETA, and prints lines off a terminal.
#
# usage: test_cli_usage.sh PATH/TO/fhesynth
# One line per check; the last line is "N passed, M failed"; non-zero exit when M > 0.
set -u
if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 PATH/TO/fhesynth" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(realpath "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/fhs-cli-usage.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export LC_ALL=C
export FHESYNTH_HOME="$T/home"
unset FHESYNTH_PROGRESS_SECONDS

PASS=0
FAILED=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
# fails NAME CODE REGEX CMD...: exit CODE, exactly one line on stderr matching REGEX
fails() {
  local name=$1 code=$2 re=$3
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [[ $rc -ne $code ]]; then bad "$name" "exit $rc, expected $code: $(head -c 300 "$T/err")"
  elif [[ $(wc -l <"$T/err") -ne 1 ]]; then bad "$name" "$(wc -l <"$T/err") lines on stderr: $(head -c 300 "$T/err" | tr '\n' '|')"
  elif ! grep -Eq -- "$re" "$T/err"; then bad "$name" "stderr does not match /$re/: $(cat "$T/err")"
  else ok "$name"; fi
}
runs() {
  local name=$1
  shift
  if "$@" >"$T/out" 2>"$T/err"; then ok "$name"; else bad "$name" "exit $?: $(head -c 300 "$T/err" | tr '\n' '|')"; fi
}

# a small table: 600 rows, three categorical columns and a numeric one
python3 - <<'PY'
import random
random.seed(1)
with open("data.csv", "w") as f:
    f.write("age,sex,edu,income\n")
    for i in range(600):
        sex = random.choice(["F", "M"])
        edu = random.choice(["HS", "BA", "MA"])
        inc = ">50K" if random.random() < (0.5 if edu == "MA" else 0.2) else "<=50K"
        f.write("%d,%s,%s,%s\n" % (random.randint(18, 80), sex, edu, inc))
PY

# ---------------------------------------------------------------- usage errors
fails "--threads 1000 is refused, naming the limit" 2 '--threads: at most [0-9]+ \(4 per CPU' \
  "$BIN" run data.csv --out s.csv --threads 1000
fails "--threads 0 is refused" 2 '--threads' "$BIN" fit x.fhe --eval-key k --out o.fhe --threads 0
fails "run --epsilon 1e9 names the option and the range" 2 'run: --epsilon: .*\[0\.001, 100000\]' \
  "$BIN" run data.csv --out s.csv --epsilon 1e9
fails "run --epsilon 1e-9 names the option and the range" 2 'run: --epsilon: .*\[0\.001, 100000\]' \
  "$BIN" run data.csv --out s.csv --epsilon 1e-9
fails "decrypt --epsilon 2e5 is refused before any file is read" 2 'decrypt: --epsilon: .*\[0\.001, 100000\]' \
  "$BIN" decrypt nosuch.fhe --keys nokeys --schema nos.json --out o.json --epsilon 2e5
fails "schema --dp --epsilon 1e6" 2 'schema: --epsilon: .*\[0\.001, 100000\]' \
  "$BIN" schema data.csv --out s.json --dp --epsilon 1e6
fails "schema --dp --delta 0.5" 2 'schema: --delta: .*\(0, 0\.01\)' \
  "$BIN" schema data.csv --out s.json --dp --delta 0.5
fails "encrypt --discovery-epsilon 1e-6" 2 'discovery-epsilon must be in \[0\.001, 100\]' \
  "$BIN" encrypt data.csv --keys K --out D.fhe --discovery-epsilon 1e-6
fails "fit --marginals syntax is checked before any file is opened" 2 'marginals.*column number' \
  "$BIN" fit nosuch.fhe --eval-key nokey --out o.fhe --marginals "0;;x"
fails "fit --marginals with a repeated column" 2 'column 1 appears twice' \
  "$BIN" fit nosuch.fhe --eval-key nokey --out o.fhe --marginals "1,1"
[[ -e s.csv || -e s.json || -e o.json || -e o.fhe ]] && bad "usage errors write nothing" "outputs left" ||
  ok "usage errors write nothing"

# ---------------------------------------------------------------- one pipeline, per plan
runs "run (keys, DATA.fhe, STATS.fhe, SCHEMA.json in the work directory)" \
  "$BIN" run data.csv --out syn.csv --workdir W --epsilon 2 --seed 1 --ledger L.json --quiet
W=W
fails "fit --marginals naming a column past DATA.fhe's column count: usage error (2)" 2 \
  'marginals: column 9 does not exist: the data has 4 columns, numbered 0\.\.3' \
  "$BIN" fit $W/DATA.fhe --eval-key $W/keys/eval.key --out o.fhe --marginals "0,9"
for plan in independent mst copula; do
  runs "decrypt --model $plan" "$BIN" decrypt $W/STATS.fhe --keys $W/keys --schema $W/SCHEMA.json \
    --out "st-$plan.json" --model $plan --epsilon 1 --ledger "L-$plan.json" --quiet
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["model"]==sys.argv[2] and d["version"]==2, d.get("model")' \
    "st-$plan.json" $plan && ok "STATS.json (version 2) records \"model\": \"$plan\"" ||
    bad "STATS.json records the plan" "no \"model\": \"$plan\" in st-$plan.json"
done
for m in mst copula neural; do
  fails "synthesize --model $m on statistics released for independent is refused" 2 \
    "model $m needs 2-way marginals, but these statistics were released for plan \"independent\"" \
    "$BIN" synthesize st-independent.json --schema $W/SCHEMA.json --out out-$m.csv --model $m --seed 1
  [[ -e out-$m.csv ]] && bad "the refused synthesize writes nothing" "out-$m.csv exists" || ok "refused: no out-$m.csv"
done
runs "synthesize --model independent on independent statistics" \
  "$BIN" synthesize st-independent.json --schema $W/SCHEMA.json --out a.csv --model independent --seed 1
[[ $(grep -c note "$T/err") -eq 0 ]] && ok "the matching plan: no note" || bad "the matching plan: no note" "$(cat "$T/err")"
runs "synthesize --model independent on mst statistics" \
  "$BIN" synthesize st-mst.json --schema $W/SCHEMA.json --out b.csv --model independent --seed 1
grep -q 'synthesize: note: model independent uses only the 1-way marginals; the [0-9]+ 2-way ones\|synthesize: note: model independent uses only the 1-way marginals' "$T/err" &&
  ok "independent on mst statistics says it ignores the 2-ways" || bad "independent on mst: a note" "$(cat "$T/err")"
runs "synthesize --model copula on mst statistics" \
  "$BIN" synthesize st-mst.json --schema $W/SCHEMA.json --out c.csv --model copula --seed 1
grep -q 'note: model copula on statistics released for plan "mst": [0-9]* of the 6 column pairs.*correlation 0' "$T/err" &&
  ok "copula on mst statistics says what it does with the missing pairs" || bad "copula on mst: a note" "$(cat "$T/err")"
runs "synthesize --model mst on copula statistics" \
  "$BIN" synthesize st-copula.json --schema $W/SCHEMA.json --out d.csv --model mst --seed 1 --quiet
[[ ! -s $T/err ]] && ok "--quiet silences the note" || bad "--quiet silences the note" "$(cat "$T/err")"
# a file from before the key: still read; with no 2-way (and no plan to blame) mst runs as the
# product of the 1-ways and says so
python3 - st-mst.json old-mst.json st-independent.json old-ind.json <<'PY'
import json, sys
for src, dst in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    d = json.load(open(src)); del d["model"]; json.dump(d, open(dst, "w"))
PY
runs "STATS.json without \"model\" (an older file) is read" \
  "$BIN" synthesize old-mst.json --schema $W/SCHEMA.json --out e.csv --model mst --seed 1
runs "mst on an older file with only 1-ways runs" \
  "$BIN" synthesize old-ind.json --schema $W/SCHEMA.json --out f.csv --model mst --seed 1
grep -q 'note: model mst: the statistics (a plan STATS.json does not record) hold no 2-way marginal, so every column is drawn independently' "$T/err" &&
  ok "... and says that every column is drawn independently" || bad "mst on 1-ways only: a note" "$(cat "$T/err")"
sed 's/"model": "mst"/"model": "bogus"/' st-mst.json >bad-model.json
fails "an unknown \"model\" in STATS.json is an error naming the key" 1 '"model" must name a release plan' \
  "$BIN" synthesize bad-model.json --schema $W/SCHEMA.json --out g.csv --seed 1

# ---------------------------------------------------------------- evaluate --quiet
# with run's schema: DP discovery on 600 rows may make age categorical (a label "(other)"),
# which a schema inferred from the real rows would refuse as not a number
runs "evaluate --quiet" "$BIN" evaluate --real data.csv --synthetic syn.csv --schema $W/SCHEMA.json --quiet
grep -q '^fidelity' "$T/out" && ok "evaluate --quiet still prints the summary on stdout" ||
  bad "evaluate --quiet prints the summary" "stdout: $(head -c 200 "$T/out")"
[[ ! -s $T/err ]] && ok "evaluate --quiet: nothing on stderr" || bad "evaluate --quiet: stderr" "$(cat "$T/err")"

# ---------------------------------------------------------------- progress
# off a terminal with a period of 0: a line per new percent, labelled with the stage
FHESYNTH_PROGRESS_SECONDS=0 "$BIN" run data.csv --out p.csv --workdir P --epsilon 2 --seed 1 --ledger LP.json \
  >"$T/out" 2>"$T/err"
grep -Eq '^encrypt: [0-9]+% after [0-9]+ s, about [0-9]+ s left$' "$T/err" &&
  grep -Eq '^fit: [0-9]+% after [0-9]+ s, about [0-9]+ s left$' "$T/err" &&
  ok "off a terminal: progress lines labelled encrypt and fit, with an ETA" ||
  bad "progress lines off a terminal" "$(head -c 600 "$T/err" | tr '\n' '|')"
grep -q '^run [ 0-9]*%' "$T/err" && bad "no stage is labelled run" "$(grep '^run ' "$T/err" | head -2)" ||
  ok "no progress is labelled run"
grep -q $'\r' "$T/err" && bad "no bar off a terminal" "carriage returns in the log" || ok "no bar off a terminal"
FHESYNTH_PROGRESS_SECONDS=0 "$BIN" run data.csv --out q.csv --workdir Q --epsilon 2 --seed 1 --ledger LQ.json --quiet \
  >"$T/out" 2>"$T/err"
[[ ! -s $T/err ]] && ok "--quiet: no progress lines" || bad "--quiet: no progress lines" "$(head -c 300 "$T/err")"
# the ticker thread (a short period) never delays the end of a command
FHESYNTH_PROGRESS_SECONDS=0.05 "$BIN" fit P/DATA.fhe --eval-key P/keys/eval.key --out t.fhe >"$T/out" 2>"$T/err" &&
  grep -q '^fit: [0-9]* marginals -> t.fhe' "$T/err" && ok "periodic lines: fit completes and reports" ||
  bad "periodic lines" "$(head -c 300 "$T/err")"
# on a terminal (util-linux script gives one): a labelled bar with an ETA, erased ("\r\e[K")
# before the next stage line
if command -v script >/dev/null 2>&1; then
  script -qec "'$BIN' run data.csv --out r.csv --workdir R --epsilon 2 --seed 1 --ledger LR.json" /dev/null \
    >"$T/tty" 2>&1 </dev/null
  grep -aEq $'\rencrypt +[0-9]+% \\[#* *\\] [0-9]+ s, ETA [0-9?]+ s' "$T/tty" &&
    grep -aEq $'\rfit +[0-9]+% ' "$T/tty" && ok "on a terminal: bars labelled encrypt and fit, with an ETA" ||
    bad "bars on a terminal" "$(head -c 600 "$T/tty" | od -c | head -5 | tr '\n' '|')"
  grep -aq $'\r\e\\[Krun: \\[2/5\\] encrypt done' "$T/tty" && grep -aq $'\r\e\\[Krun: \\[3/5\\] fit' "$T/tty" &&
    ok "on a terminal: the bar is cleared before the stage line" ||
    bad "bar cleared before the stage line" "$(head -c 600 "$T/tty" | od -c | head -8 | tr '\n' '|')"
else
  echo "note: no script(1): the terminal bar is not checked"
fi

echo "$PASS passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
