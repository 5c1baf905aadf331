#!/usr/bin/env bash
# Issue 11: the whole release is DP, not only the noisy counts. Plants one row with a unique
# label and an extreme value in a small table, then runs the default pipeline several times and
# checks what a person who knows every other row could learn from the published files: the
# label never shows, the synthetic range does not follow the outlier, no file holds the exact
# row count or a hash of the input. Then the ledger: the delta bypass, a --no-dp release, and
# releases from several processes at once.
# usage: test_cli_privacy.sh FHESYNTH
set -u
FHS=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export FHESYNTH_HOME="$T/home"
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

N=3000
python3 - "$T/data.csv" "$N" <<'EOF'
import random, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(11)
colors = ["blue", "green", "red", "white", "yellow"]
with open(path, "w") as f:
    f.write("age,color,hours,city\n")
    for i in range(n - 1):
        age = rng.randint(18, 80)
        f.write("%d,%s,%d,%s\n" % (age, rng.choice(colors), rng.randint(10, 60) + (age > 50) * 5,
                                  rng.choice(["Oslo", "Lima", "Pune"])))
    # the canary: one person with a label nobody else has and an age nobody else is near
    f.write("9876,ZZcanarylabel,40,Oslo\n")
EOF

runs=5
leaks=0 range_leaks=0 n_leaks=0 hash_leaks=0 max_age=0
for i in $(seq 1 $runs); do
  out="$T/out$i.csv" wd="$T/wd$i"
  if ! "$FHS" run "$T/data.csv" --out "$out" --workdir "$wd" --epsilon 1 --seed "$i" --quiet \
       --ledger "$T/ledger$i.json" 2>"$T/err$i"; then
    bad "run $i failed: $(head -c 300 "$T/err$i")"
    continue
  fi
  for f in "$wd/SCHEMA.json" "$wd/STATS.json" "$out" "$out.manifest.json"; do
    grep -q ZZcanarylabel "$f" && leaks=$((leaks + 1))
  done
  a=$(python3 -c "import csv,sys; print(max(float(r['age']) for r in csv.DictReader(open(sys.argv[1]))))" "$out")
  python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1000 else 1)" "$a" || range_leaks=$((range_leaks + 1))
  # no exact n: no "rows" key anywhere, and the noisy total is not the true count
  python3 - "$wd/SCHEMA.json" "$wd/STATS.json" "$out.manifest.json" "$N" <<'EOF' || n_leaks=$((n_leaks + 1))
import json, sys
schema, stats, manifest = (json.load(open(p)) for p in sys.argv[1:4])
n = int(sys.argv[4])
assert "rows" not in schema and "rows" not in stats, "an exact rows key"
# a noisy total may hit n by chance (about 0.1% a run); it must not be n every time
if stats["rows_noisy"] == n:
    open(sys.argv[1] + ".hit_n", "w").close()
assert stats["delta"] <= 1e-6 + 1e-18, "delta follows the data"
assert schema["origin"] == "dp" and manifest["privacy"]["schema"] == "dp"
assert manifest["privacy"]["differentially_private"] is True
EOF
  # the manifest names the output and nothing derived from the input
  python3 - "$out.manifest.json" <<'EOF' || hash_leaks=$((hash_leaks + 1))
import json, sys
m = json.load(open(sys.argv[1]))
files = m.get("files", {})
assert set(files) <= {"output"}, "manifest lists %s" % sorted(files)
text = open(sys.argv[1]).read()
assert "input" not in files and '"schema":' not in json.dumps(files) and "data.csv" not in text
EOF
done
check "the canary label appears in no published file over $runs runs" "[ $leaks -eq 0 ]"
check "the synthetic range does not follow the outlier over $runs runs" "[ $range_leaks -eq 0 ]"
hits=$(ls "$T"/wd*/SCHEMA.json.hit_n 2>/dev/null | wc -l)
check "no file holds the exact row count over $runs runs (the noisy total hit n $hits times)" \
  "[ $n_leaks -eq 0 ] && [ $hits -lt $runs ]"
check "the manifest holds no hash of the input or schema over $runs runs" "[ $hash_leaks -eq 0 ]"
# the common labels survive discovery
check "common labels kept" "grep -q '\"green\"' '$T/wd1/SCHEMA.json' && grep -q '\"Pune\"' '$T/wd1/SCHEMA.json'"

