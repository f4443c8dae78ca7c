"""Buyer stories told on demand: building every story eagerly costs more than the solve on
large instances, and most are never read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["Stories"]


class Stories(Mapping[str, tuple[str, ...]]):
    """A read-only mapping of buyer id to story lines, each built on first access.

    It compares, iterates and pickles like the plain dict it stands for.

    Examples
    --------
    >>> calls = []
    >>> stories = Stories(["B1", "B2"], lambda b: calls.append(b) or (f"buyer {b}",))
    >>> stories["B2"], calls
    (('buyer 1',), [1])
    >>> dict(stories) == {"B1": ("buyer 0",), "B2": ("buyer 1",)}
    True
    """

    __slots__ = ("_done", "_index", "_tell")

    def __init__(self, buyer_ids: Sequence[str], tell: Callable[[int], tuple[str, ...]]):
        self._index = {buyer: i for i, buyer in enumerate(buyer_ids)}
        self._tell = tell
        self._done: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, buyer_id: str) -> tuple[str, ...]:
        story = self._done.get(buyer_id)
        if story is None:
            story = self._done[buyer_id] = self._tell(self._index[buyer_id])
        return story

    def __contains__(self, buyer_id: object) -> bool:
        return buyer_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))

    def __repr__(self) -> str:
        return f"Stories({len(self)} buyers, {len(self._done)} told)"
