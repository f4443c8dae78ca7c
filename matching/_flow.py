"""Continuous transportation parts as min-cost flow on OR-Tools (the ``ortools`` extra).

A part without MOQs, minimum shipments or coverage is a transportation LP: maximise
``sum(score * x)`` with lot capacities and buyer quantities. As a network: source ->
lot (capacity) -> buyer (pair bound, cost ``-score``) -> sink (quantity), plus a free
arc from source to sink so that supply and demand may stay unused. OR-Tools'
``SimpleMinCostFlow`` needs integers: flows are counted in kg when every bound is a whole
number of kg, otherwise in grams (bounds rounded down, so every bound holds), and scores
in steps of 1e-6. A buyer may also have a floor (its MOQ, when the solver's branch and
bound holds it to it). With the ``pot`` extra, LPs of at least ``SIMPLEX_MIN_PAIRS`` pairs go
to POT's network simplex instead (exact scores, the same units).
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["FlowBatch", "FlowResult", "TransportBounds", "flow_available", "flow_batch",
           "simplex_available", "transport_flow"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Score steps per unit of score (more makes OR-Tools' cost scaling slower).
SCORE_STEPS = 1e6
#: Largest total cost magnitude handed to OR-Tools (its sums are 64-bit integers).
_MAX_COST = 4e18
#: LPs of at least this many pairs go to POT's network simplex when it is installed
#: (importing it takes 0.2 s, which smaller instances would not win back).
SIMPLEX_MIN_PAIRS = 5_000


def flow_available() -> bool:
    """Whether OR-Tools is installed (``pip install 'bumdes-match[ortools]'``)."""
    return importlib.util.find_spec("ortools") is not None


def simplex_available() -> bool:
    """Whether POT is installed (``pip install 'bumdes-match[pot]'``), whose network simplex
    solves large transportation LPs 2.5-4x faster than OR-Tools."""
    return importlib.util.find_spec("ot") is not None


@dataclass(frozen=True, slots=True)
class FlowResult:
    """A min-cost-flow solve: ``status``, kg per pair and ``slack``, how far
    ``score @ flow`` may lie below the LP optimum (scores counted in steps, bounds
    rounded to grams), so ``score @ flow + slack`` is a proven bound."""

    status: Literal["optimal", "infeasible", "failed"]
    flow: FloatArray
    slack: float


def transport_flow(score: FloatArray, lot: IntArray, buyer: IntArray, *,
                   capacity: FloatArray, demand: FloatArray, upper: FloatArray,
                   floor: FloatArray | None = None) -> FlowResult:
    """Optimal kg per pair of a transportation LP, where each buyer may also have to get
    at least ``floor`` kg: status ``optimal``, ``infeasible`` when the floors cannot be
    met, or ``failed`` when OR-Tools cannot solve it.

    Parameters
    ----------
    score, lot, buyer : arrays of the pairs
        Score per kg; lot and buyer indices counted from 0 within this part.
    capacity, demand : arrays
        Kilograms per lot and per buyer.
    upper : array
        Largest kg per pair.
    floor : array, optional
        Smallest kg per buyer (none when not given). A floor is a lower bound on the
        buyer's arc to the sink: the buyer node asks for ``floor`` units itself and the
        sink for that much less.

    Examples
    --------
    >>> transport_flow(np.array([0.9, 0.5]), np.array([0, 0]), np.array([0, 1]),
    ...                capacity=np.array([10.0]), demand=np.array([6.0, 8.0]),
    ...                upper=np.array([6.0, 8.0])).flow.tolist()
    [6.0, 4.0]
    >>> res = transport_flow(np.array([0.9, 0.5]), np.array([0, 0]), np.array([0, 1]),
    ...                      capacity=np.array([10.0]), demand=np.array([6.0, 8.0]),
    ...                      upper=np.array([6.0, 8.0]), floor=np.array([0.0, 7.0]))
    >>> res.status, res.flow.tolist()
    ('optimal', [3.0, 7.0])
    >>> transport_flow(np.array([0.9]), np.array([0]), np.array([0]), capacity=np.array([5.0]),
    ...                demand=np.array([8.0]), upper=np.array([5.0]),
    ...                floor=np.array([6.0])).status
    'infeasible'
    """
    # Small parts are the common case (dozens of flows per solve, most of a few pairs):
    # the arrays are filled in place, with methods rather than numpy's function wrappers.
    n_l, n_b, n = len(capacity), len(demand), len(score)
    floor = np.zeros(n_b) if floor is None else floor
    bounds = np.concatenate([capacity, upper, demand, floor])
    per_kg = 1 if (bounds == np.round(bounds)).all() else 1000
    scaled = bounds if per_kg == 1 else bounds * per_kg
    if per_kg == 1:  # whole kg: the bounds are their own units
        units = bounds.astype(np.int64)
    else:  # rounded down to grams, floors up
        units = np.floor(scaled + 1e-6).astype(np.int64)
        units[n_l + n + n_b:] = np.ceil(scaled[n_l + n + n_b:] - 1e-6)
    cap_u, upper_u = units[:n_l], units[n_l:n_l + n]
    demand_u, floor_u = units[n_l + n:n_l + n + n_b], units[n_l + n + n_b:]
    total = int(min(cap_u.sum(), demand_u.sum()))
    need = int(floor_u.sum())
    if need > total or (floor_u > demand_u).any():
        return FlowResult("infeasible", np.zeros(n), 0.0)
    if total == 0 or n == 0:
        return FlowResult("optimal", np.zeros(n), 0.0)
    top = float(np.abs(score).max()) or 1.0
    simplex = _simplex(score, lot, buyer, cap_u, upper_u, demand_u, floor_u) if (
        n >= SIMPLEX_MIN_PAIRS and simplex_available()) else None
    if simplex is not None:
        # Scores exact: what rounding the simplex's flows to whole units lost, and its
        # own rounding in reduced costs.
        flow_u, lost = simplex
        steps = (lost + 1e-9 * top * total) / per_kg
    else:
        status, flow_u, scale = _cost_scaling(score, lot, buyer, units, total, need, top,
                                              n_l, n_b)
        if status != "optimal":
            return FlowResult(status, np.zeros(n), 0.0)
        steps = total / per_kg / scale
    flow = flow_u / per_kg
    # Each score is rounded by at most half a step, so the optimum moves by at most a
    # step per kg shipped; each bound rounded down to whole units moves it by at most the
    # top score per unit (the dual of a lot, buyer or pair bound is at most that). A pair
    # bound counts only where it is tighter than its lot's and buyer's (min(capacity,
    # demand) is not). Floors are rounded up, a restriction of under a unit per buyer.
    # Whole kg are exact.
    rounded = 0
    if per_kg != 1:
        inexact = units[:n_l + n + n_b] != scaled[:n_l + n + n_b]
        inexact[n_l:n_l + n] &= upper_u < np.minimum(cap_u[lot], demand_u[buyer])
        rounded = int(np.count_nonzero(inexact))
    return FlowResult("optimal", flow, steps + top * rounded / per_kg)


def _cost_scaling(score: FloatArray, lot: IntArray, buyer: IntArray, units: IntArray,
                  total: int, need: int, top: float, n_l: int, n_b: int
                  ) -> tuple[Literal["optimal", "infeasible", "failed"], FloatArray, float]:
    """OR-Tools' min-cost flow in ``units`` (capacities, pair bounds, quantities, floors):
    its status, the flow per pair in units and the score steps per unit of score."""
    from ortools.graph.python import min_cost_flow

    n = len(score)
    scale = _score_scale(total, top)
    if scale < 1e3:
        return "failed", np.zeros(n), scale
    demand_u, floor_u = units[n_l + n:n_l + n + n_b], units[n_l + n + n_b:]
    # Arcs: source -> lot, lot -> buyer (the pairs), buyer -> sink, source -> sink.
    source, sink, m = n_l + n_b, n_l + n_b + 1, n_l + n + n_b + 1
    tails, heads = np.empty(m, np.int64), np.empty(m, np.int64)
    tails[:n_l], tails[n_l:n_l + n], tails[n_l + n:] = source, lot, np.arange(n_l, source + 1)
    heads[:n_l], heads[n_l + n:] = np.arange(n_l), sink
    np.add(buyer, n_l, out=heads[n_l:n_l + n])
    caps = np.empty(m, np.int64)
    caps[:n_l + n], caps[n_l + n:-1], caps[-1] = units[:n_l + n], demand_u - floor_u, total
    costs = np.zeros(m, np.int64)
    costs[n_l:n_l + n] = -np.round(score * scale)
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(source + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, need - total
    supplies[n_l:source] = -floor_u
    mcf.set_nodes_supplies(np.arange(source + 2, dtype=np.int64), supplies)
    status = mcf.solve()
    if status == mcf.INFEASIBLE:
        return "infeasible", np.zeros(n), scale
    if status != mcf.OPTIMAL:
        return "failed", np.zeros(n), scale
    return "optimal", np.asarray(mcf.flows(arcs[n_l:n_l + n]), dtype=np.float64), scale


def _score_scale(total: int, top: float) -> float:
    """Score steps per unit of score for OR-Tools: ``SCORE_STEPS``, or fewer when ``total``
    units shipped at the ``top`` score would not fit its 64-bit cost sums."""
    return min(SCORE_STEPS, 10.0 ** math.floor(math.log10(_MAX_COST / (total * top))))


def _simplex(score: FloatArray, lot: IntArray, buyer: IntArray, cap_u: IntArray,
             upper_u: IntArray, demand_u: IntArray, floor_u: IntArray
             ) -> tuple[FloatArray, float] | None:
    """The flow per pair, in units, of the LP by POT's network simplex (``ot.emd``) on a
    sparse table of lots and buyers (a cell per open pair) with a row for demand left
    unserved and a column for supply left unused, or None when the pair bounds are not
    all implied by the lots' and buyers' (a closed pair, bound 0, is), the floors cannot
    be met, or the simplex stops short. A buyer with a floor has a second column, for
    its floor, that the row of unserved demand has no cell in. Quantities are whole
    units, so the flows of a vertex are too, and are rounded back to them; with the
    flows, how much less than the simplex's optimum they are worth after rounding."""
    import ot
    from scipy import sparse

    n_l, n_b = len(cap_u), len(demand_u)
    open_ = upper_u > 0
    if (open_ & (upper_u < np.minimum(cap_u[lot], demand_u[buyer]))).any():
        return None
    held = np.flatnonzero(floor_u > 0)
    column = np.full(n_b, -1, np.int64)  # each held buyer's floor column
    column[held] = n_b + np.arange(len(held))
    free = n_b + len(held)  # the column of supply left unused
    pairs = np.flatnonzero(open_)
    twice = pairs[column[buyer[pairs]] >= 0]  # pairs of held buyers: a cell in each column
    rows = np.concatenate([lot[pairs], lot[twice], np.arange(n_l), np.full(n_b + 1, n_l)])
    cols = np.concatenate([buyer[pairs], column[buyer[twice]], np.full(n_l, free),
                           np.append(np.arange(n_b), free)])
    table = sparse.coo_array((np.concatenate([-score[pairs], -score[twice],
                                              np.zeros(n_l + n_b + 1)]), (rows, cols)),
                             shape=(n_l + 1, free + 1))
    need = int(floor_u.sum())
    supply = np.append(cap_u, demand_u.sum() - need).astype(np.float64)
    demand = np.concatenate([demand_u - floor_u, floor_u[held],
                             [cap_u.sum() - need]]).astype(np.float64)
    # As shares of the whole: POT's simplex calls a problem of 10^8 grams infeasible.
    whole = float(supply.sum())
    with warnings.catch_warnings():  # what it warns of (infeasible floors) is in its log
        warnings.simplefilter("ignore")
        plan, log = ot.emd(supply / whole, demand / whole, table,
                           numItermax=max(100_000, 100 * len(rows)), log=True)
    if log["warning"] is not None:
        return None
    # The flows on the table's cells, found among the pairs by their keys.
    plan = sparse.coo_array(plan)
    cell = np.concatenate([pairs, twice])
    keys = rows[:len(cell)] * (free + 1) + cols[:len(cell)]
    order = np.arange(len(keys)) if (np.diff(keys) > 0).all() else np.argsort(keys)
    real = plan.row < n_l
    real[real] = plan.col[real] != free
    at = order[np.searchsorted(keys[order], plan.row[real] * (free + 1) + plan.col[real])]
    flow = np.zeros(len(lot))
    np.add.at(flow, cell[at], np.round(plan.data[real] * whole))
    got = np.bincount(buyer, flow, n_b)
    if (np.bincount(lot, flow, n_l) > cap_u).any() or (got > demand_u).any() or \
            (got < floor_u).any() or (flow > upper_u).any():
        return None  # shares that do not round back to whole units
    return flow, max(0.0, -float(log["cost"]) * whole - float(score @ flow))


