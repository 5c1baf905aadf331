"""The fhesynth pipeline over libfhesynth: keys, encryption, encrypted statistics, noisy
statistics, synthesis, evaluation and the whole pipeline in one call.

Roles (DESIGN section 2): the *owner* holds the data and ``secret.key`` and calls
:func:`keygen`, :func:`encrypt`, :func:`decrypt` and :func:`synthesize`; the *server* holds
only ``eval.key`` and the encrypted ``DATA.fhe`` and calls :func:`fit`, which refuses any file
holding a secret key.

Handles (:class:`Keys`, :class:`EncryptedDataset`, :class:`EncryptedStats`,
:class:`NoisyStats`, :class:`Synthesizer`) own C objects; they are freed by ``close()``, by
``with`` blocks, or when garbage collected. Calls on one handle are serialized by a lock;
calls on different handles run in parallel (the GIL is released during every C call).
"""
from __future__ import annotations

import ctypes
import json
import math
import numbers
import os
import secrets
import shutil
import tempfile
import threading
import warnings
import weakref
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from . import _native, _tables, errors
from ._progress import Progress, ProgressArg

PathLike = Union[str, "os.PathLike[str]"]
DataArg = Union[pd.DataFrame, PathLike]

PRIVACY_PRESETS: Dict[str, float] = {"high": 0.3, "medium": 1.0, "low": 4.0}
MODELS = ("mst", "independent", "all2way", "copula", "neural")

__all__ = [
    "Keys", "EncryptedDataset", "EncryptedStats", "NoisyStats", "Marginal", "Synthesizer",
    "Evaluation", "keygen", "encrypt", "fit", "decrypt", "synthesize", "evaluate", "inspect", "run",
    "library_version", "library_path", "PRIVACY_PRESETS",
]


# ---------- argument checks (TypeError for a wrong type, ValueError for a wrong value) ----------


def _path(value: Any, name: str) -> str:
    if isinstance(value, (str, os.PathLike)) and not isinstance(value, bytes):
        p = os.fspath(value)
        if not isinstance(p, str):
            raise TypeError("%s: expected a path (str or os.PathLike), got %s" % (name, type(value).__name__))
        if not p:
            raise ValueError("%s: the path is empty" % name)
        return p
    raise TypeError("%s: expected a path (str or os.PathLike), got %s" % (name, type(value).__name__))


def _opt_path(value: Any, name: str) -> Optional[str]:
    return None if value is None else _path(value, name)


