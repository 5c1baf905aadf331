#!/usr/bin/env bash
# Checks the container image without a Docker engine: builds the image's root file systems
# with debootstrap (Debian 12 minbase, the content of debian:bookworm-slim), executes the
# Dockerfile's instructions in them through chroot (both stages: the build stage compiles
# fhesynth from a copy of the build context that honours .dockerignore), then runs, as the
# image's non-root user, the split pipeline of compose.yaml: the `owner` and `server`
# services, each in its own mount namespace with only its own volumes mounted.
#
#   sudo scripts/container-check.sh                 # about 10-20 minutes; needs the Debian mirror
#   sudo scripts/container-check.sh --rows 2000 --keep
#   ctest --test-dir build -L container             # the same, when configured with
#                                                   # -DFHS_CONTAINER_CHECK=ON
# Options:
#   --workdir DIR   where the root file systems go (default: build/container-check); the
#                   debootstrapped base and the downloaded .debs are cached there
#   --rows N        rows of data/adult.csv given to the owner (default 5000; 0: all)
#   --mirror URL    Debian mirror (default: http://deb.debian.org/debian)
#   --keep          keep the root file systems afterwards (default: keep only the caches)
# Exit status: 0 when every check passed, 1 on a failed check, 77 when it cannot run here
# (not root, or debootstrap/unshare/chroot missing).
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
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "container-check: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -ne 0 ]; then echo "container-check: skipped: needs root (chroot, mounts)"; exit 77; fi
for tool in debootstrap unshare chroot mount; do
  command -v "$tool" >/dev/null || { echo "container-check: skipped: $tool is missing (apt-get install debootstrap)"; exit 77; }
done
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c "import yaml" 2>/dev/null || { echo "container-check: skipped: needs Debian's python3 with python3-yaml"; exit 77; }

# Everything below runs in a private mount namespace: every bind mount disappears with it.
if [ -z "${FHS_CC_INSIDE:-}" ]; then
  exec unshare --mount --propagation private env FHS_CC_INSIDE=1 bash "$0" --workdir "$work" --rows "$rows" \
    --mirror "$mirror" $( ((keep)) && echo --keep)
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
log() { echo "== $*"; }
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# ---------- the base: debian:bookworm-slim's content ----------
base=$work/base
if [ ! -f "$base/.complete" ]; then
  log "debootstrap --variant=minbase bookworm ($mirror)"
  rm -rf "$base"
  mkdir -p "$work/debs"
  debootstrap --variant=minbase --cache-dir="$work/debs" bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; echo "container-check: debootstrap failed"; exit 1; }
  # the same sources as the official image: bookworm, bookworm-updates, bookworm-security
  rm -f "$base/etc/apt/sources.list"
  cat >"$base/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$base/var/cache/apt/archives"/*.deb
  touch "$base/.complete"
fi

# ---------- the build context: the source tree minus .dockerignore ----------
log "build context (honouring .dockerignore)"
rm -rf "$work/context"
"$py" - "$src" "$work/context" <<'PY'
import fnmatch, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
pats = [l.strip() for l in open(os.path.join(src, ".dockerignore")) if l.strip() and not l.startswith("#")]
def ignored(rel):
    for p in pats:
        if p.startswith("**/"):
            if any(fnmatch.fnmatch("/".join(rel.split("/")[i:]), p[3:]) for i in range(rel.count("/") + 1)):
                return True
        elif fnmatch.fnmatch(rel, p):
            return True
    return False
n = 0
for root, dirs, files in os.walk(src):
    relroot = os.path.relpath(root, src)
    relroot = "" if relroot == "." else relroot + "/"
    dirs[:] = [d for d in dirs if not ignored(relroot + d)]
    os.makedirs(os.path.join(dst, relroot), exist_ok=True)
    for f in files:
        if not ignored(relroot + f):
            shutil.copy2(os.path.join(root, f), os.path.join(dst, relroot + f), follow_symlinks=False)
            n += 1
print("context: %d files" % n)
PY

# ---------- the Dockerfile, instruction by instruction ----------
"$py" - "$src/Dockerfile" "$work" "$base" <<'PY' || { echo "container-check: the Dockerfile failed"; exit 1; }
import json, os, re, shlex, subprocess, sys
dockerfile, work, base = sys.argv[1:4]
text = open(dockerfile).read()
# join continuation lines, drop comments
lines, cur = [], ""
for raw in text.splitlines():
    if raw.lstrip().startswith("#") and not cur:
        continue
    if raw.rstrip().endswith("\\"):
        cur += raw.rstrip()[:-1] + " "
        continue
    cur += raw
    if cur.strip():
        lines.append(cur.strip())
    cur = ""
args, stages, st = {}, [], None
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

