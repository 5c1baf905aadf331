"""Shared fixtures: a small mixed-type DataFrame, one key pair per session (ring 8192), and
the encrypted statistics of that frame, computed once."""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

# before libfhesynth (and its OpenMP runtime) is loaded: one thread per call, so that the
# thread tests measure Python-level concurrency
os.environ.setdefault("OMP_NUM_THREADS", "1")
# owner key and privacy ledgers in a scratch home, never the user's (CTest sets one per test)
if not os.environ.get("FHESYNTH_HOME"):
    import tempfile
    os.environ["FHESYNTH_HOME"] = tempfile.mkdtemp(prefix="fhesynth-home-")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the package from this source tree

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import fhesynth  # noqa: E402

REPO = HERE.parent.parent
ROWS = 300


def make_frame(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    """Correlated columns of every supported kind, with missing values in some."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], size=rows, p=[0.4, 0.6])
    edu = rng.choice(["HS", "College", "Masters", "PhD"], size=rows, p=[0.4, 0.3, 0.2, 0.1])
    p_high = np.where(sex == "Male", 0.35, 0.15) + np.where(np.isin(edu, ["Masters", "PhD"]), 0.3, 0.0)
    income = np.where(rng.random(rows) < p_high, ">50K", "<=50K")
    age = rng.integers(18, 80, size=rows)
    hours = np.round(rng.normal(40, 8, size=rows), 1)
    hours[rng.random(rows) < 0.05] = np.nan  # missing numeric values
    work = rng.choice(["Private", "Self-emp", "Gov"], size=rows).astype(object)
    work[rng.random(rows) < 0.05] = None  # missing labels
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, size=rows), unit="D")
    return pd.DataFrame({"age": age, "sex": sex, "education": edu, "workclass": work, "hours": hours,
                         "start": start, "income": income})


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    return make_frame()


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fhesynth")


@pytest.fixture(scope="session")
def keys(session_dir: Path) -> fhesynth.Keys:
    k = fhesynth.keygen(session_dir / "keys", ring=8192)
    yield k
    k.close()


@pytest.fixture(scope="session")
def encrypted(session_dir: Path, frame: pd.DataFrame, keys: fhesynth.Keys) -> fhesynth.EncryptedDataset:
    # 300 rows are too few for DP domain discovery to keep the labels (its thresholds are a few
    # hundred rows at a realistic budget): these functional tests take the exact domain
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fhesynth.encrypt(frame, keys, out=session_dir / "data.fhe", unsafe_exact_schema=True)


@pytest.fixture(scope="session")
def enc_stats(session_dir: Path, encrypted: fhesynth.EncryptedDataset, keys: fhesynth.Keys) -> fhesynth.EncryptedStats:
    """Server side: only the path of eval.key goes in."""
    return fhesynth.fit(session_dir / "data.fhe", eval_key=keys.eval_key)


@pytest.fixture(scope="session")
def noisy(enc_stats: fhesynth.EncryptedStats, keys: fhesynth.Keys) -> fhesynth.NoisyStats:
    # the first release creates the ledger: a large budget so the suite never runs out
    return fhesynth.decrypt(enc_stats, keys, epsilon=1.0, budget=1e6)


@pytest.fixture(scope="session")
def exact(enc_stats: fhesynth.EncryptedStats, keys: fhesynth.Keys, noisy, session_dir: Path) -> fhesynth.NoisyStats:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # an exact release makes its ledger refuse DP releases: it gets a ledger of its own
        return fhesynth.decrypt(enc_stats, keys, no_dp=True, out=session_dir / "exact.json",
                                ledger=session_dir / "exact-ledger.json")
