#!/usr/bin/env bash
CHECKS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/checks.sh # before any cd
# Command-line tests for fhesynth (DESIGN.md section 9, issue 4's list).
#
# usage: test_cli.sh PATH/TO/fhesynth [SOURCE_DIR]
#
# Every check prints one line ("ok   ..." or "FAIL ..."); the last line is exactly
# "N passed, M failed" and the exit status is non-zero when M > 0. Everything happens in a
# temporary directory removed on exit. Data is small on purpose: the script must also pass in
# the ASan build within CTest's timeout.
#
# A failing run must: exit 1 (runtime) or 2 (usage); print exactly one line on stderr, starting
# with "fhesynth: " and naming the file (or option) and the problem; leave no output file and no
# temporary ".NAME.XXXXXX" behind; and leave a pre-existing output file unchanged.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 PATH/TO/fhesynth [SOURCE_DIR]" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK="$HERE/check_stats.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/fhs-cli-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
mkdir out                      # failing runs write (or rather must not write) here
mkdir D D1 D8 DH D3 DP         # one directory per successful pipeline
export LC_ALL=C

# PASS/FAILED, ok, bad, check
source "$CHECKS"
show_err() { head -c 600 "$T/stderr" | tr '\n' '|'; }

# runs NAME CMD...: the command must exit 0
runs() {
  local name=$1
  shift
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  if [[ $rc -eq 0 ]]; then ok "$name"; else bad "$name" "exit $rc: $(show_err)"; fi
  return $rc
}

dotfiles() { # the hidden files in the given directories (temporary outputs look like .NAME.XXXXXX)
  local d
  for d in "$@"; do [[ -d $d ]] && find "$d" -maxdepth 1 -name '.*' ! -name . -print; done | sort
}

