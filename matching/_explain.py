"""Reasons in domain words for every kg not allocated, and the story of one buyer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ._candidates import REJECTIONS, Buyers, Candidates
from ._consolidate import Lots
from ._pages import small_pages
from ._quality import GRADE_NAMES
from ._taxonomy import Taxonomy

__all__ = ["ROUNDING_KG", "Outcome", "PairIndex", "demand_reasons", "lot_reasons",
           "pairless_demand_reasons", "pairless_lot_reasons", "ranges"]

#: Less than this is solver rounding, not room: the min-cost-flow backend ships whole grams.
ROUNDING_KG = 1e-3
#: Smallest score margin worth naming: reasons print margins to three decimals.
MARGIN_SHOWN = 5e-4

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _kg(value: float) -> str:
    return f"{value:,.0f} kg"


def _rejection(code: int, value: float, *, ceiling: float = np.nan,
               grade_min: int = 0, required: frozenset[str] = frozenset(),
               limit: float = np.inf) -> str:
    """Why pairs were rejected for reason ``code``; ``value`` is the best of the rejected
    pairs on that reason: the lowest landed cost, the best grade or the fastest transit."""
    name = REJECTIONS[code]
    if name == "price":
        text = f"price ceiling below landed cost (lowest landed cost {value:.2f} USD/kg"
        return text + (f", ceiling {ceiling:.2f} USD/kg)" if not np.isnan(ceiling) else ")")
    if name == "grade":
        best = GRADE_NAMES[int(value)]
        return f"grade below the buyer's minimum {GRADE_NAMES[grade_min]} (best in reach: {best})"
    if name == "certification":
        need = ", ".join(sorted(required)) if required else "the buyer's"
        return f"certification missing ({need} required)"
    if name == "transit":
        cap = f", limit {limit:.0f} days" if np.isfinite(limit) else ""
        return f"transit too long for a perishable (fastest {value:.1f} days{cap})"
    return "destination country or port unknown"


def _csr(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Positions of ``keys`` grouped by key (ascending within a key) and the group starts."""
    ptr = np.r_[0, np.cumsum(np.bincount(keys, minlength=n))].astype(np.int64)
    if not len(keys) or (keys[1:] >= keys[:-1]).all():  # grouped already (pairs by lot)
        return np.arange(len(keys), dtype=np.int64), ptr
    # A stable sort of 16-bit keys is a radix sort: ~8x faster on millions of pairs.
    small = keys.astype(np.uint16) if n <= 1 << 16 else keys
    return np.argsort(small, kind="stable").astype(np.int64, copy=False), ptr


def ranges(start: IntArray, stop: IntArray) -> IntArray:
    """``start[0]..stop[0]``, ``start[1]..stop[1]``, ... concatenated."""
    counts = stop - start
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(start - np.cumsum(counts) + counts, counts)
    return (offsets + np.arange(total, dtype=np.int64)).astype(np.int64)


def _weakest(keys: IntArray, used: IntArray, scores: FloatArray, n: int
             ) -> tuple[FloatArray, IntArray]:
    """Per key, the lowest score among the ``used`` pairs (nan when none) and the first
    pair with that score (-1 when none); scores are not nan."""
    score = np.full(n, np.nan)
    pair = np.full(n, -1, dtype=np.int64)
    if len(used):
        # Minimum per key, then the first pair at it: no sort (a lexsort of the used
        # pairs took 0.5 ms per 6,000).
        key, value = keys[used], scores[used]
        lowest = np.full(n, np.inf)
        np.minimum.at(lowest, key, value)
        at = np.flatnonzero(value == lowest[key])
        first = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first, key[at], used[at])
        chosen = first[first < np.iinfo(np.int64).max]
        score[keys[chosen]] = scores[chosen]
        pair[keys[chosen]] = chosen
    return score, pair


