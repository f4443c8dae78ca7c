"""Consolidation: pool village supply into export lots per product, region, grade and
certification profile, each shipped from one hub, members shipping pro rata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._quality import GRADE_NAMES

__all__ = ["Lots", "consolidate"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Lots:
    """Consolidated lots, sorted by ``lot_id``; members in CSR form (``member_ptr``)."""

    lot_id: tuple[str, ...]
    product: IntArray
    province: IntArray
    regency: IntArray
    grade: IntArray
    certifications: tuple[frozenset[str], ...]
    hub_lat: FloatArray
    hub_lon: FloatArray
    quantity_kg: FloatArray
    price_usd: FloatArray
    confidence: FloatArray
    priority: FloatArray
    member_ptr: IntArray
    member_row: IntArray
    member_kg: FloatArray

    def __len__(self) -> int:
        return len(self.lot_id)

    def members(self, lot: int) -> tuple[IntArray, FloatArray]:
        """Supply row indices and kg of one lot's members."""
        sl = slice(self.member_ptr[lot], self.member_ptr[lot + 1])
        return self.member_row[sl], self.member_kg[sl]


def consolidate(
    rows: IntArray, *, product_ids: Sequence[str], product: IntArray, region_code: Sequence[str],
    province: IntArray, regency: IntArray, grade: IntArray,
    certifications: Sequence[frozenset[str]], quantity_kg: FloatArray, price_usd: FloatArray,
    confidence: FloatArray, disadvantaged: npt.NDArray[np.bool_], lat: FloatArray,
    lon: FloatArray,
) -> Lots:
    """Group the supply ``rows`` (in supplier id order, which fixes member order) into lots.

    Rows with the same product, consolidation region (``region_code``, e.g. the regency
    code), grade and set of certifications form one lot; everything else is per-row
    data indexed by supply row. The hub is the kg-weighted centre of the members. The
    lot id is built from the key, so it is stable across runs and row orders.
    """
    groups: dict[str, list[int]] = {}
    for r in rows.tolist():
        certs = "+".join(sorted(certifications[r]))
        lot_id = f"{product_ids[product[r]]}@{region_code[r]}/{GRADE_NAMES[grade[r]]}"
        groups.setdefault(lot_id + (f"/{certs}" if certs else ""), []).append(r)
    ids = sorted(groups)
    members = [groups[i] for i in ids]
    ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(m) for m in members])
    flat = np.array([r for m in members for r in m], dtype=np.int64)
    kg = quantity_kg[flat]
    lot_of = np.repeat(np.arange(len(ids)), np.diff(ptr))
    total = np.bincount(lot_of, weights=kg, minlength=len(ids)).astype(np.float64)
    safe = np.where(total > 0, total, 1.0)
    weight = np.where(total[lot_of] > 0, kg / safe[lot_of], 1.0 / np.diff(ptr)[lot_of])

    def mean(values: FloatArray) -> FloatArray:
        return np.bincount(lot_of, weights=weight * values, minlength=len(ids)).astype(np.float64)

    priced = ~np.isnan(price_usd[flat])
    price_w = np.bincount(lot_of, weights=np.where(priced, kg, 0.0), minlength=len(ids))
    price = np.bincount(lot_of, weights=np.where(priced, kg * np.nan_to_num(price_usd[flat]),
                                                 0.0), minlength=len(ids))
    first = flat[ptr[:-1]] if len(ids) else flat
    same_regency = np.array([len(set(regency[m].tolist())) == 1 for m in members], dtype=bool)
    return Lots(
        lot_id=tuple(ids), product=product[first], province=province[first],
        regency=np.where(same_regency, regency[first], -1), grade=grade[first],
        certifications=tuple(certifications[r] for r in first.tolist()),
        hub_lat=mean(lat[flat]), hub_lon=mean(lon[flat]), quantity_kg=total,
        price_usd=np.where(price_w > 0, price / np.where(price_w > 0, price_w, 1.0), np.nan),
        confidence=mean(confidence[flat]), priority=mean(disadvantaged[flat].astype(float)),
        member_ptr=ptr, member_row=flat, member_kg=kg,
    )
