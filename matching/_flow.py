"""Continuous transportation parts as min-cost flow on OR-Tools (the ``ortools`` extra).

A part without MOQs, minimum shipments or coverage is a transportation LP: maximise
``sum(score * x)`` with lot capacities and buyer quantities. As a network: source ->
lot (capacity) -> buyer (pair bound, cost ``-score``) -> sink (quantity), plus a free
arc from source to sink so that supply and demand may stay unused. OR-Tools'
``SimpleMinCostFlow`` needs integers: flows are counted in kg when every bound is a whole
number of kg, otherwise in grams (bounds rounded down, so every bound holds), and scores
in steps of 1e-6. A buyer may also have a floor (its MOQ, when the solver's branch and
bound holds it to it).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["FlowResult", "flow_available", "transport_flow"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Score steps per unit of score (more makes OR-Tools' cost scaling slower).
SCORE_STEPS = 1e6
#: Largest total cost magnitude handed to OR-Tools (its sums are 64-bit integers).
_MAX_COST = 4e18


def flow_available() -> bool:
    """Whether OR-Tools is installed (``pip install 'bumdes-match[ortools]'``)."""
    return importlib.util.find_spec("ortools") is not None


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
    from ortools.graph.python import min_cost_flow

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
    scale = min(SCORE_STEPS, 10.0 ** math.floor(math.log10(_MAX_COST / (total * top))))
    if scale < 1e3:
        return FlowResult("failed", np.zeros(n), 0.0)
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
        return FlowResult("infeasible", np.zeros(n), 0.0)
    if status != mcf.OPTIMAL:
        return FlowResult("failed", np.zeros(n), 0.0)
    flow = np.asarray(mcf.flows(arcs[n_l:n_l + n]), dtype=np.float64) / per_kg
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
    slack = total / per_kg / scale + top * rounded / per_kg
    return FlowResult("optimal", flow, slack)