def subst(s, env):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), s)

def sh(cmd, **kw):
    print("+ " + (cmd if isinstance(cmd, str) else " ".join(cmd)), flush=True)
    subprocess.run(cmd, check=True, shell=isinstance(cmd, str), **kw)

def mounts(root):
    sh(["mount", "-t", "proc", "proc", root + "/proc"])
    sh(["mount", "--rbind", "/dev", root + "/dev"])
    sh(["mount", "--rbind", "/sys", root + "/sys"])
    os.makedirs(work + "/debs", exist_ok=True)
    sh(["mount", "--bind", work + "/debs", root + "/var/cache/apt/archives"])
    sh(["cp", "/etc/resolv.conf", root + "/etc/resolv.conf"])

def umounts(root):
    for m in ("var/cache/apt/archives", "sys", "dev", "proc"):
        subprocess.run(["umount", "-l", os.path.join(root, m)])

for line in lines:
    word, _, rest = line.partition(" ")
    word = word.upper()
    if word == "ARG":
        k, _, v = rest.partition("=")
        (args if st is None else st["args"])[k.strip()] = v.strip().strip('"')
        continue
    if word == "FROM":
        parts = rest.split()
        image = subst(parts[0], args)
        if image != "debian:bookworm-slim":
            sys.exit("container-check: stage from %s: only debian:bookworm-slim is emulated" % image)
        if st:
            umounts(st["root"])
        name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else "stage%d" % len(stages)
        root = os.path.join(work, "rootfs-" + name)
        print("== stage %s: %s (rootfs %s)" % (name, image, root), flush=True)
        subprocess.run(["rm", "-rf", root], check=True)
        sh(["cp", "-a", base, root])
        st = {"name": name, "root": root, "env": {"PATH": DEFAULT_PATH}, "workdir": "/", "user": "root",
              "args": {}, "entrypoint": None, "cmd": None}
        stages.append(st)
        mounts(root)
        continue
    root, env = st["root"], st["env"]
    if word == "RUN":
        envs = ["%s=%s" % kv for kv in env.items()] + ["HOME=/root" if st["user"] == "root" else "HOME=/home/" + st["user"]]
        cmd = "cd %s && %s" % (shlex.quote(st["workdir"]), rest)
        sh(["chroot", "--userspec=%s" % st["user"], root, "/usr/bin/env", "-i"] + envs + ["/bin/sh", "-ec", cmd])
    elif word == "COPY":
        parts = shlex.split(rest)
        src_root = os.path.join(work, "context")
        if parts[0].startswith("--from="):
            src_root = next(s["root"] for s in stages if s["name"] == parts[0][7:])
            parts = parts[1:]
        srcs, dest = parts[:-1], parts[-1]
        dest_abs = dest if dest.startswith("/") else os.path.join(st["workdir"], dest)
        for s in srcs:
            p = os.path.join(src_root, s.lstrip("/"))
            target = root + dest_abs
            if os.path.isdir(p):
                os.makedirs(target, exist_ok=True)
                sh(["cp", "-a", p + "/.", target])
            else:
                os.makedirs(os.path.dirname(target.rstrip("/")) if not dest.endswith("/") else target, exist_ok=True)
                sh(["cp", "-a", p, target])
    elif word == "WORKDIR":
        st["workdir"] = subst(rest, env)
        os.makedirs(root + st["workdir"], exist_ok=True)
    elif word == "ENV":
        for tok in shlex.split(rest):
            k, _, v = tok.partition("=")
            env[k] = subst(v, env)
    elif word == "USER":
        st["user"] = rest.strip()
    elif word in ("ENTRYPOINT", "CMD"):
        st[word.lower()] = json.loads(rest)
    elif word == "LABEL":
        pass
    else:
        sys.exit("container-check: unsupported instruction %s" % word)
umounts(st["root"])
final = {k: st[k] for k in ("root", "env", "workdir", "user", "entrypoint", "cmd")}
json.dump(final, open(os.path.join(work, "image.json"), "w"), indent=1)
print("== image: %s" % json.dumps(final))
PY

