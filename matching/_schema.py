"""The input contract: column names and aliases, and one validation step per table.

Every cell is checked; every problem is collected and raised at once as an
:class:`~matching.InputError` naming ``source:row:column``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ._currency import currency_code
from ._exceptions import InputError, Problem
from ._numbers import MAX_FIELD_CHARS, parse_number, parse_quantity, quantity_kg
from ._quality import parse_certifications, parse_grade
from ._sources import RawRows

__all__ = ["DEMAND_COLUMNS", "SUPPLY_COLUMNS", "DemandTable", "SupplyTable", "parse_demand",
           "parse_supply"]

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

    def __len__(self) -> int:
        return len(self.buyer_id)


def _normal(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").replace(".", " ").split())


class _Cells:
    """Finds columns by canonical name or alias and collects problems per cell."""

    def __init__(self, raw: RawRows, columns: Mapping[str, tuple[str, ...]]) -> None:
        self.raw = raw
        self.problems: list[Problem] = []
        self.header: dict[str, str] = {}
        normal = {_normal(h): h for h in raw.header}
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

    def text(self, record: dict[str, Any], row: int, column: str) -> str:
        if column not in self.header:
            return ""
        value = record.get(self.header[column])
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(row, column, f"expected text, got {type(value).__name__}")
            return ""
        text = value.strip() if isinstance(value, str) else _number_text(value)
        if len(text) > MAX_FIELD_CHARS * 5:
            self.report(row, column, f"too long ({len(text)} characters, at most "
                        f"{MAX_FIELD_CHARS * 5})")
            return ""
        return text

    def number(self, record: dict[str, Any], row: int, column: str,
               signed: bool = False) -> float:
        """A finite number (non-negative unless ``signed``), NaN when the cell is empty."""
        if column not in self.header:
            return math.nan
        value = record.get(self.header[column])
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if not math.isfinite(number):
                self.report(row, column, f"not a finite number: {value!r}")
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


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _ids(cells: _Cells, column: str) -> tuple[list[str], list[int]]:
    ids, rows = [], []
    first: dict[str, int] = {}
    for row, record in cells.raw.rows:
        value = cells.text(record, row, column)
        if not value and column in cells.header:
            cells.report(row, column, "empty; every row needs an id")
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
            cells.report(row, column, "empty; every row needs a quantity")
        return math.nan
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise ValueError(f"not a finite number: {value!r}")
            kg = quantity_kg(float(value), unit=unit or None, period=period,
                             horizon_months=horizon)
        else:
            kg = parse_quantity(cells.text(record, row, column), unit=unit or None,
                                period=period, horizon_months=horizon)
    except ValueError as exc:
        cells.report(row, "unit" if str(exc).startswith("unknown unit") and unit else column,
                     str(exc))
        return math.nan
    if kg < 0:
        cells.report(row, column, f"must not be negative, got {_number_text(kg)} kg")
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
        cells.report(row, "product", "empty; say what is offered or requested")
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

