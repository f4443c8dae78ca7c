"""The input contract: column names and aliases, and one validation step per table.

Every cell is checked; every problem is collected and raised at once as an
:class:`~matching.InputError` naming ``source:row:column``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ._currency import currency_code
from ._exceptions import InputError, Problem
from ._numbers import MAX_FIELD_CHARS, parse_number, parse_quantity, quantity_kg
from ._quality import parse_certifications, parse_grade
from ._sources import RawRows, Source, read_sources

__all__ = ["DEMAND_COLUMNS", "MAX_QUANTITY_KG", "MAX_TEXT_CHARS", "SUPPLY_COLUMNS",
           "DemandTable", "SupplyTable", "locate", "parse_demand", "parse_supply", "read_demand",
           "read_supply"]

#: Longest text accepted in any cell (ids, product texts, names, places).
MAX_TEXT_CHARS = MAX_FIELD_CHARS * 5

#: Largest quantity accepted on one row, in kg over the horizon (10 million tonnes): more
#: is a typing or unit mistake, and would strain the solver's numerics.
MAX_QUANTITY_KG = 1e10

#: Characters no spreadsheet cell or JSON text of ours should hold: control characters
#: (tab, line feed and carriage return are allowed) and unpaired UTF-16 surrogates.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_COMMON: dict[str, tuple[str, ...]] = {
    "product": ("produk", "komoditas", "komoditi", "commodity", "item", "barang"),
    "quantity": ("jumlah", "volume", "kuantitas", "qty", "kapasitas", "capacity"),
    "unit": ("satuan", "uom"),
    "period": ("periode", "frekuensi", "frequency"),
    "currency": ("mata_uang", "matauang", "ccy"),
    "name": ("nama",),
}

#: Supply columns: canonical name -> accepted aliases (case-insensitive).
SUPPLY_COLUMNS: dict[str, tuple[str, ...]] = {
    "supplier_id": ("id", "id_bumdes", "kode_bumdes", "bumdes_id", "kode", "supplier"),
    **_COMMON,
    "price": ("harga", "harga_per_kg", "price_per_kg"),
    "province": ("provinsi", "prov"),
    "regency": ("kabupaten", "kab_kota", "kabupaten_kota", "kota", "kab", "district"),
    "village": ("desa", "kelurahan", "desa_kelurahan"),
    "lat": ("latitude", "lintang"),
    "lon": ("longitude", "lng", "long", "bujur"),
    "grade": ("mutu", "kualitas", "quality"),
    "certifications": ("sertifikasi", "sertifikat", "certification", "certificates"),
    "name": ("nama", "nama_bumdes", "bumdes"),
}

#: Demand columns: canonical name -> accepted aliases (case-insensitive).
DEMAND_COLUMNS: dict[str, tuple[str, ...]] = {
    "buyer_id": ("id", "rfq_id", "rfq", "id_pembeli", "request_id", "buyer"),
    **_COMMON,
    "moq": ("min_order", "minimum_order", "minimum_order_quantity", "min_order_qty"),
    "max_price": ("harga_maks", "harga_maksimum", "price_ceiling", "max_price_per_kg",
                  "target_price"),
    "country": ("negara", "destination_country", "destination"),
    "port": ("pelabuhan", "destination_port", "pelabuhan_tujuan"),
    "grade_min": ("mutu_min", "min_grade", "grade", "mutu"),
    "certifications_required": ("sertifikasi_wajib", "certifications", "sertifikasi",
                                "required_certifications"),
    "name": ("nama", "nama_pembeli", "company", "buyer_name"),
}

_REQUIRED = {"supplier_id", "buyer_id", "product", "quantity"}


@dataclass(frozen=True, slots=True)
class SupplyTable:
    """Validated supply rows (BUMDes offers), quantities in kg over the horizon, prices in
    USD per kg (NaN when not given)."""

    source: str
    row: tuple[int, ...]
    supplier_id: tuple[str, ...]
    product: tuple[str, ...]
    quantity_kg: FloatArray
    price_usd: FloatArray
    province: tuple[str, ...]
    regency: tuple[str, ...]
    village: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    grade: IntArray
    certifications: tuple[frozenset[str], ...]
    name: tuple[str, ...]
    columns: Mapping[str, str] = field(default_factory=dict)  # canonical -> header as given
    sources: tuple[str, ...] = ()
    """Source of each row when the rows come from several files (else empty)."""

    def __len__(self) -> int:
        return len(self.supplier_id)


@dataclass(frozen=True, slots=True)
class DemandTable:
    """Validated demand rows (buyer requests), in kg over the horizon and USD per kg."""

    source: str
    row: tuple[int, ...]
    buyer_id: tuple[str, ...]
    product: tuple[str, ...]
    quantity_kg: FloatArray
    moq_kg: FloatArray
    max_price_usd: FloatArray
    country: tuple[str, ...]
    port: tuple[str, ...]
    grade_min: IntArray
    certifications_required: tuple[frozenset[str], ...]
    name: tuple[str, ...]
    sources: tuple[str, ...] = ()
    """Source of each row when the rows come from several files (else empty)."""

    def __len__(self) -> int:
        return len(self.buyer_id)


Table = TypeVar("Table", SupplyTable, DemandTable)


def locate(table: SupplyTable | DemandTable, problems: Iterable[Problem]) -> list[Problem]:
    """Problems whose ``row`` is a position in ``table``, located at their file and row.

    Examples
    --------
    >>> t = parse_supply(RawRows("s.csv", ("supplier_id", "product", "quantity"),
    ...                          ((2, {"supplier_id": "A", "product": "x", "quantity": "1"}),)),
    ...                  horizon_months=1, rates={"IDR": 1.0}, currency="IDR")
    >>> [str(p) for p in locate(t, [Problem("", 0, "regency", "unknown")])]
    ['s.csv:2:regency: unknown']
    """
    out = []
    for p in problems:
        source = table.sources[p.row] if table.sources else table.source
        out.append(Problem(source, table.row[p.row], p.column, p.message))
    return out


def _concat(tables: list[Table], id_column: str) -> Table:
    """One table of the rows of ``tables``; an id given in two sources is a problem."""
    if len(tables) == 1:
        return tables[0]
    first: dict[str, tuple[str, int]] = {}
    problems = []
    for table in tables:
        for identifier, row in zip(getattr(table, id_column), table.row, strict=True):
            if identifier in first:
                where = first[identifier]
                problems.append(Problem(table.source, row, id_column, f"duplicate {id_column} "
                                        f"{identifier!r} (first in {where[0]} at row {where[1]})"))
            else:
                first[identifier] = (table.source, row)
    if problems:
        raise InputError(problems)
    values: dict[str, Any] = {}
    for f in fields(tables[0]):
        parts = [getattr(t, f.name) for t in tables]
        if f.name == "source":
            values[f.name] = ", ".join(parts)
        elif f.name == "sources":
            values[f.name] = tuple(t.source for t in tables for _ in range(len(t)))
        elif f.name == "columns":  # headers as given: the first source that has the column
            values[f.name] = {k: v for part in reversed(parts) for k, v in part.items()}
        elif isinstance(parts[0], np.ndarray):
            values[f.name] = np.concatenate(parts)
        else:
            values[f.name] = tuple(x for part in parts for x in part)
    return replace(tables[0], **values)


def read_supply(source: Source, *, horizon_months: float, rates: Mapping[str, float],
                currency: str) -> SupplyTable:
    """Read and validate supply from one source, or from a list of files or DataFrames.

    Raises
    ------
    InputError
        Listing every problem of every source, and each id given in two sources.

    Examples
    --------
    >>> rows = [{"supplier_id": "A", "product": "crab", "quantity": "1,5 ton"}]
    >>> read_supply([rows[0]], horizon_months=1, rates={"IDR": 1.0}, currency="IDR").quantity_kg
    array([1500.])
    """
    return _read_table(source, parse_supply, "supply", "supplier_id", horizon_months,
                       rates, currency)


def read_demand(source: Source, *, horizon_months: float, rates: Mapping[str, float],
                currency: str) -> DemandTable:
    """Read and validate demand from one source, or from a list of files or DataFrames.

    Raises
    ------
    InputError
        Listing every problem of every source, and each id given in two sources.
    """
    return _read_table(source, parse_demand, "demand", "buyer_id", horizon_months, rates,
                       currency)


def _read_table(source: Source, parse: Callable[..., Table], default_name: str,
                id_column: str, horizon_months: float, rates: Mapping[str, float],
                currency: str) -> Table:
    problems: list[Problem] = []
    tables: list[Table] = []
    for raw in read_sources(source, default_name=default_name):
        try:
            tables.append(parse(raw, horizon_months=horizon_months, rates=rates,
                                currency=currency))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return _concat(tables, id_column)


def _normal(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").replace(".", " ").split())


class _Cells:
    """Finds columns by canonical name or alias and collects problems per cell."""

    def __init__(self, raw: RawRows, columns: Mapping[str, tuple[str, ...]]) -> None:
        self.raw = raw
        self.problems: list[Problem] = []
        self.reported: set[tuple[int, str]] = set()
        self.header: dict[str, str] = {}
        normal: dict[str, str] = {}
        for h in raw.header:
            key = _normal(h)
            if key in normal and (key in columns or any(key in a for a in columns.values())):
                self.problems.append(Problem(raw.name, 0, h, f"column given twice: "
                                             f"{normal[key]!r} and {h!r}"))
            normal.setdefault(key, h)
        for canonical, aliases in columns.items():
            for key in (canonical, *aliases):
                if key in normal and normal[key] not in self.header.values():
                    self.header[canonical] = normal[key]
                    break
        missing = [c for c in columns if c in _REQUIRED and c not in self.header]
        for column in missing:
            names = ", ".join((column, *columns[column][:3]))
            self.problems.append(Problem(raw.name, 0, column,
                                         f"required column missing (accepted names: {names})"))

    def report(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.raw.name, row, self.header.get(column, column), message))
        self.reported.add((row, column))

    def empty(self, row: int, column: str, message: str) -> None:
        """Report an empty required cell, unless its content was already reported."""
        if (row, column) not in self.reported:
            self.report(row, column, message)

    def text(self, record: dict[str, Any], row: int, column: str) -> str:
        if column not in self.header:
            return ""
        value = record.get(self.header[column])
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(row, column, f"expected text, got {type(value).__name__}")
            return ""
        if isinstance(value, str):
            text = value.strip()
        elif isinstance(value, int):
            try:
                text = str(value)
            except ValueError:  # more digits than Python converts (4,300)
                self.report(row, column, f"too long (more than {MAX_TEXT_CHARS:,} digits)")
                return ""
        else:
            text = _number_text(value)
        if len(text) > MAX_TEXT_CHARS:
            self.report(row, column, f"too long ({len(text):,} characters, at most "
                        f"{MAX_TEXT_CHARS:,})")
            return ""
        bad = _BAD_CHARS.search(text)
        if bad is not None:
            self.report(row, column, f"contains the control or invalid character "
                        f"U+{ord(bad.group()):04X} at position {bad.start() + 1}")
            return ""
        return text

    def number(self, record: dict[str, Any], row: int, column: str,
               signed: bool = False) -> float:
        """A finite number (non-negative unless ``signed``), NaN when the cell is empty."""
        if column not in self.header:
            return math.nan
        value = record.get(self.header[column])
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = _float(value)
            if not math.isfinite(number):
                self.report(row, column, f"not a finite number: {_number_text(value)}")
                return math.nan
        else:
            text = self.text(record, row, column)
            if not text:
                return math.nan
            try:
                number = parse_number(text)
            except ValueError as exc:
                self.report(row, column, str(exc))
                return math.nan
        if number < 0 and not signed:
            self.report(row, column, f"must not be negative, got {_number_text(number)}")
            return math.nan
        return number

    def finish(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _float(value: float) -> float:
    """``float(value)``, infinite for an integer too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _number_text(value: float) -> str:
    number = _float(value)
    if not math.isfinite(number):
        return "a number too large" if isinstance(value, int) else repr(number)
    return str(int(number)) if number.is_integer() else repr(number)


