#!/usr/bin/env bash
# Checks the container image with a real Docker engine: builds the Dockerfile, runs the
# README's `docker run` commands, and runs compose.yaml's owner and server services with
# docker-compose, then checks what each container could see.
#
#   sudo scripts/container-check.sh                 # about 5-10 minutes on 2 cores
#   sudo scripts/container-check.sh --rows 2000 --keep
#   ctest --test-dir build -L container             # the same, when configured with
#                                                   # -DFHS_CONTAINER_CHECK=ON
# No image registry needs to be reachable: when debian:bookworm-slim is not in the engine's
# image store, the base image is made locally (debootstrap --variant=minbase bookworm, then
# `docker import`) and passed to the build as DEBIAN_IMAGE. apt inside the build then uses
# the Debian mirror. When no engine answers and dockerd is installed, the script starts one
# (as root) and stops it at the end.
# Options:
#   --workdir DIR   scratch space: the debootstrapped base, compose project, logs
#                   (default: build/container-check)
#   --rows N        rows of data/adult.csv given to the compose owner (default 5000; 0: all)
#   --mirror URL    Debian mirror for debootstrap (default: http://deb.debian.org/debian)
#   --keep          keep the image, containers' volumes and scratch files afterwards
# Exit status: 0 when every check passed, 1 on a failed check, 77 when it cannot run here
# (no Docker engine and none can be started, or docker-compose/debootstrap missing).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
work=build/container-check rows=5000 mirror=http://deb.debian.org/debian keep=0
while (($#)); do
  case $1 in
    --workdir) work=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "container-check: unknown option $1" >&2; exit 2 ;;
  esac
done
skip() { echo "container-check: skipped: $*"; exit 77; }
command -v docker >/dev/null || skip "no docker client (apt-get install docker.io)"
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else skip "no compose (apt-get install docker-compose)"; fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
log() { echo "== $* ($(date +%T))"; }
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# ---------- an engine ----------
started_engine=""
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null || skip "no Docker engine answers, and dockerd cannot be started here (needs root and docker.io)"
  log "starting dockerd"
  dockerd >"$work/dockerd.log" 2>&1 &
  started_engine=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -5 "$work/dockerd.log"; skip "dockerd did not start (log: $work/dockerd.log)"; }
fi
project=fhscheck$$
image=fhesynth:latest
cleanup() {
  if ((!keep)); then
    (cd "$work/project" 2>/dev/null && "${compose[@]}" -p "$project" down -v >/dev/null 2>&1) || true
    docker volume rm -f "$project-run" >/dev/null 2>&1 || true
    rm -rf "$work/project" "$work/readme"
  fi
  if [ -n "$started_engine" ]; then kill "$started_engine" 2>/dev/null; wait "$started_engine" 2>/dev/null || true; fi
}
trap cleanup EXIT

# ---------- the base image ----------
t_all=$(date +%s)
base=debian:bookworm-slim
if ! docker image inspect "$base" >/dev/null 2>&1; then
  base=fhesynth-base:bookworm
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || skip "no $base image and no debootstrap to make one (apt-get install debootstrap)"
    [ "$(id -u)" -eq 0 ] || skip "debootstrap needs root"
    log "debootstrap --variant=minbase bookworm ($mirror) -> docker import $base"
    rm -rf "$work/rootfs"
    debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
      { tail -20 "$work/debootstrap.log"; echo "container-check: debootstrap failed"; exit 1; }
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -c . | docker import - "$base" >/dev/null
    rm -rf "$work/rootfs"
  fi
fi
ok "base image $base"

# ---------- docker build ----------
log "docker build -t $image (base $base)"
t0=$(date +%s)
if docker build -t "$image" --build-arg DEBIAN_IMAGE="$base" . >"$work/build.log" 2>&1; then
  ok "docker build of the Dockerfile ($(($(date +%s) - t0)) s)"
else
  tail -30 "$work/build.log"; bad "docker build (log: $work/build.log)"
  echo "$pass passed, $fail failed"; exit 1
