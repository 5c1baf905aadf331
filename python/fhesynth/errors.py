"""Exceptions raised by fhesynth.

Every error reported by libfhesynth carries the library's one-line message (it names the
file and the problem) and the ``fhs_status`` it came with. The classes fit into Python's
own hierarchy, so ``except ValueError`` / ``except OSError`` / ``except MemoryError`` work:

=====================  ===========================================  ====================
fhs_status             exception                                    also an instance of
=====================  ===========================================  ====================
FHS_ERR_INVALID        :class:`InvalidArgument`                     ``ValueError``
FHS_ERR_DATA           :class:`DataError`                           ``ValueError``
FHS_ERR_CORRUPT        :class:`CorruptFileError`                    ``ValueError``
FHS_ERR_KEY            :class:`WrongKeyError`                       ``ValueError``
FHS_ERR_BUDGET         :class:`BudgetExceeded`                      ``ValueError``
FHS_ERR_IO             :class:`FhesynthOSError`                     ``OSError``
  (missing file)       :class:`FhesynthFileNotFoundError`           ``FileNotFoundError``
FHS_ERR_NOMEM          :class:`FhesynthMemoryError`                 ``MemoryError``
FHS_ERR_INTERNAL       :class:`InternalError`                       ``RuntimeError``
=====================  ===========================================  ====================

All of them derive from :class:`Error`. The ``ValueError`` family also derives from
:class:`FhesynthError`. Names avoid shadowing built-ins (no ``fhesynth.KeyError``).
"""
from __future__ import annotations

import errno as _errno
from typing import Optional

__all__ = [
    "Error",
    "FhesynthError",
    "InvalidArgument",
    "DataError",
    "CorruptFileError",
    "WrongKeyError",
    "BudgetExceeded",
    "FhesynthOSError",
    "FhesynthFileNotFoundError",
    "FhesynthMemoryError",
    "InternalError",
]

# fhs_status values (include/fhesynth.h)
FHS_OK = 0
FHS_ERR_INVALID = 1
FHS_ERR_IO = 2
FHS_ERR_DATA = 3
FHS_ERR_KEY = 4
FHS_ERR_CORRUPT = 5
FHS_ERR_BUDGET = 6
FHS_ERR_NOMEM = 7
FHS_ERR_INTERNAL = 8

STATUS_NAMES = {
    FHS_OK: "FHS_OK",
    FHS_ERR_INVALID: "FHS_ERR_INVALID",
    FHS_ERR_IO: "FHS_ERR_IO",
    FHS_ERR_DATA: "FHS_ERR_DATA",
    FHS_ERR_KEY: "FHS_ERR_KEY",
    FHS_ERR_CORRUPT: "FHS_ERR_CORRUPT",
    FHS_ERR_BUDGET: "FHS_ERR_BUDGET",
    FHS_ERR_NOMEM: "FHS_ERR_NOMEM",
    FHS_ERR_INTERNAL: "FHS_ERR_INTERNAL",
}


class Error(Exception):
    """Root of every exception that carries a libfhesynth status and message.

    Attributes:
        status: the ``fhs_status`` number (``None`` for errors found by the Python layer).
        message: the library's one-line message.
    """

    status: Optional[int] = None

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    @property
    def status_name(self) -> Optional[str]:
        """``"FHS_ERR_KEY"`` etc., or ``None``."""
        return STATUS_NAMES.get(self.status) if self.status is not None else None

    def __str__(self) -> str:
        return self.message


class FhesynthError(Error, ValueError):
    """Bad arguments, data, files, keys or budget: a ``ValueError``."""


class InvalidArgument(FhesynthError):
    """FHS_ERR_INVALID: an argument or option is not acceptable."""

    status = FHS_ERR_INVALID


class DataError(FhesynthError):
    """FHS_ERR_DATA: malformed table, value outside the schema, mismatched files."""

    status = FHS_ERR_DATA


class CorruptFileError(FhesynthError):
    """FHS_ERR_CORRUPT: a truncated, modified or other-parameter fhesynth file."""

    status = FHS_ERR_CORRUPT


class WrongKeyError(FhesynthError):
    """FHS_ERR_KEY: wrong key or passphrase, or a secret key given to the server side."""

    status = FHS_ERR_KEY


class BudgetExceeded(FhesynthError):
    """FHS_ERR_BUDGET: the release would take the privacy ledger past its budget."""

    status = FHS_ERR_BUDGET


class FhesynthOSError(Error, OSError):
    """FHS_ERR_IO: a file is missing, unreadable or unwritable: an ``OSError``."""

    status = FHS_ERR_IO

    def __init__(self, message: str, status: Optional[int] = None, errno: Optional[int] = None,
                 filename: Optional[str] = None) -> None:
        OSError.__init__(self, errno if errno is not None else 0, message)
        self.message = message
        self.args = (message,)
        if status is not None:
            self.status = status
        self.errno = errno
        self.strerror = message
        self.filename = filename

    def __str__(self) -> str:
        return self.message


class FhesynthFileNotFoundError(FhesynthOSError, FileNotFoundError):
    """FHS_ERR_IO for a missing file: a ``FileNotFoundError``."""

    def __init__(self, message: str, status: Optional[int] = None, errno: Optional[int] = None,
                 filename: Optional[str] = None) -> None:
        super().__init__(message, status, _errno.ENOENT if errno is None else errno, filename)


class FhesynthMemoryError(Error, MemoryError):
    """FHS_ERR_NOMEM: out of memory."""

    status = FHS_ERR_NOMEM


class InternalError(Error, RuntimeError):
    """FHS_ERR_INTERNAL (or an unknown status): a bug in libfhesynth; please report it."""

    status = FHS_ERR_INTERNAL


_BY_STATUS = {
    FHS_ERR_INVALID: InvalidArgument,
    FHS_ERR_DATA: DataError,
    FHS_ERR_CORRUPT: CorruptFileError,
    FHS_ERR_KEY: WrongKeyError,
    FHS_ERR_BUDGET: BudgetExceeded,
    FHS_ERR_NOMEM: FhesynthMemoryError,
}


def _missing_file_name(message: str) -> Optional[str]:
    """The path of a "PATH: no such file" message, else None."""
    marker = ": no such file"
    i = message.find(marker)
    if i <= 0:
        return None
    return message[:i]


def from_status(status: int, message: str) -> Error:
    """The exception for a failing fhs_status and the library's message."""
    if not message:
        message = STATUS_NAMES.get(status, "unknown status %d" % status)
    if status == FHS_ERR_IO:
        missing = _missing_file_name(message)
        if missing is not None or "No such file" in message:
            return FhesynthFileNotFoundError(message, status, filename=missing)
        return FhesynthOSError(message, status)
    cls = _BY_STATUS.get(status, InternalError)
    return cls(message, status)
