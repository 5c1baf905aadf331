#!/usr/bin/env bash
CHECKS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/checks.sh # before any cd
# Crash safety and faults (issue 12, sections 3 and 9).
#
# usage: test_cli_crash.sh PATH/TO/fhesynth [SOURCE_DIR] [ITERATIONS]
#
# - Kill points: encrypt, fit, decrypt (charging a ledger), synthesize and run are killed at
#   random moments (uniform over each command's measured duration), ITERATIONS times each
#   (default 30; fewer for a slow command, e.g. under a sanitizer: each loop aims at
#   FHS_CRASH_LOOP_MS, default 25 s, with at least 6 kill points; FHS_CRASH_SEED fixes the random
#   sequence), first with SIGKILL, then with SIGINT.
#   After each kill: the output is absent, the old file unchanged, or complete (fhesynth inspect
#   accepts it and its size is a complete run's; synthesize with a seed: byte-identical); the
#   ledger parses (fhesynth budget accepts it) and gained at most one entry, and one whenever
#   the release appeared or the command reported success. SIGKILL may leave temporary files
#   (".NAME.fhs.XXXXXX"): the next writer of the same target removes them, which is checked by
#   one complete run at the end. SIGINT must leave none at all, and the exit status must say
#   "killed by SIGINT" (130).
# - Disk full (ulimit -f): one-line error naming the file, exit 1, no partial file, no temporary
#   file, no ledger entry.
# - Unreadable input, and DATA.fhe truncated while fit reads it: one-line error, no output.
# - run on a bad input removes the work directory and keys it created, and nothing else.
#
# Every check prints one line ("ok   ..." or "FAIL ..."); the last line is "N passed, M failed".
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 PATH/TO/fhesynth [SOURCE_DIR] [ITERATIONS]" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(realpath "${2:-$HERE/../..}")
ITER=${3:-${FHS_CRASH_ITERATIONS:-30}}
SEED=${FHS_CRASH_SEED:-$$}
RANDOM=$SEED
T=$(mktemp -d "${TMPDIR:-/tmp}/fhs-cli-crash.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export LC_ALL=C FHESYNTH_HOME="$T/home" HOME="$T/home"
# job control: a non-interactive shell starts background jobs with SIGINT ignored, and
# fhesynth (like any well-behaved tool) keeps an ignored SIGINT ignored
set -m

# PASS/FAILED, ok, bad, check
source "$CHECKS"
echo "# seed $SEED, $ITER iterations per command and signal"

ms_now() { echo $(($(date +%s%N) / 1000000)); }
# tempfiles DIR...: hidden files there (temporary outputs are ".NAME.fhs.XXXXXX")
tempfiles() { for d in "$@"; do find "$d" -maxdepth 1 -name '.*' ! -name . -print; done | sort; }
entries() { # entries LEDGER KIND: how many entries of KIND (0 when there is no ledger)
  [[ -e $1 ]] || { echo 0; return; }
  python3 -c 'import json,sys; print(sum(e["kind"] == sys.argv[2] for e in json.load(open(sys.argv[1]))["entries"]))' "$1" "$2"
}
ledger_ok() { [[ ! -e $1 ]] || "$BIN" budget "$1" --json >/dev/null 2>&1; }
complete_fhe() { # complete_fhe FILE SIZE: fhesynth reads it and it has a complete run's size
  "$BIN" inspect "$1" >/dev/null 2>&1 && [[ $(stat -c %s "$1") -eq $2 ]]
}

# ---------- data: 3,000 rows, 4 columns of Adult, a public schema ----------
COLS=1,2,10,15
head -n 3001 "$SRC/data/adult.csv" | cut -d, -f$COLS >small.csv
"$BIN" schema --out S.json --columns 'age:numeric:17:91:8;workclass:categorical:Federal-gov|Local-gov|Never-worked|Private|Self-emp-inc|Self-emp-not-inc|State-gov|Without-pay:missing;sex:categorical:Female|Male;income:categorical:<=50K|>50K:other=<=50K' >/dev/null 2>&1 &&
  "$BIN" keygen --out K >/dev/null 2>&1 || { bad setup "schema or keygen failed"; echo "$PASS passed, $FAILED failed"; exit 1; }

# reference runs, timed (the quicker of two): each kill point is uniform over [0, 1.2 x duration].
# fit and run use one thread: on a busy machine the duration then stays what was measured.
declare -A DUR
timed() { # timed NAME CMD...
  local name=$1 t0 k d
  shift
  for k in 1 2; do
    t0=$(ms_now)
    if ! "$@" >/dev/null 2>"$T/err.log"; then
      bad "reference $name" "$(head -c 300 "$T/err.log")"
      echo "$PASS passed, $FAILED failed"
      exit 1
    fi
    d=$(($(ms_now) - t0 + 1))
    [[ -n ${DUR[$name]:-} && ${DUR[$name]} -le $d ]] || DUR[$name]=$d
  done
}
mkdir ref
timed encrypt "$BIN" encrypt small.csv --keys K --schema S.json --out ref/D.fhe
timed fit "$BIN" fit ref/D.fhe --eval-key K/eval.key --out ref/ST.fhe --threads 1
"$BIN" budget ref/D.fhe --ledger ref/L.json --create --epsilon 1000 --delta 1e-3 >/dev/null
timed decrypt "$BIN" decrypt ref/ST.fhe --keys K --schema S.json --out ref/ST.json --epsilon 1 --ledger ref/L.json
timed synthesize "$BIN" synthesize ref/ST.json --schema S.json --out ref/syn.csv --seed 7 --rows 3000
"$BIN" budget small.csv --ledger ref/RL.json --create --epsilon 1000 --delta 1e-3 >/dev/null
timed run "$BIN" run small.csv --schema S.json --no-refine --out ref/R.csv --rows 500 --seed 7 --ledger ref/RL.json --threads 1
SIZE_D=$(stat -c %s ref/D.fhe)
SIZE_ST=$(stat -c %s ref/ST.fhe)
SYN_SHA=$(sha256sum <ref/syn.csv)
echo "# durations (ms): encrypt ${DUR[encrypt]}, fit ${DUR[fit]}, decrypt ${DUR[decrypt]}, synthesize ${DUR[synthesize]}, run ${DUR[run]}"

# kill_at SIG MS CMD...: starts CMD, sends SIG after MS milliseconds, sets RC to its status
kill_at() {
  local sig=$1 ms=$2
  shift 2
  "$@" >"$T/out.log" 2>"$T/err.log" &
  local pid=$!
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  RC=$?
}
# iters NAME: kill points for NAME's loop. ITER at most, fewer when the command is slow (a sanitizer
# build, a busy machine) so that each loop stays near FHS_CRASH_LOOP_MS (default 25 s); at least 6.
LOOP_MS=${FHS_CRASH_LOOP_MS:-25000}
iters() { local n=$((LOOP_MS * 10 / (${DUR[$1]} * 6 + 1))); ((n > ITER)) && n=$ITER; ((n < 6)) && n=6; echo $n; }
delay() { echo $((RANDOM * 32768 + RANDOM)) | awk -v d="$1" '{ printf "%d", ($1 % 1000000) / 1000000 * d * 1.2 }'; }

# status_ok SIG: the command finished (0) or died of the signal; anything else is a failure
status_ok() {
  case $1 in KILL) [[ $RC -eq 0 || $RC -eq 137 ]] ;; INT) [[ $RC -eq 0 || $RC -eq 130 ]] ;; esac
}

