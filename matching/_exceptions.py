"""Every exception and warning the library raises, in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["InputError", "MatchingError", "MatchingWarning", "Problem"]


class MatchingError(Exception):
    """Base class of every error raised by :mod:`matching`."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located as ``source:row:column``.

    ``row`` counts like a spreadsheet: in a CSV file the header is row 1 and the first
    record row 2; in JSON or a list of records the first record is row 1. ``row`` is 0
    and ``column`` empty for a problem with the whole source (an empty file, a missing
    column).
    """

    source: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.row}:{self.column}: {self.message}"


class InputError(MatchingError, ValueError):
    """The input is invalid; :attr:`problems` lists every problem found, not just the first.

    Examples
    --------
    >>> err = InputError([Problem("supply.csv", 3, "quantity", "not a number: 'banyak'")])
    >>> print(err)
    1 problem in the input:
    supply.csv:3:quantity: not a number: 'banyak'
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the input:"
        super().__init__("\n".join([head, *map(str, self.problems)]))


class MatchingWarning(UserWarning):
    """Something was accepted but is probably not what the caller meant."""