# fails NAME CODE REGEX OUTPUTS CMD...
#   CODE: expected exit status; REGEX: extended regex the stderr line must match;
#   OUTPUTS: colon-separated files the command would write ("" for none): each must be absent
#   afterwards, or unchanged if it existed before.
fails() {
  local name=$1 code=$2 re=$3 outs=$4
  shift 4
  local -a paths=() dirs=("$T/out")
  local -A before=()
  local p
  if [[ -n $outs ]]; then IFS=: read -ra paths <<<"$outs"; fi
  for p in "${paths[@]}"; do
    [[ -e $p ]] && before[$p]=$(sha256sum <"$p")
    dirs+=("$(dirname "$p")")
  done
  local dots_before
  dots_before=$(dotfiles "${dirs[@]}")
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  local -a why=()
  [[ $rc -eq $code ]] || why+=("exit $rc, expected $code")
  local lines
  lines=$(wc -l <"$T/stderr")
  [[ $lines -eq 1 && $(tail -c 1 "$T/stderr" | od -An -c | tr -d ' ') == '\n' ]] ||
    why+=("$lines lines on stderr, expected exactly one")
  head -n 1 "$T/stderr" | grep -q '^fhesynth: ' || why+=("stderr does not start with 'fhesynth: '")
  grep -Eqi -- "$re" "$T/stderr" || why+=("stderr does not match /$re/")
  for p in "${paths[@]}"; do
    if [[ -n ${before[$p]+x} ]]; then
      if [[ ! -e $p ]]; then
        why+=("pre-existing $p was removed")
      elif [[ $(sha256sum <"$p") != "${before[$p]}" ]]; then
        why+=("pre-existing $p was changed")
      fi
    elif [[ -e $p ]]; then
      why+=("left $p behind")
    fi
  done
  local dots_after
  dots_after=$(dotfiles "${dirs[@]}")
  [[ $dots_after == "$dots_before" ]] || why+=("left temporary files: $(comm -13 <(echo "$dots_before") <(echo "$dots_after") | tr '\n' ' ')")
  if [[ ${#why[@]} -eq 0 ]]; then
    ok "$name"
  else
    local IFS=';'
    bad "$name" "${why[*]} [stderr: $(show_err)]"
  fi
}

flip_middle() { # flip_middle SRC DST: DST is SRC with the byte in the middle inverted
  python3 - "$1" "$2" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 0xFF
open(sys.argv[2], "wb").write(b)
EOF
}
truncate_half() { head -c $(($(stat -c %s "$1") / 2)) "$1" >"$2"; }
json_get() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "$2"; }
verify_counts() { # verify_counts NAME CSV SCHEMA STATS WAYS
  local msg
  msg=$(python3 "$CHECK" "$2" "$3" "$4" "$5" 2>&1)
  local rc=$?
  if [[ $rc -eq 0 ]]; then ok "$1 ($msg)"; else bad "$1" "$msg"; fi
  return $rc
}

# ---------------------------------------------------------------- data
# Column and category names are long and distinctive, so that finding them in DATA.fhe or
# STATS.fhe cannot happen by chance (those files must hold domain sizes only).
python3 - <<'EOF'
import random
r = random.Random(20240501)
# main.csv: 300 rows; a categorical column with missing values, a numeric column with missing
# values, a column with a single value.
with open("main.csv", "w") as f:
    f.write("age_years,favourite_colour,home_city,constant_col,income_eur\n")
    for _ in range(300):
        age = r.randint(18, 80)
        colour = r.choice(["crimson_zq", "emerald_zq", "cobalt_zq", ""])
        city = r.choice(["Lisbon_zq", "Tallinn_zq", "Dakar_zq"])
        income = "" if r.random() < 0.15 else f"{r.uniform(900, 9000):.2f}"
        f.write(f"{age},{colour},{city},same_value_zq,{income}\n")
# one.csv: a single row.
with open("one.csv", "w") as f:
    f.write("age_years,favourite_colour\n42,crimson_zq\n")
# big.csv: 8200 rows, not a multiple of the 8192 slots of a block (two blocks, the second
# nearly empty); two small columns keep it lean.
with open("big.csv", "w") as f:
    f.write("grp,score\n")
    for i in range(8200):
        f.write(f"{r.choice('abc')},{r.randint(0, 99)}\n")
# three.csv: a tiny table for the 3-way run.
with open("three.csv", "w") as f:
    f.write("t1,t2,t3\n")
    for _ in range(40):
        f.write(f"{r.choice('xy')},{r.choice('pqr')},{r.choice(['u', 'v', ''])}\n")
# hand.csv + hand_schema.json: a schema written by hand (category order not the order of
# appearance, values on the bin edges: 0 and 10 open bins, 30 is the last bin's upper edge).
with open("hand.csv", "w") as f:
    f.write("num,cat\n")
    vals = [0, 10, 30, 29.5, 9.999, 20, 15, 5]
    cats = ["a", "b", "c", ""]
    for i in range(60):
        f.write(f"{vals[i % len(vals)]},{cats[(i * 7) % len(cats)]}\n")
with open("hand_schema.json", "w") as f:
    f.write('{"format": "fhesynth-schema", "version": 1, "columns": [\n'
            ' {"name": "num", "type": "numeric", "bins": [0, 10, 20, 30], "missing": false},\n'
            ' {"name": "cat", "type": "categorical", "categories": ["c", "a", "b"], "missing": true}]}\n')
# bad inputs
with open("ragged.csv", "w") as f:
    f.write("num,cat\n1,a\n2\n3,b\n")
with open("badcat.csv", "w") as f:
    f.write("num,cat\n1,a\n2,b\n3,zebra\n")
with open("badbin.csv", "w") as f:
    f.write("num,cat\n1,a\n31,b\n")
EOF
: >empty.csv
echo 'correct horse battery staple' >pass.txt
echo 'wrong passphrase' >wrong.txt

# ---------------------------------------------------------------- --version, --help
runs "fhesynth --version exits 0" "$BIN" --version
check "fhesynth --version prints a version" grep -Eq '^fhesynth [0-9]+\.[0-9]+' "$T/stdout"
runs "fhesynth --help exits 0" "$BIN" --help
# the subcommands, from the top-level help (so new ones are covered too)
mapfile -t SUBCOMMANDS < <(sed -n '/^commands:/,/^$/p' "$T/stdout" | awk '/^  [a-z]/ {print $1}')
for c in keygen encrypt fit decrypt inspect; do
  check "fhesynth --help lists $c" grep -qw "$c" <(printf '%s\n' "${SUBCOMMANDS[@]}")
done
for c in "${SUBCOMMANDS[@]}"; do
  runs "$c --help exits 0" "$BIN" "$c" --help
  check "$c --help prints its usage on stdout" grep -qi "usage: fhesynth $c" "$T/stdout"
  runs "$c --version exits 0" "$BIN" "$c" --version
  check "$c --version prints the version" grep -Eq '^fhesynth [0-9]+\.[0-9]+' "$T/stdout"
  fails "$c: unknown flag is a usage error" 2 "$c|option" "" "$BIN" "$c" --no-such-flag
done
fails "unknown command is a usage error" 2 'unknown command.*frobnicate' "" "$BIN" frobnicate

# ---------------------------------------------------------------- keygen
runs "keygen --ring 8192" "$BIN" keygen --out K --ring 8192 --quiet
check "keygen writes secret.key with mode 0600" test "$(stat -c %a K/secret.key)" = 600
check "keygen writes public.key and eval.key" test -s K/public.key -a -s K/eval.key
check "keygen leaves no temporary files" test -z "$(dotfiles K)"
runs "keygen of a second key directory" "$BIN" keygen --out K2 --quiet
runs "keygen --ring 16384" "$BIN" keygen --out K16 --ring 16384 --quiet
fails "keygen without --out" 2 'keygen.*--out' "" "$BIN" keygen
fails "keygen --ring 1000" 2 'ring' "out/Kx/secret.key" "$BIN" keygen --out out/Kx --ring 1000
fails "keygen --passphrase-file that does not exist" 1 'nopass\.txt' "out/Kp/secret.key:out/Kp/eval.key" \
  "$BIN" keygen --out out/Kp --passphrase-file nopass.txt
rmdir out/Kp 2>/dev/null

# ---------------------------------------------------------------- happy path: main.csv
# these checks compare exact counts with the CSV's, so they take the exact domain (the DP
# default is tested by test_cli_privacy.sh)
runs "encrypt main.csv" "$BIN" encrypt main.csv --keys K --out D/DATA.fhe --quiet --unsafe-exact-schema
check "encrypt writes DATA.fhe" test -s D/DATA.fhe
check "encrypt writes SCHEMA.json beside DATA.fhe" test -s D/SCHEMA.json
check "SCHEMA.json is an fhesynth schema" grep -q '"fhesynth-schema"' D/SCHEMA.json
check "DATA.fhe holds no column or category names" \
  bash -c '! grep -aqE "age_years|favourite_colour|crimson_zq|Lisbon_zq|same_value_zq" D/DATA.fhe'
runs "fit main (1- and 2-way)" "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out D/STATS.fhe --quiet
check "STATS.fhe holds no column or category names" \
  bash -c '! grep -aqE "age_years|favourite_colour|crimson_zq|Lisbon_zq" D/STATS.fhe'
runs "decrypt --no-dp" "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out D/STATS.json --no-dp \
  --ledger L_exact.json
check "decrypt --no-dp warns on stderr" grep -qi 'warning.*not differentially private' "$T/stderr"
check "decrypt --no-dp is recorded in the ledger" grep -q '"no-dp"' L_exact.json
verify_counts "main: exact 1- and 2-way counts equal the CSV's" main.csv D/SCHEMA.json D/STATS.json 2
check "main: a column with missing values has the missing index" \
  grep -q '"favourite_colour", "type": "categorical".*"missing": true' D/SCHEMA.json
# the verifier itself must notice a wrong count
python3 - D/STATS.json <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
s["marginals"][-1]["counts"][0] += 1
json.dump(s, open("tampered.json", "w"))
EOF
check "the count verifier notices a wrong count" \
  bash -c '! python3 "$0" main.csv D/SCHEMA.json tampered.json 2 >/dev/null' "$CHECK"

runs "decrypt --epsilon 1" "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out D/NOISY.json --epsilon 1 --quiet \
  --ledger L_main.json
check "--epsilon 1: STATS.json says \"exact\": false" test "$(json_get D/NOISY.json exact)" = false
check "--epsilon 1: STATS.json records epsilon 1" test "$(json_get D/NOISY.json epsilon)" = 1.0 -o "$(json_get D/NOISY.json epsilon)" = 1
check "--epsilon 1: every marginal has sigma > 0 and integer counts" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["marginals"], "no marginals"
for m in s["marginals"]:
    assert m["sigma"] > 0, m["columns"]
    assert all(isinstance(c, int) for c in m["counts"]), m["columns"]
' D/NOISY.json
check "--epsilon 1: the release is recorded in the ledger" grep -q '"fhesynth-budget"' L_main.json

# ---------------------------------------------------------------- happy path: edge datasets
runs "encrypt a single-row dataset" "$BIN" encrypt one.csv --keys K --out D1/DATA.fhe --quiet --unsafe-exact-schema &&
  runs "fit a single-row dataset" "$BIN" fit D1/DATA.fhe --eval-key K/eval.key --out D1/STATS.fhe --quiet &&
  runs "decrypt a single-row dataset" "$BIN" decrypt D1/STATS.fhe --keys K --schema D1/SCHEMA.json --out D1/STATS.json --no-dp --quiet &&
  verify_counts "single row: exact counts" one.csv D1/SCHEMA.json D1/STATS.json 2

runs "encrypt 8200 rows (not a multiple of 8192)" "$BIN" encrypt big.csv --keys K --out D8/DATA.fhe --bins 4 --quiet --unsafe-exact-schema &&
  runs "fit 8200 rows" "$BIN" fit D8/DATA.fhe --eval-key K/eval.key --out D8/STATS.fhe --quiet &&
  runs "decrypt 8200 rows" "$BIN" decrypt D8/STATS.fhe --keys K --schema D8/SCHEMA.json --out D8/STATS.json --no-dp --quiet &&
  verify_counts "8200 rows: exact counts (rows is 8200, not the padded 16384)" big.csv D8/SCHEMA.json D8/STATS.json 2

runs "encrypt with a hand-written --schema" "$BIN" encrypt hand.csv --keys K --schema hand_schema.json --out DH/DATA.fhe --quiet &&
  check "encrypt --schema writes no schema" test ! -e DH/SCHEMA.json &&
  runs "fit with a hand-written schema" "$BIN" fit DH/DATA.fhe --eval-key K/eval.key --out DH/STATS.fhe --ways 1 --quiet &&
  runs "decrypt with a hand-written schema" "$BIN" decrypt DH/STATS.fhe --keys K --schema hand_schema.json --out DH/STATS.json --no-dp --model independent --quiet &&
  verify_counts "hand-written schema: bin edges and category order respected (1-way)" hand.csv hand_schema.json DH/STATS.json 1

runs "encrypt a tiny table under --ring 16384" "$BIN" encrypt three.csv --keys K16 --out D3/DATA.fhe --quiet --unsafe-exact-schema &&
  runs "fit --ways 3" "$BIN" fit D3/DATA.fhe --eval-key K16/eval.key --out D3/STATS.fhe --ways 3 --quiet &&
  runs "inspect: the 3-way STATS.fhe holds 3-way marginals" "$BIN" inspect D3/STATS.fhe &&
  check "inspect reports up to 3-way" grep -q 'up to 3-way' "$T/stdout" &&
  runs "decrypt the 3-way statistics" "$BIN" decrypt D3/STATS.fhe --keys K16 --schema D3/SCHEMA.json --out D3/STATS.json --no-dp --quiet &&
  {
    msg=$(python3 "$CHECK" three.csv D3/SCHEMA.json D3/STATS.json 3 2>&1)
    case $? in
      0) ok "3-way run: exact counts, 3-way marginal included ($msg)" ;;
      3) ok "3-way run: exact 1- and 2-way counts ($msg)"
         echo "note: decrypt keeps only the marginals its release plan uses (all of mst/independent/all2way are at most 2-way): the 3-way table computed by fit --ways 3 is not in STATS.json" ;;
      *) bad "3-way run: exact counts" "$msg" ;;
    esac
  }