def _int(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s: expected an int, got %s" % (name, type(value).__name__))
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError("%s: must be in %d..%d (got %d)" % (name, lo, hi, v))
    return v


def _real(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s: expected a number, got %s" % (name, type(value).__name__))
    return float(value)


def _positive(value: Any, name: str) -> float:
    v = _real(value, name)
    if not (v > 0 and math.isfinite(v)):
        raise ValueError("%s: must be a positive finite number (got %r)" % (name, value))
    return v


def _limit_minutes(value: Any) -> float:
    """max_minutes: None is the library's default (60); else minutes in (0, 1e6]."""
    if value is None:
        return 0.0
    v = _positive(value, "max_minutes")
    if v > 1e6:
        raise ValueError("max_minutes: at most 1e6 (got %r)" % value)
    return v


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError("%s: expected a str, got %s" % (name, type(value).__name__))
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError("%s: expected a bool, got %s" % (name, type(value).__name__))
    return bool(value)


def _seed(seed: Any) -> int:
    if seed is None:
        return secrets.randbits(64)
    return _int(seed, "seed", 0, 2 ** 64 - 1)


# ---------- handles ----------


def _free_handle(free_name: str, address: int) -> None:
    lib = _native._lib
    if lib is not None and address:
        getattr(lib, free_name)(ctypes.c_void_p(address))


class _Handle:
    """An owned C handle, freed exactly once (close(), ``with``, or garbage collection)."""

    _free_name = ""

    def __init__(self, ptr: ctypes.c_void_p) -> None:
        self._ptr = ctypes.c_void_p(ptr.value)
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _free_handle, self._free_name, ptr.value)

    @property
    def closed(self) -> bool:
        """True once the C object has been released."""
        return not self._finalizer.alive

    def close(self) -> None:
        """Releases the C object now (idempotent), and removes the temporary directory the
        handle owns, if any (the default output of :func:`fit` and :func:`decrypt`)."""
        with self._lock:
            self._finalizer()
            owned = getattr(self, "_owned_dir", None)
            if owned is not None:
                owned()

    def _own_dir(self, path: str) -> None:
        """Makes ``path`` (a temporary directory) the handle's: removed by close() or when the
        handle is garbage collected, whichever comes first."""
        self._owned_dir = weakref.finalize(self, shutil.rmtree, path, True)

    def _handle(self) -> ctypes.c_void_p:
        if not self._finalizer.alive:
            raise ValueError("%s: the handle is closed" % type(self).__name__)
        return self._ptr

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _open(fn: str, *args: Any) -> ctypes.c_void_p:
    out = ctypes.c_void_p()
    _native.call(fn, *args, ctypes.byref(out))
    return out


# ---------- keys ----------


class Keys(_Handle):
    """A key directory opened by the owner (secret key in memory), or an evaluation key
    opened by the server (:meth:`open_eval`).

    Attributes:
        dir: the key directory (None for an evaluation key opened alone).
        eval_key: path of ``eval.key`` (give this file, and only this one, to the server).
        secret_key: path of ``secret.key`` (None for an evaluation key).
        has_secret: whether the secret key is loaded.
        ring_degree: the ring degree N (8192, 16384 or 32768).
    """

    _free_name = "fhs_keys_free"

    def __init__(self, ptr: ctypes.c_void_p) -> None:
        super().__init__(ptr)
        lib = _native.load()
        d = _native.text(lib.fhs_keys_dir(ptr))
        self.dir: Optional[Path] = Path(d) if d else None
        self.eval_key: Path = Path(_native.text(lib.fhs_keys_eval_path(ptr)) or "")
        self.has_secret: bool = bool(lib.fhs_keys_has_secret(ptr))
        self.secret_key: Optional[Path] = self.dir / "secret.key" if self.dir and self.has_secret else None
        self.ring_degree: int = int(lib.fhs_keys_ring_degree(ptr))

    @classmethod
    def open(cls, path: PathLike, passphrase_file: Optional[PathLike] = None) -> "Keys":
        """Owner: opens a key directory (with ``passphrase_file`` for a sealed secret key)."""
        p = _path(path, "path")
        pf = _opt_path(passphrase_file, "passphrase_file")
        return cls(_open("fhs_keys_open", _native.fs(p), _native.fs(pf)))

    @classmethod
    def open_eval(cls, eval_key: PathLike) -> "Keys":
        """Server: opens an evaluation key file (a directory means its ``eval.key``).

        Raises WrongKeyError when the file holds a secret key: the server never reads one."""
        p = _path(eval_key, "eval_key")
        if os.path.isdir(p):
            p = os.path.join(p, "eval.key")
        return cls(_open("fhs_keys_open_eval", _native.fs(p)))

    def __repr__(self) -> str:
        where = self.dir if self.dir is not None else self.eval_key
        role = "owner" if self.has_secret else "evaluation only"
        return "<fhesynth.Keys %s (%s, N=%d)>" % (where, role, self.ring_degree)


def keygen(path: PathLike, *, ring: int = 8192, passphrase_file: Optional[PathLike] = None,
           force: bool = False) -> Keys:
    """Owner: generates a key pair into the directory ``path`` (created if needed).

    Writes ``secret.key`` (mode 0600; keep it), ``public.key`` and ``eval.key`` (give it to the
    server). ``ring=8192`` covers 1- and 2-way marginals; 3-way marginals need 16384.
    ``passphrase_file`` seals the secret key with Argon2id + XChaCha20-Poly1305. An existing
    secret key is kept unless ``force=True`` (data encrypted under it would become unreadable).

    Returns the opened :class:`Keys`.
    Raises InvalidArgument (bad ring, existing key), FhesynthOSError (directory not writable).
    """
    p = _path(path, "path")
    o = _native.KeygenOptions()
    lib = _native.load()
    lib.fhs_keygen_options_init(ctypes.byref(o))
    o.ring_degree = _int(ring, "ring", 0, 1 << 20)
    pf = _native.fs(_opt_path(passphrase_file, "passphrase_file"))
    o.passphrase_file = pf
    o.force = int(_bool(force, "force"))
    return Keys(_open("fhs_keys_generate", _native.fs(p), ctypes.byref(o)))


def _owner_keys(keys: Any, name: str = "keys") -> Tuple[Keys, bool]:
    """(Keys, opened_here) from a Keys object or a key directory path."""
    if isinstance(keys, Keys):
        return keys, False
    if isinstance(keys, (str, os.PathLike)):
        return Keys.open(keys), True
    raise TypeError("%s: expected fhesynth.Keys or a key directory path, got %s" % (name, type(keys).__name__))


# ---------- encrypted dataset ----------


class EncryptedDataset(_Handle):
    """An encrypted table (DATA.fhe). What the server can see: padded row count, column count,
    each column's domain size. Column names, labels and bin edges live only in the owner's
    schema file (``schema``, known when this handle came from :func:`encrypt`)."""

    _free_name = "fhs_dataset_free"

    def __init__(self, ptr: ctypes.c_void_p, schema: Optional[PathLike] = None) -> None:
        super().__init__(ptr)
        lib = _native.load()
        self.path: Path = Path(_native.text(lib.fhs_dataset_path(ptr)) or "")
        self.rows_padded: int = int(lib.fhs_dataset_rows_padded(ptr))
        self.columns: int = int(lib.fhs_dataset_columns(ptr))
        self.domain_sizes: List[int] = [int(lib.fhs_dataset_domain_size(ptr, i)) for i in range(self.columns)]
        self.schema: Optional[Path] = Path(schema) if schema is not None else None

    @classmethod
    def open(cls, path: PathLike) -> "EncryptedDataset":
        """Opens DATA.fhe (server or owner)."""
        return cls(_open("fhs_dataset_open", _native.fs(_path(path, "path"))))

    def __repr__(self) -> str:
        return "<fhesynth.EncryptedDataset %s: %d columns, %d rows (padded)>" % (
            self.path, self.columns, self.rows_padded)


def _tempdir() -> str:
    return tempfile.mkdtemp(prefix="fhesynth-")  # mode 0700: the owner's plaintext goes here


def _input_file(data: Any, tmp: List[str], name: str = "data") -> str:
    """A file path for ``data``: a path as given, or a DataFrame written to a temporary CSV
    (the directory is appended to ``tmp`` for removal)."""
    if isinstance(data, pd.DataFrame):
        _tables.check_frame(data, name)
        d = _tempdir()
        tmp.append(d)
        path = os.path.join(d, "input.csv")
        _tables.write_csv(data, path)
        return path
    if isinstance(data, (str, os.PathLike)):
        return _path(data, name)
    raise TypeError("%s: expected a pandas DataFrame or a CSV/Parquet path, got %s" % (name, type(data).__name__))


def _cleanup(tmp: Iterable[str]) -> None:
    for d in tmp:
        shutil.rmtree(d, ignore_errors=True)


def encrypt(data: DataArg, keys: Union[Keys, PathLike], *, out: PathLike, schema: Optional[PathLike] = None,
            schema_out: Optional[PathLike] = None, bins: int = 16, progress: ProgressArg = False,
            discovery_epsilon: Optional[float] = None, unsafe_exact_schema: bool = False,
            ledger: Optional[PathLike] = None, max_minutes: Optional[float] = None,
            force: bool = False) -> EncryptedDataset:
    """Owner: encrypts a table into ``out`` (DATA.fhe).

    Args:
        data: a DataFrame (checked first: an unsupported dtype raises ValueError naming the
            column; it is written to a temporary CSV that is removed afterwards) or the path
            of a CSV or Parquet file.
        keys: the owner's :class:`Keys` or key directory.
        out: where DATA.fhe goes (written atomically).
        schema: a public SCHEMA.json, used as is (the best choice). By default the domain is
            learnt with differential privacy, charged to the dataset's ledger.
        schema_out: where a learnt schema goes (default: ``SCHEMA.json`` beside ``out``).
            It stays with the owner: :func:`decrypt` and :func:`synthesize` need it.
        bins: numeric bins when learning (1..1024).
        progress: True for a bar on stderr, or a callable(done, total).
        discovery_epsilon: the budget of DP domain discovery (default 0.1, at delta 1e-6).
        unsafe_exact_schema: take the domain from the exact data (not DP; warns; recorded).
        ledger: the privacy ledger (default: the dataset's ledger in ``$FHESYNTH_HOME`` or
            ``~/.local/share/fhesynth/ledgers``).
        max_minutes, force: encrypting is estimated once the domain is known (before
            discovery is charged); an estimate above ``max_minutes`` (default 60) raises
            ValueError unless ``force``.

    Returns an :class:`EncryptedDataset` whose ``schema`` is the schema file used.
    """
    tmp: List[str] = []
    k, opened = _owner_keys(keys)
    try:
        out_p = _path(out, "out")
        schema_p = _opt_path(schema, "schema")
        schema_out_p = _opt_path(schema_out, "schema_out")
        bins_v = _int(bins, "bins", 1, 1024)
        _bool(unsafe_exact_schema, "unsafe_exact_schema")
        ledger_p = _opt_path(ledger, "ledger")
        limit = _limit_minutes(max_minutes)
        _bool(force, "force")
        disc_rho = 0.0
        if discovery_epsilon is not None:
            disc_rho = _rho_of(_positive(discovery_epsilon, "discovery_epsilon"), 9e-7)
        if schema_p is not None and (unsafe_exact_schema or disc_rho):
            raise ValueError("schema: a given schema excludes unsafe_exact_schema and discovery_epsilon")
        with Progress(progress, "encrypt") as pr:
            src = _input_file(data, tmp)
            o = _native.EncryptOptions()
            _native.load().fhs_encrypt_options_init(ctypes.byref(o))
            o.schema = _native.fs(schema_p)
            o.schema_out = _native.fs(schema_out_p)
            o.bins = bins_v
            o.discovery_rho = disc_rho
            o.unsafe_exact_schema = int(bool(unsafe_exact_schema))
            o.ledger = _native.fs(ledger_p)
            o.max_minutes = limit
            o.force = int(bool(force))
            if pr.c_callback is not None:
                o.progress = pr.c_callback
            ds = ctypes.c_void_p()
            with k._lock:
                _native.call("fhs_dataset_encrypt", _native.fs(src), k._handle(), _native.fs(out_p),
                             ctypes.byref(o), ctypes.byref(ds))
        used = schema_p or schema_out_p or os.path.join(os.path.dirname(out_p) or ".", "SCHEMA.json")
        return EncryptedDataset(ds, schema=used)
    finally:
        _cleanup(tmp)
        if opened:
            k.close()


# ---------- encrypted statistics (server side) ----------


class EncryptedStats(_Handle):
    """Encrypted marginal counts (STATS.fhe), the server's output. ``schema`` is a hint for
    :func:`decrypt` when the dataset handle knew its schema (owner running fit locally)."""

    _free_name = "fhs_encrypted_stats_free"

    def __init__(self, ptr: ctypes.c_void_p, schema: Optional[PathLike] = None) -> None:
        super().__init__(ptr)
        lib = _native.load()
        self.path: Path = Path(_native.text(lib.fhs_encrypted_stats_path(ptr)) or "")
        self.marginals: int = int(lib.fhs_encrypted_stats_marginals(ptr))
        self.schema: Optional[Path] = Path(schema) if schema is not None else None

    @classmethod
    def open(cls, path: PathLike) -> "EncryptedStats":
        """Opens STATS.fhe."""
        return cls(_open("fhs_encrypted_stats_open", _native.fs(_path(path, "path"))))

    def __repr__(self) -> str:
        return "<fhesynth.EncryptedStats %s: %d marginals>" % (self.path, self.marginals)


def _marginal_spec(marginals: Any) -> Optional[str]:
    if marginals is None:
        return None
    if isinstance(marginals, str):
        return marginals
    try:
        groups = [list(g) for g in marginals]
    except TypeError:
        raise TypeError("marginals: expected a list of column-number lists or a \"0,1;2,3\" string") from None
    parts = []
    for g in groups:
        parts.append(",".join(str(_int(c, "marginals", 0, 65535)) for c in g))
    return ";".join(parts)


def fit(data: Union[EncryptedDataset, PathLike], eval_key: Union[Keys, PathLike], *, out: Optional[PathLike] = None,
        ways: int = 2, marginals: Union[str, Sequence[Sequence[int]], None] = None, memory_mib: int = 1024,
        progress: ProgressArg = False, max_minutes: Optional[float] = None, force: bool = False) -> EncryptedStats:
    """Server: computes marginal counts on the ciphertexts of ``data`` into ``out``.

    Args:
        data: DATA.fhe (path or :class:`EncryptedDataset`).
        eval_key: the evaluation key: the path of ``eval.key`` (or of a directory holding it),
            or a :class:`Keys` object, of which only the ``eval.key`` file is opened. A file
            holding a secret key is refused (WrongKeyError) before any work.
        out: STATS.fhe to write. Default: ``STATS.fhe`` in a new private temporary directory
            that the returned handle owns: it is removed when the handle is closed or garbage
            collected, so give ``out=`` to keep the file. Nothing is written to the working
            directory.
        ways: 1, 2 (default) or 3 (3-way needs keys with ring 16384).
        marginals: column-number groups, e.g. ``[[0, 1], [2, 3, 4]]`` or ``"0,1;2,3,4"``;
            overrides ``ways``. Sub-marginals and all 1-way counts are always included.
        memory_mib: bound on accumulators and cached ciphertexts (>= 64).
        progress: True for a bar on stderr, or a callable(done, total).
        max_minutes, force: the fit is estimated from DATA.fhe's header first; above
            ``max_minutes`` (default 60) it raises ValueError unless ``force``.
    """
    if isinstance(eval_key, Keys):
        ek_path = str(eval_key.eval_key)
    elif isinstance(eval_key, (str, os.PathLike)):
        ek_path = _path(eval_key, "eval_key")
    else:
        raise TypeError("eval_key: expected the path of eval.key or fhesynth.Keys, got %s" % type(eval_key).__name__)
    if isinstance(data, EncryptedDataset):
        ds, ds_opened = data, False
    elif isinstance(data, (str, os.PathLike)):
        ds, ds_opened = None, True
    else:
        raise TypeError("data: expected the path of DATA.fhe or fhesynth.EncryptedDataset, got %s" % type(data).__name__)
    ways_v = _int(ways, "ways", 1, 3)
    spec = _marginal_spec(marginals)
    mem = _int(memory_mib, "memory_mib", 64, 1 << 30)
    limit = _limit_minutes(max_minutes)
    _bool(force, "force")
    data_path = str(ds.path) if ds is not None else _path(data, "data")
    owned = None
    if out is not None:
        out_p = _path(out, "out")
    else:
        owned = _tempdir()
        out_p = os.path.join(owned, "STATS.fhe")
    # the evaluation key first: a secret key is refused before the data is even opened
    try:
        ek = Keys.open_eval(ek_path)
    except BaseException:
        if owned is not None:
            shutil.rmtree(owned, True)
        raise
    try:
        if ds is None:
            ds = EncryptedDataset.open(data_path)
        o = _native.FitOptions()
        _native.load().fhs_fit_options_init(ctypes.byref(o))
        o.ways = ways_v
        o.marginals = spec.encode() if spec is not None else None
        o.memory_mib = mem
        o.max_minutes = limit
        o.force = int(bool(force))
        st = ctypes.c_void_p()
        with Progress(progress, "fit") as pr:
            if pr.c_callback is not None:
                o.progress = pr.c_callback
            with ds._lock:
                _native.call("fhs_dataset_fit", ds._handle(), ek._handle(), _native.fs(out_p), ctypes.byref(o),
                             ctypes.byref(st))
        schema = ds.schema
        if schema is None and owned is not None:
            # decrypt looks for SCHEMA.json beside STATS.fhe: point it at the data's instead
            beside = os.path.join(os.path.dirname(data_path) or ".", "SCHEMA.json")
            schema = beside if os.path.exists(beside) else None
        result = EncryptedStats(st, schema=schema)
        if owned is not None:
            result._own_dir(owned)
            owned = None
        return result
    finally:
        if owned is not None:
            shutil.rmtree(owned, True)
        ek.close()
        if ds_opened and ds is not None:
            ds.close()


# ---------- noisy statistics (owner side) ----------


class Marginal:
    """One released marginal: its columns and counts (``numpy.int64`` array, one axis per
    column, in domain order; :meth:`NoisyStats.table` gives labels)."""

    __slots__ = ("columns", "counts")

    def __init__(self, columns: Tuple[str, ...], counts: np.ndarray) -> None:
        self.columns = columns
        self.counts = counts

    def __repr__(self) -> str:
        return "Marginal(columns=%r, shape=%r)" % (self.columns, self.counts.shape)


class NoisyStats(_Handle):
    """Decrypted statistics (STATS.json): marginals released with discrete Gaussian noise,
    or exact counts when decrypted with ``no_dp=True``.

    Attributes:
        path, schema_path: STATS.json and the SCHEMA.json it goes with.
        rows: rows of the real data. epsilon: the privacy spent (``inf`` when exact).
        exact: True for exact counts. marginals: the released :class:`Marginal` list.
        schema: the schema as a dict.
    """

    _free_name = "fhs_noisy_stats_free"

    def __init__(self, ptr: ctypes.c_void_p) -> None:
        super().__init__(ptr)
        lib = _native.load()
        self.path: Path = Path(_native.text(lib.fhs_noisy_stats_path(ptr)) or "")
        self.rows: int = int(lib.fhs_noisy_stats_rows(ptr))
        self.epsilon: float = float(lib.fhs_noisy_stats_epsilon(ptr))
        self.exact: bool = math.isinf(self.epsilon)
        self.marginals: List[Marginal] = [self._read(lib, ptr, i) for i in range(int(lib.fhs_noisy_stats_marginals(ptr)))]
        self.schema_path: Path = Path()
        self.schema: Dict[str, Any] = {}  # set by the opener (the C handle does not expose it)

    @staticmethod
    def _read(lib: ctypes.CDLL, ptr: ctypes.c_void_p, i: int) -> Marginal:
        n = _native.MAX_MARGINAL_COLUMNS
        n_cols = ctypes.c_size_t()
        names = (ctypes.c_char_p * n)()
        shape = (ctypes.c_size_t * n)()
        counts = ctypes.POINTER(ctypes.c_int64)()
        size = ctypes.c_size_t()
        _native.call("fhs_noisy_stats_marginal", ptr, i, ctypes.byref(n_cols), names, shape, ctypes.byref(counts),
                     ctypes.byref(size))
        k = n_cols.value
        dims = tuple(int(shape[j]) for j in range(k))
        arr = np.ctypeslib.as_array(counts, shape=(size.value,)).copy() if size.value else np.zeros(0, np.int64)
        return Marginal(tuple(_native.text(names[j]) or "" for j in range(k)), arr.reshape(dims))

    @classmethod
    def open(cls, stats_json: PathLike, schema: Optional[PathLike] = None) -> "NoisyStats":
        """Opens STATS.json with its SCHEMA.json (default: SCHEMA.json beside STATS.json)."""
        sj = _path(stats_json, "stats_json")
        sc = _path(schema, "schema") if schema is not None else os.path.join(os.path.dirname(sj) or ".", "SCHEMA.json")
        s = cls(_open("fhs_noisy_stats_open", _native.fs(sj), _native.fs(sc)))
        s._set_schema(sc)
        return s

    def _set_schema(self, schema: PathLike) -> None:
        self.schema_path = Path(schema)
        self.schema = _tables.read_schema(schema)

    def _column(self, name: str) -> Dict[str, Any]:
        for c in self.schema.get("columns", []):
            if c["name"] == name:
                return c
        raise ValueError("no column %r in %s" % (name, self.schema_path))

    def counts(self, *columns: str) -> np.ndarray:
        """Counts over ``columns`` (axes in the order given), from the smallest released
        marginal that holds them all (other columns summed out)."""
        if not columns:
            raise ValueError("counts: name at least one column")
        for c in columns:
            _str(c, "column")
            self._column(c)
        if len(set(columns)) != len(columns):
            raise ValueError("counts: a column is named twice")
        best: Optional[Marginal] = None
        for m in self.marginals:
            if set(columns) <= set(m.columns) and (best is None or m.counts.size < best.counts.size):
                best = m
        if best is None:
            raise ValueError("no released marginal holds %s (released: %s)" % (
                ", ".join(columns), "; ".join(",".join(m.columns) for m in self.marginals)))
        other = tuple(i for i, c in enumerate(best.columns) if c not in columns)
        arr = best.counts.sum(axis=other) if other else best.counts
        kept = [c for c in best.columns if c in columns]
        return np.transpose(arr, [kept.index(c) for c in columns])

    def table(self, *columns: str) -> Union[pd.Series, pd.DataFrame]:
        """Counts with labels: a Series for one column; a DataFrame (rows: the first column,
        columns: the second) for two, as ``pandas.crosstab`` lays it out; a Series with a
        MultiIndex for more. Labels come from the schema: categories, bin intervals
        (``[lo, hi)``), ``None`` for the missing value."""
        arr = self.counts(*columns)
        labs = [_tables.labels(self._column(c)) for c in columns]
        if len(columns) == 1:
            return pd.Series(arr, index=pd.Index(labs[0], name=columns[0], dtype=object), name="count")
        if len(columns) == 2:
            return pd.DataFrame(arr, index=pd.Index(labs[0], name=columns[0], dtype=object),
                                columns=pd.Index(labs[1], name=columns[1], dtype=object))
        idx = pd.MultiIndex.from_product(labs, names=list(columns))
        return pd.Series(arr.reshape(-1), index=idx, name="count")

    def __repr__(self) -> str:
        eps = "exact" if self.exact else "epsilon %g" % self.epsilon
        return "<fhesynth.NoisyStats %s: %d rows, %d marginals, %s>" % (self.path, self.rows, len(self.marginals), eps)


def decrypt(stats: Union[EncryptedStats, PathLike], keys: Union[Keys, PathLike], *, epsilon: Optional[float] = None,
            privacy: Optional[str] = None, no_dp: bool = False, delta: Optional[float] = None, model: str = "mst",
            schema: Optional[PathLike] = None, out: Optional[PathLike] = None,
            budget: Optional[float] = None, verify: Optional[DataArg] = None,
            ledger: Optional[PathLike] = None) -> NoisyStats:
    """Owner: checks and decrypts STATS.fhe and releases the marginals ``model`` needs with
    discrete Gaussian noise, charging the dataset's privacy ledger.

    Choose the privacy explicitly with exactly one of:
        epsilon: the (epsilon, delta) budget of this release (spent exactly in zCDP);
        privacy: "high", "medium" or "low" (epsilon 0.3, 1, 4);
        no_dp: exact counts, for the owner's own analysis only (warns; recorded in the ledger,
            which then refuses DP releases until reset).

    Args:
        stats: STATS.fhe (path or :class:`EncryptedStats`).
        keys: the owner's :class:`Keys` or key directory (must hold the secret key).
        delta: default 1e-6 (at most one over the padded row count).
        model: the release plan: "mst" (default), "independent", "all2way".
        schema: SCHEMA.json (default: the one known from :func:`encrypt`/:func:`fit`, else
            SCHEMA.json beside the stats file).
        out: STATS.json to write. Default: ``STATS.json`` in a new private temporary directory
            that the returned handle owns: it is removed when the handle is closed or garbage
            collected (a :class:`Synthesizer` made from it reads it at once, so it does not need
            it afterwards). Give ``out=`` to keep the file. Nothing is written to the working
            directory.
        budget: the ledger's total epsilon, fixed when the ledger is created (default 10).
        verify: the input the statistics were computed from (DataFrame or path): every count
            is recounted from it, and a result the server changed raises CorruptFileError
            before anything is released or charged.
        ledger: the privacy ledger (default: the dataset's ledger in the fhesynth home).

    Raises BudgetExceeded when the ledger would go over budget, WrongKeyError for keys that do
    not match, InvalidArgument for a missing privacy choice.
    """
    chosen = [x for x in (epsilon is not None, privacy is not None, bool(no_dp)) if x]
    if len(chosen) != 1:
        raise errors.InvalidArgument("decrypt: choose the privacy: exactly one of epsilon=, privacy= "
                                     "(\"high\", \"medium\", \"low\") or no_dp=True", errors.FHS_ERR_INVALID)
    _bool(no_dp, "no_dp")
    eps = 0.0
    if epsilon is not None:
        eps = _positive(epsilon, "epsilon")
    elif privacy is not None:
        _str(privacy, "privacy")
        if privacy not in PRIVACY_PRESETS:
            raise ValueError("privacy: expected \"high\", \"medium\" or \"low\", got %r" % privacy)
        eps = PRIVACY_PRESETS[privacy]
    d = 0.0
    if delta is not None:
        d = _real(delta, "delta")
        if not 0 < d < 1:
            raise ValueError("delta: must be in (0, 1) (got %r)" % delta)
    b = _positive(budget, "budget") if budget is not None else 0.0
    _str(model, "model")
    if isinstance(stats, EncryptedStats):
        es, es_opened = stats, False
    elif isinstance(stats, (str, os.PathLike)):
        es, es_opened = EncryptedStats.open(stats), True
    else:
        raise TypeError("stats: expected the path of STATS.fhe or fhesynth.EncryptedStats, got %s" % type(stats).__name__)
    k, k_opened = _owner_keys(keys)
    tmp: List[str] = []
    owned = None
    try:
        verify_p = _input_file(verify, tmp, "verify") if verify is not None else None
        ledger_p = _opt_path(ledger, "ledger")
        if schema is not None:
            schema_p = _path(schema, "schema")
        elif es.schema is not None:
            schema_p = str(es.schema)
        else:
            schema_p = os.path.join(os.path.dirname(str(es.path)) or ".", "SCHEMA.json")
        if out is not None:
            out_p = _path(out, "out")
        else:
            owned = _tempdir()
            out_p = os.path.join(owned, "STATS.json")
        o = _native.DecryptOptions()
        _native.load().fhs_decrypt_options_init(ctypes.byref(o))
        o.epsilon = eps
        o.delta = d
        o.no_dp = int(bool(no_dp))
        o.model = model.encode()
        o.budget = b
        o.verify_input = _native.fs(verify_p)
        o.ledger = _native.fs(ledger_p)
        if no_dp:
            warnings.warn("fhesynth.decrypt(no_dp=True): %s will hold exact counts, not differentially "
                          "private; keep it to yourself" % out_p, UserWarning, stacklevel=2)
        ns = ctypes.c_void_p()
        with k._lock, es._lock:
            _native.call("fhs_encrypted_stats_decrypt", es._handle(), k._handle(), _native.fs(schema_p),
                         _native.fs(out_p), ctypes.byref(o), ctypes.byref(ns))
        result = NoisyStats(ns)
        result._set_schema(schema_p)
        if owned is not None:
            result._own_dir(owned)
            owned = None
        return result
    finally:
        if owned is not None:
            shutil.rmtree(owned, True)
        _cleanup(tmp)
        if es_opened:
            es.close()
        if k_opened:
            k.close()


# ---------- synthesis ----------


def _noisy(stats: Any, schema: Optional[PathLike]) -> Tuple[NoisyStats, bool]:
    if isinstance(stats, NoisyStats):
        return stats, False
    if isinstance(stats, (str, os.PathLike)):
        return NoisyStats.open(stats, schema), True
    raise TypeError("stats: expected fhesynth.NoisyStats or the path of STATS.json, got %s" % type(stats).__name__)


def _output_kind(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".parquet", ".jsonl", ".ndjson"):
        raise ValueError("out: %s: unknown output format (use .csv, .parquet or .jsonl)" % path)
    return ext


class Synthesizer(_Handle):
    """A synthesizer fitted to noisy statistics (never to real rows); sample it any number
    of times. ``model``: "mst" (default), "independent", "copula", "neural"."""

    _free_name = "fhs_synthesizer_free"

    def __init__(self, stats: Union[NoisyStats, PathLike], model: str = "mst", *, schema: Optional[PathLike] = None) -> None:
        _str(model, "model")
        ns, opened = _noisy(stats, schema)
        try:
            ptr = ctypes.c_void_p()
            with ns._lock:
                _native.call("fhs_synthesizer_fit", ns._handle(), model.encode(), ctypes.byref(ptr))
            super().__init__(ptr)
            self.model: str = _native.text(_native.load().fhs_synthesizer_model(ptr)) or model
            # what the model did with statistics released for another plan (the CLI prints it)
            self.note: Optional[str] = (_native.text(_native.load().fhs_synthesizer_note(ptr))
                                        if _native.has("fhs_synthesizer_note") else None)
            if self.note:
                warnings.warn("fhesynth: %s" % self.note, UserWarning, stacklevel=2)
            self.rows: int = ns.rows
            self.schema: Dict[str, Any] = ns.schema
        finally:
            if opened:
                ns.close()

    def _sample_file(self, rows: int, seed: int, path: str) -> None:
        with self._lock:
            _native.call("fhs_synthesizer_sample", self._handle(), rows, seed, _native.fs(path))

    def sample(self, rows: Optional[int] = None, *, seed: Optional[int] = None,
               out: Optional[PathLike] = None) -> pd.DataFrame:
        """Samples ``rows`` rows (default: the noisy row count of the release) as a DataFrame.

        ``seed`` makes the rows reproducible bit for bit (default: a random seed). With
        ``out`` (.csv, .parquet or .jsonl) the rows are also written there, with
        ``out.manifest.json`` beside it; for .parquet and .jsonl the DataFrame comes from a
        second sampling with the same seed (identical rows)."""
        n = self.rows if rows is None else _int(rows, "rows", 1, 1 << 32)
        s = _seed(seed)
        out_p = _opt_path(out, "out")
        if out_p is not None and _output_kind(out_p) == ".csv":
            self._sample_file(n, s, out_p)
            return _tables.read_synthetic_csv(out_p, self.schema)
        if out_p is not None:
            self._sample_file(n, s, out_p)
        d = _tempdir()
        try:
            path = os.path.join(d, "synthetic.csv")
            self._sample_file(n, s, path)
            return _tables.read_synthetic_csv(path, self.schema)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def __repr__(self) -> str:
        return "<fhesynth.Synthesizer %s>" % self.model


def synthesize(stats: Union[NoisyStats, PathLike], rows: Optional[int] = None, *, model: str = "mst",
               seed: Optional[int] = None, out: Optional[PathLike] = None,
               schema: Optional[PathLike] = None) -> pd.DataFrame:
    """Owner: fits ``model`` to the noisy statistics and samples ``rows`` synthetic rows.

    Args:
        stats: :class:`NoisyStats` or the path of STATS.json (with ``schema``, default
            SCHEMA.json beside it).
        rows: default: the noisy row count of the release (the exact one is never released).
        model: "mst" (default), "independent", "copula", "neural".
        seed: reproducible sampling (default: random).
        out: also write the rows there (.csv, .parquet, .jsonl) with a manifest beside it.

    Returns a DataFrame with the dtypes the schema implies: categorical columns as strings,
    numeric as int64 (integer bins, no missing values) or float64, datetimes as
    datetime64[ns] (UTC, naive).
    """
    with Synthesizer(stats, model, schema=schema) as syn:
        return syn.sample(rows, seed=seed, out=out)


# ---------- evaluation ----------


class Evaluation(dict):
    """Metrics of a synthetic table against the real one: the METRICS.json object as a dict
    (docs/metrics.md defines every number), the library's plain-text ``summary``, and the
    self-contained HTML report: :meth:`to_html`, :meth:`save_html`."""

    def __init__(self, metrics: Dict[str, Any], html: str, summary: str = "") -> None:
        super().__init__(metrics)
        self._html = html
        self.summary: str = summary

    def to_html(self) -> str:
        """The HTML report (self-contained: inline SVG plots, no external resources)."""
        return self._html

    def save_html(self, path: PathLike) -> Path:
        """Writes the report to ``path`` atomically; returns the path."""
        p = Path(_path(path, "path"))
        fd, tmp = tempfile.mkstemp(prefix=".%s." % p.name, suffix=".tmp", dir=str(p.parent))
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self._html)
            os.replace(tmp, p)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return p

    def __str__(self) -> str:
        return self.summary or dict.__repr__(self)