def _ids(cells: _Cells, column: str) -> tuple[list[str], list[int]]:
    ids, rows = [], []
    first: dict[str, int] = {}
    for row, record in cells.raw.rows:
        value = cells.text(record, row, column)
        if not value and column in cells.header:
            cells.empty(row, column, "empty; every row needs an id")
        elif value in first:
            cells.report(row, column, f"duplicate {column} {value!r} (first at row {first[value]})")
        elif value:
            first[value] = row
        ids.append(value)
        rows.append(row)
    return ids, rows


def _quantity(cells: _Cells, record: dict[str, Any], row: int, column: str, *,
              unit: str, period: str | None, horizon: float) -> float:
    """Kilograms over the horizon in ``column``, NaN (and a problem) when unusable."""
    value = record.get(cells.header[column]) if column in cells.header else None
    if value is None or (isinstance(value, str) and not value.strip()):
        if column == "quantity" and column in cells.header:
            cells.empty(row, column, "empty; every row needs a quantity")
        return math.nan
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(_float(value)):
                raise ValueError(f"not a finite number: {_number_text(value)}")
            kg = quantity_kg(float(value), unit=unit or None, period=period,
                             horizon_months=horizon)
        else:
            kg = parse_quantity(cells.text(record, row, column), unit=unit or None,
                                period=period, horizon_months=horizon)
    except ValueError as exc:
        message = str(exc)
        at = column
        if message.startswith("unknown unit") and unit and repr(unit) in message:
            at = "unit"
        elif message.startswith("unknown period") and period and repr(period) in message:
            at = "period"
        cells.report(row, at, message)
        return math.nan
    if kg < 0:
        cells.report(row, column, f"must not be negative, got {_number_text(kg)} kg")
        return math.nan
    if kg > MAX_QUANTITY_KG:
        cells.report(row, column, f"{kg:,.0f} kg is more than the limit of "
                     f"{MAX_QUANTITY_KG / 1000:,.0f} t; check the number and the unit")
        return math.nan
    return kg