# ---------------------------------------------------------------- bad inputs: encrypt
echo precious >out/keep.fhe
echo precious >out/SCHEMA.json
fails "encrypt a ragged CSV" 1 'ragged\.csv:3:.*field' "out/r.fhe:out/SCHEMA.json" \
  "$BIN" encrypt ragged.csv --keys K --out out/r.fhe
fails "encrypt a ragged CSV over an existing DATA.fhe" 1 'ragged\.csv:3:' "out/keep.fhe:out/SCHEMA.json" \
  "$BIN" encrypt ragged.csv --keys K --out out/keep.fhe
fails "encrypt an empty file" 1 'empty\.csv.*empty' "out/e.fhe:out/SCHEMA.json" \
  "$BIN" encrypt empty.csv --keys K --out out/e.fhe
fails "encrypt a missing file" 1 'nosuch\.csv.*no such file' "out/m.fhe:out/SCHEMA.json" \
  "$BIN" encrypt nosuch.csv --keys K --out out/m.fhe
fails "encrypt --schema: a category not in the schema (names line and column)" 1 'badcat\.csv:4:.*"cat".*zebra' \
  "out/keep.fhe" "$BIN" encrypt badcat.csv --keys K --schema hand_schema.json --out out/keep.fhe
fails "encrypt --schema: a value outside the bins (names line and column)" 1 'badbin\.csv:3:.*"num".*31' \
  "out/b.fhe" "$BIN" encrypt badbin.csv --keys K --schema hand_schema.json --out out/b.fhe
