"""No memory growth over repeated calls: every handle is freed, every temporary removed."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import tracemalloc
import warnings


import fhesynth

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size after returning free heap pages to the system: glibc keeps freed
    memory (an evaluation key is tens of MiB) until trimmed, which would read as growth."""
    gc.collect()
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def test_no_growth_over_100_calls(enc_stats, keys, noisy, session_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def once(i):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            ns = fhesynth.decrypt(enc_stats, keys, no_dp=True, out=session_dir / "mem.json",
                                  ledger=session_dir / "mem-ledger.json")
        ns.table("sex", "income")
        ns.close()
        df = fhesynth.synthesize(noisy, rows=50, seed=i)
        assert len(df) == 50
        with fhesynth.Keys.open_eval(keys.eval_key) as ek:
            assert not ek.has_secret
        with fhesynth.EncryptedStats.open(enc_stats.path):
            pass
        try:
            fhesynth.Keys.open(session_dir / "does-not-exist")
        except OSError:
            pass

    for i in range(10):  # warm up: allocator pools, imports, caches
        once(i)
    gc.collect()
    tracemalloc.start()
    rss0 = rss_bytes()
    py0 = tracemalloc.get_traced_memory()[0]
    for i in range(100):
        once(i)
    gc.collect()
    rss1 = rss_bytes()
    py1 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print("RSS %.1f -> %.1f MiB, Python heap %+.1f KiB" % (rss0 / 2**20, rss1 / 2**20, (py1 - py0) / 1024))
    assert py1 - py0 < 512 * 1024
    # one evaluation key alone is tens of MiB: leaking any handle 100 times would be far above this
    assert rss1 - rss0 < 8 * 2**20
    assert list(tmp_path.iterdir()) == []