def _price(cells: _Cells, record: dict[str, Any], row: int, column: str,
           default_currency: str, rates: Mapping[str, float]) -> float:
    amount = cells.number(record, row, column)
    text = cells.text(record, row, "currency") or default_currency
    try:
        code = currency_code(text, rates)
    except ValueError as exc:
        cells.report(row, "currency", str(exc))
        return math.nan
    return amount / rates[code]


def _grade(cells: _Cells, record: dict[str, Any], row: int, column: str) -> int:
    try:
        return parse_grade(cells.text(record, row, column))
    except ValueError as exc:
        cells.report(row, column, str(exc))
        return 0


def _product(cells: _Cells, record: dict[str, Any], row: int) -> str:
    text = cells.text(record, row, "product")
    if not text and "product" in cells.header:
        cells.empty(row, "product", "empty; say what is offered or requested")
    return text


def parse_supply(raw: RawRows, *, horizon_months: float, rates: Mapping[str, float],
                 currency: str) -> SupplyTable:
    """Validate supply rows; raise one :class:`InputError` listing every problem."""
    cells = _Cells(raw, SUPPLY_COLUMNS)
    ids, rows = _ids(cells, "supplier_id")
    cols: dict[str, list[Any]] = {k: [] for k in (
        "product", "quantity", "price", "province", "regency", "village", "lat", "lon",
        "grade", "certifications", "name")}
    for row, record in raw.rows:
        cols["product"].append(_product(cells, record, row))
        unit, period = cells.text(record, row, "unit"), cells.text(record, row, "period")
        cols["quantity"].append(_quantity(cells, record, row, "quantity", unit=unit,
                                          period=period or None, horizon=horizon_months))
        cols["price"].append(_price(cells, record, row, "price", currency, rates))
        for key in ("province", "regency", "village", "name"):
            cols[key].append(cells.text(record, row, key))
        lat = cells.number(record, row, "lat", signed=True)
        lon = cells.number(record, row, "lon", signed=True)
        if not math.isnan(lat) and not -90 <= lat <= 90:
            cells.report(row, "lat", f"latitude {lat} outside -90..90")
        if not math.isnan(lon) and not -180 <= lon <= 180:
            cells.report(row, "lon", f"longitude {lon} outside -180..180")
        if math.isnan(lat) != math.isnan(lon):
            cells.report(row, "lon" if math.isnan(lon) else "lat",
                         "give both lat and lon, or neither")
        cols["lat"].append(lat)
        cols["lon"].append(lon)
        cols["grade"].append(_grade(cells, record, row, "grade"))
        cols["certifications"].append(
            parse_certifications(cells.text(record, row, "certifications")))
    cells.finish()
    return SupplyTable(
        source=raw.name, row=tuple(rows), supplier_id=tuple(ids),
        product=tuple(cols["product"]), quantity_kg=np.array(cols["quantity"], dtype=float),
        price_usd=np.array(cols["price"], dtype=float), province=tuple(cols["province"]),
        regency=tuple(cols["regency"]), village=tuple(cols["village"]),
        lat=np.array(cols["lat"], dtype=float), lon=np.array(cols["lon"], dtype=float),
        grade=np.array(cols["grade"], dtype=np.int64),
        certifications=tuple(cols["certifications"]), name=tuple(cols["name"]),
        columns=dict(cells.header),
    )