fails "encrypt: the schema cannot be written (existing DATA.fhe kept)" 1 'nodir/S\.json' \
  "out/keep.fhe:nodir/S.json" "$BIN" encrypt main.csv --keys K --out out/keep.fhe --schema-out nodir/S.json
fails "encrypt into a missing directory" 1 'nodir/D\.fhe' "nodir/D.fhe" \
  "$BIN" encrypt main.csv --keys K --out nodir/D.fhe
fails "encrypt with a missing key directory" 1 'nokeys/secret\.key' "out/k.fhe:out/SCHEMA.json" \
  "$BIN" encrypt main.csv --keys nokeys --out out/k.fhe
fails "fit estimated above --max-minutes is refused before any work (issue 12)" 2 'D/DATA\.fhe: fit would compute [0-9]+ counts.*limit' \
  "out/x.fhe" "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/x.fhe --max-minutes 0.00001
fails "fit --max-minutes must be positive" 2 'max-minutes' "out/x.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/x.fhe --max-minutes 0
# encrypt and run estimate their work once the domain is known, before any budget is spent
fails "encrypt estimated above --max-minutes is refused before discovery is charged (issue 12)" 2 \
  'main\.csv: encrypting would take an estimated [0-9.]+ minutes \(limit 1e-05\)' "out/est.fhe:out/SCHEMA.json" \
  "$BIN" encrypt main.csv --keys K --out out/est.fhe --ledger out/L_est.json --max-minutes 0.00001