def evaluate(real: DataArg, synthetic: DataArg, *, target: Optional[str] = None, holdout: Optional[DataArg] = None,
             schema: Optional[PathLike] = None, stats: Union["NoisyStats", PathLike, None] = None,
             report: Optional[PathLike] = None, seed: int = 1, bins: int = 16, attacks: int = 500) -> Evaluation:
    """Scores ``synthetic`` against ``real``, the rows it was learnt from: fidelity (TVD, KS,
    associations), utility for ``target`` (XGBoost and logistic regression trained on
    synthetic vs real rows, tested on ``holdout``) and privacy (exact matches, distance to
    closest record, membership inference, Anonymeter risks against ``holdout``).

    Args:
        real, synthetic, holdout: DataFrames (written to temporary CSVs) or CSV/Parquet paths.
            Without ``holdout``, utility and the holdout-based privacy metrics are not available.
        target: the utility target column (default: the last categorical column).
        schema: SCHEMA.json to read every table with (default: inferred from ``real``).
        stats: :class:`NoisyStats` or STATS.json / a run manifest: the privacy budget spent.
        report: also save the HTML report there.
        seed, bins, attacks: sampling seed, inference bins, Anonymeter attacks per evaluator.

    Returns an :class:`Evaluation` (a dict of metrics with ``to_html()`` and ``summary``).
    Raises NotImplementedError when the loaded libfhesynth has no evaluation layer.
    """
    if target is not None:
        _str(target, "target")
    schema_p = _opt_path(schema, "schema")
    stats_p = str(stats.path) if isinstance(stats, NoisyStats) else _opt_path(stats, "stats")
    report_p = _opt_path(report, "report")
    seed_v = _int(seed, "seed", 0, 2 ** 64 - 1)
    bins_v = _int(bins, "bins", 1, 1024)
    attacks_v = _int(attacks, "attacks", 1, 1 << 30)
    if not _native.has("fhs_evaluate"):
        raise NotImplementedError(
            "fhesynth.evaluate needs fhs_evaluate in libfhesynth (the evaluation layer); the library loaded from "
            "%s (version %s) does not export it. Rebuild libfhesynth with the eval layer, or use "
            "`fhesynth evaluate` from the command line." % (library_path(), library_version()))
    tmp: List[str] = []
    try:
        real_p = _input_file(real, tmp, "real")
        syn_p = _input_file(synthetic, tmp, "synthetic")
        hold_p = _input_file(holdout, tmp, "holdout") if holdout is not None else None
        d = _tempdir()
        tmp.append(d)
        html_p = os.path.join(d, "report.html")
        json_p = os.path.join(d, "metrics.json")
        o = _native.EvaluateOptions()
        _native.load().fhs_evaluate_options_init(ctypes.byref(o))
        o.holdout = _native.fs(hold_p)
        o.schema = _native.fs(schema_p)
        o.stats = _native.fs(stats_p)
        o.target = target.encode() if target is not None else None
        o.report = _native.fs(html_p)
        o.metrics_json = _native.fs(json_p)
        o.seed = seed_v
        o.bins = bins_v
        o.attacks = attacks_v
        summary = ctypes.c_void_p()
        _native.call("fhs_evaluate", _native.fs(real_p), _native.fs(syn_p), ctypes.byref(o), ctypes.byref(summary))
        text = _native.take_text(summary)
        with open(json_p, "rb") as f:
            metrics = json.load(f)
        with open(html_p, encoding="utf-8") as f:
            html = f.read()
        ev = Evaluation(metrics, html, text)
        if report_p is not None:
            ev.save_html(report_p)
        return ev
    finally:
        _cleanup(tmp)