@dataclass(frozen=True, slots=True)
class PairIndex:
    """The candidate pairs grouped by lot and by buyer (CSR): they do not depend on the
    weights, so ``prepare()`` builds them once for every solve."""

    by_lot: IntArray
    lot_ptr: IntArray
    by_buyer: IntArray
    buyer_ptr: IntArray

    @classmethod
    def build(cls, candidates: Candidates, *, n_lots: int, n_buyers: int) -> PairIndex:
        with small_pages():  # written once, like the pairs
            return cls(*_csr(candidates.lot, n_lots), *_csr(candidates.buyer, n_buyers))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the solver did, indexed for explanations once per solve: pairs per lot and per
    buyer (CSR over the candidate pairs), kg used per lot and served per buyer, and the
    weakest used pair per lot and per buyer."""

    flow: FloatArray
    scores: FloatArray
    lot_used: FloatArray
    served: FloatArray
    min_shipment: float
    by_lot: IntArray
    lot_ptr: IntArray
    by_buyer: IntArray
    buyer_ptr: IntArray
    lot_weakest: FloatArray
    lot_weakest_pair: IntArray
    buyer_weakest: FloatArray
    #: Kilograms in reach per buyer, filled on first need by the explanations.
    in_reach_kg: dict[int, float] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, candidates: Candidates, flow: FloatArray, scores: FloatArray, *,
              n_lots: int, n_buyers: int, min_shipment: float = 0.0,
              index: PairIndex | None = None) -> Outcome:
        """``index``: :meth:`PairIndex.build` of ``candidates``, made now when not given."""
        if index is None:
            index = PairIndex.build(candidates, n_lots=n_lots, n_buyers=n_buyers)
        # Pairs without flow add nothing to the sums (x + 0.0 == x): summed over the rest.
        # By a mask: nonzero over floats takes ten times as long (0.4 ms for 174,000 pairs).
        moved = np.flatnonzero(flow != 0).astype(np.int64, copy=False)
        used = moved[flow[moved] > 0]
        lot_weakest, lot_weakest_pair = _weakest(candidates.lot, used, scores, n_lots)
        buyer_weakest, _ = _weakest(candidates.buyer, used, scores, n_buyers)
        return cls(flow, scores,
                   np.bincount(candidates.lot[moved], weights=flow[moved],
                               minlength=n_lots).astype(float),
                   np.bincount(candidates.buyer[moved], weights=flow[moved],
                               minlength=n_buyers).astype(float),
                   min_shipment, index.by_lot, index.lot_ptr, index.by_buyer, index.buyer_ptr,
                   lot_weakest, lot_weakest_pair, buyer_weakest)

    def of_lot(self, lot: int) -> IntArray:
        """Candidate pairs of ``lot``."""
        return self.by_lot[self.lot_ptr[lot]:self.lot_ptr[lot + 1]]

    def of_buyer(self, buyer: int) -> IntArray:
        """Candidate pairs of ``buyer``."""
        return self.by_buyer[self.buyer_ptr[buyer]:self.buyer_ptr[buyer + 1]]



def _pairs_of(selected: IntArray, ptr: IntArray, pairs: IntArray
              ) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """The lots or buyers ``selected``, their numbers of pairs, and their pairs (CSR:
    ``pairs``, ``ptr``) one after another, with each pair's position in ``selected``."""
    sel = np.asarray(selected, dtype=np.int64)
    count = ptr[sel + 1] - ptr[sel]
    return (sel, count, pairs[ranges(ptr[sel], ptr[sel + 1])],
            np.repeat(np.arange(len(sel), dtype=np.int64), count))


def pairless_lot_reasons(selected: IntArray, *, lots: Lots, candidates: Candidates,
                         taxonomy: Taxonomy) -> list[str]:
    """Why each lot of ``selected``, none of which has a candidate pair, has no buyer: the
    reason that rejected most of its pairs, or no buyer of its product. These depend on
    neither the weights nor the flows (``prepare()`` writes them once)."""
    r = candidates.rejections
    return _rejection_texts(
        r.commonest_of_lots(selected), none="no buyer for this product",
        prefix="no buyer accepts this lot: ", grade=lots.grade[selected],
        fastest=r.lot_fastest_days[selected], lowest=r.lot_lowest_landed_usd[selected],
        ceiling=r.lot_highest_ceiling_usd[selected], grade_min=r.lot_grade_min[selected],
        product=lots.product[selected], required=lambda at: r.required_of_lots(selected[at]),
        taxonomy=taxonomy)