check "a refused encrypt left no ledger (discovery not charged)" test ! -e out/L_est.json
fails "run estimated above --max-minutes is refused before anything is spent" 2 \
  'main\.csv: encrypting and fitting would take an estimated [0-9.]+ minutes' "out/est.csv" \
  "$BIN" run main.csv --out out/est.csv --ledger out/L_erun.json --max-minutes 0.00001 --quiet
check "a refused run left no ledger and no work directory" test ! -e out/L_erun.json -a ! -e out/est.csv.work
check "encrypt --force runs past --max-minutes" "$BIN" encrypt main.csv --keys K --out out/est.fhe \
  --schema-out out/S_est.json --ledger out/L_est.json --max-minutes 0.00001 --force --quiet
fails "encrypt --max-minutes must be positive" 2 'max-minutes' "out/x.fhe" \
  "$BIN" encrypt main.csv --keys K --out out/x.fhe --max-minutes -1
fails "encrypt without --keys" 2 'encrypt.*--keys' "out/u.fhe" "$BIN" encrypt main.csv --out out/u.fhe
fails "encrypt without --out" 2 'encrypt.*--out' "" "$BIN" encrypt main.csv --keys K
fails "encrypt without INPUT" 2 'encrypt.*INPUT' "out/u.fhe" "$BIN" encrypt --keys K --out out/u.fhe
fails "encrypt --schema with --schema-out" 2 'schema' "out/u.fhe" \
  "$BIN" encrypt main.csv --keys K --out out/u.fhe --schema hand_schema.json --schema-out out/s.json
fails "encrypt --keys with its value missing" 2 'encrypt' "" "$BIN" encrypt main.csv --out out/u.fhe --keys
check "existing DATA.fhe and SCHEMA.json survived the failed encrypts" \
  test "$(cat out/keep.fhe)" = precious -a "$(cat out/SCHEMA.json)" = precious

# ---------------------------------------------------------------- bad inputs: fit
truncate_half D/DATA.fhe trunc_data.fhe
flip_middle D/DATA.fhe flip_data.fhe
truncate_half D/STATS.fhe trunc_stats.fhe
flip_middle D/STATS.fhe flip_stats.fhe
fails "fit a truncated DATA.fhe" 1 'trunc_data\.fhe.*truncated' "out/keep.fhe" \
  "$BIN" fit trunc_data.fhe --eval-key K/eval.key --out out/keep.fhe
