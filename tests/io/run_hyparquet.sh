#!/usr/bin/env bash
# Independent validation of the Parquet writer with hyparquet (JavaScript, pinned in
# package-lock.json), and a check that the committed hyparquet-writer fixtures in data/ are
# exactly what the pinned hyparquet-writer produces.
# usage: run_hyparquet.sh SOURCE_DIR NODE_DIR HYPARQUET_GEN
#   SOURCE_DIR  tests/io;  NODE_DIR  a build-local folder for node_modules
# Exit 77 (CTest: skipped) only when node is not installed; CI has node and the npm registry.
set -euo pipefail
src=$1 node_dir=$2 gen=$3
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (scripts/setup-node.sh installs nodejs and npm)"
  exit 77
fi
mkdir -p "$node_dir"
if [ ! -d "$node_dir/node_modules/hyparquet" ] ||
   ! cmp -s "$src/package-lock.json" "$node_dir/package-lock.json"; then
  cp "$src/package.json" "$src/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
fi
# the scripts sit beside node_modules so that their imports resolve
cp "$src/parquet_check.mjs" "$src/make_fixture.mjs" "$node_dir/"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
types=int64,int64,double,timestamp,string,string
for name in $("$gen" "$work"); do
  if node "$node_dir/parquet_check.mjs" compare "$work/$name.parquet" "$work/$name.csv" \
       "$work/$name.jsonl" --types "$types"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
mkdir "$work/hw"
node "$node_dir/make_fixture.mjs" "$work/hw" >/dev/null
for f in hw_types.parquet hw_groups.parquet hw_snappy.parquet hw_types.csv; do
  if cmp -s "$work/hw/$f" "$src/data/$f"; then
    passed=$((passed + 1))
  else
    echo "fixture data/$f differs from what make_fixture.mjs writes now:" \
         "regenerate with: node make_fixture.mjs data (from tests/io, after npm ci)"
    failed=$((failed + 1))
  fi
done
echo "test_io_hyparquet: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
