"""Candidate lot-buyer pairs: hard filters and the weight-independent score features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._consolidate import Lots
from ._logistics import FreightRates, PortNetwork, hub_islands, plan_routes
from ._taxonomy import Taxonomy
from ._weights import FEATURES

__all__ = ["REJECTIONS", "Buyers", "Candidates", "build_candidates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Hard filters, in the order they are checked; a rejected pair records the first it fails.
REJECTIONS: tuple[str, ...] = ("destination", "grade", "certification", "transit", "price")

#: Certifications that show food-safety or legal export readiness.
SAFETY_CERTS = frozenset({"HACCP", "ISO22000", "FSSC22000", "GMP", "BPOM", "SNI", "GLOBALGAP",
                          "GAP", "SVLK", "BRC", "IFS", "PIRT"})
#: Certifications that open premium markets.
MARKET_CERTS = frozenset({"HALAL", "ORGANIC", "FAIRTRADE", "RAINFOREST", "KOSHER", "EUORGANIC",
                          "USDAORGANIC", "JAS"})
SUBSTITUTE_FIT = 0.8
LOGISTICS_SCALE_USD = 2.0


@dataclass(frozen=True, slots=True)
class Buyers:
    """Validated, normalised buyers in ``buyer_id`` order."""

    product: IntArray
    confidence: FloatArray
    quantity_kg: FloatArray
    moq_kg: FloatArray
    max_price_usd: FloatArray
    grade_min: IntArray
    certifications_required: tuple[frozenset[str], ...]
    destination_sea: IntArray
    destination_air: IntArray


@dataclass(frozen=True, slots=True)
class Candidates:
    """Feasible pairs sorted by (lot, buyer), with features in :data:`FEATURES` order, and
    the pairs of matching products that a hard filter rejected (for explanations)."""

    lot: IntArray
    buyer: IntArray
    features: FloatArray
    freight_usd: FloatArray
    transit_days: FloatArray
    landed_usd: FloatArray
    origin_port: IntArray
    destination_port: IntArray
    rejected_lot: IntArray
    rejected_buyer: IntArray
    rejected_reason: IntArray
    rejected_value: FloatArray
    first_leg: IntArray  # how the hub reaches the export port: index in FIRST_LEGS

    def __len__(self) -> int:
        return len(self.lot)


def _pairs(lots: Lots, buyers: Buyers, taxonomy: Taxonomy) -> tuple[IntArray, IntArray,
                                                                    FloatArray]:
    lots_of: dict[int, IntArray] = {}
    for p in np.unique(lots.product).tolist():
        lots_of[p] = np.flatnonzero(lots.product == p)
    lot_parts, buyer_parts, fit_parts = [], [], []
    for p in np.unique(buyers.product[buyers.product >= 0]).tolist():
        bs = np.flatnonzero(buyers.product == p)
        product = taxonomy.products[p]
        accepted = [(p, 1.0)] + [(taxonomy.position(s), SUBSTITUTE_FIT)
                                 for s in product.substitutes if s in taxonomy]
        for q, fit in accepted:
            ls = lots_of.get(q)
            if ls is None:
                continue
            lot_parts.append(np.repeat(ls, len(bs)))
            buyer_parts.append(np.tile(bs, len(ls)))
            fit_parts.append(np.full(len(ls) * len(bs), fit))
    if not lot_parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    lots_, buyers_ = np.concatenate(lot_parts), np.concatenate(buyer_parts)
    fits = np.concatenate(fit_parts)
    order = np.lexsort((buyers_, lots_))
    return lots_[order], buyers_[order], fits[order]


def _cert_masks(have: Sequence[frozenset[str]], need: Sequence[frozenset[str]]
                ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], int]:
    vocabulary = sorted(set().union(*have, *need))
    bit = {c: i for i, c in enumerate(vocabulary)}
    words = max(1, -(-len(vocabulary) // 64))

    def masks(sets: Sequence[frozenset[str]]) -> npt.NDArray[np.uint64]:
        out = np.zeros((len(sets), words), dtype=np.uint64)
        for i, s in enumerate(sets):
            for c in s:
                out[i, bit[c] // 64] |= np.uint64(1) << np.uint64(bit[c] % 64)
        return out

    return masks(have), masks(need), words


def build_candidates(lots: Lots, buyers: Buyers, *, taxonomy: Taxonomy, network: PortNetwork,
                     rates: FreightRates) -> Candidates:
    """All lot-buyer pairs of the same product (or a substitute the buyer accepts) that
    pass the hard filters, with their score features in [0, 1]."""
    lot, buyer, fit = _pairs(lots, buyers, taxonomy)
    transport = np.array([taxonomy.products[p].transport_class for p in lots.product.tolist()],
                         dtype=object)
    max_days = np.array([taxonomy.products[p].max_transit_days or np.inf
                         for p in lots.product.tolist()], dtype=float)
    air_lot = transport == "air"
    destination = np.where(air_lot[lot], buyers.destination_air[buyer],
                           buyers.destination_sea[buyer])
    routes = plan_routes(network, rates, hub_lat=lots.hub_lat, hub_lon=lots.hub_lon,
                         hub_island=hub_islands(lots.hub_lat, lots.hub_lon, lots.regency),
                         transport=transport.tolist(), max_days=max_days, hub=lot,
                         destination=destination)
    freight, days, origin = routes.cost_usd_per_kg, routes.transit_days, routes.origin_port
    price = lots.price_usd[lot]
    landed = np.where(np.isnan(price), freight, price + freight)
    ceiling = buyers.max_price_usd[buyer]
    have, need, _ = _cert_masks(lots.certifications, buyers.certifications_required)
    certs_ok = np.all((need[buyer] & ~have[lot]) == 0, axis=1) if len(lot) else np.ones(0, bool)
    checks = [
        (destination >= 0, np.zeros(len(lot))),
        (lots.grade[lot] >= buyers.grade_min[buyer], lots.grade[lot].astype(float)),
        (certs_ok, np.zeros(len(lot))),
        (days <= max_days[lot], days),
        (np.isnan(ceiling) | (landed <= ceiling + 1e-9), landed),
    ]
    reason = np.full(len(lot), -1, dtype=np.int64)
    value = np.zeros(len(lot))
    for code, (ok, detail) in reversed(list(enumerate(checks))):
        reason = np.where(ok, reason, code)
        value = np.where(ok, value, detail)
    keep = reason < 0
    margin: FloatArray = np.where(np.isnan(ceiling) | np.isnan(price), 0.5,
                      np.clip((ceiling - landed) / np.where(ceiling > 0, ceiling, 1.0), 0, 1))
    lot_certs = lots.certifications
    readiness = np.array([0.5 * bool(c & SAFETY_CERTS) + 0.5 * bool(c & MARKET_CERTS)
                          for c in lot_certs])
    features = np.column_stack([
        fit * np.minimum(lots.confidence[lot], buyers.confidence[buyer]),
        margin,
        np.exp(-np.where(np.isfinite(freight), freight, 0.0) / LOGISTICS_SCALE_USD),
        lots.grade[lot] / 3.0,
        readiness[lot] if len(lot) else np.zeros(0),
        lots.priority[lot],
    ]) if len(lot) else np.zeros((0, len(FEATURES)))
    return Candidates(
        lot=lot[keep], buyer=buyer[keep], features=features[keep], freight_usd=freight[keep],
        transit_days=days[keep], landed_usd=landed[keep], origin_port=origin[keep],
        destination_port=destination[keep], rejected_lot=lot[~keep],
        rejected_buyer=buyer[~keep], rejected_reason=reason[~keep],
        rejected_value=value[~keep], first_leg=routes.first_leg[keep],
    )