class TransportBounds(NamedTuple):
    """The bounds of one transportation LP, as :func:`transport_flow` takes them."""

    lot: IntArray
    buyer: IntArray
    capacity: FloatArray
    demand: FloatArray
    upper: FloatArray


@dataclass(frozen=True, slots=True)
class FlowBatch:
    """Transportation LPs (without floors) to be solved together as one network of
    disjoint parts, for any scores: one OR-Tools call instead of one per problem, as
    small problems cost more in calls than in solving. Made once by :func:`flow_batch`;
    :meth:`solve` takes the scores.

    Each problem keeps its own units (kg, or grams when a bound is not whole kg) and
    score steps, as :func:`transport_flow` counts them, so its flows are an optimum of it
    alone with the same slack; they may be another of its optima than a solve of it
    alone finds.
    """

    problems: tuple[TransportBounds, ...]
    n_pairs: IntArray  # per problem
    per_kg: IntArray  # units per kg, per problem
    total: IntArray  # most units any plan ships, per problem
    rounded: IntArray  # bounds rounded down to whole units, per problem
    tails: IntArray  # the arcs of every problem with something to ship
    heads: IntArray
    caps: IntArray
    supplies: IntArray
    pair_arcs: IntArray  # the arc of each pair (of a problem with something to ship), else -1

    def solve(self, score: FloatArray) -> list[FlowResult]:
        """:func:`transport_flow` of each problem, with ``score``, the scores of every
        problem's pairs one problem after the other.

        Examples
        --------
        >>> batch = flow_batch([
        ...     TransportBounds(np.array([0, 0]), np.array([0, 1]), np.array([10.0]),
        ...                     np.array([6.0, 8.0]), np.array([6.0, 8.0])),
        ...     TransportBounds(np.array([0]), np.array([0]), np.array([2.5]),
        ...                     np.array([4.0]), np.array([2.5]))])
        >>> [r.flow.tolist() for r in batch.solve(np.array([0.9, 0.5, 0.2]))]
        [[6.0, 4.0], [2.5]]
        """
        from ortools.graph.python import min_cost_flow

        n = self.n_pairs
        first = np.cumsum(n) - n
        live = self.total > 0
        top = np.ones(len(n))
        filled = n > 0
        top[filled] = np.maximum.reduceat(np.abs(score), first[filled])  # up to the next
        top[top == 0] = 1.0
        # Scales as transport_flow finds them (math's log10, not numpy's, for its digits).
        scale = np.array([_score_scale(t, u) if t > 0 else 1.0 for t, u in zip(
            self.total.tolist(), top.tolist(), strict=True)])
        flow = np.zeros(len(score))
        solved = False
        if (scale[live] >= 1e3).all() and (self.total * top * scale)[live].sum() <= _MAX_COST:
            of_pair = np.repeat(np.arange(len(n)), n)
            on = self.pair_arcs >= 0
            costs = np.zeros(len(self.tails), np.int64)
            costs[self.pair_arcs[on]] = -np.round(score[on] * scale[of_pair[on]])
            mcf = min_cost_flow.SimpleMinCostFlow()
            arcs = mcf.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, self.caps,
                                                            costs)
            mcf.set_nodes_supplies(np.arange(len(self.supplies), dtype=np.int64),
                                   self.supplies)
            if mcf.solve() == mcf.OPTIMAL:
                flow[on] = np.asarray(mcf.flows(arcs[self.pair_arcs[on]]),
                                      np.float64) / self.per_kg[of_pair[on]]
                solved = True
        if not solved:  # each on its own: too large for 64-bit costs together, or failed
            return [transport_flow(score[a:a + m], p.lot, p.buyer, capacity=p.capacity,
                                   demand=p.demand, upper=p.upper) for a, m, p in zip(
                first.tolist(), n.tolist(), self.problems, strict=True)]
        total, per_kg = self.total, self.per_kg
        slack = np.where(live, total / per_kg / scale + top * self.rounded / per_kg, 0.0)
        return [FlowResult("optimal", flow[a:a + m], v) for a, m, v in zip(
            first.tolist(), n.tolist(), slack.tolist(), strict=True)]


