"""Stage events of a run: progress bars for people, timings for benchmarks.

The pipeline wraps each stage in :func:`stage`; nothing happens unless an observer is
active for the current context (:func:`observing`). ``progress=True`` in the library
calls (on by default in the command line) shows one tqdm bar per long stage.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Protocol

__all__ = ["Observer", "Stages", "TqdmObserver", "observe", "observing", "progress_observer",
           "stage"]


class Observer(Protocol):
    """Receives the start, advance and end of each stage."""

    def start(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def end(self, name: str) -> None: ...


_OBSERVER: ContextVar[Observer | None] = ContextVar("matching_observer", default=None)


def _ignore(n: int = 1) -> None:
    del n


@contextlib.contextmanager
def stage(name: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """Report a stage to the active observer; yields a function that advances it.

    Examples
    --------
    >>> with stage("normalise", total=2) as advance:
    ...     advance(2)
    """
    observer = _OBSERVER.get()
    if observer is None:
        yield _ignore
        return
    observer.start(name, total)
    try:
        yield observer.advance
    finally:
        observer.end(name)


@contextlib.contextmanager
def observing(observer: Observer | None) -> Iterator[None]:
    """Make ``observer`` receive the stage events of the calls inside the block."""
    token = _OBSERVER.set(observer)
    try:
        yield
    finally:
        _OBSERVER.reset(token)


class TqdmObserver:
    """One tqdm bar per stage on stderr."""

    def __init__(self, tqdm: Any) -> None:
        self._tqdm = tqdm
        self._bars: list[Any] = []

    def start(self, name: str, total: int | None = None) -> None:
        self._bars.append(self._tqdm(total=total, desc=name, unit="" if total else " stage",
                                     leave=False, file=sys.stderr, dynamic_ncols=True))

    def advance(self, n: int = 1) -> None:
        if self._bars:
            self._bars[-1].update(n)

    def end(self, name: str) -> None:
        if self._bars:
            self._bars.pop().close()


def progress_observer(progress: bool) -> Observer | None:
    """The observer for ``progress=True`` (tqdm bars), or None.

    Raises
    ------
    ImportError
        When ``progress`` is asked for but tqdm is not installed.
    """
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("progress bars need tqdm: pip install 'bumdes-match[progress]'"
                          ) from exc
    return TqdmObserver(tqdm)


class Stages:
    """Consecutive stages of one run: ``next(name)`` ends the current stage and starts
    the next; leaving the ``with`` block ends the last one (also on an exception).

    Examples
    --------
    >>> with Stages() as stages:
    ...     advance = stages.next("parse")
    ...     advance = stages.next("normalise", total=10)
    ...     advance(10)
    """

    def __init__(self) -> None:
        self._current: contextlib.AbstractContextManager[Callable[[int], None]] | None = None

    def next(self, name: str, total: int | None = None) -> Callable[[int], None]:
        """End the current stage and start ``name``; returns its advance function."""
        self.close()
        self._current = stage(name, total)
        return self._current.__enter__()

    def close(self) -> None:
        """End the current stage, if any."""
        current, self._current = self._current, None
        if current is not None:
            current.__exit__(None, None, None)

    def __enter__(self) -> Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def observe(progress: bool) -> contextlib.AbstractContextManager[None]:
    """Progress bars inside the block when ``progress``; otherwise leave the active
    observer (if any) in place."""
    observer = progress_observer(progress)
    return observing(observer) if observer is not None else contextlib.nullcontext()
