"""Large result arrays on ordinary memory pages, not transparent huge pages, and their
pages made ready ahead of the code that writes them."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from typing import Any, cast

import numpy.typing as npt

__all__ = ["PagesAhead", "small_pages"]

#: ``madvise`` advice that maps pages writable without changing what they hold (Linux 5.14).
MADV_POPULATE_WRITE = 23
PAGE = 4096

_lock = threading.Lock()
_inside = 0  # blocks open in any thread
_before = True  # numpy's setting before the first of them


def _setter() -> Callable[[bool], bool] | None:
    """numpy's switch for advising huge pages on the arrays it allocates (private: numpy
    asks for them on every array of 4 MiB or more on Linux), or None when it has none."""
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        with contextlib.suppress(ImportError):
            module = importlib.import_module(name)
            setter = getattr(module, "_set_madvise_hugepage", None)
            if setter is not None:
                return cast(Callable[[bool], bool], setter)
    return None


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """Allocate the block's numpy arrays without advising transparent huge pages.

    With the kernel's usual ``defrag=madvise`` setting, the first write to each 2 MiB of
    an advised array may make the kernel compact memory to find a huge page. On a busy
    machine whose memory is fragmented that took 0.6-0.7 s per 256 MiB written, against
    0.1 s with 4 KiB pages (and 0.04 s when huge pages were at hand): for the hundreds of
    MiB of candidate pairs that are written once, ordinary pages cost little more at best
    and far less at worst. Arrays allocated inside keep their pages afterwards; the
    setting is numpy's and process-wide, restored when the last block open in any thread
    is left (an array another thread allocates meanwhile gets ordinary pages too, which
    changes no result).

    Examples
    --------
    >>> import numpy as np
    >>> with small_pages():
    ...     pairs = np.zeros(1 << 20)
    >>> float(pairs.sum())
    0.0
    """
    setter = _setter()
    if setter is None:
        yield
        return
    global _inside, _before
    with _lock:  # threads in overlapping blocks: the first in saves, the last out restores
        if _inside == 0:
            _before = setter(False)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                setter(_before)


@cache
def _madvise() -> Callable[[int, int, int], int] | None:
    """libc's ``madvise`` on Linux, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        madvise = libc.madvise
    except (OSError, AttributeError):
        return None
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return cast(Callable[[int, int, int], int], madvise)


class PagesAhead:
    """Map the pages of arrays that are written row by row, front to back, ahead of the
    writer, from a background thread.

    A first write to fresh memory costs a page fault per 4 KiB (0.4 ms per MiB here): for
    the 522 MiB of candidate pairs at national scale, 0.2 s of the candidates stage.
    Asking the kernel to map the pages (``MADV_POPULATE_WRITE``, which never changes what
    they hold, so it cannot race with the writer) from another thread moves that cost off
    the writer when a second core is free. ``advance(n)`` says the writer has reached row
    ``n``; pages are mapped up to ``ahead`` rows further. Does nothing where the advice is
    unknown (not Linux, or a kernel before 5.14). ``close`` before the arrays move.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.empty((1 << 16, 6))
    >>> ahead = PagesAhead([rows], ahead=1 << 12)
    >>> for start in range(0, len(rows), 1 << 10):
    ...     ahead.advance(start)
    ...     rows[start:start + (1 << 10)] = 1.0
    >>> ahead.close()
    >>> float(rows.sum()) == rows.size
    True
    """

    def __init__(self, arrays: Sequence[npt.NDArray[Any]], *, ahead: int) -> None:
        self._spans = [(int(a.ctypes.data), int(a.strides[0]) if a.ndim else 0, len(a))
                       for a in arrays if a.ndim and a.flags.c_contiguous]
        self._ahead, self._at, self._stop = ahead, 0, False
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        if _madvise() is not None and self._spans:
            self._thread = threading.Thread(target=self._run, name="matching-pages",
                                            daemon=True)
            self._thread.start()
            self._wake.set()

    def advance(self, row: int) -> None:
        """The writer is at ``row``."""
        self._at = row
        self._wake.set()

    def close(self) -> None:
        """Stop mapping pages (wait for the thread)."""
        if self._thread is not None:
            self._stop = True
            self._wake.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        madvise = _madvise()
        assert madvise is not None
        done = 0
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            target = self._at + self._ahead
            if target <= done:
                continue
            for address, row_bytes, rows in self._spans:
                start = (address + done * row_bytes) // PAGE * PAGE
                stop = (address + min(target, rows) * row_bytes) // PAGE * PAGE
                if stop > start and madvise(start, stop - start, MADV_POPULATE_WRITE) != 0:
                    return  # advice unknown to this kernel: the writer faults them itself
            done = target
