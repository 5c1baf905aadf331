#!/usr/bin/env bash
# Installs the Debian 12 packages fhesynth builds and tests with. Idempotent: does nothing
# (and needs no network) when every package is already present.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config git
      libsodium-dev libjansson-dev libcsv-dev libgsl-dev libopenblas-dev liblapacke-dev
      libzstd-dev zlib1g-dev libomp-dev clang-14 libxgboost-dev liblinear-dev chromium
      python3 python3-pandas python3-pytest python3-setuptools python3-venv python3-pip)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