# ---------- the image ----------
img=$(cd "$work" && "$py" -c 'import json; print(json.load(open("image.json"))["root"])')
user=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"])' "$work/image.json")
path=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["env"]["PATH"])' "$work/image.json")
entry=$("$py" -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["entrypoint"]))' "$work/image.json")
run_as() { # run_as USER CMD...: a command in the image, as USER, with the image's environment
  local u=$1; shift
  chroot --userspec="$u:$u" "$img" /usr/bin/env -i PATH="$path" HOME="/home/$u" PYTHONDONTWRITEBYTECODE=1 "$@"
}
mount -t proc proc "$img/proc"
log "checks on the image (rootfs $img)"
[ "$user" != root ] && [ "$(chroot "$img" id -u "$user")" -ne 0 ] && ok "runs as the non-root user $user (uid $(chroot "$img" id -u "$user"))" || bad "non-root user"
[ "$entry" = fhesynth ] && ok "ENTRYPOINT [\"fhesynth\"]" || bad "entrypoint: $entry"
missing=$(chroot "$img" sh -c 'ldd /opt/fhesynth/bin/fhesynth /opt/fhesynth/lib/libfhesynth.so.0' | grep "not found" || true)
[ -z "$missing" ] && ok "every shared library of the binary and libfhesynth is installed" || bad "missing libraries: $missing"
for p in gcc cc cmake ninja-build pkg-config libsodium-dev; do
  if chroot "$img" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok"; then bad "build package $p in the run stage"; fi
done
chroot "$img" sh -c 'command -v gcc || command -v cc' >/dev/null && bad "a compiler in the run stage" || ok "no compiler or -dev package in the run stage"
echo "runtime packages: $(tr '\n' ' ' < "$img/opt/fhesynth/share/fhesynth/runtime-packages")"
echo "run stage size: $(du -sh --exclude=proc "$img" | cut -f1) (build stage: $(du -sh "$work/rootfs-build" | cut -f1))"
v=$(run_as "$user" $entry --version) && ok "fhesynth --version as $user: $v" || bad "fhesynth --version"
pyout=$(cd / && run_as "$user" python3 -c 'import fhesynth, sys; print(fhesynth.__version__, fhesynth.library_version(), fhesynth.library_path(), sys.prefix)') &&
  ok "python3 imports fhesynth: $pyout" || bad "python3 -c 'import fhesynth'"

# ---------- the compose services, each with only its own volumes ----------
log "compose.yaml: owner and server"
vols=$work/volumes
rm -rf "$vols"
mkdir -p "$vols/data"
if [ "$rows" -gt 0 ]; then head -n $((rows + 1)) "$src/data/adult.csv" >"$vols/data/adult.csv"; else cp "$src/data/adult.csv" "$vols/data/"; fi
"$py" - "$src/compose.yaml" "$vols" <<'PY'
# each service as files: NAME.argv and NAME.env (NUL-separated), NAME.mounts (one per line:
# bind|volume HOST TARGET rw|ro), NAME.health (the healthcheck command)
import os, re, shlex, sys, yaml
compose, vols = sys.argv[1:3]
doc = yaml.safe_load(open(compose))

def interp(s):  # compose interpolation: $$ -> $, ${VAR:-default}, ${VAR}
    s = s.replace("$$", "\0")
    s = re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), s)
    return s.replace("\0", "$")

for name, svc in doc["services"].items():
    entry = svc.get("entrypoint") or ["fhesynth"]
    cmd = svc.get("command") or []
    argv = [interp(a) for a in (entry if isinstance(entry, list) else shlex.split(entry))
            + (cmd if isinstance(cmd, list) else shlex.split(cmd))]
    with open(os.path.join(vols, name + ".argv"), "w") as f:
        f.write("".join(a + "\0" for a in argv))
    with open(os.path.join(vols, name + ".env"), "w") as f:
        f.write("".join("%s=%s\0" % (k, interp(str(v))) for k, v in (svc.get("environment") or {}).items()))
    with open(os.path.join(vols, name + ".mounts"), "w") as f:
        for v in svc.get("volumes", []):
            parts = v.split(":")
            srcv, target, mode = parts[0], parts[1], (parts[2] if len(parts) > 2 else "rw")
            bind = srcv.startswith((".", "/"))
            host = os.path.join(vols, os.path.basename(srcv.rstrip("/"))) if bind else os.path.join(vols, srcv)
            f.write("%s %s %s %s\n" % ("bind" if bind else "volume", host, target, mode))
    hc = (svc.get("healthcheck") or {}).get("test")
    with open(os.path.join(vols, name + ".health"), "w") as f:
        f.write(" ".join(hc[1:]) if hc else "")
PY

