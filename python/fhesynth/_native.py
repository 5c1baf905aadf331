"""libfhesynth through ctypes: discovery, prototypes, option structs, status checks.

Nothing here is public. The library is loaded on first use, not at import, so that
``import fhesynth`` (and ``help(fhesynth)``) works on a machine without it.

Discovery order:
1. ``FHESYNTH_LIBRARY``: the path of the shared library (or of a directory holding it);
2. the package directory (``libfhesynth.so.0``, bundled there by ``pip install ./python``,
   whose build step builds it with CMake, and by scripts/setup-python.sh);
3. the environment's prefix (``sys.prefix/lib``: a ``cmake --install`` into the venv);
4. the system: ``ctypes.util.find_library("fhesynth")`` (ldconfig), then the soname
   ``libfhesynth.so.0`` through the dynamic loader (LD_LIBRARY_PATH, ld.so.conf).

Calls go through ``ctypes.CDLL``, which releases the GIL for the duration of every foreign
call, so long calls (encrypt, fit, decrypt, synthesize) let other Python threads run.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import sys
import threading
from typing import Any, List, Optional

from . import errors

ABI_MAJOR = 0  # the soname's number: libfhesynth.so.0
SONAME = "libfhesynth.so.%d" % ABI_MAJOR

c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
c_size_t = ctypes.c_size_t
c_int = ctypes.c_int
c_double = ctypes.c_double
c_uint64 = ctypes.c_uint64
c_int64 = ctypes.c_int64

# typedef void (*fhs_progress_cb)(void *user, uint64_t done, uint64_t total);
PROGRESS_CB = ctypes.CFUNCTYPE(None, c_void_p, c_uint64, c_uint64)

# Room after each options struct: the *_init functions of a newer libfhesynth may write
# fields this binding does not know yet. They must land in memory we own.
_SPARE = ctypes.c_char * 256


class KeygenOptions(ctypes.Structure):
    _fields_ = [("ring_degree", c_size_t), ("passphrase_file", c_char_p), ("force", c_int),
                ("_spare", _SPARE)]


class EncryptOptions(ctypes.Structure):
    _fields_ = [("schema", c_char_p), ("schema_out", c_char_p), ("bins", c_size_t),
                ("progress", PROGRESS_CB), ("progress_user", c_void_p), ("discovery_rho", c_double),
                ("discovery_delta", c_double), ("unsafe_exact_schema", c_int), ("ledger", c_char_p),
                ("dataset_of", c_char_p), ("refine_rho", c_double), ("max_minutes", c_double),
                ("force", c_int), ("fit_ways", c_int), ("note", c_void_p), ("_spare", _SPARE)]


class FitOptions(ctypes.Structure):
    _fields_ = [("ways", c_int), ("marginals", c_char_p), ("memory_mib", c_size_t),
                ("progress", PROGRESS_CB), ("progress_user", c_void_p), ("max_minutes", c_double),
                ("force", c_int), ("_spare", _SPARE)]


class DecryptOptions(ctypes.Structure):
    _fields_ = [("epsilon", c_double), ("delta", c_double), ("no_dp", c_int), ("model", c_char_p),
                ("budget", c_double), ("rho", c_double), ("ledger", c_char_p), ("dataset_of", c_char_p),
                ("verify_input", c_char_p), ("_spare", _SPARE)]


class EvaluateOptions(ctypes.Structure):
    _fields_ = [("holdout", c_char_p), ("schema", c_char_p), ("stats", c_char_p), ("target", c_char_p),
                ("report", c_char_p), ("metrics_json", c_char_p), ("seed", c_uint64), ("bins", c_size_t),
                ("attacks", c_size_t), ("_spare", _SPARE)]


class RunOptions(ctypes.Structure):
    _fields_ = [("epsilon", c_double), ("delta", c_double), ("model", c_char_p), ("rows", c_uint64),
                ("seed", c_uint64), ("have_seed", c_int), ("workdir", c_char_p),
                ("ring_degree", c_size_t), ("bins", c_size_t), ("report", c_char_p),
                ("holdout_fraction", c_double), ("quiet", c_int), ("progress", PROGRESS_CB),
                ("progress_user", c_void_p), ("schema", c_char_p), ("unsafe_exact_schema", c_int),
                ("ledger", c_char_p), ("no_refine", c_int), ("stage", c_void_p), ("max_minutes", c_double),
                ("force", c_int), ("_spare", _SPARE)]


P = ctypes.POINTER
_STATUS = c_int

# name: (restype, argtypes). Handles are void pointers (opaque).
_PROTOTYPES = {
    "fhs_version": (c_char_p, []),
    "fhs_last_error": (c_char_p, []),
    "fhs_status_name": (c_char_p, [c_int]),
    # keys
    "fhs_keygen_options_init": (None, [P(KeygenOptions)]),
    "fhs_keys_generate": (_STATUS, [c_char_p, P(KeygenOptions), P(c_void_p)]),
    "fhs_keys_open": (_STATUS, [c_char_p, c_char_p, P(c_void_p)]),
    "fhs_keys_open_eval": (_STATUS, [c_char_p, P(c_void_p)]),
    "fhs_keys_dir": (c_char_p, [c_void_p]),
    "fhs_keys_eval_path": (c_char_p, [c_void_p]),
    "fhs_keys_has_secret": (c_int, [c_void_p]),
    "fhs_keys_ring_degree": (c_size_t, [c_void_p]),
    "fhs_keys_free": (None, [c_void_p]),
    # dataset
    "fhs_encrypt_options_init": (None, [P(EncryptOptions)]),
    "fhs_dataset_encrypt": (_STATUS, [c_char_p, c_void_p, c_char_p, P(EncryptOptions), P(c_void_p)]),
    "fhs_dataset_open": (_STATUS, [c_char_p, P(c_void_p)]),
    "fhs_dataset_path": (c_char_p, [c_void_p]),
    "fhs_dataset_rows_padded": (c_uint64, [c_void_p]),
    "fhs_dataset_columns": (c_size_t, [c_void_p]),
    "fhs_dataset_domain_size": (c_size_t, [c_void_p, c_size_t]),
    "fhs_dataset_free": (None, [c_void_p]),
    # encrypted stats
    "fhs_fit_options_init": (None, [P(FitOptions)]),
    "fhs_dataset_fit": (_STATUS, [c_void_p, c_void_p, c_char_p, P(FitOptions), P(c_void_p)]),
    "fhs_encrypted_stats_open": (_STATUS, [c_char_p, P(c_void_p)]),
    "fhs_encrypted_stats_path": (c_char_p, [c_void_p]),
    "fhs_encrypted_stats_marginals": (c_size_t, [c_void_p]),
    "fhs_encrypted_stats_free": (None, [c_void_p]),
    # noisy stats
    "fhs_decrypt_options_init": (None, [P(DecryptOptions)]),
    "fhs_encrypted_stats_decrypt": (_STATUS, [c_void_p, c_void_p, c_char_p, c_char_p, P(DecryptOptions),
                                              P(c_void_p)]),
    "fhs_noisy_stats_open": (_STATUS, [c_char_p, c_char_p, P(c_void_p)]),
    "fhs_noisy_stats_path": (c_char_p, [c_void_p]),
    "fhs_noisy_stats_rows": (c_uint64, [c_void_p]),
    "fhs_noisy_stats_epsilon": (c_double, [c_void_p]),
    "fhs_noisy_stats_marginals": (c_size_t, [c_void_p]),
    "fhs_noisy_stats_marginal": (_STATUS, [c_void_p, c_size_t, P(c_size_t), P(c_char_p), P(c_size_t),
                                           P(P(c_int64)), P(c_size_t)]),
    "fhs_noisy_stats_free": (None, [c_void_p]),
    # synthesis
    "fhs_synthesizer_fit": (_STATUS, [c_void_p, c_char_p, P(c_void_p)]),
    "fhs_synthesizer_sample": (_STATUS, [c_void_p, c_uint64, c_uint64, c_char_p]),
    "fhs_synthesizer_model": (c_char_p, [c_void_p]),
    "fhs_synthesizer_note": (c_char_p, [c_void_p]),
    "fhs_synthesizer_free": (None, [c_void_p]),
    # pipeline
    "fhs_run_options_init": (None, [P(RunOptions)]),
    "fhs_run": (_STATUS, [c_char_p, c_char_p, P(RunOptions)]),
    "fhs_rho_from_epsilon": (_STATUS, [c_double, c_double, P(c_double)]),
    "fhs_budget_open": (_STATUS, [c_char_p, c_char_p, P(c_void_p)]),
    "fhs_budget_json": (_STATUS, [c_void_p, P(c_void_p)]),
    "fhs_budget_reset": (_STATUS, [c_void_p, c_char_p]),
    "fhs_budget_free": (None, [c_void_p]),
    "fhs_epsilon_from_rho": (_STATUS, [c_double, c_double, P(c_double)]),
}

# Optional symbols: bound only when the loaded library exports them (a libfhesynth built
# without the evaluation layer lacks fhs_evaluate; older ones lack inspection).
_OPTIONAL = {
    "fhs_evaluate_options_init": (None, [P(EvaluateOptions)]),
    # char **summary: malloc'ed text, released with fhs_free (kept as a raw pointer)
    "fhs_evaluate": (_STATUS, [c_char_p, c_char_p, P(EvaluateOptions), P(c_void_p)]),
    "fhs_inspect": (_STATUS, [c_char_p, P(c_void_p)]),
    "fhs_free": (None, [c_void_p]),
    "fhs_seed_random": (c_uint64, []),
}

# Upper bound on the columns of one marginal (the library's own limit is lower).
MAX_MARGINAL_COLUMNS = 16

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _candidates() -> List[str]:
    """Where to look for the library, in order (see the module docstring)."""
    out: List[str] = []
    env = os.environ.get("FHESYNTH_LIBRARY")
    if env:
        if os.path.isdir(env):
            out.extend(_in_dir(env))
        else:
            out.append(env)
        return out  # an explicit choice: nothing else is tried
    here = os.path.dirname(os.path.abspath(__file__))
    out.extend(_in_dir(here))
    for libdir in ("lib", "lib64", os.path.join("lib", "x86_64-linux-gnu")):
        out.extend(_in_dir(os.path.join(sys.prefix, libdir)))
    found = ctypes.util.find_library("fhesynth")
    if found:
        out.append(found)
    out.append(SONAME)
    return out


def _in_dir(d: str) -> List[str]:
    names = sorted(glob.glob(os.path.join(d, "libfhesynth.so*")), key=len)
    return names[:1]


def _bind(lib: ctypes.CDLL) -> None:
    for name, (res, args) in _PROTOTYPES.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    for name, (res, args) in _OPTIONAL.items():
        if hasattr(lib, name):
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args


def load() -> ctypes.CDLL:
    """The loaded library (loads it on first call). Raises OSError when it is not found."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        tried = []
        for cand in _candidates():
            try:
                lib = ctypes.CDLL(cand)
            except OSError as e:
                tried.append("%s (%s)" % (cand, e))
                continue
            try:
                _bind(lib)
            except AttributeError as e:
                tried.append("%s (not libfhesynth, or too old: %s)" % (cand, e))
                continue
            version = lib.fhs_version().decode()
            if not version.startswith("%d." % ABI_MAJOR):
                tried.append("%s (version %s; this package needs %d.x)" % (cand, version, ABI_MAJOR))
                continue
            _lib_path = _resolve_path(lib, cand)
            _lib = lib
            return lib
        raise OSError(
            "fhesynth: cannot load libfhesynth. Reinstall the package from the repository "
            "(pip install --no-index --no-build-isolation ./python builds and bundles it), set "
            "FHESYNTH_LIBRARY to the path of libfhesynth.so, or install the C library "
            "(cmake --install). Tried: "
            + "; ".join(tried)
        )