def pairless_demand_reasons(selected: IntArray, *, buyers: Buyers, candidates: Candidates,
                            taxonomy: Taxonomy) -> list[str]:
    """Why the request of each buyer of ``selected``, none of which has a candidate pair,
    cannot be served, as :func:`pairless_lot_reasons` says it for lots."""
    r = candidates.rejections
    return _rejection_texts(
        r.commonest_of_buyers(selected), none="no supply of this product", prefix="",
        grade=r.buyer_best_grade[selected], fastest=r.buyer_fastest_days[selected],
        lowest=r.buyer_lowest_landed_usd[selected], ceiling=buyers.max_price_usd[selected],
        grade_min=buyers.grade_min[selected], product=buyers.product[selected],
        required=lambda at: [buyers.certifications_required[b]
                             for b in selected[at].tolist()],
        taxonomy=taxonomy)


def lot_reasons(selected: IntArray, *, lots: Lots, buyers: Buyers, candidates: Candidates,
                outcome: Outcome, buyer_ids: Sequence[str], taxonomy: Taxonomy) -> list[str]:
    """Why (part of) each lot of ``selected`` was not allocated, in that order.

    The pairs of all these lots are classified at once with array operations; then each
    kind of reason is written for all the lots that have it.
    """
    sel, count, pair, seg = _pairs_of(selected, outcome.lot_ptr, outcome.by_lot)
    n = len(sel)
    buyer = candidates.buyer[pair]
    minimum = outcome.min_shipment
    quantity, used = lots.quantity_kg[sel], outcome.lot_used[sel]
    rest = quantity - used
    # What a buyer is (full, unserved with an MOQ, or with room) is per buyer, not per pair.
    room = buyers.quantity_kg - outcome.served
    is_full = room < ROUNDING_KG
    is_unserved = ~is_full & (outcome.served <= 1e-6) & (buyers.moq_kg > 0)
    usable = np.minimum(quantity[seg], buyers.quantity_kg[buyer]) >= minimum - 1e-6
    full = usable & is_full[buyer]
    unserved = usable & is_unserved[buyer]
    no_room = np.zeros(len(pair), dtype=bool)
    if minimum > 0:
        no_room = usable & ~(is_full | is_unserved)[buyer] & (
            np.minimum(rest[seg], room[buyer]) < minimum - 1e-6)
    n_usable, n_full, n_unserved, n_no_room = (
        np.bincount(seg[m], minlength=n) for m in (usable, full, unserved, no_room))
    minimum_kg = _kg(minimum)

    out = np.empty(n, dtype=object)
    none = count == 0
    if none.any():
        out[none] = pairless_lot_reasons(sel[none], lots=lots, candidates=candidates,
                                         taxonomy=taxonomy)
    tiny = ~none & (n_usable == 0)
    small = tiny & (quantity < minimum)
    out[small] = [f"the lot ({_kg(q)}) is smaller than the minimum shipment of {minimum_kg}"
                  for q in quantity[small].tolist()]
    out[tiny & ~small] = f"every buyer in reach asks for less than the minimum shipment of " \
                         f"{minimum_kg}"
    every_full = ~none & ~tiny & (n_full == n_usable)
    ships = every_full & (used > 0)
    out[ships] = [f"supply exceeds demand: the lot ships {_kg(u)} and every buyer in reach "
                  f"is full" for u in used[ships].tolist()]
    outscored = every_full & ~ships
    # Each kind of reason below is looked into only when some lot has it.
    if outscored.any():
        margin, who = _closest_full(seg, buyer, pair, full, outcome, n)
        out[outscored] = [
            f"outscored by other lots: every buyer in reach is full (closest: {buyer_ids[b]}, "
            f"whose lots score {m:.3f} more per kg)" if m >= MARGIN_SHOWN else
            f"every buyer in reach is full (closest: {buyer_ids[b]}, filled by lots that "
            f"score as much per kg, or that its MOQ or the minimum shipment needs)"
            for m, b in zip(margin[outscored].tolist(), who[outscored].tolist(), strict=True)]
    rest_lots = ~none & ~tiny & ~every_full
    below = rest_lots & (n_no_room > 0) & (rest < minimum)
    out[below] = [f"the remaining {_kg(r)} is below the minimum shipment of {minimum_kg}"
                  for r in rest[below].tolist()]
    no_room_lots = rest_lots & (n_no_room > 0) & ~below
    if no_room_lots.any():
        largest = np.full(n, -np.inf)
        np.maximum.at(largest, seg[no_room], room[buyer[no_room]])
        out[no_room_lots] = [f"no buyer in reach has room for the minimum shipment of "
                             f"{minimum_kg} (largest room {_kg(r)})"
                             for r in largest[no_room_lots].tolist()]
    moq = rest_lots & (n_no_room == 0) & (n_unserved > 0)
    if moq.any():
        out[moq] = _unserved_reasons(moq, seg, buyer, unserved, lots=lots,
                                     buyers=buyers, candidates=candidates, outcome=outcome,
                                     buyer_ids=buyer_ids)
    out[rest_lots & (n_no_room == 0) & (n_unserved == 0)] = (
        "not chosen: the plan is the best found within the time limit or the gap of the "
        "repair that meets MOQs on large parts and minimum shipments")
    return out.tolist()


