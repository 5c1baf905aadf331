#!/usr/bin/env bash
# Command-line tests of `fhesynth budget` (issue 11, "a ledger that holds").
#
# usage: test_cli_budget.sh PATH/TO/fhesynth
#
# One line per check ("ok   ..." or "FAIL ..."); the last line is "N passed, M failed" and the
# exit status is non-zero when M > 0. FHESYNTH_HOME and HOME point into a temporary directory
# removed on exit: the owner's real home is never touched. Releases are appended to the ledger
# by hand (python3, standard library) so that the listing is tested without running a pipeline.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 PATH/TO/fhesynth" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(realpath "$1")
T=$(mktemp -d "${TMPDIR:-/tmp}/fhs-cli-budget.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export FHESYNTH_HOME="$T/home" HOME="$T/fakehome" LC_ALL=C
unset XDG_DATA_HOME

PASS=0
FAILED=0
ok() { echo "ok   $1"; PASS=$((PASS + 1)); }
bad() { echo "FAIL $1: $2"; FAILED=$((FAILED + 1)); }
check() {
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name" "check failed: $*"; fi
}
show_err() { head -c 600 "$T/stderr" | tr '\n' '|'; }
runs() { # runs NAME CMD...: exit 0
  local name=$1
  shift
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  if [[ $rc -eq 0 ]]; then ok "$name"; else bad "$name" "exit $rc: $(show_err)"; fi
}
# fails NAME CODE REGEX CMD...: exit CODE, exactly one stderr line "fhesynth: ..." matching REGEX
fails() {
  local name=$1 code=$2 re=$3
  shift 3
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$? why=""
  [[ $rc -eq $code ]] || why+="exit $rc, expected $code; "
  [[ $(wc -l <"$T/stderr") -eq 1 ]] || why+="not exactly one stderr line; "
  grep -q '^fhesynth: ' "$T/stderr" || why+="no 'fhesynth: ' prefix; "
  grep -Eqi -- "$re" "$T/stderr" || why+="stderr does not match /$re/; "
  if [[ -z $why ]]; then ok "$name"; else bad "$name" "$why[stderr: $(show_err)]"; fi
}
out_has() { grep -Eq -- "$1" "$T/stdout"; }
# jq_py EXPR: evaluates a python expression over d = the JSON on stdout
jq_py() { python3 -c 'import json,os,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/stdout" "$1"; }
# append FILE KIND LABEL [EPS DELTA RHO]: adds an entry as a release would
append() {
  python3 - "$@" <<'EOF'
import json, sys
path, kind, label = sys.argv[1:4]
d = json.load(open(path))
e = {"time": "2024-05-01T12:00:00Z", "kind": kind, "label": label}
if kind == "no-dp":
    e.update(epsilon=None, delta=None, rho=None, delta_approx=None)
else:
    e.update(epsilon=float(sys.argv[4]), delta=float(sys.argv[5]), rho=float(sys.argv[6]), delta_approx=0.0)
d["entries"].append(e)
json.dump(d, open(path, "w"), indent=2)
EOF
}

printf 'age,job\n34,"teacher"\n51,"nurse"\n' >in.csv
printf 'age,job\n35,"teacher"\n' >other.csv

# ---------------------------------------------------------------- usage errors
runs "budget --help" "$BIN" budget --help
check "--help names --reset and --json" out_has -- '--reset.*--label|--json'
fails "no argument: usage error" 2 'expected INPUT' "$BIN" budget
fails "unknown option: usage error" 2 'unknown option --bogus' "$BIN" budget in.csv --bogus
fails "--epsilon without --create" 2 'cap of --create' "$BIN" budget in.csv --epsilon 1
fails "--create without --epsilon" 2 'needs --epsilon' "$BIN" budget in.csv --create
fails "--delta out of range" 2 'delta must be in' "$BIN" budget in.csv --create --epsilon 1 --delta 2
fails "--reset with --create" 2 'one of --reset and --create' "$BIN" budget in.csv --reset --create --epsilon 1
fails "two inputs" 2 'expected one' "$BIN" budget in.csv other.csv

# ---------------------------------------------------------------- runtime errors
fails "missing input: exit 1" 1 'nope\.csv.*no such file' "$BIN" budget nope.csv
fails "no ledger yet: exit 1" 1 'ledgers/[0-9a-f]{32}\.json.*no such file' "$BIN" budget in.csv
fails "missing --ledger file: exit 1" 1 'absent\.json.*no such file' "$BIN" budget --ledger absent.json

# ---------------------------------------------------------------- create and list
runs "--create --epsilon 5 --delta 1e-7" "$BIN" budget in.csv --create --epsilon 5 --delta 1e-7
check "the cap is printed" out_has '^cap: +epsilon 5, delta 1e-07'
check "nothing spent" out_has '^spent: +epsilon 0 '
check "everything left" out_has '^left: +epsilon 5 '
export L=$(sed -n 's/^ledger: //p' "$T/stdout")
check "the ledger lives in FHESYNTH_HOME/ledgers/<32 hex>.json" \
  bash -c '[[ $0 =~ ^'"$T"'/home/ledgers/[0-9a-f]{32}\.json$ && -f $0 ]]' "$L"
check "the ledger is owner-only (0600)" test "$(stat -c %a "$L" 2>/dev/null)" = 600
check "the real HOME was not touched" test ! -e "$T/fakehome"
runs "--create again with the same cap is fine" "$BIN" budget in.csv --create --epsilon 5 --delta 1e-7
fails "--create with another cap is refused" 1 'budget cap is epsilon 5' "$BIN" budget in.csv --create --epsilon 6

append "$L" marginals 'decrypt STATS.fhe -> STATS.json' 1 1e-7 0.02
append "$L" no-dp $'exact\ncounts'
runs "budget INPUT lists the releases" "$BIN" budget in.csv
check "listing: the DP release with its epsilon and delta" out_has 'marginals +1 +1e-07 +decrypt STATS.fhe -> STATS.json'
check "listing: the no-dp release, label on one line" out_has 'no-dp +- +- +exact\?counts$'
check "listing: unbounded status" out_has '^status: UNBOUNDED: a release without DP was recorded on 2024-05-01T12:00:00Z'
check "listing: nothing left while unbounded" out_has '^left: +epsilon 0 '
check "listing: two entries" out_has '^entries: 2$'

runs "budget INPUT --json" "$BIN" budget in.csv --json
check "--json: cap and spent" jq_py 'd["summary"]["epsilon_cap"] == 5 and d["summary"]["delta_cap"] == 1e-7 and abs(d["summary"]["rho_spent"] - 0.02) < 1e-12'
check "--json: unbounded, two releases in the epoch" jq_py 'd["summary"]["unbounded"] is True and d["summary"]["epoch_releases"] == 2'
check "--json: no-dp entry has null numbers" jq_py 'd["entries"][1]["kind"] == "no-dp" and d["entries"][1]["rho"] is None'
check "--json: the ledger path" jq_py 'd["ledger"] == os.environ["L"]'

# the same ledger by path, and a ledger file given as the source
runs "budget --ledger PATH" "$BIN" budget --ledger "$L" --json
check "--ledger PATH: same summary" jq_py 'd["summary"]["entries"] == 2'
runs "budget LEDGER.json" "$BIN" budget "$L"
check "LEDGER.json as the source: listing" out_has '^entries: 2$'
fails "another dataset's input with this ledger" 1 'belongs to another dataset' "$BIN" budget other.csv --ledger "$L"

# ---------------------------------------------------------------- reset
before=$(sha256sum <"$L")
fails "reset of another dataset's ledger is refused" 1 'another dataset' "$BIN" budget other.csv --ledger "$L" --reset
check "the refused reset left the ledger unchanged" test "$(sha256sum <"$L")" = "$before"
runs "--reset --label" "$BIN" budget in.csv --reset --label 'new analysis' --json
check "--reset: a new epoch, history kept" jq_py 'd["summary"]["unbounded"] is False and d["summary"]["epoch_releases"] == 0 and d["summary"]["entries"] == 3'
check "--reset: the reset entry with its label" jq_py 'd["entries"][2]["kind"] == "reset" and d["entries"][2]["label"] == "new analysis"'
check "--reset: earlier entries marked as an earlier epoch" jq_py 'not d["entries"][0]["current_epoch"] and not d["entries"][1]["current_epoch"]'
check "--reset: the whole budget is back" jq_py 'd["summary"]["epsilon_left"] == 5 and d["summary"]["rho_spent"] == 0'
grep -q 'new epoch started' "$T/stderr" && ok "--reset says so on stderr" || bad "--reset says so on stderr" "$(show_err)"

# ---------------------------------------------------------------- damaged ledgers
cp "$L" good.json
head -c 100 good.json >"$L"
before=$(sha256sum <"$L")
fails "truncated ledger: exit 1" 1 'corrupt privacy ledger' "$BIN" budget in.csv
fails "truncated ledger: --reset refused" 1 'corrupt privacy ledger' "$BIN" budget in.csv --reset
check "the truncated ledger was not rewritten" test "$(sha256sum <"$L")" = "$before"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cap"]["rho"]*=2; json.dump(d,open(sys.argv[1],"w"))' good.json
cp good.json "$L"
fails "tampered cap: exit 1" 1 'cap rho does not match' "$BIN" budget in.csv
echo '{"format": "fhesynth-budget", "version": 1, "epsilon_budget": 10, "releases": []}' >"$L"
fails "version-1 ledger: exit 1, says what to do" 1 'version-1.*delete it or convert it' "$BIN" budget in.csv --json

echo "$PASS passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