# ---- the ledger ----
# zCDP composes sub-linearly in epsilon, so "spent" means a release of the whole cap
L="$T/exh.json"
"$FHS" run "$T/data.csv" --out "$T/all.csv" --workdir "$T/wd1" --epsilon 10 --seed 1 --quiet --ledger "$L" \
  2>"$T/e" && ok "a release of the whole cap passes" || bad "a release of the whole cap failed: $(cat "$T/e")"
before=$(sha256sum < "$L")
"$FHS" run "$T/data.csv" --out "$T/big.csv" --workdir "$T/wd1" --epsilon 1 --seed 1 --quiet --ledger "$L" \
  2>"$T/e" && bad "a release past the cap was accepted" || ok "a release past the cap is refused: $(cat "$T/e")"
"$FHS" run "$T/data.csv" --out "$T/big.csv" --workdir "$T/wd1" --epsilon 8.5 --delta 0.5 --seed 1 --quiet \
  --ledger "$L" 2>"$T/e" && bad "the delta bypass was accepted" || ok "the delta bypass is refused: $(cat "$T/e")"
"$FHS" run "$T/data.csv" --out "$T/big.csv" --workdir "$T/wd1" --epsilon 1 --delta 1e-5 --seed 1 --quiet \
  --ledger "$T/fresh.json" 2>"$T/e" && bad "a delta above the ledger's was accepted" \
  || ok "a delta above the ledger's is refused: $(cat "$T/e")"
check "nothing written by the refused releases" "[ ! -e '$T/big.csv' ]"
check "nothing charged for them, not even their discovery" "[ \"\$(sha256sum < '$L')\" = '$before' ]"

# --no-dp is recorded, and later DP releases are refused until a reset
wd="$T/wd2"
"$FHS" decrypt "$wd/STATS.fhe" --keys "$wd/keys" --schema "$wd/SCHEMA.json" --out "$T/exact.json" --no-dp \
  --ledger "$T/ledger2.json" 2>/dev/null || bad "decrypt --no-dp failed"
check "a --no-dp release is recorded" "grep -q 'no-dp' '$T/ledger2.json'"
"$FHS" decrypt "$wd/STATS.fhe" --keys "$wd/keys" --schema "$wd/SCHEMA.json" --out "$T/after.json" --epsilon 0.1 \
  --ledger "$T/ledger2.json" 2>"$T/e" && bad "a DP release after --no-dp was accepted" \
  || ok "a DP release after --no-dp is refused: $(cat "$T/e")"

# the default ledger follows the data, not the work directory: two runs with fresh keys and
# fresh work directories charge one ledger
for i in a b; do
  "$FHS" run "$T/data.csv" --out "$T/def$i.csv" --workdir "$T/def$i" --epsilon 1 --seed 1 --quiet \
    2>"$T/e" || bad "default-ledger run $i failed: $(cat "$T/e")"
done
n_ledgers=$(ls "$FHESYNTH_HOME/ledgers" 2>/dev/null | grep -c '\.json$')
check "two runs in fresh work directories charge one ledger" "[ '$n_ledgers' = 1 ]"
check "that ledger holds both runs" \
  "[ \$(grep -c '\"marginals\"' \"\$FHESYNTH_HOME\"/ledgers/*.json) -eq 2 ]"

# several processes releasing at once never compose past the cap: epsilon 6 each under the
# default cap (epsilon 10 at delta 1e-6) fits twice in zCDP (three would make about 10.8)
for i in 1 2 3 4 5 6; do
  "$FHS" run "$T/data.csv" --out "$T/par$i.csv" --workdir "$T/par$i" --epsilon 6 --seed "$i" --quiet \
    --ledger "$T/par.json" 2>/dev/null &
done
wait
done_runs=$(ls "$T"/par?.csv 2>/dev/null | wc -l)
charged=$(grep -c '"marginals"' "$T/par.json")
check "concurrent runs: $done_runs of 6 succeeded, the ledger records $charged" \
  "[ $done_runs -eq $charged ] && [ $done_runs -le 2 ] && [ $done_runs -ge 1 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
