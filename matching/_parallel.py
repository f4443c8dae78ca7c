"""Mapping independent work over a ``concurrent.futures.Executor``.

Any executor works: ``ThreadPoolExecutor``, ``ProcessPoolExecutor``, or a Dask cluster
through ``distributed.Client(...).get_executor()``. Results come back in submission
order, so the outcome never depends on the executor or on how many workers it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TypeVar

__all__ = ["check_executor", "map_chunks", "map_ordered"]

T = TypeVar("T")
R = TypeVar("R")


def _ignore(n: int = 1) -> None:
    del n


def check_executor(executor: object) -> Executor | None:
    """``executor`` itself when it is None or has ``submit``; a TypeError otherwise."""
    if executor is None or isinstance(executor, Executor) or callable(
            getattr(executor, "submit", None)):
        return executor  # type: ignore[return-value]
    raise TypeError(f"The 'executor' parameter must be a concurrent.futures.Executor (or "
                    f"have a submit method); got {type(executor).__name__} instead.")


def map_ordered(func: Callable[[T], R], items: Sequence[T], *, executor: Executor | None,
                advance: Callable[[int], None] = _ignore) -> list[R]:
    """``[func(x) for x in items]``, run on ``executor`` when given (in order).

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     map_ordered(abs, [-1, 2, -3], executor=pool)
    [1, 2, 3]
    """
    if executor is None or len(items) <= 1:
        out = []
        for x in items:
            out.append(func(x))
            advance(1)
        return out
    futures = [executor.submit(func, x) for x in items]
    results = []
    try:
        for future in futures:
            results.append(future.result())
            advance(1)
    finally:
        for future in futures:
            future.cancel()
    return results


def map_chunks(func: Callable[[Sequence[T]], Sequence[R]], items: Sequence[T], *,
               executor: Executor | None, chunk_size: int,
               advance: Callable[[int], None] = _ignore) -> list[R]:
    """``list(func(items))`` computed chunk by chunk (``func`` must treat items
    independently), the chunks mapped over ``executor`` when given.

    Examples
    --------
    >>> map_chunks(lambda xs: [x * 2 for x in xs], [1, 2, 3], executor=None, chunk_size=2)
    [2, 4, 6]
    """
    if executor is None or len(items) <= chunk_size:
        out = list(func(items))
        advance(len(items))
        return out
    chunks = [items[i:i + chunk_size] for i in range(0, len(items), chunk_size)]
    sizes = iter([len(c) for c in chunks])
    parts = map_ordered(func, chunks, executor=executor, advance=lambda n: advance(next(sizes)))
    return [r for part in parts for r in part]
