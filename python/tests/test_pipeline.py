"""The pipeline end to end: keys, encrypt, fit (server), decrypt, synthesize, run."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fhesynth


def test_library_loads():
    assert fhesynth.library_version().startswith("0.")
    assert "libfhesynth" in fhesynth.library_path()


def test_keygen(keys, session_dir):
    assert keys.has_secret and keys.ring_degree == 8192
    assert keys.dir == session_dir / "keys"
    assert keys.eval_key == session_dir / "keys" / "eval.key"
    assert keys.secret_key is not None and keys.secret_key.exists()
    assert stat.S_IMODE(os.stat(keys.secret_key).st_mode) == 0o600
    assert "owner" in repr(keys)
    reopened = fhesynth.Keys.open(session_dir / "keys")
    assert reopened.has_secret and reopened.ring_degree == 8192
    reopened.close()
    assert reopened.closed


def test_eval_key_handle_has_no_secret(keys):
    with fhesynth.Keys.open_eval(keys.eval_key) as ek:
        assert not ek.has_secret and ek.dir is None and ek.secret_key is None
    # a directory means its eval.key
    with fhesynth.Keys.open_eval(keys.dir) as ek:
        assert not ek.has_secret


def test_encrypt_metadata(encrypted, frame, session_dir):
    assert encrypted.columns == frame.shape[1]
    assert encrypted.rows_padded >= len(frame) and encrypted.rows_padded % 8192 == 0
    assert encrypted.schema == session_dir / "SCHEMA.json"
    schema = json.loads(encrypted.schema.read_text())
    assert [c["name"] for c in schema["columns"]] == list(frame.columns)
    kinds = {c["name"]: c["type"] for c in schema["columns"]}
    assert kinds == {"age": "numeric", "sex": "categorical", "education": "categorical", "workclass": "categorical",
                     "hours": "numeric", "start": "datetime", "income": "categorical"}
    # the server sees domain sizes only
    sizes = {c["name"]: len(c.get("categories", c.get("bins", [None, None])[1:])) + int(c["missing"])
             for c in schema["columns"]}
    assert encrypted.domain_sizes == [sizes[c] for c in frame.columns]


def test_fit_writes_default_output(enc_stats, session_dir):
    # without out=: a private temporary directory the handle owns, never beside the data or
    # in the working directory
    assert enc_stats.path.name == "STATS.fhe" and enc_stats.path.parent != session_dir
    assert enc_stats.path.parent.name.startswith("fhesynth-")
    assert enc_stats.path.exists() and enc_stats.marginals > 0
    assert not (session_dir / "data.stats.fhe").exists()
    assert enc_stats.schema == session_dir / "SCHEMA.json"  # decrypt still finds the data's schema


def test_default_outputs_leave_the_working_directory_alone(tmp_path, encrypted, keys, monkeypatch):
    """fit() and decrypt() without out= write into a temporary directory owned by the returned
    handle: removed on close() and on garbage collection; nothing lands in the working directory."""
    import gc
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    st = fhesynth.fit(encrypted, keys.eval_key, ways=1)
    ns = fhesynth.decrypt(st, keys, epsilon=1.0, model="independent", ledger=tmp_path / "ledger.json")
    st_dir, ns_dir = st.path.parent, ns.path.parent
    assert st.path.exists() and ns.path.exists() and st_dir != ns_dir
    assert list(work.iterdir()) == []
    # a synthesizer made from the handle reads the file at once: it outlives the directory
    syn = fhesynth.Synthesizer(ns, model="independent")
    st.close()
    assert st.closed and not st_dir.exists()
    del ns
    gc.collect()
    assert not ns_dir.exists()
    assert len(syn.sample(20, seed=1)) == 20
    syn.close()
    assert list(work.iterdir()) == []


def test_decrypt_noisy(noisy, frame, session_dir):
    # noisy, never the exact count: on 300 rows its sd is about 40, so the bound is 4 sd
    assert abs(noisy.rows - len(frame)) < 0.5 * len(frame)
    assert noisy.epsilon == pytest.approx(1.0) and not noisy.exact
    assert noisy.path.name == "STATS.json" and noisy.path.parent != session_dir and noisy.path.exists()
    assert not (session_dir / "data.stats.json").exists()
    assert {m.columns for m in noisy.marginals if len(m.columns) == 1} == {(c,) for c in frame.columns}
    ledgers = list((Path(os.environ["FHESYNTH_HOME"]) / "ledgers").glob("*.json"))
    assert any('"marginals"' in p.read_text() for p in ledgers)  # the release was charged


def test_exact_counts_equal_crosstab(exact, frame):
    assert exact.exact and exact.epsilon == float("inf")
    # categorical pairs without missing values: the very table pandas computes
    for a, b in [("sex", "income"), ("education", "income"), ("sex", "education")]:
        got = exact.table(a, b)
        want = pd.crosstab(frame[a], frame[b])
        got = got.reindex(index=want.index, columns=want.columns)
        assert (got.to_numpy() == want.to_numpy()).all(), (a, b)
        assert exact.table(a, b).to_numpy().sum() == len(frame)
    # axis order follows the arguments
    assert (exact.counts("income", "sex") == exact.counts("sex", "income").T).all()
    # a column with missing values: the missing cell is last, labelled None
    work = exact.table("workclass")
    assert work.index[-1] is None
    assert work.iloc[-1] == frame["workclass"].isna().sum()
    assert work.drop(index=[None]).to_dict() == frame["workclass"].value_counts().to_dict()


def test_exact_numeric_bins(exact, frame):
    col = next(c for c in exact.schema["columns"] if c["name"] == "age")
    edges = np.asarray(col["bins"], dtype=float)
    want, _ = np.histogram(frame["age"], bins=edges)  # numpy's last bin is closed too
    assert (exact.counts("age") == want).all()
    assert (exact.counts("age", "sex").sum(axis=1) == want).all()
    table = exact.table("age")
    assert isinstance(table.index[0], pd.Interval) and table.index[0].left == edges[0]


def test_decrypt_privacy_preset(enc_stats, keys, session_dir):
    s = fhesynth.decrypt(enc_stats, keys, privacy="high", out=session_dir / "high.json")
    assert s.epsilon == pytest.approx(0.3)


def test_synthesize_dtypes_and_values(noisy, frame):
    df = fhesynth.synthesize(noisy, rows=400, model="mst", seed=1)
    assert df.shape == (400, frame.shape[1])
    assert list(df.columns) == list(frame.columns)
    assert df["age"].dtype == np.int64
    assert df["hours"].dtype == np.float64  # the schema allows missing values
    assert df["start"].dtype.kind == "M"
    for c in ("sex", "education", "workclass", "income"):
        assert df[c].dtype == object
        assert set(df[c].dropna()) <= set(frame[c].dropna())
        assert all(isinstance(v, str) for v in df[c].dropna())
    assert df["age"].between(frame["age"].min(), frame["age"].max()).all()
    assert df["start"].dropna().between(frame["start"].min(), frame["start"].max()).all()


def test_synthesize_reproducible(noisy):
    a = fhesynth.synthesize(noisy, rows=200, seed=7)
    b = fhesynth.synthesize(noisy, rows=200, seed=7)
    c = fhesynth.synthesize(noisy, rows=200, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_synthesize_default_rows_and_models(noisy, frame):
    assert len(fhesynth.synthesize(noisy, seed=1)) == noisy.rows  # the noisy count by default
    ind = fhesynth.synthesize(noisy, rows=50, model="independent", seed=1)
    assert ind.shape == (50, frame.shape[1])


def test_synthesize_to_files(noisy, tmp_path):
    csv = tmp_path / "s.csv"
    jsonl = tmp_path / "s.jsonl"
    a = fhesynth.synthesize(noisy, rows=120, seed=3, out=csv)
    b = fhesynth.synthesize(noisy, rows=120, seed=3, out=jsonl)
    assert csv.exists() and (tmp_path / "s.csv.manifest.json").exists()
    assert jsonl.exists() and (tmp_path / "s.jsonl.manifest.json").exists()
    pd.testing.assert_frame_equal(a, b)
    manifest = json.loads((tmp_path / "s.csv.manifest.json").read_text())
    assert manifest["seed"] == "3" and manifest["rows"] == 120


def test_synthesize_from_paths(noisy, session_dir):
    df = fhesynth.synthesize(str(noisy.path), rows=30, seed=2, schema=noisy.schema_path)
    pd.testing.assert_frame_equal(df, fhesynth.synthesize(noisy, rows=30, seed=2))
    # default schema: SCHEMA.json beside STATS.json (decrypt's default output is in a temporary
    # directory of its own: a copy beside the data's SCHEMA.json)
    import shutil
    beside = session_dir / "copy.stats.json"
    shutil.copy(noisy.path, beside)
    df2 = fhesynth.synthesize(beside, rows=30, seed=2)
    pd.testing.assert_frame_equal(df, df2)


def test_synthesizer_reuse(noisy):
    with fhesynth.Synthesizer(noisy, "mst") as syn:
        assert syn.model == "mst"
        a = syn.sample(40, seed=1)
        b = syn.sample(40, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert syn.closed


def test_encrypt_from_csv_path(keys, frame, tmp_path):
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    enc = fhesynth.encrypt(path, keys, out=tmp_path / "d.fhe", schema_out=tmp_path / "s.json", unsafe_exact_schema=True)
    assert enc.schema == tmp_path / "s.json" and enc.columns == frame.shape[1]
    # the same schema again: a given schema is used as is
    enc2 = fhesynth.encrypt(frame, keys.dir, out=tmp_path / "d2.fhe", schema=tmp_path / "s.json")
    assert enc2.domain_sizes == enc.domain_sizes


def test_fit_with_keys_object_and_options(keys, encrypted, tmp_path):
    st = fhesynth.fit(encrypted, keys, out=tmp_path / "one.fhe", ways=1)
    assert st.marginals == encrypted.columns
    st2 = fhesynth.fit(encrypted, keys.dir, out=tmp_path / "sel.fhe", marginals=[[0, 1], [1, 2]])
    assert st2.marginals > st.marginals
    st3 = fhesynth.fit(encrypted.path, keys.eval_key, out=tmp_path / "sel3.fhe", marginals="0,1;1,2")
    assert st3.marginals == st2.marginals and st3.schema is None
    # the schema travels with the owner's handles, so decrypt finds it
    s = fhesynth.decrypt(st2, keys, epsilon=0.5, model="independent", out=tmp_path / "sel.json")
    assert s.schema_path == encrypted.schema


def test_tz_aware_and_extension_dtypes(keys, tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "when": pd.date_range("2021-03-01 08:00", periods=200, freq="37min", tz="Europe/Paris"),
        "n": pd.array(rng.integers(0, 5, 200), dtype="Int64"),
        "flag": rng.random(200) < 0.5,
        "cat": pd.Categorical(rng.choice(["a", "b", "c"], 200)),
        "s": pd.array(rng.choice(["x", "y"], 200), dtype="string"),
    })
    df.loc[3, "n"] = pd.NA
    enc = fhesynth.encrypt(df, keys, out=tmp_path / "d.fhe", unsafe_exact_schema=True)
    schema = json.loads(enc.schema.read_text())
    assert {c["name"]: c["type"] for c in schema["columns"]} == {
        "when": "datetime", "n": "numeric", "flag": "categorical", "cat": "categorical", "s": "categorical"}
    st = fhesynth.fit(enc, keys.eval_key, ways=1)
    with pytest.warns(UserWarning, match="exact counts"):
        ns = fhesynth.decrypt(st, keys, no_dp=True)
    assert ns.table("n").iloc[-1] == 1  # the one missing value
    out = fhesynth.synthesize(ns, rows=50, seed=1)
    assert out["when"].dtype.kind == "M"
    assert set(out["flag"]) <= {"True", "False"}


def test_run_whole_pipeline(frame, tmp_path):
    small = frame[["age", "sex", "income"]]
    # the exact domain: 300 rows are too few for DP discovery to keep every label and type
    df = fhesynth.run(small, epsilon=1.0, model="mst", rows=150, seed=4, workdir=tmp_path / "work",
                      unsafe_exact_schema=True)
    assert df.shape == (150, 3)
    assert df["age"].dtype == np.int64 and df["sex"].dtype == object
    assert (tmp_path / "work" / "keys" / "secret.key").exists()
    # the work directory's keys are reused, and the same seed gives the same rows
    again = fhesynth.run(small, epsilon=1.0, rows=150, seed=4, workdir=tmp_path / "work",
                         out=tmp_path / "out.csv", unsafe_exact_schema=True)
    assert (tmp_path / "out.csv").exists() and (tmp_path / "out.csv.manifest.json").exists()
    assert again.shape == df.shape


def test_run_default_temporary_workdir(frame, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    df = fhesynth.run(frame[["sex", "income"]], epsilon=2.0, seed=1)
    assert abs(len(df) - len(frame)) < 0.5 * len(frame)  # the noisy row count (sd about 40 here)
    assert list(tmp_path.iterdir()) == []  # keys, ciphertexts and scratch files are gone


def test_run_twice_charges_one_ledger(frame, tmp_path, monkeypatch):
    """The ledger belongs to the data, not to the temporary work directory of each call."""
    monkeypatch.setenv("FHESYNTH_HOME", str(tmp_path / "home"))
    small = frame[["sex", "education"]]
    for seed in (1, 2):
        fhesynth.run(small, epsilon=1.0, seed=seed)
    ledgers = list((tmp_path / "home" / "ledgers").glob("*.json"))
    assert len(ledgers) == 1
    entries = json.loads(ledgers[0].read_text())
    text = json.dumps(entries)
    assert text.count('"marginals"') == 2 and text.count('"discovery"') == 2
    # a release past the cap is refused, and nothing is charged for it
    with pytest.raises(fhesynth.BudgetExceeded):
        fhesynth.run(small, epsilon=10.0, seed=3)
    after = json.dumps(json.loads(ledgers[0].read_text()))
    assert after.count('"marginals"') == 2 and after.count('"discovery"') == 2  # not even discovery
    # the same ledger, read through the API: cap, spent, left, every entry
    b = fhesynth.budget(small)
    text = json.dumps(b)
    assert text.count('"marginals"') == 2 and "10" in text


def test_progress(keys, frame, tmp_path, capsys):
    seen = []
    fhesynth.encrypt(frame, keys, out=tmp_path / "d.fhe", progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1] > 0
    fhesynth.fit(tmp_path / "d.fhe", keys.eval_key, ways=1, progress=True)
    err = capsys.readouterr().err
    assert "fit [" in err and "100%" in err


def test_progress_callback_errors_are_raised_after_the_call(keys, frame, tmp_path):
    def boom(done, total):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fhesynth.encrypt(frame, keys, out=tmp_path / "d.fhe", progress=boom)


def test_evaluate(frame, noisy, tmp_path):
    syn = fhesynth.synthesize(noisy, rows=200, seed=1)
    if not fhesynth.core._native.has("fhs_evaluate"):
        with pytest.raises(NotImplementedError, match="fhs_evaluate"):
            fhesynth.evaluate(frame, syn, target="income")
        return
    report = fhesynth.evaluate(frame.iloc[:200], syn, target="income", holdout=frame.iloc[200:], stats=noisy,
                               report=tmp_path / "r.html")
    assert isinstance(report, dict)
    assert {"fidelity", "utility", "privacy"} <= set(report)
    assert "<html" in report.to_html().lower() and "<svg" in report.to_html().lower()
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == report.to_html()
    assert "fidelity" in report.summary and "epsilon 1" in report.summary
    assert str(report) == report.summary
    # paths work too, and the same seed gives the same numbers
    real = tmp_path / "real.csv"
    frame.iloc[:200].to_csv(real, index=False)
    again = fhesynth.evaluate(real, syn, target="income", holdout=frame.iloc[200:], stats=noisy.path)
    assert again["fidelity"] == report["fidelity"]
    with pytest.raises(ValueError, match="nope"):
        fhesynth.evaluate(frame, syn, target="nope")


def test_run_with_report(frame, tmp_path):
    if not fhesynth.core._native.has("fhs_evaluate"):
        pytest.skip("libfhesynth without the evaluation layer")
    df = fhesynth.run(frame, epsilon=1.0, seed=2, workdir=tmp_path / "w", report=tmp_path / "run.html",
                      unsafe_exact_schema=True)
    # a 20% holdout is kept out of training; the default row count is the noisy one
    assert abs(len(df) - 0.8 * len(frame)) < 0.5 * len(frame)
    html = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "not differentially private" in html


def test_inspect(encrypted, keys):
    if not fhesynth.core._native.has("fhs_inspect"):
        pytest.skip("libfhesynth without fhs_inspect")
    info = fhesynth.inspect(encrypted.path)
    assert "encrypted dataset" in info["kind"] and info["columns"] == str(encrypted.columns)
    secret = fhesynth.inspect(keys.secret_key)
    assert secret["kind"] == "secret key"


def test_synthesizer_notes_a_plan_mismatch(enc_stats, keys, tmp_path):
    """Statistics released for another plan: the model says what it does with them."""
    ns = fhesynth.decrypt(enc_stats, keys, epsilon=1.0, model="all2way", out=tmp_path / "a.json")
    with pytest.warns(UserWarning, match="fhesynth"):
        syn = fhesynth.Synthesizer(ns, "mst")
    assert syn.note and len(syn.sample(20, seed=1)) == 20
    syn.close()


def test_work_estimates_refuse_long_jobs(frame, keys, tmp_path, monkeypatch):
    """encrypt, fit and run estimate their work up front: above max_minutes they raise before
    anything is spent or written, unless force."""
    monkeypatch.setenv("FHESYNTH_HOME", str(tmp_path / "home"))
    small = frame[["age", "sex", "income"]]
    with pytest.raises(ValueError, match=r"encrypting and fitting would take an estimated .* \(limit 1e-05\)"):
        fhesynth.run(small, epsilon=1.0, seed=1, max_minutes=1e-5)
    assert not (tmp_path / "home" / "ledgers").exists() or not list((tmp_path / "home" / "ledgers").iterdir())
    with pytest.raises(ValueError, match="encrypting would take"):
        fhesynth.encrypt(small, keys, out=tmp_path / "D.fhe", max_minutes=1e-5)
    assert not (tmp_path / "D.fhe").exists()
    # the exact domain: DP discovery on 300 rows keeps one bin a column, too little to refuse
    ds = fhesynth.encrypt(small, keys, out=tmp_path / "D.fhe", max_minutes=1e-5, force=True,
                          unsafe_exact_schema=True)
    with pytest.raises(ValueError, match="fit would compute"):
        fhesynth.fit(ds, keys, out=tmp_path / "S.fhe", max_minutes=1e-5)
    assert not (tmp_path / "S.fhe").exists()
    fhesynth.fit(ds, keys, out=tmp_path / "S.fhe", max_minutes=1e-5, force=True).close()
    ds.close()
    with pytest.raises(ValueError, match="max_minutes"):
        fhesynth.run(small, max_minutes=0)