def inspect(path: PathLike) -> Dict[str, str]:
    """What an fhesynth file is (kind, version, parameters, sizes) as a dict of the library's
    "key: value" lines. Never reads out secrets."""
    p = _path(path, "path")
    if not _native.has("fhs_inspect"):
        raise NotImplementedError("fhesynth.inspect needs fhs_inspect in libfhesynth (version %s)" % library_version())
    text = ctypes.c_void_p()
    _native.call("fhs_inspect", _native.fs(p), ctypes.byref(text))
    out: Dict[str, str] = {}
    for line in _native.take_text(text).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def budget(data: DataArg, *, ledger: Optional[PathLike] = None, reset: Optional[str] = None) -> Dict[str, Any]:
    """The privacy ledger of a dataset: its cap, what the current epoch has spent and what is
    left, and every release (time, kind, epsilon, delta, label), as a dict.

    Args:
        data: the input (DataFrame or CSV/Parquet path), a DATA.fhe, or a ledger file.
        ledger: the ledger file when it is not in the default place.
        reset: start a new epoch after an exact (no_dp) release, with this label; the history
            is kept. Without it the ledger is only read.
    """
    tmp: List[str] = []
    handle = ctypes.c_void_p()
    try:
        src = _input_file(data, tmp)
        ledger_p = _opt_path(ledger, "ledger")
        _native.call("fhs_budget_open", _native.fs(src), _native.fs(ledger_p), ctypes.byref(handle))
        if reset is not None:
            _native.call("fhs_budget_reset", handle, _str(reset, "reset").encode())
        text = ctypes.c_void_p()
        _native.call("fhs_budget_json", handle, ctypes.byref(text))
        return json.loads(_native.take_text(text))
    finally:
        if handle.value:
            _native.load().fhs_budget_free(handle)
        _cleanup(tmp)