fails "fit a bit-flipped DATA.fhe" 1 'flip_data\.fhe.*(corrupt|checksum)' "out/s.fhe" \
  "$BIN" fit flip_data.fhe --eval-key K/eval.key --out out/s.fhe
fails "fit DATA.fhe with another key's eval.key" 1 'DATA\.fhe.*another key' "out/keep.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K2/eval.key --out out/keep.fhe
fails "fit a key file given as data" 1 'K/eval\.key.*not an encrypted dataset' "out/s.fhe" \
  "$BIN" fit K/eval.key --eval-key K/eval.key --out out/s.fhe
fails "fit STATS.fhe given as data" 1 'STATS\.fhe.*not an encrypted dataset' "out/s.fhe" \
  "$BIN" fit D/STATS.fhe --eval-key K/eval.key --out out/s.fhe
fails "fit refuses a secret key as --eval-key" 1 'K/secret\.key.*secret key' "out/s.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/secret.key --out out/s.fhe
fails "fit refuses a public key as --eval-key" 1 'K/public\.key' "out/s.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/public.key --out out/s.fhe
fails "fit a missing DATA.fhe" 1 'nosuch\.fhe.*no such file' "out/s.fhe" \
  "$BIN" fit nosuch.fhe --eval-key K/eval.key --out out/s.fhe
fails "fit --ways 4" 2 'ways' "out/s.fhe" "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/s.fhe --ways 4
fails "fit --ways 0" 2 'ways' "out/s.fhe" "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/s.fhe --ways 0
fails "fit without --eval-key" 2 'fit.*--eval-key' "out/s.fhe" "$BIN" fit D/DATA.fhe --out out/s.fhe
fails "fit without --out" 2 'fit.*--out' "" "$BIN" fit D/DATA.fhe --eval-key K/eval.key
fails "fit without DATA.fhe" 2 'fit.*DATA' "out/s.fhe" "$BIN" fit --eval-key K/eval.key --out out/s.fhe
# a bad option value is a usage error (2) when judged without the rows: a column past the
# count DATA.fhe's header declares is one
fails "fit --marginals naming a column that does not exist" 2 'marginals: column 99 does not exist.*columns, numbered 0\.\.' "out/s.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/s.fhe --marginals "0,99"
fails "fit --marginals with a bad syntax" 2 'marginals.*column number' "out/s.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/s.fhe --marginals "0,x"
fails "fit --marginals with four columns" 2 'marginals.*at most 3' "out/s.fhe" \
  "$BIN" fit D/DATA.fhe --eval-key K/eval.key --out out/s.fhe --marginals "0,1,2,3"

# ---------------------------------------------------------------- bad inputs: decrypt
echo '{"precious": true}' >out/keep.json
fails "decrypt a truncated STATS.fhe" 1 'trunc_stats\.fhe.*truncated' "out/keep.json" \
  "$BIN" decrypt trunc_stats.fhe --keys K --schema D/SCHEMA.json --out out/keep.json --no-dp
fails "decrypt a bit-flipped STATS.fhe" 1 'flip_stats\.fhe.*(corrupt|checksum)' "out/j.json" \
  "$BIN" decrypt flip_stats.fhe --keys K --schema D/SCHEMA.json --out out/j.json --no-dp
fails "decrypt STATS.fhe with another key directory" 1 'STATS\.fhe.*another key' "out/keep.json" \
  "$BIN" decrypt D/STATS.fhe --keys K2 --schema D/SCHEMA.json --out out/keep.json --no-dp
fails "decrypt DATA.fhe given as statistics" 1 'DATA\.fhe.*not an encrypted statistics' "out/j.json" \
  "$BIN" decrypt D/DATA.fhe --keys K --schema D/SCHEMA.json --out out/j.json --no-dp