def flow_batch(problems: Sequence[TransportBounds]) -> FlowBatch:
    """The :class:`FlowBatch` of these problems: their networks as :func:`transport_flow`
    makes them, numbered one after the other (lots, buyers, a source and a sink each)."""
    n_l, n_b, n = (np.array([len(getattr(p, f)) for p in problems], np.int64)
                   for f in ("capacity", "demand", "lot"))
    k = np.arange(len(problems))
    of_lot, of_buyer, of_pair = np.repeat(k, n_l), np.repeat(k, n_b), np.repeat(k, n)
    lot, buyer, capacity, demand, upper = (
        np.concatenate([getattr(p, f) for p in problems]) if problems else np.zeros(0)
        for f in TransportBounds._fields)
    lot, buyer = lot.astype(np.int64), buyer.astype(np.int64)
    inexact_kg = (np.bincount(of_lot, capacity != np.round(capacity), len(k))
                  + np.bincount(of_buyer, demand != np.round(demand), len(k))
                  + np.bincount(of_pair, upper != np.round(upper), len(k)))
    per_kg = np.where(inexact_kg > 0, 1000, 1)

    def units(kg: FloatArray, of: IntArray) -> tuple[IntArray, BoolArray]:
        scaled = kg * per_kg[of]  # grams rounded down; whole kg are their own units
        whole = np.where(per_kg[of] == 1, kg, np.floor(scaled + 1e-6)).astype(np.int64)
        return whole, whole != scaled

    (cap_u, cap_cut), (demand_u, demand_cut), (upper_u, upper_cut) = (
        units(capacity, of_lot), units(demand, of_buyer), units(upper, of_pair))
    first_lot, first_buyer = np.cumsum(n_l) - n_l, np.cumsum(n_b) - n_b
    total = np.minimum(np.bincount(of_lot, cap_u, len(k)),
                       np.bincount(of_buyer, demand_u, len(k))).astype(np.int64)
    live = (n > 0) & (total > 0)
    # A pair bound counts as rounded only where it is tighter than its lot's and buyer's.
    tighter = upper_u < np.minimum(cap_u[first_lot[of_pair] + lot],
                                   demand_u[first_buyer[of_pair] + buyer])
    rounded = np.where(per_kg == 1, 0, np.bincount(of_lot, cap_cut, len(k))
                       + np.bincount(of_buyer, demand_cut, len(k))
                       + np.bincount(of_pair, upper_cut & tighter, len(k))).astype(np.int64)
    # Nodes of a problem: its lots, its buyers, a source and a sink; arcs: source -> lot,
    # lot -> buyer (the pairs), buyer -> sink, source -> sink.
    size = np.where(live, n_l + n_b + 2, 0)
    first_node = np.cumsum(size) - size
    source = first_node + n_l + n_b
    on_lot, on_buyer, on_pair = live[of_lot], live[of_buyer], live[of_pair]
    lot_node = (first_node[of_lot] + np.arange(len(capacity)) - first_lot[of_lot])[on_lot]
    buyer_node = (first_node[of_buyer] + n_l[of_buyer] + np.arange(len(demand))
                  - first_buyer[of_buyer])[on_buyer]
    at = first_node[of_pair[on_pair]]
    pair_arcs = np.full(len(lot), -1, np.int64)
    pair_arcs[on_pair] = len(lot_node) + np.arange(int(on_pair.sum()))
    supplies = np.zeros(int(size.sum()), np.int64)
    supplies[source[live]], supplies[source[live] + 1] = total[live], -total[live]
    return FlowBatch(
        tuple(problems), n, per_kg, total, rounded,
        tails=np.concatenate([source[of_lot[on_lot]], at + lot[on_pair], buyer_node,
                              source[live]]),
        heads=np.concatenate([lot_node, at + n_l[of_pair[on_pair]] + buyer[on_pair],
                              source[of_buyer[on_buyer]] + 1, source[live] + 1]),
        caps=np.concatenate([cap_u[on_lot], upper_u[on_pair], demand_u[on_buyer],
                             total[live]]),
        supplies=supplies, pair_arcs=pair_arcs)
