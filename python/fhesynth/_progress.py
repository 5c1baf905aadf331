"""Progress reporting through the C callback (fhs_progress_cb).

A ctypes callback re-acquires the GIL each time the library calls it, so the Python side
does as little as possible: it drops updates that come sooner than ``interval`` seconds
after the last one it drew (except the last one), and never raises into C: an exception
in a user callback (or a KeyboardInterrupt delivered there) is kept and re-raised after the
C call returns (the C API has no way to cancel a call). When the call succeeds the user sees
a last update with done == total.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO, Union

from . import _native

ProgressArg = Union[bool, Callable[[int, int], None], None]


class TextBar:
    """A one-line bar on a stream (stderr by default): ``encrypt [#####.....]  50% 4/8``."""

    def __init__(self, label: str, stream: Optional[TextIO] = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        frac = min(1.0, done / total) if total else 0.0
        fill = int(round(frac * self.width))
        line = "\r%s [%s%s] %3d%% %d/%d" % (self.label, "#" * fill, "." * (self.width - fill),
                                             int(frac * 100), done, total)
        self.stream.write(line)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class Progress:
    """Adapts ``progress=`` (False, True or a callable(done, total)) to the C callback.

    Use as a context manager around the C call; ``c_callback`` is None when no progress was
    asked for (the library then skips the calls entirely)."""

    def __init__(self, progress: ProgressArg, label: str, interval: float = 0.1) -> None:
        if progress is None or progress is False:
            self.user = None
        elif progress is True:
            self.user = TextBar(label)
        elif callable(progress):
            self.user = progress
        else:
            raise TypeError("progress: expected a bool or a callable(done, total), got %s"
                            % type(progress).__name__)
        self.interval = interval
        self.last = 0.0
        self.error: Optional[BaseException] = None
        self.drawn = (0, 0)  # the last (done, total) handed to the user
        self.total = 0
        self.c_callback = _native.PROGRESS_CB(self._cb) if self.user is not None else None

    def _cb(self, _user: Optional[int], done: int, total: int) -> None:
        if self.error is not None:
            return
        try:
            self.total = max(self.total, int(total))
            now = time.monotonic()
            if done < total and now - self.last < self.interval:
                return
            self.last = now
            self.drawn = (int(done), int(total))
            self.user(int(done), int(total))  # type: ignore[misc]
        except BaseException as e:  # noqa: B902 - never unwind into C
            self.error = e

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # the library's total is an estimate that the work may not reach: on success the
        # user always sees a last (total, total)
        if exc_type is None and self.error is None and self.user is not None and self.total:
            if self.drawn != (self.total, self.total):
                try:
                    self.user(self.total, self.total)  # type: ignore[misc]
                except BaseException as e:  # noqa: B902
                    self.error = e
        if isinstance(self.user, TextBar):
            self.user.close()
        if exc_type is None and self.error is not None:
            raise self.error