def _resolve_path(lib: ctypes.CDLL, cand: str) -> str:
    """The file the loader actually mapped (for messages and library_path())."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                if "libfhesynth" in line:
                    return line.split(None, 5)[-1].strip()
    except OSError:
        pass
    return cand


def library_path() -> str:
    load()
    assert _lib_path is not None
    return _lib_path


def has(name: str) -> bool:
    """Does the loaded library export this symbol?"""
    return hasattr(load(), name)


def take_text(ptr: ctypes.c_void_p) -> str:
    """Copies a malloc'ed C string and releases it with fhs_free."""
    if not ptr.value:
        return ""
    try:
        return (ctypes.string_at(ptr.value) or b"").decode("utf-8", "replace")
    finally:
        load().fhs_free(ptr)


def last_error() -> str:
    msg = load().fhs_last_error()
    return msg.decode("utf-8", "replace") if msg else ""


def check(status: int) -> None:
    """Raises the exception for a failing status with the library's message."""
    if status != errors.FHS_OK:
        raise errors.from_status(status, last_error())


def call(name: str, *args: Any) -> None:
    """Calls a status-returning function; raises on failure.

    The message is read on the same thread right after the call (fhs_last_error is
    thread-local), so concurrent calls on other threads cannot mix up messages."""
    check(getattr(load(), name)(*args))


def fs(path: "os.PathLike[str] | str | None") -> Optional[bytes]:
    """A path as the bytes the C API takes (None stays None)."""
    return None if path is None else os.fsencode(path)


def text(value: Optional[bytes]) -> Optional[str]:
    return None if value is None else os.fsdecode(value)