# ---------- the whole pipeline ----------


def run(data: DataArg, *, epsilon: float = 1.0, delta: Optional[float] = None, model: str = "mst",
        rows: Optional[int] = None, seed: Optional[int] = None, ring: int = 8192, bins: int = 16,
        workdir: Optional[PathLike] = None, out: Optional[PathLike] = None, report: Optional[PathLike] = None,
        holdout_fraction: float = 0.2, progress: ProgressArg = False, verbose: bool = False,
        schema: Optional[PathLike] = None, unsafe_exact_schema: bool = False,
        ledger: Optional[PathLike] = None, max_minutes: Optional[float] = None, force: bool = False) -> pd.DataFrame:
    """The whole pipeline locally: keygen (or reuse of ``workdir/keys``), encrypt, fit,
    decrypt with differential privacy (``epsilon``, ``delta``), synthesize.

    Args:
        data: a DataFrame or a CSV/Parquet path.
        epsilon, delta: the budget of the whole release (default 1 and 1e-6), DP domain
            discovery included.
        rows: synthetic rows (default: the noisy row count).
        workdir: keeps keys, DATA.fhe, STATS.json, SCHEMA.json there; by default a temporary
            directory, removed afterwards. The privacy ledger does not live there: it belongs
            to the dataset, so every call on the same data charges the same ledger.
        schema: a public SCHEMA.json (the best choice); by default the domain is learnt with
            DP from 10% of the budget.
        unsafe_exact_schema: take the domain from the exact data (not DP; warns; recorded).
        ledger: the privacy ledger (default: the dataset's ledger in ``$FHESYNTH_HOME`` or
            ``~/.local/share/fhesynth/ledgers``).
        out: also write the rows there (.csv, .parquet, .jsonl) with a manifest.
        report: HTML report path (needs the evaluation layer in libfhesynth); a random
            ``holdout_fraction`` of the rows is then kept out of training to score against.
        verbose: print the library's stage lines on stderr.
        max_minutes, force: encrypting and fitting are estimated once the domain is known,
            before anything is spent; above ``max_minutes`` (default 60) ValueError is raised
            unless ``force``.

    Returns the synthetic DataFrame (dtypes as in :func:`synthesize`).
    """
    eps = _positive(epsilon, "epsilon")
    d = 0.0
    if delta is not None:
        d = _real(delta, "delta")
        if not 0 < d < 1:
            raise ValueError("delta: must be in (0, 1) (got %r)" % delta)
    _str(model, "model")
    n = 0 if rows is None else _int(rows, "rows", 1, 1 << 32)
    s = _seed(seed)
    ring_v = _int(ring, "ring", 0, 1 << 20)
    bins_v = _int(bins, "bins", 1, 1024)
    wd = _opt_path(workdir, "workdir")
    out_p = _opt_path(out, "out")
    report_p = _opt_path(report, "report")
    hold = _real(holdout_fraction, "holdout_fraction")
    if report_p is not None and not 0 < hold < 1:
        raise ValueError("holdout_fraction: must be in (0, 1) (got %r)" % holdout_fraction)
    if out_p is not None:
        _output_kind(out_p)
    _bool(verbose, "verbose")
    _bool(unsafe_exact_schema, "unsafe_exact_schema")
    schema_p = _opt_path(schema, "schema")
    ledger_p = _opt_path(ledger, "ledger")
    limit = _limit_minutes(max_minutes)
    _bool(force, "force")
    if schema_p is not None and unsafe_exact_schema:
        raise ValueError("schema: a given schema excludes unsafe_exact_schema")
    tmp: List[str] = []
    try:
        src = _input_file(data, tmp)
        scratch = _tempdir()
        tmp.append(scratch)
        if wd is None:
            wd = os.path.join(scratch, "work")
        target = out_p if out_p is not None else os.path.join(scratch, "synthetic.csv")
        o = _native.RunOptions()
        _native.load().fhs_run_options_init(ctypes.byref(o))
        o.epsilon = eps
        o.delta = d
        o.model = model.encode()
        o.rows = n
        o.seed = s
        o.have_seed = 1
        o.workdir = _native.fs(wd)
        o.ring_degree = ring_v
        o.bins = bins_v
        o.report = _native.fs(report_p)
        o.holdout_fraction = hold
        o.quiet = 0 if verbose else 1
        o.schema = _native.fs(schema_p)
        o.unsafe_exact_schema = int(bool(unsafe_exact_schema))
        o.ledger = _native.fs(ledger_p)
        o.max_minutes = limit
        o.force = int(bool(force))
        with Progress(progress, "run") as pr:
            if pr.c_callback is not None:
                o.progress = pr.c_callback
            _native.call("fhs_run", _native.fs(src), _native.fs(target), ctypes.byref(o))
        schema_file = schema_p if schema_p is not None else os.path.join(wd, "SCHEMA.json")
        schema = _tables.read_schema(schema_file)
        if _output_kind(target) == ".csv":
            return _tables.read_synthetic_csv(target, schema)
        # .parquet / .jsonl: the same rows again from the released statistics and the same seed
        with open(target + ".manifest.json", "rb") as f:
            manifest = json.load(f)
        with Synthesizer(os.path.join(wd, "STATS.json"), model, schema=schema_file) as syn:
            return syn.sample(int(manifest["rows"]), seed=int(manifest["seed"]))
    finally:
        _cleanup(tmp)


def _rho_of(epsilon: float, delta: float) -> float:
    rho = ctypes.c_double()
    _native.call("fhs_rho_from_epsilon", ctypes.c_double(epsilon), ctypes.c_double(delta), ctypes.byref(rho))
    return rho.value


# ---------- the library ----------


def library_version() -> str:
    """The version of the loaded libfhesynth (``fhs_version()``)."""
    return (_native.load().fhs_version() or b"").decode()


def library_path() -> str:
    """The file libfhesynth was loaded from."""
    return _native.library_path()