fails "decrypt with another data set's schema" 1 'SCHEMA\.json.*different data' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D8/SCHEMA.json --out out/j.json --no-dp
fails "decrypt without --epsilon or --no-dp" 2 'epsilon.*no-dp' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json
fails "decrypt --epsilon -1" 2 'epsilon' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --epsilon -1
fails "decrypt --epsilon 0" 2 'epsilon' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --epsilon 0
fails "decrypt --epsilon abc" 2 'epsilon' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --epsilon abc
# the zCDP conversion is tight up to epsilon 1e5 (include/fhesynth.h): the message names the
# option and the range
fails "decrypt --epsilon 1e9 names the option and the range" 2 '--epsilon.*\[0\.001, 100000\]' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --epsilon 1e9
fails "decrypt --delta above 1/(padded rows) is a usage error" 2 'delta 0\.001 is above 1/8192' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --epsilon 1 --delta 0.001
fails "decrypt --no-dp with --epsilon" 2 'no-dp' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/j.json --no-dp --epsilon 1
fails "decrypt without --keys" 2 'decrypt.*--keys' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --schema D/SCHEMA.json --out out/j.json --no-dp
fails "decrypt without --schema" 2 'decrypt.*--schema' "out/j.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --out out/j.json --no-dp
fails "decrypt without --out" 2 'decrypt.*--out' "" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --no-dp
fails "decrypt without STATS.fhe" 2 'decrypt.*STATS' "out/j.json" \
  "$BIN" decrypt --keys K --schema D/SCHEMA.json --out out/j.json --no-dp
check "existing outputs survived the failed fits and decrypts" \
  test "$(cat out/keep.fhe)" = precious -a "$(cat out/keep.json)" = '{"precious": true}'

# ---------------------------------------------------------------- passphrase-protected key
runs "keygen --passphrase-file" "$BIN" keygen --out KP --passphrase-file pass.txt --quiet
check "protected secret.key has mode 0600" test "$(stat -c %a KP/secret.key)" = 600
check "protected secret.key does not hold the passphrase" bash -c '! grep -aq "horse battery" KP/secret.key'
fails "encrypt with a protected key and no --passphrase-file" 1 'KP/secret\.key.*passphrase' "DP/DATA.fhe:DP/SCHEMA.json" \
  "$BIN" encrypt hand.csv --keys KP --out DP/DATA.fhe
fails "encrypt with the wrong passphrase" 1 'KP/secret\.key.*(wrong passphrase)' "DP/DATA.fhe:DP/SCHEMA.json" \
  "$BIN" encrypt hand.csv --keys KP --out DP/DATA.fhe --passphrase-file wrong.txt
runs "encrypt with the right passphrase" "$BIN" encrypt hand.csv --keys KP --out DP/DATA.fhe --passphrase-file pass.txt --quiet --unsafe-exact-schema
fails "fit refuses a protected secret key as --eval-key" 1 'KP/secret\.key.*secret key' "DP/STATS.fhe" \
  "$BIN" fit DP/DATA.fhe --eval-key KP/secret.key --out DP/STATS.fhe
runs "fit with the protected key's eval.key" "$BIN" fit DP/DATA.fhe --eval-key KP/eval.key --out DP/STATS.fhe --quiet
fails "decrypt with a protected key and no --passphrase-file" 1 'KP/secret\.key.*passphrase' "DP/STATS.json" \
  "$BIN" decrypt DP/STATS.fhe --keys KP --schema DP/SCHEMA.json --out DP/STATS.json --no-dp
fails "decrypt with the wrong passphrase" 1 'KP/secret\.key.*wrong passphrase' "DP/STATS.json" \
  "$BIN" decrypt DP/STATS.fhe --keys KP --schema DP/SCHEMA.json --out DP/STATS.json --no-dp --passphrase-file wrong.txt
: >empty_pass.txt
fails "decrypt with an empty passphrase file" 1 'empty_pass\.txt.*empty' "DP/STATS.json" \
  "$BIN" decrypt DP/STATS.fhe --keys KP --schema DP/SCHEMA.json --out DP/STATS.json --no-dp --passphrase-file empty_pass.txt
runs "decrypt with the right passphrase" "$BIN" decrypt DP/STATS.fhe --keys KP --schema DP/SCHEMA.json --out DP/STATS.json \
  --no-dp --passphrase-file pass.txt --quiet &&
  verify_counts "protected key: exact counts" hand.csv DP/SCHEMA.json DP/STATS.json 2

# ---------------------------------------------------------------- keygen refuses to overwrite
sum_before=$(sha256sum <K2/secret.key)
fails "keygen into a directory with a secret.key refuses" 1 'K2/secret\.key.*already exists.*--force' "K2/secret.key" \
  "$BIN" keygen --out K2
