"""Errors: every fhs_status maps to the right exception with the library's message; wrong
types raise TypeError; bad DataFrames raise ValueError naming the column before any work;
nothing is left on disk after a failure."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import fhesynth
from fhesynth import errors


@pytest.fixture()
def private_tmp(tmp_path, monkeypatch):
    """Temporary files of the package go here, so a test can check none is left."""
    t = tmp_path / "tmp"
    t.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(t))
    return t


def test_hierarchy():
    assert issubclass(fhesynth.FhesynthError, ValueError)
    for cls in (fhesynth.InvalidArgument, fhesynth.DataError, fhesynth.CorruptFileError, fhesynth.WrongKeyError,
                fhesynth.BudgetExceeded):
        assert issubclass(cls, fhesynth.FhesynthError) and issubclass(cls, fhesynth.Error)
    assert issubclass(fhesynth.FhesynthOSError, OSError)
    assert issubclass(fhesynth.FhesynthFileNotFoundError, FileNotFoundError)
    assert issubclass(fhesynth.FhesynthMemoryError, MemoryError)
    assert issubclass(fhesynth.InternalError, RuntimeError)
    assert not hasattr(fhesynth, "KeyError")
    e = errors.from_status(errors.FHS_ERR_NOMEM, "out of memory")
    assert isinstance(e, MemoryError) and e.status_name == "FHS_ERR_NOMEM"
    e = errors.from_status(errors.FHS_ERR_IO, "x.csv: no such file")
    assert isinstance(e, FileNotFoundError) and e.filename == "x.csv" and e.errno == errno.ENOENT
    assert str(e) == "x.csv: no such file"
    assert isinstance(errors.from_status(99, "?"), fhesynth.InternalError)


def test_missing_input_file(keys, tmp_path):
    with pytest.raises(FileNotFoundError) as ei:
        fhesynth.encrypt(tmp_path / "nope.csv", keys, out=tmp_path / "d.fhe")
    assert isinstance(ei.value, fhesynth.FhesynthOSError) and ei.value.status == errors.FHS_ERR_IO
    assert "nope.csv" in str(ei.value) and ei.value.filename == str(tmp_path / "nope.csv")
    assert not (tmp_path / "d.fhe").exists()


def test_missing_key_directory(tmp_path):
    with pytest.raises(OSError, match="secret.key"):
        fhesynth.Keys.open(tmp_path / "nokeys")


def test_unwritable_output(keys, frame, private_tmp):
    with pytest.raises(OSError, match="cannot write"):
        fhesynth.encrypt(frame, keys, out="/nonexistent-dir/x/d.fhe")
    assert list(private_tmp.iterdir()) == []  # the temporary CSV is gone


def test_fit_refuses_secret_key(keys, encrypted, tmp_path):
    out = tmp_path / "stats.fhe"
    with pytest.raises(fhesynth.WrongKeyError, match="secret key") as ei:
        fhesynth.fit(encrypted.path, eval_key=keys.secret_key, out=out)
    assert isinstance(ei.value, ValueError) and ei.value.status == errors.FHS_ERR_KEY
    assert not out.exists()
    # a copy named eval.key is refused too: the content decides, not the name
    fake = tmp_path / "fake"
    fake.mkdir()
    shutil.copy(keys.secret_key, fake / "eval.key")
    with pytest.raises(fhesynth.WrongKeyError):
        fhesynth.fit(encrypted.path, eval_key=fake, out=out)
    with pytest.raises(fhesynth.WrongKeyError):
        fhesynth.Keys.open_eval(keys.secret_key)
    assert not out.exists()


def test_fit_refuses_secret_key_before_opening_data(keys, tmp_path):
    # the data file does not even exist: the key is refused first
    with pytest.raises(fhesynth.WrongKeyError):
        fhesynth.fit(tmp_path / "missing.fhe", eval_key=keys.secret_key, out=tmp_path / "s.fhe")


def test_corrupt_file(encrypted, keys, tmp_path):
    bad = tmp_path / "bad.fhe"
    data = encrypted.path.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(fhesynth.CorruptFileError) as ei:
        fhesynth.fit(bad, keys.eval_key, out=tmp_path / "s.fhe")
    assert "bad.fhe" in str(ei.value) and isinstance(ei.value, ValueError)
    junk = tmp_path / "junk.fhe"
    junk.write_bytes(b"not a ciphertext" * 100)
    with pytest.raises(fhesynth.FhesynthError):
        fhesynth.EncryptedDataset.open(junk)
    assert not (tmp_path / "s.fhe").exists()


def test_wrong_keys_for_decrypt(enc_stats, tmp_path):
    other = fhesynth.keygen(tmp_path / "other")
    out = tmp_path / "x.json"
    with pytest.raises(fhesynth.FhesynthError) as ei:
        fhesynth.decrypt(enc_stats, other, epsilon=1.0, out=out)
    assert isinstance(ei.value, (fhesynth.WrongKeyError, fhesynth.CorruptFileError))
    assert not out.exists()


def test_decrypt_needs_secret_key(enc_stats, keys, tmp_path):
    with fhesynth.Keys.open_eval(keys.eval_key) as ek:
        with pytest.raises(fhesynth.WrongKeyError, match="secret key"):
            fhesynth.decrypt(enc_stats, ek, epsilon=1.0, out=tmp_path / "x.json")


def test_budget_exceeded(enc_stats, keys, tmp_path):
    # a ledger of its own, not the session's: a new ledger with a small budget
    ledger = tmp_path / "ledger.json"
    out = tmp_path / "x.json"
    first = fhesynth.decrypt(enc_stats, keys, epsilon=1.0, budget=1.05, out=tmp_path / "first.json", ledger=ledger)
    assert first.epsilon == pytest.approx(1.0)
    with pytest.raises(fhesynth.BudgetExceeded) as ei:
        fhesynth.decrypt(enc_stats, keys, epsilon=1.0, out=out, ledger=ledger)
    assert "budget" in str(ei.value) and isinstance(ei.value, ValueError)
    assert ei.value.status == errors.FHS_ERR_BUDGET
    assert not out.exists()


def test_privacy_choice_required(enc_stats, keys, tmp_path):
    with pytest.raises(fhesynth.InvalidArgument, match="choose the privacy"):
        fhesynth.decrypt(enc_stats, keys)
    with pytest.raises(ValueError):
        fhesynth.decrypt(enc_stats, keys, epsilon=1.0, no_dp=True)
    with pytest.raises(ValueError):
        fhesynth.decrypt(enc_stats, keys, epsilon=-1.0)
    with pytest.raises(ValueError):
        fhesynth.decrypt(enc_stats, keys, privacy="extreme")
    with pytest.raises(ValueError):
        fhesynth.decrypt(enc_stats, keys, epsilon=1.0, delta=2.0)


def test_invalid_arguments_from_library(keys, noisy, tmp_path):
    with pytest.raises(fhesynth.InvalidArgument, match="ring degree"):
        fhesynth.keygen(tmp_path / "k", ring=1000)
    # the library reports this one as an I/O refusal (FHS_ERR_IO) since the API rework
    with pytest.raises(fhesynth.Error, match="secret key already exists"):
        fhesynth.keygen(keys.dir)
    with pytest.raises(fhesynth.InvalidArgument, match="unknown model"):
        fhesynth.synthesize(noisy, rows=10, model="gan9000")
    with pytest.raises(ValueError, match="output format"):
        fhesynth.synthesize(noisy, rows=10, out=tmp_path / "x.xlsx")


def test_value_outside_schema(keys, frame, encrypted, tmp_path):
    df = frame.copy()
    df.loc[5, "education"] = "Kindergarten"
    out = tmp_path / "d.fhe"
    with pytest.raises(fhesynth.DataError, match="education") as ei:
        fhesynth.encrypt(df, keys, out=out, schema=encrypted.schema)
    assert isinstance(ei.value, ValueError)
    assert not out.exists()


def test_type_errors(keys, encrypted, noisy, frame, tmp_path):
    with pytest.raises(TypeError):
        fhesynth.keygen(5)
    with pytest.raises(TypeError):
        fhesynth.keygen(tmp_path / "k", ring="8192")
    with pytest.raises(TypeError):
        fhesynth.encrypt(123, keys, out=tmp_path / "d.fhe")
    with pytest.raises(TypeError):
        fhesynth.encrypt(frame, 3.5, out=tmp_path / "d.fhe")
    with pytest.raises(TypeError):
        fhesynth.encrypt(frame.to_dict(), keys, out=tmp_path / "d.fhe")
    with pytest.raises(TypeError):
        fhesynth.encrypt(frame, keys, out=tmp_path / "d.fhe", progress="yes")
    with pytest.raises(TypeError):
        fhesynth.fit(encrypted, eval_key=123)
    with pytest.raises(TypeError):
        fhesynth.fit(42, eval_key=keys)
    with pytest.raises(TypeError):
        fhesynth.decrypt(noisy, keys, epsilon=1.0)  # NoisyStats is not encrypted stats
    with pytest.raises(TypeError):
        fhesynth.decrypt(encrypted.path, keys, epsilon="1")
    with pytest.raises(TypeError):
        fhesynth.synthesize(noisy, rows=1.5)
    with pytest.raises(TypeError):
        fhesynth.synthesize(noisy, rows=True)
    with pytest.raises(TypeError):
        fhesynth.synthesize(noisy, rows=10, seed="x")
    with pytest.raises(TypeError):
        fhesynth.synthesize(12, rows=10)
    with pytest.raises(TypeError):
        fhesynth.run(frame, epsilon=None)
    with pytest.raises(ValueError):
        fhesynth.synthesize(noisy, rows=0)


@pytest.mark.parametrize("column,values,match", [
    ("z", [complex(1, 2)] * 4, "complex"),
    ("lst", [[1, 2], [3], [], [4]], "list"),
    ("dct", [{"a": 1}, {}, {"b": 2}, {}], "dict"),
    ("dur", pd.to_timedelta([1, 2, 3, 4], unit="s"), "duration"),
    ("inf", [1.0, float("inf"), 2.0, 3.0], "infinite"),
    ("raw", [b"a", b"b", b"c", b"d"], "bytes"),
    ("per", pd.period_range("2020-01", periods=4, freq="M"), "not supported"),
])
def test_unsupported_dataframes(keys, tmp_path, private_tmp, column, values, match):
    df = pd.DataFrame({"ok": ["a", "b", "c", "d"], column: values})
    out = tmp_path / "d.fhe"
    with pytest.raises(ValueError, match=match) as ei:
        fhesynth.encrypt(df, keys, out=out)
    assert repr(column) in str(ei.value)  # the message names the column
    assert not out.exists() and list(private_tmp.iterdir()) == []
    with pytest.raises(ValueError, match=match):
        fhesynth.run(df)


def test_degenerate_dataframes(keys, tmp_path):
    with pytest.raises(ValueError, match="no rows"):
        fhesynth.encrypt(pd.DataFrame({"a": []}), keys, out=tmp_path / "d.fhe")
    with pytest.raises(ValueError, match="no columns"):
        fhesynth.encrypt(pd.DataFrame(index=range(3)), keys, out=tmp_path / "d.fhe")
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ValueError, match="duplicate"):
        fhesynth.encrypt(dup, keys, out=tmp_path / "d.fhe")


def test_too_many_categories_is_a_library_error(keys, tmp_path, private_tmp):
    df = pd.DataFrame({"id": ["user%d" % i for i in range(400)], "x": ["a", "b"] * 200})
    # exact inference refuses an identifier column (DP discovery folds its rare labels instead)
    with pytest.raises(fhesynth.DataError, match="id"):
        fhesynth.encrypt(df, keys, out=tmp_path / "d.fhe", unsafe_exact_schema=True)
    assert not (tmp_path / "d.fhe").exists() and list(private_tmp.iterdir()) == []


def test_closed_handle(keys, tmp_path):
    k = fhesynth.Keys.open(keys.dir)
    k.close()
    k.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        fhesynth.encrypt(pd.DataFrame({"a": ["x", "y"]}), k, out=tmp_path / "d.fhe")


def test_evaluate_without_eval_layer(frame):
    if fhesynth.core._native.has("fhs_evaluate"):
        pytest.skip("this libfhesynth has the evaluation layer")
    with pytest.raises(NotImplementedError, match="evaluation layer"):
        fhesynth.evaluate(frame, frame, target="income")


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.update(env)
    full["PYTHONPATH"] = str(Path(fhesynth.__file__).resolve().parent.parent)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full, capture_output=True, text=True,
                          timeout=120)


def test_library_not_found_is_an_oserror():
    r = _python("""
        import fhesynth
        try:
            fhesynth.library_version()
        except OSError as e:
            print("OSError", e)
        """, {"FHESYNTH_LIBRARY": "/nonexistent/libfhesynth.so"})
    assert r.returncode == 0, r.stderr
    assert "OSError" in r.stdout and "FHESYNTH_LIBRARY" in r.stdout


def test_library_found_through_the_loader():
    lib = fhesynth.library_path()
    env = {"FHESYNTH_LIBRARY": "", "LD_LIBRARY_PATH": os.path.dirname(lib)}
    r = _python("import fhesynth; print(fhesynth.library_path())", env)
    assert r.returncode == 0, r.stderr
    assert os.path.realpath(r.stdout.strip()) == os.path.realpath(lib)


def test_library_found_in_the_package_directory(tmp_path):
    pkg = tmp_path / "fhesynth"
    shutil.copytree(Path(fhesynth.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
    shutil.copy(os.path.realpath(fhesynth.library_path()), pkg / "libfhesynth.so.0")
    env = {"FHESYNTH_LIBRARY": ""}
    full = dict(os.environ, **env)
    full["PYTHONPATH"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-c", "import fhesynth; print(fhesynth.library_path())"], env=full,
                       capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(pkg / "libfhesynth.so.0")
