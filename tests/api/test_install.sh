#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds examples/c/quickstart.c against the
# installed header and library through pkg-config, and runs it on a sample of Adult.
set -euo pipefail
build=$1 src=$2 sanitize=${3:-OFF}
# a sanitized library needs a sanitized program (the ASan runtime must load first)
extra=()
[ "$sanitize" = ON ] && extra=(-fsanitize=address,undefined)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
[ -f "$tmp/prefix/include/fhesynth.h" ] && ok "header installed" || bad "header installed"
[ -x "$tmp/prefix/bin/fhesynth" ] && ok "binary installed" || bad "binary installed"
ls "$tmp/prefix"/lib*/libfhesynth.so.0 >/dev/null 2>&1 && ok "library installed with its soname" || bad "soname link"
export PKG_CONFIG_PATH=$(dirname "$(ls "$tmp"/prefix/lib*/pkgconfig/fhesynth.pc)")
libdir=$(pkg-config --variable=libdir fhesynth)
if cc -std=c17 -Wall -Wextra -Werror "${extra[@]}" "$src/examples/c/quickstart.c" $(pkg-config --cflags --libs fhesynth) \
     -Wl,-rpath,"$libdir" -o "$tmp/quickstart"; then ok "example builds against the installed library"; else bad "example build"; fi
head -n 2001 "$src/data/adult.csv" > "$tmp/sample.csv"
mkdir "$tmp/work"
if "$tmp/quickstart" "$tmp/sample.csv" "$tmp/work" "$tmp/synthetic.csv" > "$tmp/out.txt"; then ok "example runs"; else bad "example runs"; cat "$tmp/out.txt"; fi
rows=$(($(wc -l < "$tmp/synthetic.csv") - 1))
# the default row count is the release's noisy count, never the exact 2000
[ "$rows" -gt 1800 ] && [ "$rows" -lt 2200 ] && ok "about 2000 synthetic rows ($rows)" || bad "synthetic rows: $rows"
[ -f "$tmp/synthetic.csv.manifest.json" ] && ok "manifest beside the output" || bad "manifest"
# only the public API is exported
extra=$(nm -D --defined-only "$libdir/libfhesynth.so" | awk '$2 == "T" {print $3}' | grep -v '^fhs_' | grep -v '^_' || true)
[ -z "$extra" ] && ok "exports only fhs_ symbols" || bad "unexpected exports: $extra"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
