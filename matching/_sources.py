"""Read rows from a CSV or JSON file, a list of mappings, or a pandas DataFrame.

The only job here is to get ``(row number, {header: raw value})`` pairs and the header,
collecting every problem with the source itself; checking the values is
:mod:`matching._schema`'s job.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._exceptions import InputError, Problem

__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "RawRows", "Source",
           "read_bytes", "read_rows", "read_sources"]

#: Largest input file accepted, in bytes.
MAX_FILE_BYTES = 512 * 1024 * 1024

#: Most rows accepted from one source (Indonesia has about 66,000 BUMDes).
MAX_ROWS = 1_000_000

Source = str | os.PathLike[str] | Iterable[Mapping[str, Any]] | Any
"""A path to a CSV or JSON file, an iterable of mappings, or a pandas DataFrame."""


@dataclass(frozen=True, slots=True)
class RawRows:
    """Rows as read, before any value is checked."""

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, Any]], ...]


def read_sources(source: Source, *, default_name: str) -> list[RawRows]:
    """Read one source, or each of a list or tuple of paths and DataFrames.

    ``[path1, path2]`` reads both files (rows keep their own file and row numbers); a list
    of mappings is one source of records.

    Raises
    ------
    InputError
        Listing the problems of every source.

    Examples
    --------
    >>> rows = [{"supplier_id": "A", "product": "crab", "quantity": 1}]
    >>> [len(raw.rows) for raw in read_sources([rows[0]], default_name="supply")]
    [1]
    """
    if not (isinstance(source, list | tuple) and source
            and all(isinstance(s, str | os.PathLike) or _is_dataframe(s) for s in source)):
        return [read_rows(source, default_name=default_name)]
    problems: list[Problem] = []
    out: list[RawRows] = []
    for k, item in enumerate(source, start=1):
        try:
            out.append(read_rows(item, default_name=f"{default_name}[{k}]"))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return out


def read_rows(source: Source, *, default_name: str) -> RawRows:
    """Read ``source`` into :class:`RawRows`.

    Raises
    ------
    InputError
        For a file that is missing, too large, not UTF-8, empty, ragged, or not a JSON
        list of objects, or a source of more than :data:`MAX_ROWS` rows; every problem is
        listed.
    """
    if isinstance(source, str | os.PathLike):
        return _read_file(Path(source))
    if _is_dataframe(source):
        records = source.to_dict("records")  # type: ignore[union-attr]
        return _from_records(records, default_name, nan_is_missing=True)
    if isinstance(source, (Mapping, str | bytes)):
        raise InputError([Problem(default_name, 0, "", "expected a path, a list of records or "
                                  f"a DataFrame, got {type(source).__name__}")])
    try:
        records = list(source)
    except TypeError:
        raise InputError([Problem(default_name, 0, "", "expected a path, a list of records or "
                                  f"a DataFrame, got {type(source).__name__}")]) from None
    return _from_records(records, default_name)


def _is_dataframe(obj: object) -> bool:
    return type(obj).__module__.startswith("pandas") and hasattr(obj, "to_dict")


def _read_file(path: Path) -> RawRows:
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError([Problem(name, 0, "", f"cannot read the file: {exc.strerror}")]) from None
    if size > MAX_FILE_BYTES:
        raise InputError([Problem(name, 0, "", f"file is {size:,} bytes, more than the limit "
                                  f"of {MAX_FILE_BYTES:,}")])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(name, 0, "", f"cannot read the file: {exc.strerror}")]) from None
    return read_bytes(data, name, json_suffix=path.suffix.lower() == ".json")


def read_bytes(data: bytes, name: str, *, json_suffix: bool = False) -> RawRows:
    """Rows of the bytes of a CSV or JSON file called ``name`` (JSON when ``json_suffix``
    or when the text starts with ``[`` or ``{``).

    Raises
    ------
    InputError
        As :func:`read_rows` does for a file.

    Examples
    --------
    >>> read_bytes(b"supplier_id;product;quantity\\nA;kepiting;2 ton\\n", "s.csv").rows
    ((2, {'supplier_id': 'A', 'product': 'kepiting', 'quantity': '2 ton'}),)
    """
    if len(data) > MAX_FILE_BYTES:
        raise InputError([Problem(name, 0, "", f"file is {len(data):,} bytes, more than the "
                                  f"limit of {MAX_FILE_BYTES:,}")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError([Problem(name, line, "", "not UTF-8 text (save the file as CSV UTF-8)")]
                         ) from None
    if not text.strip():
        raise InputError([Problem(name, 0, "", "the file is empty")])
    if json_suffix or text.lstrip().startswith(("[", "{")):
        return _read_json(text, name)
    return _read_csv(text, name)


def _read_json(text: str, name: str) -> RawRows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, exc.lineno, "", f"not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise InputError([Problem(name, 0, "", "not valid JSON: nested too deeply")]) from None
    except ValueError:  # an integer of more digits than Python converts (4,300)
        raise InputError([Problem(name, 0, "", "not valid JSON: a number with thousands of "
                                  "digits")]) from None
    if not isinstance(data, list):
        raise InputError([Problem(name, 0, "", "JSON input must be a list of objects")])
    return _from_records(data, name)


def _from_records(records: list[Any], name: str, *, nan_is_missing: bool = False) -> RawRows:
    problems: list[Problem] = []
    header: dict[str, None] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    if len(records) > MAX_ROWS:
        raise InputError([Problem(name, MAX_ROWS + 1, "", f"more than {MAX_ROWS:,} rows; "
                                  "split the input")])
    for i, record in enumerate(records, start=1):
        if not isinstance(record, Mapping):
            problems.append(Problem(name, i, "", f"expected an object, got {_kind(record)}"))
            continue
        clean: dict[str, Any] = {}
        for key, value in record.items():
            if not isinstance(key, str):
                problems.append(Problem(name, i, str(key), "column names must be text"))
                continue
            header.setdefault(key)
            if isinstance(value, np.generic):  # numpy scalars from arrays or DataFrames
                value = value.item()
            missing = nan_is_missing and isinstance(value, float) and math.isnan(value)
            clean[key] = None if missing else value
        rows.append((i, clean))
    if not records:
        problems.append(Problem(name, 0, "", "no rows"))
    if problems:
        raise InputError(problems)
    return RawRows(name, tuple(header), tuple(rows))


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _read_csv(text: str, name: str) -> RawRows:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                problems.extend(_header_problems(header, name, line))
                continue
            if len(record) != len(header):
                column = header[len(record)] if len(record) < len(header) else \
                    f"field {len(header) + 1}"
                problems.append(Problem(name, line, column, f"row has {len(record)} fields, "
                                        f"the header has {len(header)}"))
                continue
            if len(rows) == MAX_ROWS:
                problems.append(Problem(name, line, "", f"more than {MAX_ROWS:,} rows; split "
                                        "the file"))
                break
            rows.append((line, {h: cell for h, cell in zip(header, record, strict=True) if h}))
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            problems.append(Problem(name, line, "", f"a field is longer than "
                                    f"{csv.field_size_limit():,} characters (an unclosed quote?)"))
        else:
            problems.append(Problem(name, line, "", f"not valid CSV: {exc}"))
    if header is None:
        problems.append(Problem(name, 0, "", "the file is empty"))
    elif not rows and not problems:
        problems.append(Problem(name, 0, "", "no rows below the header"))
    if problems:
        raise InputError(problems)
    assert header is not None
    return RawRows(name, tuple(h for h in header if h), tuple(rows))


def _header_problems(header: list[str], name: str, line: int) -> list[Problem]:
    """A column named twice: its values would silently shadow each other."""
    first: dict[str, int] = {}
    problems = []
    for position, column in enumerate(header, start=1):
        if column in first:
            problems.append(Problem(name, line, column, f"column named twice in the header "
                                    f"(fields {first[column]} and {position})"))
        elif column:
            first[column] = position
    return problems
