#!/usr/bin/env bash
# CTest driver for the Python package: run.sh pytest|quickstart|install|pip PYTHON SRC BUILD
# Exit 77 (skipped) only when python3, pandas or pytest is missing; pytest's exit code 5
# (no tests collected) is a failure.
#   install: scripts/setup-python.sh into a fresh venv, bundling this build's library
#   pip:     the README's two commands in a copy of the tree, without FHESYNTH_LIBRARY, so the
#            package's build step really builds libfhesynth with CMake (minutes on 2 cores)
set -euo pipefail
what=$1 py=$2 src=$3 build=$4

if ! command -v "$py" >/dev/null 2>&1; then
  echo "skipped: no python3 ($py)"; exit 77
fi
need="pandas"
[ "$what" = pytest ] && need="pandas, pytest"
if ! "$py" -c "import $need" 2>/dev/null; then
  echo "skipped: $py lacks $need (apt-get install python3-pandas python3-pytest)"; exit 77
fi
[ "$what" = pip ] || : "${FHESYNTH_LIBRARY:?FHESYNTH_LIBRARY must name the built libfhesynth.so}"
export PYTHONDONTWRITEBYTECODE=1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fhesynth-py.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

case $what in
  pytest)
    set +e
    PYTHONPATH="$src/python" "$py" -m pytest -p no:cacheprovider -q -rs --basetemp="$tmp/pytest" \
      --rootdir="$src/python" "$src/python/tests"
    rc=$?
    set -e
    if [ "$rc" -eq 5 ]; then echo "FAIL: pytest collected no tests"; exit 1; fi
    exit "$rc"
    ;;
  quickstart)
    # the CI run: a 5,000-row sample of Adult (the script samples with random_state=0)
    PYTHONPATH="$src/python" "$py" "$src/examples/quickstart.py" --data "$src/data/adult.csv" --sample 5000 \
      --workdir "$tmp/work" | tee "$tmp/out.txt"
    rows=$(($(wc -l < "$tmp/work/synthetic.csv") - 1))
    # the noisy row count of the 4000 training rows
    [ "$rows" -gt 3600 ] && [ "$rows" -lt 4400 ] || { echo "FAIL: $rows synthetic rows, expected about 4000"; exit 1; }
    grep -q "^fidelity: mean 1-way TVD" "$tmp/out.txt" || { echo "FAIL: no fidelity summary"; exit 1; }
    if grep -q "^report: skipped" "$tmp/out.txt"; then
      echo "note: the report part is skipped: libfhesynth has no fhs_evaluate yet"
    else
      [ -s "$tmp/work/report.html" ] || { echo "FAIL: no report.html"; exit 1; }
    fi
    echo "ok: quickstart"
    ;;
  install)
    if ! "$py" -c "import venv, ensurepip" 2>/dev/null; then
      echo "skipped: $py has no venv/ensurepip (apt-get install python3-venv)"; exit 77
    fi
    bash "$src/scripts/setup-python.sh" --no-apt --lib "$FHESYNTH_LIBRARY" --venv "$tmp/venv" --python "$py"
    # the installed package, with its bundled library, from outside the source tree
    cd "$tmp"
    env -u FHESYNTH_LIBRARY -u PYTHONPATH "$tmp/venv/bin/python" - <<'PY'
import os, pandas as pd, fhesynth
here = os.path.dirname(fhesynth.__file__)
assert "site-packages" in here, here
assert fhesynth.library_path().startswith(here), fhesynth.library_path()
# enough rows for DP domain discovery (the default) to see both columns' types
df = pd.DataFrame({"a": ["x", "y", "z"] * 1000, "b": list(range(12)) * 250})
out = fhesynth.run(df, epsilon=2.0, rows=30, seed=1)
assert out.shape == (30, 2) and out["b"].dtype == "int64", out.dtypes
print("ok: installed package at %s runs with %s" % (here, fhesynth.library_path()))
PY
    ;;
  pip)
    if ! "$py" -c "import venv, ensurepip" 2>/dev/null; then
      echo "skipped: $py has no venv/ensurepip (apt-get install python3-venv)"; exit 77
    fi
    # A copy of the source tree as a clone has it (no build directories, no bundled library),
    # so that the library is built from scratch and nothing is written into the checkout.
    mkdir "$tmp/clone"
    tar -C "$src" --exclude=./.git --exclude=./build --exclude=./out --exclude=node_modules \
      --exclude=__pycache__ --exclude=./python/build --exclude='./python/*.egg-info' \
      --exclude='./python/fhesynth/libfhesynth.so*' -cf - . | tar -C "$tmp/clone" -xf -
    cd "$tmp/clone"
    start=$EPOCHREALTIME
    # the two commands of the README, word for word, with nothing of ours in the environment
    if ! env -u FHESYNTH_LIBRARY -u FHESYNTH_BUILD_DIR -u FHESYNTH_SOURCE_DIR -u PYTHONPATH \
        bash -c "set -e
          '$py' -m venv --system-site-packages V
          V/bin/pip install --no-index --no-build-isolation ./python"; then
      echo "FAIL: venv + pip install failed"; exit 1
    fi
    echo "pip install (venv, build of libfhesynth, install) took" \
      "$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $start }") s"
    built=$(ls python/build/libfhesynth-release/src/api/libfhesynth.so.[0-9]*.[0-9]* 2>/dev/null | head -n1)
    [ -n "$built" ] || { echo "FAIL: the build step built no libfhesynth in python/build"; exit 1; }
    # the source tree gets nothing but python/build
    left=$(cd python && ls -d *.egg-info fhesynth/libfhesynth.so* 2>/dev/null || true)
    [ -z "$left" ] || { echo "FAIL: the install left $left in the source tree"; exit 1; }
    # the installed package, with its bundled library, from another directory
    mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere"
    env -u FHESYNTH_LIBRARY -u PYTHONPATH -u LD_LIBRARY_PATH FHS_BUILT="$tmp/clone/$built" \
      "$tmp/clone/V/bin/python" - <<'PY'
import filecmp, os, pandas as pd, fhesynth
here = os.path.dirname(fhesynth.__file__)
assert "site-packages" in here, here
lib = fhesynth.library_path()
assert lib == os.path.join(here, "libfhesynth.so.0"), lib
assert filecmp.cmp(lib, os.environ["FHS_BUILT"], shallow=False), "the bundled library is not the one built"
df = pd.DataFrame({"a": ["x", "y", "z"] * 1000, "b": list(range(12)) * 250})
out = fhesynth.run(df, epsilon=2.0, rows=30, seed=1)
assert out.shape == (30, 2) and out["b"].dtype == "int64", out.dtypes
print("ok: pip-installed package at %s runs with the library it built (%s)" % (here, fhesynth.library_version()))
PY
    ;;
  *) echo "usage: run.sh pytest|quickstart|install|pip PYTHON SRC BUILD"; exit 2 ;;
esac