def _unserved_reasons(wanted: npt.NDArray[np.bool_], seg: IntArray, buyer: IntArray,
                      unserved: npt.NDArray[np.bool_], *, lots: Lots, buyers: Buyers,
                      candidates: Candidates, outcome: Outcome,
                      buyer_ids: Sequence[str]) -> list[str]:
    """Why each ``wanted`` lot (a mask over the positions in ``seg``) went to none of the
    buyers with room that were left unserved (their pairs: ``unserved``): their MOQs."""
    lots_ = np.flatnonzero(wanted)
    mine = np.flatnonzero(unserved & wanted[seg])
    at, end = np.searchsorted(seg[mine], lots_), np.searchsorted(seg[mine], lots_, "right")
    distinct = np.unique(buyer[mine])
    short = np.array([_in_reach(b, lots, buyers, candidates, outcome) < buyers.moq_kg[b] - 1e-6
                      for b in distinct.tolist()], dtype=bool)[
        np.searchsorted(distinct, buyer[mine])]
    every_short = ~np.logical_or.reduceat(~short, at) if len(mine) else np.zeros(0, dtype=bool)
    out = []
    for a, e, moq_too_large in zip(at.tolist(), end.tolist(), every_short.tolist(),
                                   strict=True):
        names = ", ".join(buyer_ids[b] for b in buyer[mine[a:min(e, a + 3)]].tolist())
        out.append(f"MOQ larger than every lot in reach: the buyers with room ({names}) need "
                   f"more than all the supply they can reach" if moq_too_large else
                   f"the buyers with room ({names}) were not served: meeting their MOQ "
                   f"would take supply that scores more with other buyers")
    return out


def _closest_full(seg: IntArray, buyer: IntArray, pair: IntArray,
                  full: npt.NDArray[np.bool_], outcome: Outcome, n: int
                  ) -> tuple[FloatArray, IntArray]:
    """Per lot, of its pairs with a ``full`` buyer: the smallest margin by which the
    buyer's weakest used pair outscores the pair, and that buyer (the first buyer on a
    tie); as ``min`` over (margin, buyer id) in pair order picks them, so a lot whose first
    such pair has no margin (nan: a full buyer that got nothing) keeps that pair."""
    margin = np.full(n, np.nan)
    who = np.full(n, -1, dtype=np.int64)
    f = np.flatnonzero(full)
    if len(f):
        m = outcome.buyer_weakest[buyer[f]] - outcome.scores[pair[f]]
        new_lot = np.concatenate([[True], seg[f][1:] != seg[f][:-1]])
        first = np.flatnonzero(new_lot)
        group = np.cumsum(new_lot) - 1
        # Pairs run by buyer within a lot: the first pair at the lot's smallest margin.
        hit = np.flatnonzero(m == np.fmin.reduceat(m, first)[group])
        best = first.copy()  # a lot without a hit has only nan margins
        at_first = np.concatenate([[True], group[hit][1:] != group[hit][:-1]])
        best[group[hit][at_first]] = hit[at_first]
        best = np.where(np.isnan(m[first]), first, best)
        margin[seg[f][best]], who[seg[f][best]] = m[best], buyer[f][best]
    return margin, who


