"""Large result arrays on ordinary memory pages, not transparent huge pages."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterator
from typing import cast

__all__ = ["small_pages"]

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