fi
in_image() { docker run --rm --entrypoint "$1" "$image" "${@:2}"; }
user=$(docker image inspect -f '{{.Config.User}}' "$image")
uid=$(in_image id -u)
[ -n "$user" ] && [ "$uid" -ne 0 ] && ok "runs as the non-root user $user (uid $uid)" || bad "non-root user ($user, uid $uid)"
entry=$(docker image inspect -f '{{join .Config.Entrypoint " "}}' "$image")
[ "$entry" = fhesynth ] && ok "ENTRYPOINT [\"fhesynth\"]" || bad "entrypoint: $entry"
missing=$(in_image sh -c 'ldd /opt/fhesynth/bin/fhesynth /opt/fhesynth/lib/libfhesynth.so.0 | grep "not found" || true')
[ -z "$missing" ] && ok "every shared library of the binary and libfhesynth is installed" || bad "missing libraries: $missing"
in_image sh -c 'command -v gcc || command -v cc || ls /usr/include/sodium.h' >/dev/null 2>&1 &&
  bad "a compiler or -dev package in the run stage" || ok "no compiler or -dev package in the run stage"

# ---------- the README's commands ----------
log "the README's docker run commands"
v=$(docker run --rm "$image" --version) && ok "docker run --rm fhesynth --version: $v" || bad "fhesynth --version"
rm -rf "$work/readme" && mkdir -p "$work/readme/data" "$work/readme/out" "$work/readme/state"
cp data/adult.csv "$work/readme/data/"
t0=$(date +%s)
(cd "$work/readme" && docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/data:/data:ro" -v "$PWD/out:/out" \
  -v "$PWD/state:/state" -e FHESYNTH_HOME=/state \
  "$image" run /data/adult.csv --out /out/synthetic.csv --epsilon 1 --workdir /state/work) >"$work/readme.log" 2>&1 &&
  ok "docker run ... run /data/adult.csv --epsilon 1 ($(($(date +%s) - t0)) s)" || { tail -5 "$work/readme.log"; bad "the README's run command"; }
if [ -f "$work/readme/out/synthetic.csv" ]; then
  [ "$(head -n 1 "$work/readme/out/synthetic.csv")" = "$(head -n 1 data/adult.csv)" ] &&
    ok "synthetic.csv has Adult's header, $(($(wc -l <"$work/readme/out/synthetic.csv") - 1)) rows" || bad "synthetic.csv header"
  [ -f "$work/readme/out/synthetic.csv.manifest.json" ] && ok "manifest beside the rows" || bad "no manifest"
else bad "no out/synthetic.csv"; fi

# ---------- compose: owner and server in two containers ----------
log "${compose[*]} up (owner + server, $rows rows)"
rm -rf "$work/project" && mkdir -p "$work/project/data"
cp compose.yaml "$work/project/"
if [ "$rows" -gt 0 ]; then head -n $((rows + 1)) data/adult.csv >"$work/project/data/adult.csv"; else cp data/adult.csv "$work/project/data/"; fi
cd "$work/project"
t0=$(date +%s)
"${compose[@]}" -p "$project" up -d --no-build >"$work/compose-up.log" 2>&1 || { cat "$work/compose-up.log"; bad "compose up"; }
cid() { "${compose[@]}" -p "$project" ps -q "$1"; }
owner=$(cid owner) server=$(cid server)
if [ -n "$owner" ] && [ -n "$server" ]; then
  rc_owner=$(docker wait "$owner") rc_server=$(docker wait "$server")
  "${compose[@]}" -p "$project" logs --no-color >"$work/compose.log" 2>&1 || true
  sed 's/^/  /' "$work/compose.log"
  [ "$rc_server" = 0 ] && ok "server service exited 0" || bad "server service exited $rc_server"
  [ "$rc_owner" = 0 ] && ok "owner service exited 0 ($(($(date +%s) - t0)) s in all)" || bad "owner service exited $rc_owner"
  mounts=$(docker inspect -f '{{range .Mounts}}{{.Destination}} {{end}}' "$server")
  case " $mounts" in *" /keys "*) bad "the server mounts /keys ($mounts)" ;; *) ok "the server mounts only: $mounts" ;; esac
  # every file the server's container holds, its image included: none is a secret key
  docker commit "$server" "$project-server-fs" >/dev/null
  secrets=$(docker run --rm --entrypoint /bin/sh -v "${project}_exchange:/exchange" "$project-server-fs" -c \
    'for f in $(find / -xdev -type f \( -name "*.key" -o -name "*.fhe" \) 2>/dev/null) $(find /exchange -type f); do
       fhesynth inspect "$f" 2>/dev/null | grep -q "^kind: secret key" && echo "$f"; done; true')
  docker image rm "$project-server-fs" >/dev/null 2>&1 || true
  [ -z "$secrets" ] && ok "no file in the server's container holds a secret key" || bad "secret key visible to the server: $secrets"
  docker run --rm -v "${project}_exchange:/exchange" "$image" fit /exchange/DATA.fhe --eval-key /exchange/nonexistent.key \
    --out /tmp/x.fhe >/dev/null 2>&1 && bad "fit ran without an evaluation key" || ok "fit without the owner's eval key fails"
  exch=$(docker run --rm --entrypoint ls -v "${project}_exchange:/exchange" "$image" /exchange | tr '\n' ' ')
  [ "$exch" = "DATA.fhe READY STATS.fhe eval.key " ] && ok "exchange holds only DATA.fhe, READY, STATS.fhe, eval.key" ||
    bad "unexpected files in exchange: $exch"
  perm=$(docker run --rm --entrypoint stat -v "${project}_keys:/keys" "$image" -c '%a %U' /keys/secret.key)
  [ "$perm" = "600 $user" ] && ok "secret.key: mode 0600, owned by $user, only in the keys volume" || bad "secret.key: $perm"
  docker cp "$owner:/out/synthetic.csv" "$work/compose-synthetic.csv" 2>/dev/null || true
  if [ -f "$work/compose-synthetic.csv" ]; then
    got=$(($(wc -l <"$work/compose-synthetic.csv") - 1)) want=$(($(wc -l <data/adult.csv) - 1))
    # the noisy row count (never the exact one): within 10% of the input's
    [ $((got * 10)) -gt $((want * 9)) ] && [ $((got * 10)) -lt $((want * 11)) ] &&
      ok "owner wrote $got synthetic rows to the out volume (input: $want)" || bad "synthetic rows: $got, input $want"
  else bad "no /out/synthetic.csv in the owner's container"; fi
else bad "compose did not create both services"; fi
cd "$src"

# ---------- the Python package in the image ----------
log "python in the image"
pyrun=$(docker run --rm -i --entrypoint python3 -v "$src/data:/data:ro" "$image" - 2>&1 <<'PY'
import pandas as pd, fhesynth
df = pd.read_csv("/data/adult.csv").sample(300, random_state=0)[["age", "workclass", "sex", "income"]]
keys = fhesynth.keygen("/work/pykeys")
fhesynth.encrypt(df, keys, out="/work/py.fhe")
stats = fhesynth.fit("/work/py.fhe", eval_key=keys.eval_key)
try:
    fhesynth.fit("/work/py.fhe", eval_key=keys.secret_key)
    print("FAIL: fit accepted the secret key")
except fhesynth.WrongKeyError as e:
    print("refused:", e)
synth = fhesynth.synthesize(fhesynth.decrypt(stats, keys, epsilon=1.0), rows=100, seed=1)
print("python pipeline:", synth.shape, dict(synth.dtypes.astype(str)))
PY
) && ok "the Python split pipeline runs in the image" || bad "python pipeline"
echo "$pyrun" | sed 's/^/  python| /'
echo "$pyrun" | grep -q "^FAIL" && bad "python: secret key accepted by fit"

echo "# container check: $(($(date +%s) - t_all)) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