def _rejection_texts(codes: IntArray, *, none: str, prefix: str, grade: IntArray,
                     fastest: FloatArray, lowest: FloatArray, ceiling: FloatArray,
                     grade_min: IntArray, product: IntArray,
                     required: Callable[[IntArray], Sequence[frozenset[str]]],
                     taxonomy: Taxonomy) -> list[str]:
    """:func:`_rejection` for each commonest reason of ``codes`` (``none`` for -1), with
    the values of the same positions: best grade, fastest transit and lowest landed cost
    of the rejected pairs, the price ceiling and minimum grade, the product, and
    ``required(positions)``: the certifications required at those positions."""
    out = np.full(len(codes), none, dtype=object)
    some = np.flatnonzero(codes >= 0)
    value_of = {"grade": grade[some].astype(float).tolist(),
                "transit": fastest[some].tolist(), "price": lowest[some].tolist()}
    needs = iter(required(some[codes[some] == REJECTIONS.index("certification")]))
    texts = []
    for i, (code, p, top, least) in enumerate(zip(
            codes[some].tolist(), product[some].tolist(), ceiling[some].tolist(),
            grade_min[some].tolist(), strict=True)):
        name = REJECTIONS[code]
        texts.append(prefix + _rejection(
            code, value_of[name][i] if name in value_of else 0.0, ceiling=top,
            grade_min=least, required=next(needs) if name == "certification" else frozenset(),
            limit=taxonomy.products[p].max_transit_days or np.inf))
    out[some] = texts
    return out.tolist()


def _in_reach(b: int, lots: Lots, buyers: Buyers, candidates: Candidates,
              outcome: Outcome) -> float:
    """Kilograms of the lots in reach of buyer ``b`` that can ship the minimum to it
    (computed once per buyer and solve: every unmatched lot of a product may ask)."""
    kg = outcome.in_reach_kg.get(b)
    if kg is None:
        caps = lots.quantity_kg[candidates.lot[outcome.of_buyer(b)]]
        usable = np.minimum(caps, buyers.quantity_kg[b]) >= outcome.min_shipment - 1e-6
        kg = outcome.in_reach_kg[b] = float(caps[usable].sum())
    return kg