check "keygen refusal left eval.key and public.key alone" test -z "$(dotfiles K2)"
runs "keygen --force replaces it" "$BIN" keygen --out K2 --force --quiet
check "keygen --force wrote a new secret.key (mode 0600)" \
  test "$(sha256sum <K2/secret.key)" != "$sum_before" -a "$(stat -c %a K2/secret.key)" = 600

# ---------------------------------------------------------------- the budget ledger
# A fresh ledger with the default cap, epsilon 10 at delta 1e-6. Releases compose under zCDP
# (DESIGN.md section 6; dp.h): four releases at epsilon 4 compose to about 9.5 (< 10) at delta
# 1e-6, the fifth would bring the total to about 10.06 and is refused. (Under simple additive
# composition the third would be refused.)
for i in 1 2 3 4; do
  runs "decrypt --epsilon 4, release $i of 4 within the budget" \
    "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out "out/B$i.json" --epsilon 4 --quiet --ledger KB.json
done
rm -f out/B[1-4].json
ledger_before=$(sha256sum <KB.json)
fails "decrypt --epsilon 4, fifth release: refused by the budget" 1 'KB\.json.*budget' "out/B5.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/B5.json --epsilon 4 --ledger KB.json
check "the refused release left the ledger unchanged" test "$(sha256sum <KB.json)" = "$ledger_before"
check "the ledger records four releases under the default cap" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cap"]["epsilon"] == 10, d["cap"]
assert len(d["entries"]) == 4, len(d["entries"])
' KB.json
fails "a refused release does not replace an existing STATS.json" 1 'budget' "out/keep.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/keep.json --epsilon 4 --ledger KB.json
fails "raising delta does not buy budget" 1 'budget' "out/keep.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/keep.json --epsilon 1 --delta 0.00001 --ledger KB.json
runs "--no-dp is allowed, and recorded in the ledger" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/nodp.json --no-dp --quiet --ledger KB2.json
check "the ledger records the exact release" grep -q '"no-dp"' KB2.json
fails "after --no-dp, a DP release is refused until a reset" 1 'KB2\.json.*reset' "out/dp.json" \
  "$BIN" decrypt D/STATS.fhe --keys K --schema D/SCHEMA.json --out out/dp.json --epsilon 0.1 --ledger KB2.json
rm -f out/nodp.json

# ---------------------------------------------------------------- inspect
# No secret material: no long hex or base64 runs, and no 8-byte window of a secret key's body
# (in hex) appears in the output.
no_secrets() { # no_secrets OUTPUT KEYFILE...
  python3 - "$@" <<'EOF'
import re, sys
out = open(sys.argv[1], encoding="utf-8", errors="replace").read()
assert len(out) < 2000, "long output"
assert not re.search(r"[0-9a-fA-F]{33,}", out), "a long hex run"
assert not re.search(r"[A-Za-z0-9+/]{44,}", out), "a long base64 run"
low = out.lower()
for path in sys.argv[2:]:
    key = open(path, "rb").read()
    for i in range(64, len(key) - 8):
        assert key[i:i + 8].hex() not in low, f"bytes at offset {i} of {path}"
EOF
}
for f in K/secret.key KP/secret.key K/public.key K/eval.key D/DATA.fhe D/STATS.fhe D/STATS.json D/SCHEMA.json KB.json; do
  if runs "inspect $f" "$BIN" inspect "$f"; then
    check "inspect $f says what it is" grep -q '^kind: ' "$T/stdout"
    check "inspect $f prints no key material" no_secrets "$T/stdout" K/secret.key KP/secret.key
  fi
done
"$BIN" inspect KP/secret.key >"$T/stdout" 2>/dev/null
check "inspect of a protected key says it is protected" grep -qi 'passphrase-protected' "$T/stdout"
fails "inspect a CSV" 1 'main\.csv.*not an fhesynth file' "" "$BIN" inspect main.csv
fails "inspect an empty file" 1 'empty\.csv.*empty' "" "$BIN" inspect empty.csv
fails "inspect a missing file" 1 'nosuch\.fhe.*no such file' "" "$BIN" inspect nosuch.fhe
fails "inspect a truncated DATA.fhe" 1 'trunc_data\.fhe' "" "$BIN" inspect trunc_data.fhe
fails "inspect without FILE" 2 'inspect' "" "$BIN" inspect

# ---------------------------------------------------------------- done
check "no temporary files anywhere in the work tree" test -z "$(find "$T" -name '.*.??????' -print)"
echo "$PASS passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
