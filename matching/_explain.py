"""Reasons in domain words for every kg not allocated, and the story of one buyer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ._candidates import REJECTIONS, Buyers, Candidates
from ._consolidate import Lots
from ._quality import GRADE_NAMES
from ._taxonomy import Taxonomy

__all__ = ["demand_reason", "lot_reason"]

FloatArray = npt.NDArray[np.float64]


def _kg(value: float) -> str:
    return f"{value:,.0f} kg"


def _rejection(code: int, values: FloatArray, *, ceiling: float = np.nan,
               grade_min: int = 0, required: frozenset[str] = frozenset(),
               limit: float = np.inf) -> str:
    name = REJECTIONS[code]
    if name == "price":
        text = f"price ceiling below landed cost (lowest landed cost {values.min():.2f} USD/kg"
        return text + (f", ceiling {ceiling:.2f} USD/kg)" if not np.isnan(ceiling) else ")")
    if name == "grade":
        best = GRADE_NAMES[int(values.max())]
        return f"grade below the buyer's minimum {GRADE_NAMES[grade_min]} (best in reach: {best})"
    if name == "certification":
        need = ", ".join(sorted(required)) if required else "the buyer's"
        return f"certification missing ({need} required)"
    if name == "transit":
        cap = f", limit {limit:.0f} days" if np.isfinite(limit) else ""
        return f"transit too long for a perishable (fastest {values.min():.1f} days{cap})"
    return "destination country or port unknown"


def lot_reason(lot: int, *, lots: Lots, buyers: Buyers, candidates: Candidates,
               flow: FloatArray, served: FloatArray, scores: FloatArray,
               buyer_ids: Sequence[str], taxonomy: Taxonomy) -> str:
    """Why (part of) ``lot`` was not allocated."""
    mine = np.flatnonzero(candidates.lot == lot)
    if len(mine) == 0:
        rejected = np.flatnonzero(candidates.rejected_lot == lot)
        if len(rejected) == 0:
            return "no buyer for this product"
        codes = candidates.rejected_reason[rejected]
        code = Counter(codes.tolist()).most_common(1)[0][0]
        chosen = rejected[codes == code]
        b = candidates.rejected_buyer[chosen]
        product = taxonomy.products[lots.product[lot]]
        return "no buyer accepts this lot: " + _rejection(
            code, candidates.rejected_value[chosen],
            ceiling=float(np.nanmax(buyers.max_price_usd[b])) if np.any(
                ~np.isnan(buyers.max_price_usd[b])) else np.nan,
            grade_min=int(buyers.grade_min[b].min()),
            required=frozenset().union(*(buyers.certifications_required[i] for i in b)),
            limit=product.max_transit_days or np.inf)
    full = [k for k in mine
            if served[candidates.buyer[k]] >= buyers.quantity_kg[candidates.buyer[k]] - 1e-6]
    margins = []
    for k in full:
        b = candidates.buyer[k]
        used = np.flatnonzero((candidates.buyer == b) & (flow > 0))
        if len(used):
            margins.append((float(scores[used].min() - scores[k]), buyer_ids[b]))
    if len(full) == len(mine) and margins:
        margin, who = min(margins)
        if margin >= 0:
            return (f"outscored by other lots: every buyer in reach is full (closest: {who}, "
                    f"whose lots score {margin:.3f} more per kg)")
        return "supply exceeds demand: every buyer in reach is full"
    names = ", ".join(sorted({buyer_ids[candidates.buyer[k]] for k in mine})[:3])
    return (f"not chosen: the buyers in reach ({names}) were served better elsewhere, or "
            f"their minimum order or the minimum shipment could not be met")


def demand_reason(b: int, *, lots: Lots, buyers: Buyers, candidates: Candidates,
                  served: float, flow: FloatArray, taxonomy: Taxonomy) -> str:
    """Why (part of) buyer ``b``'s request was not served."""
    mine = np.flatnonzero(candidates.buyer == b)
    product = taxonomy.products[buyers.product[b]]
    if len(mine) == 0:
        rejected = np.flatnonzero(candidates.rejected_buyer == b)
        if len(rejected) == 0:
            return "no supply of this product"
        codes = candidates.rejected_reason[rejected]
        code = Counter(codes.tolist()).most_common(1)[0][0]
        chosen = rejected[codes == code]
        return _rejection(code, candidates.rejected_value[chosen],
                          ceiling=float(buyers.max_price_usd[b]),
                          grade_min=int(buyers.grade_min[b]),
                          required=buyers.certifications_required[b],
                          limit=product.max_transit_days or np.inf)
    in_reach = float(lots.quantity_kg[candidates.lot[mine]].sum())
    moq = float(buyers.moq_kg[b])
    if served <= 0 and moq > 0 and in_reach < moq:
        return f"MOQ larger than every lot in reach (MOQ {_kg(moq)}, in reach {_kg(in_reach)})"
    if served <= 0 and moq > 0:
        return (f"MOQ {_kg(moq)} not met: the {_kg(in_reach)} in reach scored higher with "
                f"other buyers")
    if in_reach < float(buyers.quantity_kg[b]) - 1e-6:
        return f"not enough supply in reach ({_kg(in_reach)} of {_kg(buyers.quantity_kg[b])})"
    return "outscored by other buyers: the rest of the supply in reach went where it scores higher"
