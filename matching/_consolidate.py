"""Consolidation: pool village supply into export lots per product, region, grade and
certification profile, each shipped from one hub, members shipping pro rata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._geo import haversine_km
from ._quality import GRADE_NAMES

__all__ = ["Lots", "Region", "consolidate", "smallest_moq_in_reach"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: The consolidation region: ``"regency"``, ``"province"`` or a radius in km.
Region = str | float


@dataclass(frozen=True, slots=True)
class Lots:
    """Consolidated lots, sorted by ``lot_id``; members in CSR form (``member_ptr``).

    ``regency`` is -1 for a lot whose members come from several regencies; ``hub_lat``
    and ``hub_lon`` are where the lot ships from.
    """

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


def smallest_moq_in_reach(
    product: IntArray, grade: IntArray, certifications: Sequence[frozenset[str]], *,
    accepts: Sequence[frozenset[int]], grade_min: IntArray,
    certifications_required: Sequence[frozenset[str]], moq: FloatArray,
) -> FloatArray:
    """Per supply row, the smallest MOQ of the buyers that could take it: buyers that
    accept its product (or it as a substitute), whose minimum grade it meets and whose
    required certifications it holds. 0 when one of them has no MOQ or none is in reach.

    Buyers are grouped by accepted product once; per product, one array operation over
    its (grade, certification profile) keys and the buyers that accept it, so the cost
    grows with rows plus buyers times keys of their product, not keys times all buyers.

    Examples
    --------
    >>> smallest_moq_in_reach(np.array([0, 0, 1]), np.array([3, 1, 3]), [frozenset()] * 3,
    ...     accepts=[frozenset({0}), frozenset({0})], grade_min=np.array([1, 2]),
    ...     certifications_required=[frozenset(), frozenset()], moq=np.array([900., 400.]))
    array([400., 900.,   0.])
    """
    out = np.zeros(len(product))
    if len(product) == 0 or len(accepts) == 0:
        return out
    # Certification profiles as ids, and which required set each held set satisfies.
    have_id: dict[frozenset[str], int] = {}
    row_have = np.array([have_id.setdefault(c, len(have_id)) for c in certifications],
                        dtype=np.int64)
    need_id: dict[frozenset[str], int] = {}
    buyer_need = np.array([need_id.setdefault(c, len(need_id))
                           for c in certifications_required], dtype=np.int64)
    satisfied = np.array([[need <= have for have in have_id] for need in need_id],
                         dtype=bool).reshape(len(need_id), len(have_id))
    # One key per (product, grade, profile); rows point at their key.
    key_of: dict[tuple[int, int, int], int] = {}
    row_key = np.array([key_of.setdefault(k, len(key_of)) for k in zip(
        product.tolist(), grade.tolist(), row_have.tolist(), strict=True)], dtype=np.int64)
    keys = np.array(list(key_of), dtype=np.int64).reshape(len(key_of), 3)
    # Buyers accepting each product (CSR by accepted product).
    accepted = [(p, b) for b, a in enumerate(accepts) for p in a]
    if not accepted:
        return out
    pairs = np.array(accepted, dtype=np.int64)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    products, start = np.unique(pairs[:, 0], return_index=True)
    stop = np.r_[start[1:], len(pairs)]
    where = np.searchsorted(products, keys[:, 0])
    known = (where < len(products)) & (products[np.minimum(where, len(products) - 1)] ==
                                       keys[:, 0])
    key_moq = np.zeros(len(keys))
    key_order = np.argsort(keys[:, 0], kind="stable")
    ends = np.r_[np.flatnonzero(np.diff(keys[key_order, 0])) + 1, len(keys)]
    begin = 0
    for end in ends.tolist():
        group = key_order[begin:end]
        begin = end
        if not known[group[0]]:
            continue
        i = int(where[group[0]])
        bs = pairs[start[i]:stop[i], 1]
        reach = (grade_min[bs][None, :] <= keys[group, 1][:, None]) & \
            satisfied[buyer_need[bs][None, :], keys[group, 2][:, None]]
        smallest = np.where(reach, moq[bs][None, :], np.inf).min(axis=1)
        key_moq[group] = np.where(reach.any(axis=1), smallest, 0.0)
    return key_moq[row_key]


def _regency_pools(rows: list[int], code: Sequence[str], lat: FloatArray, lon: FloatArray,
                   kg: FloatArray, threshold: float) -> dict[int, str]:
    """Regency pools of one product, grade, certification profile and province, with
    every pool below ``threshold`` kg merged into its nearest neighbour (nearest hub),
    smallest first, until it reaches the threshold or is alone. Row -> region label."""
    pools: dict[tuple[str, ...], list[int]] = {}
    for r in rows:
        pools.setdefault((code[r],), []).append(r)

    def centre(members: list[int]) -> tuple[float, float, float]:
        w = kg[members]
        total = float(w.sum())
        share = w / total if total > 0 else np.full(len(members), 1.0 / len(members))
        return total, float(share @ lat[members]), float(share @ lon[members])

    state = {key: centre(m) for key, m in pools.items()}
    while len(pools) > 1:
        small = [k for k in pools if state[k][0] < threshold]
        if not small:
            break
        pool = min(small, key=lambda k: (state[k][0], k))
        others = sorted(k for k in pools if k != pool)
        dist = haversine_km(state[pool][1], state[pool][2],
                            np.array([state[k][1] for k in others]),
                            np.array([state[k][2] for k in others]))
        near = others[int(np.argmin(dist))]
        merged = tuple(sorted(pool + near))
        pools[merged] = pools.pop(pool) + pools.pop(near)
        state[merged] = centre(pools[merged])
    return {r: "+".join(key) for key, members in pools.items() for r in members}


def _radius_pools(rows: list[int], supplier_id: Sequence[str], lat: FloatArray,
                  lon: FloatArray, kg: FloatArray, radius: float
                  ) -> tuple[dict[int, str], dict[str, int]]:
    """Circles of ``radius`` km: the largest offer not yet pooled is a hub and takes
    every offer within the radius. Row -> label, and label -> hub row."""
    order = sorted(rows, key=lambda r: (-kg[r], supplier_id[r]))
    idx = np.array(order, dtype=np.int64)
    free = np.ones(len(idx), dtype=bool)
    label: dict[int, str] = {}
    hub: dict[str, int] = {}
    for i in range(len(idx)):
        if not free[i]:
            continue
        seed = int(idx[i])
        near = free & (haversine_km(lat[seed], lon[seed], lat[idx], lon[idx]) <= radius)
        name = f"{radius:g}km:{supplier_id[seed]}"
        hub[name] = seed
        for r in idx[near].tolist():
            label[r] = name
        free &= ~near
    return label, hub


def consolidate(
    rows: IntArray, *, product_ids: Sequence[str], product: IntArray, region_code: Sequence[str],
    province: IntArray, regency: IntArray, grade: IntArray,
    certifications: Sequence[frozenset[str]], quantity_kg: FloatArray, price_usd: FloatArray,
    confidence: FloatArray, disadvantaged: npt.NDArray[np.bool_], lat: FloatArray,
    lon: FloatArray, region: Region = "regency", province_code: Sequence[str] | None = None,
    supplier_id: Sequence[str] | None = None, merge_below: FloatArray | None = None,
) -> Lots:
    """Group the supply ``rows`` (in supplier id order, which fixes member order) into lots.

    Rows of one lot share product, grade and set of certifications (lots never mix them)
    and a consolidation region:

    * ``"regency"``: the regency (``region_code``); when ``merge_below`` gives, per row,
      the smallest MOQ in reach (:func:`smallest_moq_in_reach`), a regency pool below it
      merges with the nearest pool of the same province until it reaches it or is alone;
    * ``"province"``: the province (``province_code``);
    * a radius in km: the largest offer not yet pooled is a hub and takes every offer of
      the same key within the radius (``supplier_id`` breaks ties and names the lot).

    The hub is the kg-weighted centre of the members (the hub offer's place for a
    radius). The lot id is built from the key (``mud_crab_live@74.02/A/HACCP``,
    ``...@74.02+74.05/A``, ``...@74/A``, ``...@50km:KNW-001/A``), so it is stable across
    runs and row orders. Everything else is per-row data indexed by supply row.

    Examples
    --------
    >>> lots = consolidate(np.array([0, 1]), product_ids=["maize"], product=np.array([0, 0]),
    ...     region_code=["52.05", "52.06"], province=np.array([5, 5]),
    ...     regency=np.array([1, 2]), grade=np.array([2, 2]),
    ...     certifications=[frozenset(), frozenset()], quantity_kg=np.array([300., 500.]),
    ...     price_usd=np.array([0.3, 0.3]), confidence=np.ones(2),
    ...     disadvantaged=np.zeros(2, bool), lat=np.array([-8.5, -8.6]),
    ...     lon=np.array([118.5, 118.7]), merge_below=np.array([700., 700.]))
    >>> lots.lot_id, lots.quantity_kg.tolist()
    (('maize@52.05+52.06/B',), [800.0])
    """
    row_list = rows.tolist()
    label: dict[int, str] = {r: region_code[r] for r in row_list}
    hub_row: dict[str, int] = {}
    keys: dict[tuple[int, int, str], list[int]] = {}
    for r in row_list:
        keys.setdefault((int(product[r]), int(grade[r]), "+".join(sorted(certifications[r]))),
                        []).append(r)
    if region == "province":
        codes = province_code if province_code is not None else region_code
        label = {r: codes[province[r]] if province[r] >= 0 else region_code[r]
                 for r in row_list}
    elif not isinstance(region, str):
        names = supplier_id if supplier_id is not None else [str(r) for r in range(len(lat))]
        for members in keys.values():
            found, hubs = _radius_pools(members, names, lat, lon, quantity_kg, float(region))
            label.update(found)
            hub_row.update(hubs)
    elif merge_below is not None:
        for members in keys.values():
            by_province: dict[int, list[int]] = {}
            for r in members:
                by_province.setdefault(int(province[r]), []).append(r)
            for p, group in by_province.items():
                if p >= 0:
                    label.update(_regency_pools(group, region_code, lat, lon, quantity_kg,
                                                float(merge_below[group[0]])))
    groups: dict[str, list[int]] = {}
    lot_hub: dict[str, int] = {}
    for (p, g, certs), members in keys.items():
        for r in members:
            lot_id = f"{product_ids[p]}@{label[r]}/{GRADE_NAMES[g]}" + (f"/{certs}" if certs
                                                                         else "")
            groups.setdefault(lot_id, []).append(r)
            if label[r] in hub_row:
                lot_hub[lot_id] = hub_row[label[r]]
    ids = sorted(groups)
    members_of = [groups[i] for i in ids]  # each in row order: one key, rows in order
    ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(m) for m in members_of])
    flat = np.array([r for m in members_of for r in m], dtype=np.int64)
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
    same_regency = np.array([len(set(regency[m].tolist())) == 1 for m in members_of], dtype=bool)
    same_province = np.array([len(set(province[m].tolist())) == 1 for m in members_of],
                             dtype=bool)
    hub_lat, hub_lon = mean(lat[flat]), mean(lon[flat])
    for i, lot_id in enumerate(ids):
        if lot_id in lot_hub:
            hub_lat[i], hub_lon[i] = lat[lot_hub[lot_id]], lon[lot_hub[lot_id]]
    if len(ids):
        # The province of a lot spanning provinces (radius) is the one with most kg.
        main = np.array([m[int(np.argmax(quantity_kg[m]))] for m in members_of],
                        dtype=np.int64)
    else:
        main = first
    return Lots(
        lot_id=tuple(ids), product=product[first],
        province=np.where(same_province, province[first], province[main]),
        regency=np.where(same_regency, regency[first], -1), grade=grade[first],
        certifications=tuple(certifications[r] for r in first.tolist()),
        hub_lat=hub_lat, hub_lon=hub_lon, quantity_kg=total,
        price_usd=np.where(price_w > 0, price / np.where(price_w > 0, price_w, 1.0), np.nan),
        confidence=mean(confidence[flat]), priority=mean(disadvantaged[flat].astype(float)),
        member_ptr=ptr, member_row=flat, member_kg=kg,
    )