# temps_ok SIG DIR...: no temporary file after SIGINT; after SIGKILL only ".NAME.fhs.XXXXXX"
temps_ok() {
  local sig=$1
  shift
  local left
  left=$(tempfiles "$@")
  if [[ $sig == INT ]]; then [[ -z $left ]]; else [[ -z $(grep -v '/\.[^/]*\.fhs\.[A-Za-z0-9]\{6\}$' <<<"$left") ]]; fi
}

crash_loop() { # crash_loop SIG: every command, ITER kill points each
  local sig=$1 i n ms why n_killed n_done
  local -a fails

  # encrypt: DATA.fhe is absent, the old one, or a complete new one
  n=$(iters encrypt)
  mkdir -p "E$sig"
  fails=()
  n_killed=0 n_done=0
  for ((i = 0; i < n; i++)); do
    if ((i % 2)); then cp ref/D.fhe "E$sig/D.fhe"; else rm -f "E$sig/D.fhe"; fi
    local old
    old=$([[ -e E$sig/D.fhe ]] && sha256sum <"E$sig/D.fhe")
    ms=$(delay "${DUR[encrypt]}")
    kill_at "$sig" "$ms" "$BIN" encrypt small.csv --keys K --schema S.json --out "E$sig/D.fhe"
    why=""
    status_ok "$sig" || why+=" exit $RC ($(head -c 200 "$T/err.log"))"
    if [[ $RC -eq 0 ]]; then n_done=$((n_done + 1)); else n_killed=$((n_killed + 1)); fi
    if [[ -e E$sig/D.fhe ]]; then
      [[ $(sha256sum <"E$sig/D.fhe") == "$old" ]] || complete_fhe "E$sig/D.fhe" "$SIZE_D" || why+=" partial DATA.fhe"
    elif [[ -n $old ]]; then why+=" the old DATA.fhe vanished"; fi
    [[ $RC -ne 0 || -e E$sig/D.fhe ]] || why+=" success without output"
    temps_ok "$sig" "E$sig" || why+=" temporary files: $(tempfiles "E$sig" | tr '\n' ' ')"
    [[ -z $why ]] || fails+=("at ${ms} ms:$why")
  done
  if [[ ${#fails[@]} -eq 0 ]]; then ok "$sig encrypt: $n kill points ($n_killed killed, $n_done finished)"; else
    bad "$sig encrypt" "${#fails[@]}/$n: ${fails[*]:0:3}"; fi

  # fit: STATS.fhe likewise; a fit killed while reading leaves nothing
  n=$(iters fit)
  mkdir -p "F$sig"
  fails=()
  n_killed=0 n_done=0
  for ((i = 0; i < n; i++)); do
    if ((i % 2)); then cp ref/ST.fhe "F$sig/ST.fhe"; else rm -f "F$sig/ST.fhe"; fi
    local old
    old=$([[ -e F$sig/ST.fhe ]] && sha256sum <"F$sig/ST.fhe")
    ms=$(delay "${DUR[fit]}")
    kill_at "$sig" "$ms" "$BIN" fit ref/D.fhe --eval-key K/eval.key --out "F$sig/ST.fhe" --threads 1
    why=""
    status_ok "$sig" || why+=" exit $RC ($(head -c 200 "$T/err.log"))"
    if [[ $RC -eq 0 ]]; then n_done=$((n_done + 1)); else n_killed=$((n_killed + 1)); fi
    if [[ -e F$sig/ST.fhe ]]; then
      [[ $(sha256sum <"F$sig/ST.fhe") == "$old" ]] || complete_fhe "F$sig/ST.fhe" "$SIZE_ST" || why+=" partial STATS.fhe"
    elif [[ -n $old ]]; then why+=" the old STATS.fhe vanished"; fi
    temps_ok "$sig" "F$sig" || why+=" temporary files: $(tempfiles "F$sig" | tr '\n' ' ')"
    [[ -z $why ]] || fails+=("at ${ms} ms:$why")
  done
  if [[ ${#fails[@]} -eq 0 ]]; then ok "$sig fit: $n kill points ($n_killed killed, $n_done finished)"; else
    bad "$sig fit" "${#fails[@]}/$n: ${fails[*]:0:3}"; fi

  # decrypt charging a ledger: one entry per release, none without one
  n=$(iters decrypt)
  mkdir -p "C$sig"
  cp ref/L.json "C$sig/L.json"
  fails=()
  local succ=0 with_out=0 charged_only=0 before after
  n_killed=0
  for ((i = 0; i < n; i++)); do
    rm -f "C$sig/ST.json"
    before=$(entries "C$sig/L.json" marginals)
    ms=$(delay "${DUR[decrypt]}")
    kill_at "$sig" "$ms" "$BIN" decrypt ref/ST.fhe --keys K --schema S.json --out "C$sig/ST.json" --epsilon 1 --ledger "C$sig/L.json"
    why=""
    status_ok "$sig" || why+=" exit $RC ($(head -c 200 "$T/err.log"))"
    ledger_ok "C$sig/L.json" || why+=" the ledger does not parse"
    after=$(entries "C$sig/L.json" marginals)
    if [[ -e C$sig/ST.json ]]; then
      "$BIN" inspect "C$sig/ST.json" >/dev/null 2>&1 || why+=" partial STATS.json"
      [[ $after -eq $((before + 1)) ]] || why+=" released without a ledger entry ($before -> $after)"
    fi
    if [[ $RC -eq 0 ]]; then
      succ=$((succ + 1))
      [[ -e C$sig/ST.json ]] || why+=" success without output"
    else
      n_killed=$((n_killed + 1))
      if [[ $after -gt $before ]]; then
        if [[ -e C$sig/ST.json ]]; then with_out=$((with_out + 1)); else charged_only=$((charged_only + 1)); fi
      fi
    fi
    [[ $after -eq $before || $after -eq $((before + 1)) ]] || why+=" ledger went $before -> $after"
    temps_ok "$sig" "C$sig" || why+=" temporary files: $(tempfiles "C$sig" | tr '\n' ' ')"
    [[ -z $why ]] || fails+=("at ${ms} ms:$why")
  done
  local total
  total=$(($(entries "C$sig/L.json" marginals) - $(entries ref/L.json marginals)))
  [[ $total -eq $((succ + with_out + charged_only)) ]] || fails+=("ledger holds $total new entries, $succ successes + $with_out killed after releasing + $charged_only killed after charging")
  # a SIGINT is held off between the charge and the release: the two never come apart; only a
  # kill -9 in that window can leave a charge without its release (over-counting, never under)
  [[ $sig == KILL || $charged_only -eq 0 ]] || fails+=("$charged_only interrupted decrypts charged the ledger without releasing")
  if [[ ${#fails[@]} -eq 0 ]]; then
    ok "$sig decrypt + ledger: $n kill points ($n_killed killed; $total entries = $succ successes + $with_out killed after the release + $charged_only killed between charge and release)"
  else bad "$sig decrypt + ledger" "${#fails[@]}/$n: ${fails[*]:0:3}"; fi

  # synthesize with a seed: the output is absent or byte-identical to the reference
  n=$(iters synthesize)
  mkdir -p "Y$sig"
  fails=()
  n_killed=0 n_done=0
  local orphan=0
  for ((i = 0; i < n; i++)); do
    rm -f "Y$sig/syn.csv" "Y$sig/syn.csv.manifest.json"
    ms=$(delay "${DUR[synthesize]}")
    kill_at "$sig" "$ms" "$BIN" synthesize ref/ST.json --schema S.json --out "Y$sig/syn.csv" --seed 7 --rows 3000
    why=""
    status_ok "$sig" || why+=" exit $RC ($(head -c 200 "$T/err.log"))"
    if [[ $RC -eq 0 ]]; then n_done=$((n_done + 1)); else n_killed=$((n_killed + 1)); fi
    [[ ! -e Y$sig/syn.csv || $(sha256sum <"Y$sig/syn.csv") == "$SYN_SHA" ]] || why+=" partial output"
    [[ ! -e Y$sig/syn.csv.manifest.json ]] || "$BIN" inspect "Y$sig/syn.csv.manifest.json" >/dev/null 2>&1 || why+=" partial manifest"
    [[ -e Y$sig/syn.csv && ! -e Y$sig/syn.csv.manifest.json ]] && orphan=$((orphan + 1))
    temps_ok "$sig" "Y$sig" || why+=" temporary files: $(tempfiles "Y$sig" | tr '\n' ' ')"
    [[ -z $why ]] || fails+=("at ${ms} ms:$why")
  done
  if [[ ${#fails[@]} -eq 0 ]]; then
    ok "$sig synthesize: $n kill points ($n_killed killed, $n_done finished; output without its manifest: $orphan)"
  else bad "$sig synthesize" "${#fails[@]}/$n: ${fails[*]:0:3}"; fi

  # run: the synthetic table, the work directory's files and the ledger
  n=$(iters run)
  mkdir -p "R$sig"
  cp ref/RL.json "R$sig/RL.json"
  fails=()
  n_killed=0 n_done=0
  for ((i = 0; i < n; i++)); do
    rm -f "R$sig/R.csv" "R$sig/R.csv.manifest.json"
    before=$(entries "R$sig/RL.json" marginals)
    ms=$(delay "${DUR[run]}")
    kill_at "$sig" "$ms" "$BIN" run small.csv --schema S.json --no-refine --out "R$sig/R.csv" --rows 500 --seed 7 --ledger "R$sig/RL.json" --threads 1
    why=""
    status_ok "$sig" || why+=" exit $RC ($(head -c 200 "$T/err.log"))"
    if [[ $RC -eq 0 ]]; then n_done=$((n_done + 1)); else n_killed=$((n_killed + 1)); fi
    ledger_ok "R$sig/RL.json" || why+=" the ledger does not parse"
    after=$(entries "R$sig/RL.json" marginals)
    [[ $after -eq $before || $after -eq $((before + 1)) ]] || why+=" ledger went $before -> $after"
    if [[ -e R$sig/R.csv ]]; then
      [[ $(wc -l <"R$sig/R.csv") -eq 501 && $(head -n 1 "R$sig/R.csv") == "$(head -n 1 ref/R.csv)" ]] || why+=" partial R.csv"
      [[ $after -eq $((before + 1)) ]] || why+=" released without a ledger entry"
    fi
    local w=R$sig/R.csv.work
    [[ ! -e $w/DATA.fhe ]] || complete_fhe "$w/DATA.fhe" "$SIZE_D" || why+=" partial work DATA.fhe"
    [[ ! -e $w/STATS.fhe ]] || complete_fhe "$w/STATS.fhe" "$SIZE_ST" || why+=" partial work STATS.fhe"
    [[ ! -e $w/STATS.json ]] || "$BIN" inspect "$w/STATS.json" >/dev/null 2>&1 || why+=" partial work STATS.json"
    for k in secret public eval; do
      [[ ! -e $w/keys/$k.key ]] || "$BIN" inspect "$w/keys/$k.key" >/dev/null 2>&1 || why+=" partial $k.key"
    done
    local -a dirs=("R$sig")
    [[ -d $w ]] && dirs+=("$w")
    [[ -d $w/keys ]] && dirs+=("$w/keys")
    temps_ok "$sig" "${dirs[@]}" || why+=" temporary files: $(tempfiles "${dirs[@]}" | tr '\n' ' ')"
    [[ -z $why ]] || fails+=("at ${ms} ms:$why")
  done
  if [[ ${#fails[@]} -eq 0 ]]; then ok "$sig run: $n kill points ($n_killed killed, $n_done finished)"; else
    bad "$sig run" "${#fails[@]}/$n: ${fails[*]:0:3}"; fi
}

t0=$(ms_now)
crash_loop KILL
# what SIGKILL left behind is removed by the next writer of the same target
"$BIN" encrypt small.csv --keys K --schema S.json --out EKILL/D.fhe >/dev/null 2>&1
"$BIN" fit ref/D.fhe --eval-key K/eval.key --out FKILL/ST.fhe >/dev/null 2>&1
"$BIN" decrypt ref/ST.fhe --keys K --schema S.json --out CKILL/ST.json --epsilon 1 --ledger CKILL/L.json >/dev/null 2>&1
"$BIN" synthesize ref/ST.json --schema S.json --out YKILL/syn.csv --seed 7 --rows 3000 >/dev/null 2>&1
check "after SIGKILL, the next complete run of each command leaves no temporary file" \
  test -z "$(tempfiles EKILL FKILL CKILL YKILL)"
# a run killed during keygen may leave its work directory without all keys: still no temporary file
"$BIN" run small.csv --schema S.json --no-refine --out RKILL/R.csv --rows 500 --seed 7 --ledger RKILL/RL.json >/dev/null 2>"$T/err.log" ||
  echo "# note: run on a work directory a SIGKILL interrupted: $(head -c 300 "$T/err.log")"
echo "# SIGKILL loops: $(($(ms_now) - t0)) ms"
t0=$(ms_now)
crash_loop INT
echo "# SIGINT loops: $(($(ms_now) - t0)) ms"

# SIGTERM in the middle of an encrypt of the whole table: no temporary file, status 143
cut -d, -f$COLS "$SRC/data/adult.csv" >all.csv
mkdir TERM
t0=$(ms_now)
"$BIN" encrypt all.csv --keys K --schema S.json --out TERM/ref.fhe >/dev/null 2>&1
half=$((($(ms_now) - t0) / 2))
rm -f TERM/ref.fhe
kill_at TERM "$half" "$BIN" encrypt all.csv --keys K --schema S.json --out TERM/D.fhe
check "SIGTERM during encrypt (at $half ms): killed by the signal (status $RC), no output, no temporary file" \
  test "$RC" -eq 143 -a ! -e TERM/D.fhe -a -z "$(tempfiles TERM)"

# ---------- disk full: ulimit -f (SIGXFSZ is ignored by fhesynth, so writes fail with EFBIG) ----------
# full NAME BLOCKS_KIB OUT LEDGER CMD...: one line naming OUT, exit 1, no OUT, no temporary file, ledger unchanged
full() {
  local name=$1 kib=$2 out=$3 ledger=$4
  shift 4
  local before=""
  [[ -n $ledger && -e $ledger ]] && before=$(sha256sum <"$ledger")
  (ulimit -f "$kib" && exec "$@") >/dev/null 2>"$T/err.log"
  local rc=$? why=""
  [[ $rc -eq 1 ]] || why+=" exit $rc"
  [[ $(wc -l <"$T/err.log") -eq 1 ]] || why+=" $(wc -l <"$T/err.log") lines on stderr"
  grep -qF "fhesynth: $out" "$T/err.log" || why+=" the error does not name $out"
  [[ ! -e $out ]] || why+=" left $out"
  [[ -z $(tempfiles "$(dirname "$out")") ]] || why+=" temporary files: $(tempfiles "$(dirname "$out")" | tr '\n' ' ')"
  if [[ -n $ledger ]]; then [[ $(sha256sum <"$ledger") == "$before" ]] || why+=" the ledger changed"; fi
  if [[ -z $why ]]; then ok "disk full: $name ($(head -c 120 "$T/err.log"))"; else bad "disk full: $name" "$why [$(head -c 300 "$T/err.log")]"; fi
}
mkdir Full
cp ref/L.json Full/L.json
full "encrypt" 1024 Full/D.fhe "" "$BIN" encrypt small.csv --keys K --schema S.json --out Full/D.fhe
full "fit" 32 Full/ST.fhe "" "$BIN" fit ref/D.fhe --eval-key K/eval.key --out Full/ST.fhe
full "synthesize" 64 Full/syn.csv "" "$BIN" synthesize ref/ST.json --schema S.json --out Full/syn.csv --rows 20000
full "decrypt, ledger unchanged" 1 Full/ST.json Full/L.json \
  "$BIN" decrypt ref/ST.fhe --keys K --schema S.json --out Full/ST.json --epsilon 1 --ledger Full/L.json

# ---------- unreadable or vanishing input ----------
# as root, a file of mode 000 is still readable: the check then runs as nobody (setpriv)
mkdir -m 777 Locked
AS=()
if [[ $(id -u) -eq 0 ]]; then
  if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
    AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$T/Locked/home" FHESYNTH_HOME="$T/Locked/home")
    cp -r K Locked/K
    chown -R nobody Locked/K
    chmod o+rx "$T" && chmod o+r small.csv S.json
    # the build tree may sit in a directory nobody cannot enter (CI's private copy): a copy of
    # the binary they can run
    cp "$BIN" Locked/fhesynth && chmod 755 Locked/fhesynth
  else
    echo "# skip: unreadable input (root reads any file, and setpriv or user nobody is missing)"
  fi
fi
if [[ $(id -u) -ne 0 || ${#AS[@]} -gt 0 ]]; then
  cp small.csv Locked/in.csv
  chmod 000 Locked/in.csv
  [[ ${#AS[@]} -gt 0 ]] || cp -r K Locked/K
  LBIN=$BIN
  [[ -x Locked/fhesynth ]] && LBIN=$T/Locked/fhesynth
  "${AS[@]}" "$LBIN" encrypt Locked/in.csv --keys Locked/K --schema S.json --out Locked/U.fhe >/dev/null 2>"$T/err.log"
  rc=$?
  check "unreadable input: exit 1, one line naming it, no output ($(head -c 100 "$T/err.log"))" \
    test "$rc" -eq 1 -a "$(wc -l <"$T/err.log")" -eq 1 -a ! -e Locked/U.fhe -a -z "$(tempfiles Locked)"
  grep -q "Locked/in.csv" "$T/err.log" || bad "unreadable input" "the error does not name it: $(cat "$T/err.log")"
  chmod 644 Locked/in.csv
fi

# DATA.fhe (the whole table: 6 blocks) truncated to a third while fit reads it; the file is
# a copy, so the reference stays whole
mkdir Trunc
"$BIN" encrypt all.csv --keys K --schema S.json --out Trunc/all.fhe >/dev/null 2>&1
SIZE_ALL=$(stat -c %s Trunc/all.fhe)
t0=$(ms_now)
"$BIN" fit Trunc/all.fhe --eval-key K/eval.key --out Trunc/ref.fhe --threads 1 >/dev/null 2>&1
dfit=$(($(ms_now) - t0))
rm -f Trunc/ref.fhe
fails=()
n_err=0
for ((i = 0; i < 8; i++)); do
  cp Trunc/all.fhe Trunc/D.fhe
  rm -f Trunc/ST.fhe
  "$BIN" fit Trunc/D.fhe --eval-key K/eval.key --out Trunc/ST.fhe --threads 1 >/dev/null 2>"$T/err.log" &
  pid=$!
  ms=$((dfit / 20 + RANDOM % (dfit / 2 + 1)))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  truncate -s $((SIZE_ALL / 3)) Trunc/D.fhe
  wait "$pid"
  rc=$?
  why=""
  if [[ $rc -eq 0 ]]; then
    "$BIN" inspect Trunc/ST.fhe >/dev/null 2>&1 || why+=" succeeded with a partial output"
  else
    n_err=$((n_err + 1))
    [[ $rc -eq 1 ]] || why+=" exit $rc"
    [[ $(wc -l <"$T/err.log") -eq 1 ]] || why+=" $(wc -l <"$T/err.log") lines on stderr"
    grep -q "Trunc/D.fhe" "$T/err.log" || why+=" the error does not name DATA.fhe"
    [[ ! -e Trunc/ST.fhe ]] || why+=" left STATS.fhe"
    last=$(head -c 120 "$T/err.log")
  fi
  [[ -z $(tempfiles Trunc) ]] || why+=" temporary files"
  [[ -z $why ]] || fails+=("at $ms ms:$why [$(head -c 200 "$T/err.log")]")
done
if [[ ${#fails[@]} -eq 0 && $n_err -gt 0 ]]; then ok "DATA.fhe truncated while fit reads it: $n_err/8 errors, no output (${last:-})"; else
  bad "DATA.fhe truncated while fit reads it" "$n_err/8 errors; ${fails[*]:0:3}"; fi

# ---------- run on a bad input cleans up what it created ----------
printf 'a,b\n1,2\n' >fake.parquet
mkdir Bad
"$BIN" run fake.parquet --out Bad/out.csv --quiet >/dev/null 2>"$T/err.log"
rc=$?
check "run fake.parquet: exit 1, one line, no work directory or key left" \
  test "$rc" -eq 1 -a "$(wc -l <"$T/err.log")" -eq 1 -a -z "$(ls -A Bad)"
mkdir -p Bad/given
touch Bad/given/mine.txt
"$BIN" run fake.parquet --out Bad/out.csv --workdir Bad/given >/dev/null 2>&1
check "run fake.parquet --workdir EXISTING: the directory and its files stay, the new keys go" \
  test -f Bad/given/mine.txt -a ! -e Bad/given/keys
mkdir -p Bad/keyed
cp -r K Bad/keyed/keys
"$BIN" run fake.parquet --out Bad/out.csv --workdir Bad/keyed >/dev/null 2>&1
check "run fake.parquet on a work directory with keys: the keys stay" \
  cmp -s K/secret.key Bad/keyed/keys/secret.key

echo "$PASS passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