def parse_demand(raw: RawRows, *, horizon_months: float, rates: Mapping[str, float],
                 currency: str) -> DemandTable:
    """Validate demand rows; raise one :class:`InputError` listing every problem."""
    cells = _Cells(raw, DEMAND_COLUMNS)
    ids, rows = _ids(cells, "buyer_id")
    cols: dict[str, list[Any]] = {k: [] for k in (
        "product", "quantity", "moq", "max_price", "country", "port", "grade_min",
        "certifications_required", "name")}
    for row, record in raw.rows:
        cols["product"].append(_product(cells, record, row))
        unit, period = cells.text(record, row, "unit"), cells.text(record, row, "period")
        quantity = _quantity(cells, record, row, "quantity", unit=unit, period=period or None,
                             horizon=horizon_months)
        cols["quantity"].append(quantity)
        moq = _quantity(cells, record, row, "moq", unit=unit, period=None,
                        horizon=horizon_months)
        if not math.isnan(moq) and not math.isnan(quantity) and moq > quantity * (1 + 1e-9):
            cells.report(row, "moq", f"minimum order {moq:,.0f} kg is above the requested "
                         f"quantity {quantity:,.0f} kg")
        cols["moq"].append(0.0 if math.isnan(moq) else moq)
        cols["max_price"].append(_price(cells, record, row, "max_price", currency, rates))
        for key in ("country", "port", "name"):
            cols[key].append(cells.text(record, row, key))
        cols["grade_min"].append(_grade(cells, record, row, "grade_min"))
        cols["certifications_required"].append(
            parse_certifications(cells.text(record, row, "certifications_required")))
    cells.finish()
    return DemandTable(
        source=raw.name, row=tuple(rows), buyer_id=tuple(ids), product=tuple(cols["product"]),
        quantity_kg=np.array(cols["quantity"], dtype=float),
        moq_kg=np.array(cols["moq"], dtype=float),
        max_price_usd=np.array(cols["max_price"], dtype=float),
        country=tuple(cols["country"]), port=tuple(cols["port"]),
        grade_min=np.array(cols["grade_min"], dtype=np.int64),
        certifications_required=tuple(cols["certifications_required"]),
        name=tuple(cols["name"]),
    )

