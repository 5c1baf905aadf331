"""fhesynth: synthetic data from a table that stays homomorphically encrypted.

The owner encrypts a table; a server computes marginal counts on the ciphertexts holding
only the evaluation key; the owner decrypts only those aggregates, with differential-privacy
noise, and a synthesizer generates new rows. This package is a thin ctypes layer over
libfhesynth (include/fhesynth.h), with pandas DataFrames in and out::

    import fhesynth
    keys = fhesynth.keygen("keys")                                   # owner
    enc = fhesynth.encrypt(df, keys, out="data.fhe")                 # owner
    stats = fhesynth.fit("data.fhe", eval_key=keys.eval_key)         # server: no secret key
    noisy = fhesynth.decrypt(stats, keys, epsilon=1.0)               # owner (or privacy="high")
    synth = fhesynth.synthesize(noisy, rows=10000, model="mst", seed=1)
    report = fhesynth.evaluate(df, synth, target="income")          # dict + .to_html()
    synth = fhesynth.run(df, epsilon=1.0, model="mst")               # the whole pipeline

Errors carry the library's message; see :mod:`fhesynth.errors` for the mapping of
``fhs_status`` to exceptions. The library is found through ``FHESYNTH_LIBRARY``, the package
directory, ``sys.prefix/lib``, then the system (see python/README.md).
"""
from .core import (
    PRIVACY_PRESETS,
    EncryptedDataset,
    EncryptedStats,
    Evaluation,
    Keys,
    Marginal,
    NoisyStats,
    Synthesizer,
    budget,
    decrypt,
    encrypt,
    evaluate,
    fit,
    inspect,
    keygen,
    library_path,
    library_version,
    run,
    synthesize,
)
from .errors import (
    BudgetExceeded,
    CorruptFileError,
    DataError,
    Error,
    FhesynthError,
    FhesynthFileNotFoundError,
    FhesynthMemoryError,
    FhesynthOSError,
    InternalError,
    InvalidArgument,
    WrongKeyError,
)

__version__ = "0.1.0"

__all__ = [
    "keygen", "encrypt", "fit", "decrypt", "synthesize", "evaluate", "inspect", "run", "budget",
    "Keys", "EncryptedDataset", "EncryptedStats", "NoisyStats", "Marginal", "Synthesizer", "Evaluation",
    "library_version", "library_path", "PRIVACY_PRESETS",
    "Error", "FhesynthError", "InvalidArgument", "DataError", "CorruptFileError", "WrongKeyError",
    "BudgetExceeded", "FhesynthOSError", "FhesynthFileNotFoundError", "FhesynthMemoryError", "InternalError",
    "__version__",
]
