#!/usr/bin/env bash
# Installs what the Parquet validation test (tests/io/run_hyparquet.sh) needs: node and npm
# (Debian packages nodejs, npm) when missing, then the pinned hyparquet packages of
# tests/io/package-lock.json into tests/io/node_modules, which also fills npm's cache so the
# test's own `npm ci` into the build folder needs no network afterwards. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup-node: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -d tests/io/node_modules/hyparquet ] ||
   [ tests/io/package-lock.json -nt tests/io/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/io --no-audit --no-fund --loglevel=error
fi