def demand_reasons(selected: IntArray, *, lots: Lots, buyers: Buyers,
                   candidates: Candidates, outcome: Outcome, buyer_ids: Sequence[str],
                   taxonomy: Taxonomy) -> list[str]:
    """Why (part of) the request of each buyer of ``selected`` was not served, in that
    order: the pairs of all these buyers are classified at once, as in
    :func:`lot_reasons`."""
    sel, count, pair, seg = _pairs_of(selected, outcome.buyer_ptr, outcome.by_buyer)
    n = len(sel)
    lot = candidates.lot[pair]
    minimum = outcome.min_shipment
    asked, served, moq = buyers.quantity_kg[sel], outcome.served[sel], buyers.moq_kg[sel]
    caps = lots.quantity_kg[lot]
    usable = np.minimum(caps, asked[seg]) >= minimum - 1e-6
    n_usable = np.bincount(seg[usable], minlength=n)
    minimum_kg = _kg(minimum)

    out = np.empty(n, dtype=object)
    none = count == 0
    if none.any():
        out[none] = pairless_demand_reasons(sel[none], buyers=buyers, candidates=candidates,
                                            taxonomy=taxonomy)
    tiny = ~none & (n_usable == 0)
    small = tiny & (asked < minimum)
    out[small] = f"request smaller than the minimum shipment of {minimum_kg}"
    wide = tiny & ~small
    # Each kind of reason below is looked into only when some buyer has it.
    if wide.any():
        largest = np.full(n, -np.inf)
        np.maximum.at(largest, seg[tiny[seg]], caps[tiny[seg]])
        out[wide] = [f"minimum shipment of {minimum_kg} larger than every lot in reach "
                     f"(largest {_kg(c)})" for c in largest[wide].tolist()]
    some = ~none & ~tiny
    # kg in reach: summed per buyer as numpy sums the buyer's own array (pairwise).
    reach = caps[usable]
    ends = np.cumsum(n_usable)
    in_reach = np.zeros(n)
    in_reach[some] = [float(reach[e - k:e].sum()) for e, k in zip(
        ends[some].tolist(), n_usable[some].tolist(), strict=True)]
    spare = lots.quantity_kg - outcome.lot_used
    unserved = some & (served <= 0) & (moq > 0)
    moq_large = unserved & (in_reach < moq)
    out[moq_large] = [f"MOQ larger than every lot in reach (MOQ {_kg(m)}, in reach {_kg(r)})"
                      for m, r in zip(moq[moq_large].tolist(), in_reach[moq_large].tolist(),
                                      strict=True)]
    moq_missed = unserved & ~moq_large
    rest = some & ~unserved
    short = rest & (in_reach < asked - 1e-6)
    out[short] = [f"not enough supply in reach ({_kg(r)} of {_kg(a)})" for r, a in zip(
        in_reach[short].tolist(), asked[short].tolist(), strict=True)]
    scraps = np.zeros(n, dtype=bool)
    if minimum > 0:
        most_spare = np.full(n, -np.inf)
        np.maximum.at(most_spare, seg[usable], spare[lot[usable]])
        scraps = rest & ~short & (most_spare > 1e-6) & (most_spare < minimum)
        out[scraps] = [f"the supply left in reach ({_kg(s)} at most per lot) is below the "
                       f"minimum shipment of {minimum_kg}" for s in most_spare[scraps].tolist()]
    outscored = rest & ~short & ~scraps
    if (moq_missed | outscored).any():
        closest = _closest_winner(seg, lot, pair, usable & ~(outcome.flow[pair] > 0) &
                                  ~(spare[lot] > 1e-6), outcome=outcome,
                                  candidates=candidates, buyer_ids=buyer_ids, n=n)
        out[moq_missed] = [f"MOQ {_kg(m)} not met: the {_kg(r)} in reach scored higher with "
                           f"other buyers{c}" for m, r, c in zip(
                               moq[moq_missed].tolist(), in_reach[moq_missed].tolist(),
                               closest[moq_missed].tolist(), strict=True)]
        out[outscored] = [f"outscored by other buyers: the rest of the supply in reach went "
                          f"where it scores higher{c}" for c in closest[outscored].tolist()]
    return out.tolist()


def _closest_winner(seg: IntArray, lot: IntArray, pair: IntArray,
                    gone: npt.NDArray[np.bool_], *, outcome: Outcome, candidates: Candidates,
                    buyer_ids: Sequence[str], n: int) -> npt.NDArray[np.object_]:
    """Per buyer, of its pairs whose lot went all to other buyers (``gone``): how much
    more per kg the lot scores with its weakest winner, the smallest such margin (the
    first winner by id on a tie) when worth naming, as a text to append; else ``""``."""
    at = np.flatnonzero(gone)
    margin = outcome.lot_weakest[lot[at]] - outcome.scores[pair[at]]
    finite = np.isfinite(margin)
    at, margin = at[finite], margin[finite]
    smallest = np.full(n, np.inf)
    np.minimum.at(smallest, seg[at], margin)
    at = at[margin == smallest[seg[at]]]
    winner = np.full(n, len(buyer_ids), dtype=np.int64)
    np.minimum.at(winner, seg[at], candidates.buyer[outcome.lot_weakest_pair[lot[at]]])
    out = np.full(n, "", dtype=object)
    named = smallest >= MARGIN_SHOWN  # inf: no such pair
    named &= np.isfinite(smallest)
    out[named] = [f" (closest: {buyer_ids[w]}, {m:.3f} more per kg)" for w, m in zip(
        winner[named].tolist(), smallest[named].tolist(), strict=True)]
    return out
