#!/usr/bin/env bash
# Sets up the machine, builds fhesynth (Release), and runs the main job on the bundled Adult
# sample: key generation, encryption, the server's fit on ciphertexts, and the owner's
# differentially private decryption. Outputs go to out/ (override with OUT=dir).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$(nproc)"
bin=build/release/src/cli/fhesynth
out=${OUT:-out}
mkdir -p "$out"
if "$bin" --help | grep -q '^  run '; then
  "$bin" run data/adult.csv --out "$out/adult-synthetic.csv" --workdir "$out/work" --epsilon 1 --seed 1 \
    --report "$out/report.html"
  echo "demo: synthetic data in $out/adult-synthetic.csv"
else
  rm -rf "$out/keys"
  "$bin" keygen --out "$out/keys"
  "$bin" encrypt data/adult.csv --keys "$out/keys" --out "$out/DATA.fhe" --schema-out "$out/SCHEMA.json"
  "$bin" fit "$out/DATA.fhe" --eval-key "$out/keys/eval.key" --out "$out/STATS.fhe"
  "$bin" decrypt "$out/STATS.fhe" --keys "$out/keys" --schema "$out/SCHEMA.json" --out "$out/STATS.json" --epsilon 1
  echo "demo: noisy marginals of the encrypted Adult data in $out/STATS.json"
fi
