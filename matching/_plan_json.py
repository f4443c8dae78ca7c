"""The plan JSON written fast and in pieces: byte for byte what
``json.dumps(plan.to_dict(), ensure_ascii=False, indent=indent)`` gives, without a dict per
record or the whole text in memory.

The candidate pairs (millions at national scale) are formatted a chunk at a time with
array operations: every record is a row of a byte matrix (fixed-width fields padded with
NUL bytes, which never occur in JSON text made from valid text), then the NULs are
dropped. Their scores go through :func:`float_texts`, which gives exactly
``repr(round(x, 6))`` with integer arithmetic and falls back to Python for the rare
values it cannot decide (ties near the sixth decimal, tiny or huge values, NaN).
Everything else (allocations, lots, unmatched records, summary) is encoded record by
record from the dataclasses, as ``dataclasses.asdict`` and ``json`` would.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from ._gc import gc_paused

__all__ = ["CHUNK_PAIRS", "CHUNK_RECORDS", "candidates_csv", "float_texts", "json_float",
           "plan_json_bytes", "plan_json_chunks"]

#: Candidate records formatted per array step.
CHUNK_PAIRS = 65_536

#: Other records encoded per batch.
CHUNK_RECORDS = 16_384

#: Decimals kept by the plan JSON (as ``matching._plan._round``).
DECIMALS = 6
_SCALE = 10.0 ** DECIMALS
_DOT, _ZERO, _MINUS = ord("."), ord("0"), ord("-")

ByteMatrix = npt.NDArray[np.uint8]


def json_float(value: float) -> str:
    """``json.dumps(round(value, 6))``: the shortest text that reads back as the rounded
    value, ``NaN``, ``Infinity`` or ``-Infinity``.

    Examples
    --------
    >>> [json_float(x) for x in (0.1234564, 2.0, -1e-9, 1e-5, float("nan"))]
    ['0.123456', '2.0', '-0.0', '1e-05', 'NaN']
    """
    return _float_text(round(value, DECIMALS))


def _float_text(value: float) -> str:
    """``json.dumps(value)`` for a float."""
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return float.__repr__(value)


@cache
def _decimals() -> npt.NDArray[np.uint64]:
    """Entry ``f``: the six decimals of ``f / 1e6`` without trailing zeros (at least one),
    NUL-padded to eight bytes, as one 64-bit word (a gather of words is several times
    faster than one of 6-byte rows)."""
    frac = np.arange(10 ** DECIMALS, dtype=np.int64)
    table = np.zeros((len(frac), 8), dtype=np.uint8)
    for k in range(DECIMALS):
        power = 10 ** (DECIMALS - 1 - k)
        keep = (frac % (power * 10) != 0) | (k == 0)
        table[:, k] = np.where(keep, _ZERO + (frac // power) % 10, 0)
    return table.view(np.uint64).ravel()


def _float_matrix(values: npt.NDArray[np.float64],
                  text: Callable[[float], str] = json_float) -> ByteMatrix:
    """``json_float`` of every value as the rows of a byte matrix, NUL-padded; ``text``
    formats the values the array steps leave to Python (any function that agrees with
    ``json_float`` on finite values: ``repr(round(x, 6))`` for CSV)."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        y = v * _SCALE
        a = np.abs(y)
        # |y| < 1e15 keeps the rounded value below 1e9, where doubles are closer than 1e-6
        # apart: the shortest text of round(x, 6) is then its six-decimal text without
        # trailing zeros. Near a tie the product's rounding error could flip the result.
        fast = (a < 1e15) & (np.abs(y - np.floor(y) - 0.5) > np.maximum(a, 1.0) * 2.0 ** -50)
    n = np.abs(np.rint(np.where(fast, y, 0.0))).astype(np.int64)
    fast &= (n == 0) | (n >= 100)  # below 1e-4 repr switches to the exponent form
    whole, frac = np.divmod(n, 10 ** DECIMALS)
    digits = max(len(str(int(whole.max()))) if len(whole) else 1, 1)
    slow = np.flatnonzero(~fast)
    slow_text = [text(x).encode() for x in v[slow].tolist()]
    width = max(2 + digits + DECIMALS, max(map(len, slow_text), default=0))
    out = np.zeros((len(v), width), dtype=np.uint8)
    out[:, 0] = np.where(np.signbit(v), _MINUS, 0)
    for j in range(digits):  # right-aligned whole part, leading zeros left out
        power = 10 ** (digits - 1 - j)
        digit = (whole // power) % 10
        out[:, 1 + j] = np.where((whole >= power) | (power == 1), _ZERO + digit, 0)
    out[:, 1 + digits] = _DOT
    out[:, 2 + digits:2 + digits + DECIMALS] = \
        _decimals().take(frac).view(np.uint8).reshape(-1, 8)[:, :DECIMALS]
    if len(slow):
        out[slow] = 0
        for row, data in zip(slow.tolist(), slow_text, strict=True):
            out[row, :len(data)] = np.frombuffer(data, dtype=np.uint8)
    return out


def float_texts(values: npt.ArrayLike) -> list[str]:
    """:func:`json_float` of every value, computed with array operations.

    Examples
    --------
    >>> float_texts([0.0078125, 1234.5, -0.00012, 3e-5])
    ['0.007812', '1234.5', '-0.00012', '3e-05']
    """
    matrix = _float_matrix(np.asarray(values, dtype=np.float64))
    if not len(matrix):
        return []
    return _compact([matrix, b"\n"], len(matrix)).decode().split("\n")[:-1]


def _strings_matrix(texts: Sequence[str],
                    encode: Callable[[str], str] = encode_basestring) -> ByteMatrix:
    """JSON strings of ``texts`` (or what ``encode`` makes of them), UTF-8, as the rows of
    a NUL-padded byte matrix."""
    encoded = np.array([encode(t).encode() for t in texts] or [b'""'], dtype=bytes)
    width = encoded.dtype.itemsize
    return encoded.view(np.uint8).reshape(len(encoded), width)


class _Layout:
    """Separators and line breaks of ``json.dumps`` with ``indent``."""

    def __init__(self, indent: int | None) -> None:
        self.indent = indent
        self.item = "," if indent is not None else ", "

    def newline(self, level: int) -> str:
        """What comes before an item at nesting ``level``."""
        return "" if self.indent is None else "\n" + " " * (self.indent * level)

    def join(self, items: Sequence[str], level: int, brackets: str) -> str:
        """``items`` (already encoded at ``level + 1``) in ``brackets`` at ``level``."""
        if not items:
            return brackets
        inner = self.newline(level + 1)
        return (brackets[0] + inner + (self.item + inner).join(items) + self.newline(level)
                + brackets[1])


@cache
def field_names(kind: type) -> tuple[str, ...] | None:
    """The field names of the dataclass ``kind``, in order; None for any other type (a
    class itself, too: its type is ``type``)."""
    if not dataclasses.is_dataclass(kind):
        return None
    return tuple(f.name for f in dataclasses.fields(kind))


class _Encoder:
    """``json.dumps(_round(asdict(value)))`` for records, without the dicts; a list of
    records of one kind is encoded column by column (each field of all records at once)."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self._by_type: dict[type, Callable[[Any, int], str]] = {
            str: lambda v, _: encode_basestring(v), float: lambda v, _: json_float(v),
            int: lambda v, _: int.__repr__(v), bool: lambda v, _: "true" if v else "false",
            type(None): lambda v, _: "null", dict: self._dict, list: self._list,
            tuple: self._list}

    def value(self, value: Any, level: int) -> str:
        """The JSON text of one value whose brackets open at nesting ``level``."""
        kind: type = type(value)
        encode = self._by_type.get(kind)
        if encode is not None:
            return encode(value, level)
        names = field_names(kind)
        if names is not None:
            return self.layout.join(
                [f"{encode_basestring(k)}: {self.value(getattr(value, k), level + 1)}"
                 for k in names], level, "{}")
        for kind in (bool, str, int, float, dict, list, tuple):  # subclasses, as json does
            if isinstance(value, kind):
                return self._by_type[kind](value, level)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    def column(self, values: Sequence[Any], level: int) -> list[str]:
        """:meth:`value` of every value, by column when they are all of one kind."""
        kinds = set(map(type, values))
        kind = kinds.pop() if len(kinds) == 1 else None
        if kind is str:
            return list(map(encode_basestring, values))
        if kind is float:
            return float_texts(values)
        if kind is list or kind is tuple:
            lengths = list(map(len, values))
            items = self.column([item for value in values for item in value], level + 1)
            inner = self.layout.newline(level + 1)
            sep, close = self.layout.item + inner, self.layout.newline(level) + "]"
            out, at = [], 0
            for n in lengths:
                out.append("[" + inner + sep.join(items[at:at + n]) + close if n else "[]")
                at += n
            return out
        names = None if kind is None else field_names(kind)
        if names is not None:
            return self._objects(names, [self.column(list(map(attrgetter(n), values)),
                                                     level + 1) for n in names], level, len(values))
        if kind is dict:
            keys = tuple(values[0])
            if all(tuple(v) == keys for v in values):
                columns = [self.column([v[k] for v in values], level + 1) for k in keys]
                return self._objects([_key(k) for k in keys], columns, level, len(values))
        return [self.value(v, level) for v in values]

    def _objects(self, keys: Sequence[str], columns: Sequence[list[str]], level: int,
                 rows: int) -> list[str]:
        """Objects with ``keys`` whose values are the (encoded) ``columns``."""
        if not keys:
            return ["{}"] * rows
        inner = self.layout.newline(level + 1)
        template = ("{" + inner + (self.layout.item + inner).join(
            encode_basestring(k).replace("%", "%%") + ": %s" for k in keys)
            + self.layout.newline(level) + "}")
        return [template % row for row in zip(*columns, strict=True)]

    def _dict(self, value: dict[Any, Any], level: int) -> str:
        return self.layout.join(
            [f"{encode_basestring(_key(k))}: {self.value(v, level + 1)}"
             for k, v in value.items()], level, "{}")

    def _list(self, value: Sequence[Any], level: int) -> str:
        return self.layout.join([self.value(v, level + 1) for v in value], level, "[]")


def _key(key: Any) -> str:
    """A dict key as ``json`` writes it."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, float):  # unrounded: _round leaves keys alone
        return _float_text(key)
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _candidate_chunks(lot_ids: Sequence[str], buyer_ids: Sequence[str],
                      lot: npt.NDArray[np.int64], buyer: npt.NDArray[np.int64],
                      score: npt.NDArray[np.float64], layout: _Layout,
                      level: int) -> Iterator[str | bytes]:
    """The candidates list at ``level``, as ``[`` ... ``]`` in chunks of records (UTF-8)."""
    if not len(lot):
        yield "[]"
        return
    inner, sep = layout.newline(level + 2), layout.item + layout.newline(level + 1)
    # Each record: its lot's text (with the keys around it), its buyer's, its score's.
    head, middle = "{" + inner + '"lot_id": ', layout.item + inner + '"buyer_id": '
    lots = _strings_matrix(lot_ids, lambda t: head + encode_basestring(t) + middle)
    buyers = _strings_matrix(buyer_ids,
                             lambda t: encode_basestring(t) + layout.item + inner + '"score": ')
    tail = (layout.newline(level + 1) + "}" + sep).encode()
    yield "[" + layout.newline(level + 1)
    for start in range(0, len(lot), CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        data = _compact([lots[lot[part]], buyers[buyer[part]], _float_matrix(score[part]), tail],
                        len(lot[part]))
        if start + CHUNK_PAIRS >= len(lot):
            data = data[:-len(sep)] + (layout.newline(level) + "]").encode()
        yield data


def candidates_csv(lot_ids: Sequence[str], buyer_ids: Sequence[str],
                   lot: npt.NDArray[np.int64], buyer: npt.NDArray[np.int64],
                   score: npt.NDArray[np.float64], *, cell: Callable[[str], str]
                   ) -> Iterator[bytes]:
    """The rows of ``candidates.csv`` (without the header) as UTF-8, a chunk at a time:
    ids as ``cell`` writes them, scores as ``csv.writer`` writes ``round(score, 6)``."""
    if not len(lot):
        return
    lots, buyers = _strings_matrix(lot_ids, cell), _strings_matrix(buyer_ids, cell)
    for start in range(0, len(lot), CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        scores = _float_matrix(score[part], lambda x: repr(round(x, DECIMALS)))
        yield _compact([lots[lot[part]], b",", buyers[buyer[part]], b",", scores, b"\r\n"],
                       len(scores))


def _compact(pieces: Sequence[ByteMatrix | bytes], rows: int) -> bytes:
    """The rows made of ``pieces`` (constant bytes or one NUL-padded row per record)
    placed side by side, NULs dropped, rows one after the other."""
    widths = [len(p) if isinstance(p, bytes) else p.shape[1] for p in pieces]
    out = np.empty((rows, sum(widths)), dtype=np.uint8)
    at = 0
    for piece, width in zip(pieces, widths, strict=True):
        out[:, at:at + width] = (np.frombuffer(piece, dtype=np.uint8) if isinstance(piece, bytes)
                                 else piece)
        at += width
    return bytes(out[out != 0].tobytes())


def _table_chunks(encoder: _Encoder, records: Sequence[Any], layout: _Layout
                  ) -> Iterator[str]:
    """A top-level list of records, encoded by column a batch at a time."""
    if not len(records):
        yield "[]"
        return
    inner = layout.newline(2)
    for start in range(0, len(records), CHUNK_RECORDS):
        with gc_paused():  # many small objects, no cycles
            texts = encoder.column(records[start:start + CHUNK_RECORDS], 2)
        yield ("[" if start == 0 else layout.item) + inner + (layout.item + inner).join(texts)
    yield layout.newline(1) + "]"


def plan_json_chunks(plan: Any, *, indent: int | None = 2) -> Iterator[str]:
    """The JSON text of ``plan`` in pieces: joined, they are exactly
    ``json.dumps(plan.to_dict(), ensure_ascii=False, indent=indent)``.

    Examples
    --------
    >>> import json, matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> text = "".join(plan_json_chunks(plan))
    >>> text == json.dumps(plan.to_dict(), ensure_ascii=False, indent=2)
    True
    """
    for piece in _pieces(plan, indent):
        yield piece.decode() if isinstance(piece, bytes) else piece


def plan_json_bytes(plan: Any, *, indent: int | None = 2) -> Iterator[bytes]:
    """:func:`plan_json_chunks` encoded as UTF-8 (what a file gets, without decoding the
    candidate records made as bytes).

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> b"".join(plan_json_bytes(plan)) == "".join(plan_json_chunks(plan)).encode()
    True
    """
    for piece in _pieces(plan, indent):
        yield piece if isinstance(piece, bytes) else piece.encode()


def _pieces(plan: Any, indent: int | None) -> Iterator[str | bytes]:
    """The pieces of the plan JSON: text, or UTF-8 bytes for the candidate records."""
    from ._plan import _PARTS, CandidateTable

    layout = _Layout(indent)
    encoder = _Encoder(layout)
    yield "{"
    for i, name in enumerate(_PARTS):
        yield ("" if i == 0 else layout.item) + layout.newline(1) + f'"{name}": '
        value = getattr(plan, name)
        if isinstance(value, CandidateTable):
            yield from _candidate_chunks(*value.arrays(), layout, 1)
        elif name == "summary":
            yield encoder.value(value, 1)
        else:  # the records made at once (a lazy table keeps them), encoded a batch at a time
            yield from _table_chunks(encoder, tuple(value), layout)
    yield layout.newline(0) + "}"