# service NAME [COMMAND...]: the service's entrypoint + command (or COMMAND) in a new mount
# namespace where only its volumes are mounted; named volumes start as a copy of the image's
# mount point (owner and mode), as Docker does
service() {
  local name=$1; shift
  local argv=() envs=() setup="" kind host target mode
  mapfile -d '' argv <"$vols/$name.argv"
  mapfile -d '' envs <"$vols/$name.env"
  (($#)) && argv=("$@")
  while read -r kind host target mode; do
    if [ "$kind" = volume ] && [ ! -d "$host" ]; then
      mkdir -p "$host"
      chown --reference="$img$target" "$host"
      chmod --reference="$img$target" "$host"
    fi
    setup+="mount --bind '$host' '$img$target'; "
    [ "$mode" = ro ] && setup+="mount -o remount,bind,ro '$img$target'; "
  done <"$vols/$name.mounts"
  unshare --mount --propagation private bash -c "set -e; $setup"' exec chroot --userspec="$0:$0" "$1" /usr/bin/env -i \
      PATH="$2" HOME="/home/$0" "${@:3}"' "$user" "$img" "$path" "${envs[@]}" "${argv[@]}"
}

rm -f "$vols"/*.log
start=$(date +%s)
service owner >"$vols/owner.log" 2>&1 &
owner_pid=$!
# the server starts when the owner's healthcheck passes (depends_on: service_healthy)
until [ -f "$vols/exchange/READY" ]; do
  kill -0 "$owner_pid" 2>/dev/null || break
  sleep 1
done
if [ -f "$vols/exchange/READY" ]; then
  ok "owner healthy after $(($(date +%s) - start)) s ($(cat "$vols/owner.health"))"
  service server >"$vols/server.log" 2>&1 && ok "server service exited 0" || bad "server service failed"
  # what the server's container can see: its one volume, and no secret key anywhere
  seen=$(service server /bin/sh -c 'ls -A /exchange; ls -A /keys 2>/dev/null | sed "s|^|keys/|"' | tr '\n' ' ')
  echo "server's view: $seen"
  secrets=$(service server /bin/sh -c 'for f in $(find / -xdev -type f \( -name "*.key" -o -name "*.fhe" \) 2>/dev/null); do
      fhesynth inspect "$f" 2>/dev/null | grep -q "^kind: secret key" && echo "$f"; done; true')
  [ -z "$secrets" ] && ok "no file in the server's container holds a secret key" || bad "secret key visible to the server: $secrets"
  case " $seen " in *" keys/"*) bad "the server sees /keys";; *) ok "the server does not see the owner's keys volume";; esac
  service server /bin/sh -c 'fhesynth fit /exchange/DATA.fhe --eval-key /keys/secret.key --out /tmp/x.fhe' >/dev/null 2>&1 &&
    bad "fit ran with a secret key path" || ok "fit with the owner's secret.key path fails in the server's container"
else
  bad "the owner never published /exchange/READY"
fi
wait "$owner_pid" && ok "owner service exited 0 ($(($(date +%s) - start)) s in all)" || bad "owner service failed"
sed 's/^/  owner| /' "$vols/owner.log"; [ -f "$vols/server.log" ] && sed 's/^/  server| /' "$vols/server.log"
if [ -f "$vols/out/synthetic.csv" ]; then
  got=$(($(wc -l <"$vols/out/synthetic.csv") - 1)) want=$(($(wc -l <"$vols/data/adult.csv") - 1))
  # the noisy row count (never the exact one): within 10% of the input's
  [ $((got * 10)) -gt $((want * 9)) ] && [ $((got * 10)) -lt $((want * 11)) ] &&
    ok "owner wrote $got synthetic rows to the out volume (input: $want)" || bad "synthetic rows: $got, input $want"
  [ -f "$vols/out/synthetic.csv.manifest.json" ] && ok "manifest beside the rows" || bad "no manifest"
  head -n 3 "$vols/out/synthetic.csv" | sed 's/^/  synthetic.csv| /'
else
  bad "no /out/synthetic.csv"
fi
[ "$(stat -c '%a %u' "$vols/keys/secret.key" 2>/dev/null)" = "600 $(chroot "$img" id -u "$user")" ] &&
  ok "secret.key: mode 0600, owned by $user, only in the keys volume" || bad "secret.key mode/owner"
ls "$vols/exchange" | grep -qv -e '^DATA.fhe$' -e '^eval.key$' -e '^STATS.fhe$' -e '^READY$' &&
  bad "unexpected files in exchange: $(ls "$vols/exchange")" || ok "exchange holds only DATA.fhe, eval.key, STATS.fhe, READY"

# ---------- the Python package in the image, as the same user ----------
log "python in the image"
cp "$vols/data/adult.csv" "$img/work/adult.csv"
chown "$(chroot "$img" id -u "$user")" "$img/work/adult.csv"
pyrun=$(cd / && run_as "$user" /bin/sh -c 'cd /work && python3 - 2>&1' <<'PY'
import pandas as pd, fhesynth
df = pd.read_csv("adult.csv").sample(300, random_state=0)[["age", "workclass", "sex", "income"]]
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
echo "$pyout"; echo "$pyrun" | sed 's/^/  python| /'
echo "$pyrun" | grep -q "^FAIL" && bad "python: secret key accepted by fit"

umount -l "$img/proc" 2>/dev/null || true
if ((!keep)); then rm -rf "$work"/rootfs-* "$work/context"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
