"""The weighted assignment of lots to buyers, as plain functions over arrays.

Maximise ``sum(score * x)`` over the candidate pairs subject to lot capacity, buyer
quantity, buyer minimum order quantity (a served buyer gets at least ``moq`` kg), an
optional minimum shipment per pair and optional coverage of groups of lots (every
province with candidates gets at least one served lot).

* Independent parts (connected components of the candidate graph) are solved
  separately; coverage only couples the parts that hold lots of a province the
  uncoupled optimum leaves uncovered.
* Without MOQs, minimum shipments and coverage a part is a transportation LP
  (``scipy.optimize.linprog``, HiGHS dual simplex: faster than interior point on our
  instances, see ``docs/benchmarks.md``; the flows are a vertex, a forest of
  allocations without needless splits). Otherwise a MILP
  (``scipy.optimize.milp``, HiGHS) with one binary per buyer with an MOQ, one per lot
  that can cover its province, and semi-continuous pair flows for minimum shipments.
* MOQs: a buyer whose MOQ is more than all the kg its pairs can carry is closed
  first. The LP without MOQs relaxes the model. Its plan is repaired (buyers left
  below their MOQ are closed and the pairs of the lots they free re-solved, until no
  buyer is short), which gives a feasible plan and, from the first LP, a proven bound.
  When the two are further apart than ``mip_gap``, an exact search decides on parts of
  at most ``MOQ_MILP_MAX_PAIRS`` pairs, and on parts of up to ``MOQ_MILP_LARGE_PAIRS``
  whose gap shows in the whole plan (at national scale the MILP on parts of 10^5-10^6
  pairs does not finish in minutes, while the repair is within 0.3% of the bound;
  ``docs/benchmarks.md``). The search is a branch and bound over buyers with min-cost
  flows as relaxations (OR-Tools backend), which first dives for a better plan, and
  the MILP when that does not close the gap in ``BRANCH_NODES`` nodes.
* Minimum shipments make the MILP hard at national scale, so large parts use LP
  relaxation with repair: solve with continuous flows, close the pairs that carry
  less than the minimum, re-solve, repeat. The first relaxation is a proven bound.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

from ._flow import FlowBatch, FlowResult, TransportBounds, flow_batch, transport_flow
from ._parallel import map_ordered

__all__ = ["LP_METHOD", "PartLayout", "Solution", "part_layout", "solve_assignment"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Status = Literal["optimal", "feasible", "time_limit", "infeasible", "failed"]
MinShipmentMethod = Literal["auto", "exact", "repair"]
LpMethod = Literal["highs", "highs-ds", "highs-ipm", "ortools"]

#: The LP method for parts without integer decisions (see ``docs/benchmarks.md``).
LP_METHOD: LpMethod = "highs-ds"
#: Parts with at most this many pairs get the exact minimum-shipment MILP after repair.
EXACT_MAX_PAIRS = 2_000
#: Repair rounds after which the small pairs left are dropped without a re-solve.
MAX_REPAIR_ROUNDS = 16
#: MILP gap of the first repair round: its plan is repaired anyway, its bound stays proven.
REPAIR_REL_GAP = 1e-4
#: Parts with at most this many pairs get the per-pair MOQ link rows.
LINK_MAX_PAIRS = 10_000
#: Largest upper bound HiGHS accepts on a semi-continuous variable.
SEMI_MAX = 1e5
#: Default relative gap at which a plan counts as optimal (HiGHS's own default).
MIP_GAP = 1e-4
#: Parts with at most this many pairs get the MOQ MILP when their repair leaves a gap.
MOQ_MILP_MAX_PAIRS = 20_000
#: Parts with at most this many get it too when their gap shows in the whole plan.
MOQ_MILP_LARGE_PAIRS = 250_000
#: Nodes the flow branch and bound may solve on an MOQ part before the MILP takes over
#: (the parts of generated instances close in 3-9 nodes, a few national ones in 17-25,
#: 0.06-0.09 s where the MILP takes 0.35-0.9 s; see ``docs/benchmarks.md``).
BRANCH_NODES = 32
#: A root flow with more buyers short of their MOQ than this goes to the MILP at once
#: (parts of generated instances have at most 6 and close; the dense synthetic parts
#: where 24 nodes closed nothing have 8-106).
BRANCH_MAX_SHORT = 6
#: Steps of the branch and bound's first dive for a better plan, and the share of its
#: MOQ a short buyer needs to be held to it there rather than closed (at 10,000 x 2,000
#: one step, a flow over 3,612 pairs, ends the search on the 67,287-pair part, where
#: branching took 6 flows over the whole part; ``docs/benchmarks.md``).
DIVE_NODES = 3
DIVE_HOLD = 0.5
#: Parts with one buyer and at most this many pairs are filled together, in one pass
#: over a table with a row per part (larger ones one by one).
SINGLE_MAX_PAIRS = 256
#: Parts of at most this many pairs have their first LP solved together, as one
#: min-cost flow (OR-Tools backend).
TOGETHER_MAX_PAIRS = 100
#: Gap below which a plan is optimal whatever ``mip_gap`` says (rounding of the objective).
_EXACT_GAP = 1e-9
#: Tasks the parts are batched into when an executor is given.
PARALLEL_TASKS = 8
_TINY_KG = 1e-3
_RANK = {"optimal": 0, "feasible": 1, "time_limit": 2, "infeasible": 3, "failed": 4}


@dataclass(frozen=True, slots=True)
class Solution:
    """Flows per candidate pair, the objective, and how sure the solver is of it.

    ``uncovered`` lists the groups (provinces) that coverage asked for but that no plan
    found can serve; ``status`` is ``infeasible`` when it is proven that none can.
    """

    flow: FloatArray
    objective: float
    bound: float
    status: Status
    message: str
    parts: int
    uncovered: IntArray

    @property
    def gap(self) -> float:
        """Relative gap between the objective and the proven bound (0 when optimal)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


@dataclass(frozen=True, slots=True)
class _Part:
    """One independent part in local indices (lots and buyers renumbered from 0)."""

    score: FloatArray
    lot: IntArray
    buyer: IntArray
    capacity: FloatArray
    demand: FloatArray
    moq: FloatArray
    upper: FloatArray
    cover_lot: IntArray   # local lots that may cover their group
    cover_kg: FloatArray  # kg such a lot must ship to count as served
    cover_group: IntArray  # local group (0..n_groups-1) of each covering lot
    n_groups: int
    start: _Result | None = None  # a feasible plan to improve on (the repaired one)
    lp: FlowResult | None = None  # the LP's flow with ``upper``, solved with other parts


@dataclass(frozen=True, slots=True)
class _Result:
    x: FloatArray
    objective: float
    bound: float
    status: Status
    covered: BoolArray  # per local group
    #: The LP flow ``bound`` comes from, when it is the LP without MOQs, and ``slack``,
    #: how far that flow's value may lie below the LP's optimum (:class:`FlowResult`).
    relaxed: FloatArray | None = None
    slack: float = 0.0


def solve_assignment(
    score: FloatArray, lot: IntArray, buyer: IntArray, *, capacity: FloatArray,
    demand: FloatArray, moq: FloatArray, min_shipment: float = 0.0,
    min_shipment_method: MinShipmentMethod = "auto", exact_max_pairs: int = EXACT_MAX_PAIRS,
    lot_group: IntArray | None = None, coverage_kg: float = 0.0,
    time_limit: float | None = None, mip_gap: float = MIP_GAP,
    lp_method: LpMethod = LP_METHOD, executor: Executor | None = None,
    layout: PartLayout | None = None,
) -> Solution:
    """Solve the assignment over candidate pairs ``(lot[k], buyer[k])`` with ``score[k]``.

    Parameters
    ----------
    score, lot, buyer : arrays of the candidate pairs
        Score per kg and the lot and buyer index of each pair; each pair at most once.
    capacity : array
        Kilograms available per lot.
    demand, moq : arrays
        Kilograms requested and minimum order quantity per buyer (0 = none).
    min_shipment : float, default 0
        Smallest kg on any used pair (0 = no minimum).
    min_shipment_method : {"auto", "exact", "repair"}, default "auto"
        ``repair``: LP relaxation with repair (fast, feasible, gap against the LP bound);
        ``exact``: the MILP with semi-continuous flows; ``auto``: repair, then the exact
        MILP on parts with at most ``exact_max_pairs`` pairs when repair left a gap.
    lot_group : int array, optional
        Coverage group (province) per lot, -1 for none. When given, every group with a
        candidate pair must have a served lot: one that ships at least
        ``min(capacity, coverage_kg)`` kg (at least a gram).
    time_limit : float, optional
        Seconds for the whole solve; parts share what is left.
    mip_gap : float, default 1e-4
        Relative gap between a plan and the proven bound at which the plan counts as
        optimal and the search stops (0.01%, HiGHS's default). 0 asks for the exact
        optimum, which can take far longer.
    lp_method : {"highs-ds", "highs-ipm", "highs", "ortools"}
        Method for parts that are plain LPs: a HiGHS method, or ``ortools`` for
        OR-Tools min-cost flow (the ``ortools`` extra; HiGHS if it cannot solve a part).
    executor : concurrent.futures.Executor, optional
        Solve the independent parts on it, in batches; the plan is the same (unless the
        time limit cuts a part short).
    layout : PartLayout, optional
        :func:`part_layout` of these pairs and quantities, when solving them again with
        other scores (made here when not given).

    Returns
    -------
    Solution
        Never raises for a hard instance: on a time limit the best plan found is returned
        with its status and gap (all-zero flows are feasible without coverage); when
        coverage is impossible the plan covers every group it can and ``uncovered`` says
        which groups are left.

    Examples
    --------
    >>> sol = solve_assignment(np.array([0.9, 0.5]), np.array([0, 0]), np.array([0, 1]),
    ...                        capacity=np.array([10.0]), demand=np.array([6.0, 8.0]),
    ...                        moq=np.array([0.0, 5.0]))
    >>> sol.flow.tolist(), sol.status
    ([5.0, 5.0], 'optimal')
    """
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    score, lot, buyer = (np.asarray(score, float), np.asarray(lot, np.int64),
                         np.asarray(buyer, np.int64))
    if layout is None:
        layout = part_layout(lot, buyer, capacity=capacity, demand=demand, moq=moq)
    elif layout.n_pairs != len(score):
        raise ValueError(f"The layout is of {layout.n_pairs} pairs; got {len(score)} scores.")
    n_lots = len(capacity)
    order, pair_part, pieces = layout.order, layout.pair_part, layout.pieces
    score, lot, buyer = score[order], lot[order], buyer[order]
    group = np.full(n_lots, -1, np.int64) if lot_group is None else np.asarray(lot_group,
                                                                              np.int64)
    flow = np.zeros(len(score))
    no_groups = np.zeros(0, np.int64)
    if len(score) == 0:
        return Solution(flow, 0.0, 0.0, "optimal", "no candidate pairs", 0, no_groups)
    n_parts = len(pieces)
    options = _Options(min_shipment, min_shipment_method, exact_max_pairs, lp_method,
                       mip_gap)
    arrays = (score, lot, buyer, capacity, demand, moq)
    filled = _fill_singles(layout.singles, score) if min_shipment <= 0 else {}
    together = layout.together
    lps = dict(zip(together.part.tolist(), together.batch.solve(score[together.pair]),
                   strict=True)) if lp_method == "ortools" and min_shipment <= 0 else {}
    parts = [part if k in filled else replace(part, score=score[pairs], lp=lps.get(k))
             for k, (part, pairs) in enumerate(zip(layout.parts, pieces, strict=True))]
    results = _solve_parts(parts, options, deadline, executor, filled)
    for pairs, res in zip(pieces, results, strict=True):
        flow[pairs] = res.x
    uncovered = no_groups
    infeasible = False
    if lot_group is not None:
        # Coverage: re-solve jointly only the parts that hold lots of an at-risk group.
        cover_kg = np.maximum(np.minimum(capacity, coverage_kg), _TINY_KG)
        served = np.bincount(lot, weights=flow, minlength=n_lots) >= cover_kg - 1e-6
        wanted = np.unique(group[lot][group[lot] >= 0])
        lot_part = np.full(n_lots, -1, np.int64)
        lot_part[lot] = pair_part
        joint, at_risk = _coupled_parts(wanted, group, lot_part, served, n_parts)
        if len(at_risk):
            pairs = np.concatenate([pieces[k] for k in joint])
            pairs = np.sort(pairs)
            part = _make_part(*arrays, pairs, group=group, coverage_kg=coverage_kg,
                              cover_groups=at_risk)
            res = _solve_part(part, options, _share(deadline, 1))
            flow[pairs] = res.x
            results = [r for k, r in enumerate(results) if k not in set(joint)] + [res]
            uncovered = at_risk[~res.covered]
            infeasible = res.status == "infeasible"
    objective = _value(score, flow)
    bound = max(sum(r.bound for r in results), objective)
    worst: Status = max((r.status for r in results), key=_RANK.__getitem__)
    gap = 0.0 if bound <= 0 else (bound - objective) / bound
    if worst == "feasible" and gap <= max(mip_gap, _EXACT_GAP):
        worst = "optimal"
    status: Status = "infeasible" if infeasible else worst
    message = {
        "optimal": "optimal plan found",
        "feasible": f"good plan within {gap:.2%} of the best possible (found by repairing "
                    f"a relaxed plan where the exact model is too large)",
        "time_limit": f"time limit reached; the best plan found is returned, within "
                      f"{gap:.2%} of the optimum",
        "infeasible": "coverage impossible: no plan serves a lot in every province with "
                      "candidates; the plan covers every province it can",
        "failed": "the solver failed on some parts; those parts are left unallocated",
    }[status]
    out = np.zeros(len(flow))
    out[order] = flow
    return Solution(out, objective, bound, status, message, n_parts, uncovered)


@dataclass(frozen=True, slots=True)
class PartLayout:
    """The independent parts of a candidate graph: what of them does not depend on the
    scores, made once by :func:`part_layout` for solving the same pairs with other
    scores (``Prepared.solve`` does)."""

    n_pairs: int
    order: IntArray  # canonical pair order: the plan never depends on the order pairs come in
    pair_part: IntArray  # part of each pair, in canonical order
    pieces: tuple[IntArray, ...]  # pairs of each part, in canonical order
    parts: tuple[_Part, ...]  # each part without its scores
    singles: _Singles  # the parts with one buyer that are filled together
    together: _Together  # the small parts whose first LPs are solved together


def part_layout(lot: IntArray, buyer: IntArray, *, capacity: FloatArray, demand: FloatArray,
                moq: FloatArray) -> PartLayout:
    """The :class:`PartLayout` of candidate pairs ``(lot[k], buyer[k])``.

    Examples
    --------
    >>> layout = part_layout(np.array([1, 0, 2]), np.array([0, 0, 1]),
    ...                      capacity=np.ones(3), demand=np.ones(2), moq=np.zeros(2))
    >>> layout.order.tolist(), [p.tolist() for p in layout.pieces]
    ([1, 0, 2], [[0, 1], [2]])
    """
    lot, buyer = np.asarray(lot, np.int64), np.asarray(buyer, np.int64)
    n_lots, n_buyers = len(capacity), len(demand)
    order = np.lexsort((buyer, lot))
    lot, buyer = lot[order], buyer[order]
    if len(lot) == 0:
        return PartLayout(0, order, np.zeros(0, np.int64), (), (), _singles((), ()),
                          _together((), (), set()))
    graph = sparse.coo_matrix((np.ones(len(lot)), (lot, n_lots + buyer)),
                              shape=(n_lots + n_buyers,) * 2)
    _, label = connected_components(graph, directed=False)
    pair_part = np.unique(label[lot], return_inverse=True)[1].astype(np.int64)
    pieces = tuple(np.split(np.argsort(pair_part, kind="stable"),
                            np.cumsum(np.bincount(pair_part))[:-1]))
    none = np.zeros(0, np.int64)
    unscored = np.zeros(len(lot))
    parts = tuple(replace(_make_part(unscored, lot, buyer, capacity, demand, moq, pairs,
                                     group=np.full(n_lots, -1, np.int64), coverage_kg=0.0,
                                     cover_groups=none), score=np.zeros(0))
                  for pairs in pieces)
    singles = _singles(parts, pieces)
    return PartLayout(len(lot), order, pair_part, pieces, parts, singles,
                      _together(parts, pieces, set(singles.part.tolist())))


@dataclass(frozen=True, slots=True)
class _Together:
    """The parts of at most ``TOGETHER_MAX_PAIRS`` pairs (but those filled as singles)
    whose first LPs are solved as one network (OR-Tools backend, no minimum shipment)."""

    part: IntArray
    pair: IntArray  # their pairs in canonical order, one part after the other
    batch: FlowBatch


def _together(parts: tuple[_Part, ...], pieces: tuple[IntArray, ...],
              singles: set[int]) -> _Together:
    chosen = [k for k, part in enumerate(parts)
              if k not in singles and len(part.lot) <= TOGETHER_MAX_PAIRS]
    return _Together(np.array(chosen, np.int64),
                     np.concatenate([pieces[k] for k in chosen] or [np.zeros(0, np.int64)]),
                     flow_batch([TransportBounds(parts[k].lot, parts[k].buyer,
                                                 parts[k].capacity, parts[k].demand,
                                                 parts[k].upper) for k in chosen]))


@dataclass(frozen=True, slots=True)
class _Singles:
    """The parts with one buyer and at most ``SINGLE_MAX_PAIRS`` pairs, as a table with a
    row per part and a column per pair (in part order), padded at the end of each row."""

    part: IntArray  # part of each row
    pair: IntArray  # (rows, columns): pair in canonical order, -1 for padding
    room: FloatArray  # (rows, columns): kg the pair can carry (its bound and lot's), 0 padding
    upper: FloatArray  # (rows, columns): the pair's bound, 0 padding
    demand: FloatArray  # kg the row's buyer asks for
    moq: FloatArray  # the row's buyer's MOQ


def _singles(parts: tuple[_Part, ...], pieces: tuple[IntArray, ...]) -> _Singles:
    rows = [k for k, part in enumerate(parts)
            if len(part.demand) == 1 and len(part.lot) <= SINGLE_MAX_PAIRS]
    width = max((len(pieces[k]) for k in rows), default=0)
    pair = np.full((len(rows), width), -1, np.int64)
    room, upper = np.zeros((len(rows), width)), np.zeros((len(rows), width))
    for r, k in enumerate(rows):
        n, part = len(pieces[k]), parts[k]
        pair[r, :n] = pieces[k]
        upper[r, :n] = part.upper
        room[r, :n] = np.minimum(part.upper, part.capacity[part.lot])
    return _Singles(np.array(rows, np.int64), pair, room, upper,
                    np.array([parts[k].demand[0] for k in rows]),
                    np.array([parts[k].moq[0] for k in rows]))


def _fill_singles(singles: _Singles, score: FloatArray) -> dict[int, _Result]:
    """The parts of ``singles`` solved at once, as :func:`_fill_one_buyer` solves each (and
    nothing for a buyer that gets less than its MOQ): the result of each part solved.
    A part with an MOQ and a pair of negative score is left out (more kg is not always
    better there)."""
    padding = singles.pair < 0
    s = np.where(padding, 0.0, score[singles.pair])
    keep = ~((singles.moq > 0) & (s < 0).any(axis=1))
    s, padding = s[keep], padding[keep]
    # Padding carries nothing wherever it sorts.
    x = _fill_rows(s, singles.room[keep], singles.upper[keep], singles.demand[keep])
    x[x.sum(axis=1) < singles.moq[keep] - 1e-6] = 0.0
    value = (s * x).sum(axis=1).tolist()
    none = np.zeros(0, bool)
    lengths = (~padding).sum(axis=1).tolist()
    return {k: _Result(row[:n], v, v, "optimal", none) for k, row, n, v in zip(
        singles.part[keep].tolist(), x, lengths, value, strict=True)}


@dataclass(frozen=True, slots=True)
class _Options:
    min_shipment: float
    method: MinShipmentMethod
    exact_max_pairs: int
    lp_method: LpMethod
    mip_gap: float


def _solve_parts(parts: list[_Part], options: _Options, deadline: float | None,
                 executor: Executor | None, solved: dict[int, _Result]) -> list[_Result]:
    """Solve the parts in order, or in batches of similar size on ``executor``, but for
    those ``solved`` already (by position).

    MOQ parts are repaired first; then the MILP gets the parts whose repair left a gap
    that matters (:func:`_needs_milp`, judged against the whole instance), smallest
    first, with the time left.
    """
    rest = [k for k in range(len(parts)) if k not in solved]
    found = iter(_in_batches([parts[k] for k in rest],
                             functools.partial(_solve_batch, options=options), deadline,
                             executor))
    results = [solved[k] if k in solved else next(found) for k in range(len(parts))]
    if options.min_shipment > 0:
        return results
    total = sum(r.bound for r in results)
    todo = sorted((k for k, part in enumerate(parts)
                   if _needs_milp(part, results[k], options.mip_gap, total)),
                  key=lambda k: len(parts[k].score))
    exact = _in_batches([replace(parts[k], start=results[k]) for k in todo],
                        functools.partial(_exact_batch, options=options), deadline, executor)
    for k, res in zip(todo, exact, strict=True):
        results[k] = res
    return results


_Batch = Callable[[list[_Part], float | None], list[_Result]]


def _in_batches(parts: list[_Part], solve: _Batch, deadline: float | None,
                executor: Executor | None) -> list[_Result]:
    """``solve`` over the parts at once, or over batches of similar size on ``executor``."""
    if executor is None or len(parts) < 2:
        return solve(parts, deadline)
    sizes = np.cumsum([len(p.score) for p in parts])
    cuts = np.searchsorted(sizes, sizes[-1] * np.arange(1, PARALLEL_TASKS) / PARALLEL_TASKS,
                           side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(parts)]]))
    batches = [parts[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(),
                                          strict=True)]
    budget = None if deadline is None else deadline - time.perf_counter()
    done = map_ordered(functools.partial(_batch_within, solve=solve, budget=budget),
                       batches, executor=executor)
    return [r for batch in done for r in batch]


def _batch_within(parts: list[_Part], *, solve: _Batch,
                  budget: float | None) -> list[_Result]:
    # Runs on a worker: the deadline is counted from the worker's own clock.
    deadline = None if budget is None else time.perf_counter() + budget
    return solve(parts, deadline)


def _solve_batch(parts: list[_Part], deadline: float | None, *,
                 options: _Options) -> list[_Result]:
    return _in_turn(parts, deadline, lambda part, seconds: _solve_part(part, options, seconds))


def _exact_batch(parts: list[_Part], deadline: float | None, *,
                options: _Options) -> list[_Result]:
    # The exact MOQ solves of repaired parts (the caller sorts them smallest first).
    def solve(part: _Part, seconds: float | None) -> _Result:
        assert part.start is not None
        return _exact_moq(part, part.upper, part.start, seconds, options.lp_method,
                          options.mip_gap)

    return _in_turn(parts, deadline, solve)


def _in_turn(parts: list[_Part], deadline: float | None,
             solve: Callable[[_Part, float | None], _Result]) -> list[_Result]:
    """``solve(part, seconds)`` for each part in order. Each part gets the larger of its
    share of the pairs and an equal share of the time left, so a large part is not cut
    short and the time a small part does not use goes to the next."""
    left = sum(len(part.score) for part in parts)
    results = []
    for n, part in enumerate(parts):
        fraction = max(len(part.score) / left, 1 / (len(parts) - n))
        results.append(solve(part, _share(deadline, fraction)))
        left -= len(part.score)
    return results


def _share(deadline: float | None, fraction: float) -> float | None:
    if deadline is None:
        return None
    return max(0.05, (deadline - time.perf_counter()) * min(fraction, 1.0))


def _coupled_parts(wanted: IntArray, group: IntArray, lot_part: IntArray, served: BoolArray,
                   n_parts: int) -> tuple[list[int], IntArray]:
    """Parts to re-solve together, and the groups they must cover.

    A group is at risk when no part outside the joint set serves one of its lots; the
    joint set is every part holding a lot of an at-risk group. Parts outside keep their
    uncoupled optimum, which covers every group that is not at risk, so the joint
    solve is exact.
    """
    has_lot = lot_part >= 0
    at_risk = np.zeros(0, np.int64)
    joint = np.zeros(n_parts, bool)
    while True:
        outside_served = served & has_lot & ~joint[np.maximum(lot_part, 0)]
        covered = np.unique(group[outside_served & (group >= 0)])
        risk = np.setdiff1d(wanted, covered)
        if np.array_equal(risk, at_risk):
            return np.flatnonzero(joint).tolist(), at_risk
        at_risk = risk
        joint[np.unique(lot_part[has_lot & np.isin(group, at_risk)])] = True


def _make_part(score: FloatArray, lot: IntArray, buyer: IntArray, capacity: FloatArray,
               demand: FloatArray, moq: FloatArray, pairs: IntArray, *, group: IntArray,
               coverage_kg: float, cover_groups: IntArray) -> _Part:
    lots, lot_row = np.unique(lot[pairs], return_inverse=True)
    buyers, buyer_row = np.unique(buyer[pairs], return_inverse=True)
    upper = np.minimum(capacity[lot[pairs]], demand[buyer[pairs]])
    # A buyer whose MOQ is more than all it can reach is never served.
    reach = np.bincount(buyer_row, weights=upper, minlength=len(buyers))
    upper[(reach < moq[buyers] - 1e-6)[buyer_row]] = 0.0
    covering = np.flatnonzero(np.isin(group[lots], cover_groups))
    return _Part(
        score=score[pairs], lot=lot_row.astype(np.int64), buyer=buyer_row.astype(np.int64),
        capacity=capacity[lots], demand=demand[buyers], moq=moq[buyers], upper=upper,
        cover_lot=covering.astype(np.int64),
        cover_kg=np.maximum(np.minimum(capacity[lots][covering], coverage_kg), _TINY_KG),
        cover_group=np.searchsorted(cover_groups, group[lots][covering]).astype(np.int64),
        n_groups=len(cover_groups))


def _solve_part(part: _Part, options: _Options, time_limit: float | None) -> _Result:
    """Solve one part; a repaired MOQ plan is left as it is (:func:`_solve_parts` hands
    the parts that :func:`_needs_milp` to the MILP once every part has a plan)."""
    start = time.perf_counter()
    minimum = options.min_shipment
    if minimum <= 0:
        return _solve_model(part, minimum=0.0, closed=None, time_limit=time_limit,
                            lp_method=options.lp_method, mip_gap=options.mip_gap,
                            refine=False)
    if options.method == "exact":
        return _solve_model(part, minimum=minimum, closed=None, time_limit=time_limit,
                            lp_method=options.lp_method, mip_gap=options.mip_gap)
    best = _repair(part, minimum, time_limit, options.lp_method, options.mip_gap)
    small = len(part.score) <= options.exact_max_pairs
    if options.method == "repair" or not small or _gap(best) <= max(options.mip_gap,
                                                                     _EXACT_GAP):
        return best
    left = None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - start))
    exact = _solve_model(part, minimum=minimum, closed=None, time_limit=left,
                         lp_method=options.lp_method, mip_gap=options.mip_gap)
    if exact.status == "infeasible":
        return exact
    bound = min(best.bound, exact.bound) if exact.status in ("optimal", "time_limit") \
        else best.bound
    if exact.status == "failed" or exact.objective < best.objective or (
            exact.status == "time_limit" and exact.objective <= best.objective):
        winner = best
    else:
        winner = exact
    status: Status = "optimal" if exact.status == "optimal" else (
        "time_limit" if exact.status == "time_limit" else winner.status)
    return _Result(winner.x, winner.objective, max(bound, winner.objective), status,
                   winner.covered)


def _gap(res: _Result) -> float:
    return 0.0 if res.bound <= 0 else (res.bound - res.objective) / res.bound


def _repair(part: _Part, minimum: float, time_limit: float | None,
            lp_method: LpMethod, mip_gap: float) -> _Result:
    """LP relaxation with repair: close pairs carrying less than ``minimum``, re-solve.

    The first round relaxes the minimum-shipment model (flows continuous, MOQ and
    coverage binaries kept; at most half the time), so its bound is a proven bound.
    Later rounds are LPs with the buyers it serves and one covering lot per province
    fixed; a served buyer whose MOQ can no longer be met is dropped (an elastic MOQ row
    says which). A closed pair's kg are taken off its lot and buyer, so the LP does not
    push remainders onto new pairs, and pairs at or above the minimum stay there, so the
    current plan stays feasible for the next LP. After ``MAX_REPAIR_ROUNDS`` rounds, or
    when time runs out, the small pairs left are dropped with the buyers that leaves
    below their MOQ. Every plan returned is feasible.
    """
    start = time.perf_counter()
    closed = part.upper < minimum
    first = _solve_model(part, minimum=0.0, closed=closed,
                         time_limit=None if time_limit is None else time_limit / 2,
                         lp_method=lp_method, mip_gap=max(REPAIR_REL_GAP, mip_gap))
    # Infeasible coverage is proven only by the first relaxation.
    proven: Status = "infeasible" if first.status == "infeasible" else "feasible"
    res, rounds = first, 0
    locked = np.zeros(len(part.score), bool)
    capacity, demand = part.capacity.copy(), part.demand.copy()
    served = np.bincount(part.buyer, weights=res.x, minlength=len(demand)) > 0
    keep = _covering(part, res.x)
    fallback = np.zeros(len(part.score))  # the best feasible plan seen so far
    while True:
        timed_out = time_limit is not None and time.perf_counter() - start > time_limit
        if res.status in ("failed", "time_limit") and rounds > 0:
            # A repair LP gave up: keep the best feasible plan seen.
            return _Result(fallback, _value(part.score, fallback), first.bound,
                           "time_limit" if timed_out or res.status == "time_limit"
                           else "failed", _covered(part, fallback))
        if res.status == "failed":
            return _Result(fallback, 0.0, first.bound, "failed", np.zeros(part.n_groups, bool))
        got = np.bincount(part.buyer, weights=res.x, minlength=len(demand))
        short = served & (part.moq > 0) & (got < part.moq - 1e-6)
        small = (res.x > 0) & (res.x < minimum - 1e-6)
        status: Status = "time_limit" if timed_out or "time_limit" in (
            res.status, first.status) else proven
        if not small.any() and not short.any():
            return _Result(res.x, res.objective, max(first.bound, res.objective), status,
                           res.covered)
        truncated = _truncate(part, np.where(small, 0.0, res.x))
        if _feasible(part, truncated) and \
                _value(part.score, truncated) > _value(part.score, fallback):
            fallback = truncated
        if timed_out or rounds >= MAX_REPAIR_ROUNDS:
            return _Result(fallback, _value(part.score, fallback),
                           max(first.bound, _value(part.score, fallback)),
                           "time_limit" if timed_out else status, _covered(part, fallback))
        rounds += 1
        shrink = small & ~np.isin(part.lot, part.cover_lot[keep])
        capacity -= np.bincount(part.lot[shrink], weights=res.x[shrink],
                                minlength=len(capacity))
        demand -= np.bincount(part.buyer[shrink], weights=res.x[shrink], minlength=len(demand))
        locked |= res.x >= minimum - 1e-6
        closed = closed | small | short[part.buyer]
        served &= ~short
        left = None if time_limit is None else max(
            0.05, time_limit - (time.perf_counter() - start))
        res = _solve_fixed(part, np.where(closed, 0.0, part.upper),
                           np.where(locked & ~closed, minimum, 0.0), served, keep, capacity,
                           demand, left, lp_method)
        if res.status == "infeasible":
            # Fixed coverage no longer fits: let the MILP re-decide buyers and lots.
            res = _solve_model(part, minimum=0.0, closed=closed, time_limit=left,
                               lp_method=lp_method, mip_gap=mip_gap)
            served = np.bincount(part.buyer, weights=res.x, minlength=len(demand)) > 0
            keep = _covering(part, res.x)


def _truncate(part: _Part, x: FloatArray) -> FloatArray:
    """``x`` without the flows of buyers left below their MOQ."""
    got = np.bincount(part.buyer, weights=x, minlength=len(part.demand))
    short = (part.moq > 0) & (got < part.moq - 1e-6)
    return np.where(short[part.buyer], 0.0, x)


def _covering(part: _Part, x: FloatArray) -> BoolArray:
    """Per covering lot: is it the one that ships most in its covered group."""
    shipped = np.bincount(part.lot, weights=x, minlength=len(part.capacity))[part.cover_lot]
    ok = shipped >= part.cover_kg - 1e-6
    keep = np.zeros(len(part.cover_lot), bool)
    if ok.any():
        # Per group, the covering lot with the most kg (ties: the first).
        order = np.lexsort((-shipped, part.cover_group))
        order = order[ok[order]]
        first = np.r_[True, np.diff(part.cover_group[order]) != 0]
        keep[order[first]] = True
    return keep


def _solve_fixed(part: _Part, upper: FloatArray, lower: FloatArray, served: BoolArray,
                 keep: BoolArray,
                 capacity: FloatArray, demand: FloatArray, time_limit: float | None,
                 lp_method: LpMethod) -> _Result:
    """The LP with the served buyers and covering lots fixed: a served buyer gets up to
    its request, any other nothing; a kept covering lot ships its coverage kg; ``lower``
    bounds locked pairs. MOQs are
    elastic (a shortfall costs more than any score), so the LP is feasible unless
    coverage cannot be kept; the caller drops buyers left short."""
    n = len(upper)
    a_lot, a_buyer = _incidence(part)
    upper = np.where(served[part.buyer], upper, 0.0)
    floor = np.flatnonzero(served & (part.moq > 0))
    f = len(floor)
    slack = sparse.csr_matrix((-np.ones(f), (np.arange(f), np.arange(f))), shape=(f, f))
    a_ub = sparse.vstack([
        sparse.hstack([a_lot, sparse.csr_matrix((len(capacity), f))]),
        sparse.hstack([a_buyer, sparse.csr_matrix((len(demand), f))]),
        sparse.hstack([-a_buyer[floor], slack]),
        sparse.hstack([-a_lot[part.cover_lot[keep]], sparse.csr_matrix((int(keep.sum()), f))]),
    ]).tocsr()
    b_ub = np.concatenate([np.maximum(capacity, 0.0), np.maximum(demand, 0.0),
                           -part.moq[floor], -part.cover_kg[keep]])
    bounds = np.column_stack([np.concatenate([np.minimum(lower, upper), np.zeros(f)]),
                              np.concatenate([upper, part.moq[floor]])])
    res = linprog(np.concatenate([-part.score, np.full(f, 2.0)]), A_ub=a_ub, b_ub=b_ub,
                  bounds=bounds, method=_highs(lp_method),
                  options={} if time_limit is None else {"time_limit": time_limit})
    if res.status == 0:
        flow = _clean(res.x[:n], upper)
        value = _value(part.score, flow)
        return _Result(flow, value, value, "optimal", _covered(part, flow))
    codes: dict[int, Status] = {1: "time_limit", 2: "infeasible"}
    return _Result(np.zeros(n), 0.0, 0.0, codes.get(res.status, "failed"),
                   np.zeros(part.n_groups, bool))


def _feasible(part: _Part, x: FloatArray) -> bool:
    """MOQs hold and every group is still covered."""
    got = np.bincount(part.buyer, weights=x, minlength=len(part.demand))
    moq_ok = bool(np.all((got <= 1e-6) | (got >= part.moq - 1e-6)))
    return moq_ok and bool(_covered(part, x).all())


def _covered(part: _Part, x: FloatArray) -> BoolArray:
    shipped = np.bincount(part.lot, weights=x, minlength=len(part.capacity))
    ok = shipped[part.cover_lot] >= part.cover_kg - 1e-6
    return np.bincount(part.cover_group[ok], minlength=part.n_groups) > 0


def _solve_model(part: _Part, *, minimum: float, closed: BoolArray | None,
                 time_limit: float | None, lp_method: LpMethod, mip_gap: float,
                 refine: bool = True) -> _Result:
    """One solve of the part: LP when nothing is integer; MOQs alone by the repaired LP,
    then (with ``refine``) the MILP when :func:`_needs_milp`; else the MILP.
    With coverage that proves infeasible, cover as many groups as possible and solve
    for those."""
    upper = part.upper if closed is None else np.where(closed, 0.0, part.upper)
    with_moq = np.flatnonzero(part.moq > 0)
    if len(with_moq) == 0 and minimum <= 0 and part.n_groups == 0:
        return _solve_lp(part, upper, time_limit, lp_method)
    start = time.perf_counter()
    if minimum <= 0 and part.n_groups == 0 and len(part.demand) == 1 and \
            part.score.min() >= 0:
        # One buyer: it gets the most it can reach, or nothing when that is below its MOQ.
        lp = _solve_lp(part, upper, time_limit, lp_method)
        if lp.x.sum() >= part.moq[0] - 1e-6:
            return lp
        return _Result(np.zeros(len(part.score)), 0.0, 0.0, "optimal",
                       np.zeros(part.n_groups, bool))
    if minimum <= 0 and part.n_groups == 0:
        repaired = _repair_moq(part, upper, time_limit, lp_method)
        if not refine or not _needs_milp(part, repaired, mip_gap, repaired.bound):
            return repaired
        left = None if time_limit is None else max(0.05,
                                                   time_limit - (time.perf_counter() - start))
        return _exact_moq(part, upper, repaired, left, lp_method, mip_gap)
    res = _solve_milp(part, upper, minimum, np.arange(part.n_groups), time_limit, mip_gap)
    if res.status != "infeasible":
        return res
    # Coverage is impossible: find the largest set of groups that can be covered.
    left = None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - start))
    reachable = _solve_milp(part, upper, minimum, np.arange(part.n_groups), left, mip_gap,
                            max_coverage=True)
    if reachable.status not in ("optimal", "time_limit"):
        required = np.zeros(0, np.int64)
    else:
        required = np.flatnonzero(reachable.covered)
    left = None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - start))
    res = _solve_milp(part, upper, minimum, required, left, mip_gap)
    status: Status = "infeasible" if reachable.status == "optimal" else "time_limit"
    return _Result(res.x, res.objective, res.bound, status if res.status != "failed"
                   else "failed", res.covered)


def _repair_moq(part: _Part, upper: FloatArray, time_limit: float | None,
                lp_method: LpMethod) -> _Result:
    """MOQs by repair: solve the LP without them (a proven bound), then, until no served
    buyer is short of its MOQ, close the short buyers and re-solve only the pairs of the
    lots they free, every other flow fixed (re-solving the whole part each round took
    twice as long at national scale for a 0.24% instead of 0.30% gap, docs/benchmarks.md).

    Status ``optimal`` when the first LP already meets every MOQ, else ``feasible``;
    ``time_limit`` or ``failed`` when an LP gives up or time runs out, with the plan so
    far less its short buyers.
    """
    start = time.perf_counter()
    first = _solve_lp(part, upper, time_limit, lp_method)
    if first.status != "optimal":
        return first
    x = first.x
    status: Status = first.status
    closed = np.zeros(len(part.demand), bool)
    while True:
        got = np.bincount(part.buyer, weights=x, minlength=len(part.demand))
        short = (part.moq > 0) & (got > 0) & (got < part.moq - 1e-6)
        if not short.any():
            break
        closed |= short
        freed = np.zeros(len(part.capacity), bool)
        freed[part.lot[(x > 0) & short[part.buyer]]] = True
        x = np.where(short[part.buyer], 0.0, x)  # feasible: the plan if time runs out
        left = None if time_limit is None else time_limit - (time.perf_counter() - start)
        if left is not None and left <= 0:
            status = "time_limit"
            break
        pairs = np.flatnonzero(freed[part.lot] & ~closed[part.buyer])
        if len(pairs) == 0:
            continue
        fixed = x.copy()
        fixed[pairs] = 0.0
        sub = _residual_part(part, pairs, upper, fixed)
        res = _solve_lp(sub, sub.upper, left, lp_method)
        if res.status != "optimal":
            status = res.status
            break
        x = fixed
        x[pairs] = res.x
    if status == "optimal" and x is not first.x:
        status = "feasible"
    value = _value(part.score, x)
    return _Result(x, value, max(first.objective, value), status,
                   np.zeros(part.n_groups, bool), relaxed=first.x, slack=first.slack)


def _residual_part(part: _Part, pairs: IntArray, upper: FloatArray,
                   fixed: FloatArray) -> _Part:
    """The LP over ``pairs`` with what the ``fixed`` flows leave of each lot and buyer."""
    capacity = part.capacity - np.bincount(part.lot, weights=fixed, minlength=len(part.capacity))
    demand = part.demand - np.bincount(part.buyer, weights=fixed, minlength=len(part.demand))
    lots, lot_row = np.unique(part.lot[pairs], return_inverse=True)
    buyers, buyer_row = np.unique(part.buyer[pairs], return_inverse=True)
    capacity, demand = np.maximum(capacity[lots], 0.0), np.maximum(demand[buyers], 0.0)
    none = np.zeros(0, np.int64)
    return _Part(
        score=part.score[pairs], lot=lot_row.astype(np.int64), buyer=buyer_row.astype(np.int64),
        capacity=capacity, demand=demand, moq=part.moq[buyers],
        upper=np.minimum(upper[pairs], np.minimum(capacity[lot_row], demand[buyer_row])),
        cover_lot=none, cover_kg=np.zeros(0), cover_group=none, n_groups=0)


def _exact_moq(part: _Part, upper: FloatArray, start: _Result, time_limit: float | None,
               lp_method: LpMethod, mip_gap: float) -> _Result:
    """The MOQ model within ``mip_gap``, improving on the feasible plan ``start``: flow
    branch and bound first (with the OR-Tools backend), the MILP when that does not
    close the gap in ``BRANCH_NODES`` nodes."""
    begin = time.perf_counter()
    best = start
    if lp_method == "ortools" and mip_gap > 0 and BRANCH_NODES > 0:
        branched = _branch_moq(part, upper, start, time_limit, mip_gap)
        if branched is not None:
            if branched.status != "feasible":
                return branched
            best = branched
    left = None if time_limit is None else max(0.05,
                                               time_limit - (time.perf_counter() - begin))
    return _better(best, _solve_milp(part, upper, 0.0, np.zeros(0, np.int64), left, mip_gap))


def _branch_moq(part: _Part, upper: FloatArray, start: _Result, time_limit: float | None,
                mip_gap: float) -> _Result | None:
    """MOQs by branch and bound over buyers, with min-cost flows as relaxations.

    A node closes some buyers and holds others to at least their MOQ (a floor on the
    flow into the buyer); its flow, where the other buyers have no MOQ, bounds every
    plan below the node, and the same flow less its buyers short of their MOQ is a
    feasible plan. A node branches on its short buyer closest to its MOQ: held to it,
    or closed. Best bound first, from the feasible plan ``start``, until the best open
    bound is within ``mip_gap`` of the best plan (status ``optimal``), or for at most
    ``BRANCH_NODES`` nodes (``feasible``, with the best open bound) or until the time
    limit (``time_limit``); not at all (``feasible``) when the root flow leaves more
    than ``BRANCH_MAX_SHORT`` buyers short. None when a flow cannot be solved.

    Before branching, a dive of at most ``DIVE_NODES`` steps looks for a better plan
    than ``start``: it holds every short buyer of the root flow that has at least
    ``DIVE_HOLD`` of its MOQ and closes the others, re-solving only the lots of those
    buyers with every other flow fixed (:func:`_dive_step`), then does the same with
    the buyers that leaves short. Its plans are feasible but bound nothing; when one is
    within ``mip_gap`` of the root bound no branching is needed.

    On the parts of generated instances this proves in 1-9 nodes what the MILP proves
    several times slower; on dense synthetic parts where many buyers with MOQs compete
    for scarce supply the relaxation is weak and the MILP, with its cuts, takes over
    (``docs/benchmarks.md``).
    """
    begin = time.perf_counter()
    n_b = len(part.demand)
    tolerance = max(mip_gap, _EXACT_GAP)
    best_x, best_value = start.x, start.objective
    heap: list[tuple[float, int, npt.NDArray[np.int8], FloatArray]] = []
    pushed = itertools.count()  # ties on the heap go to the node pushed first
    nodes = 0  # flows solved

    def visit(state: npt.NDArray[np.int8], known: tuple[FloatArray, float] | None = None,
              *, branch: bool = True) -> FloatArray | None:
        # state per buyer: 0 free, 1 held to its MOQ, -1 closed; known: flows already
        # found for the node and their slack (the root's LP, or a dive step's plan, which
        # bounds nothing); branch: whether the node joins the tree.
        # Returns how close each short buyer is to its MOQ (-1 for the others), empty
        # when the node is infeasible, None when a flow failed.
        nonlocal best_x, best_value, nodes
        if known is None:
            nodes += 1
            bound = np.where(state[part.buyer] < 0, 0.0, upper)
            res = transport_flow(part.score, part.lot, part.buyer, capacity=part.capacity,
                                 demand=part.demand, upper=bound,
                                 floor=np.where(state > 0, part.moq, 0.0))
            if res.status != "optimal":
                return None if res.status == "failed" else np.zeros(0)
            known = _clean(res.flow, bound), res.slack
        x, slack = known
        got = np.bincount(part.buyer, weights=x, minlength=n_b)
        short = (state == 0) & (part.moq > 0) & (got > 0) & (got < part.moq - 1e-6)
        plan = np.where(short[part.buyer], 0.0, x)
        value = _value(part.score, plan)
        if value > best_value:
            best_x, best_value = plan, value
        ratio = np.where(short, got / np.where(part.moq > 0, part.moq, 1.0), -1.0)
        if branch and short.any():
            heapq.heappush(heap, (-(_value(part.score, x) + slack), next(pushed), state,
                                  ratio))
        return ratio

    def closed() -> bool:
        return not heap or -heap[0][0] - best_value <= -heap[0][0] * tolerance

    # The root is the LP without MOQs, which the repair behind ``start`` has solved.
    root = np.zeros(n_b, np.int8)
    ratio = visit(root, None if start.relaxed is None else (start.relaxed, start.slack))
    if ratio is None:
        return None
    if np.count_nonzero(ratio >= 0) > BRANCH_MAX_SHORT:
        status: Status = "feasible"  # too many buyers to branch on: the MILP decides
    else:
        status = "optimal"
        dive, x_dive = root, start.relaxed
        for _ in range(DIVE_NODES):
            if x_dive is None or closed() or not (ratio >= 0).any() or (
                    time_limit is not None and time.perf_counter() - begin > time_limit):
                break
            dive = dive.copy()
            dive[ratio >= DIVE_HOLD] = 1
            dive[(ratio >= 0) & (ratio < DIVE_HOLD)] = -1
            x_dive = _dive_step(part, upper, dive, x_dive, ratio >= 0)
            step = None if x_dive is None else visit(dive, (x_dive, 0.0), branch=False)
            if step is None:
                break
            ratio = step
    while status == "optimal" and not closed():
        if nodes + 2 > BRANCH_NODES:
            status = "feasible"
            break
        if time_limit is not None and time.perf_counter() - begin > time_limit:
            status = "time_limit"
            break
        _, _, state, ratio = heapq.heappop(heap)
        closest = int(np.argmax(ratio))
        for choice in (1, -1):
            child = state.copy()
            child[closest] = choice
            if visit(child) is None:
                return None
    open_bound = -heap[0][0] if heap else best_value
    bound = max(min(open_bound, start.bound), best_value)
    return _Result(best_x, best_value, bound, status, np.zeros(part.n_groups, bool))


def _dive_step(part: _Part, upper: FloatArray, state: npt.NDArray[np.int8],
               x: FloatArray, changed: BoolArray) -> FloatArray | None:
    """The flows ``x`` with the lots of the ``changed`` buyers re-solved for ``state``
    (held buyers get at least their MOQ, closed ones nothing), every other flow fixed;
    None when that is infeasible or fails."""
    bound = np.where(state[part.buyer] < 0, 0.0, upper)
    lots = np.zeros(len(part.capacity), bool)
    lots[part.lot[changed[part.buyer] & ((state[part.buyer] > 0) | (x > 0))]] = True
    pairs = np.flatnonzero(lots[part.lot] & (bound > 0))
    fixed = np.where(lots[part.lot] | (bound <= 0), 0.0, x)
    sub = _residual_part(part, pairs, bound, fixed)
    buyers = np.unique(part.buyer[pairs])
    inflow = np.bincount(part.buyer, weights=fixed, minlength=len(part.demand))[buyers]
    floor = np.where(state[buyers] > 0, np.maximum(part.moq[buyers] - inflow, 0.0), 0.0)
    res = transport_flow(sub.score, sub.lot, sub.buyer, capacity=sub.capacity,
                         demand=sub.demand, upper=sub.upper, floor=floor)
    if res.status != "optimal":
        return None
    out = fixed.copy()
    out[pairs] = _clean(res.flow, sub.upper)
    return out


def _needs_milp(part: _Part, repaired: _Result, mip_gap: float, total: float) -> bool:
    """Whether the MILP should try to close the gap a repaired MOQ plan left: on parts of
    at most ``MOQ_MILP_MAX_PAIRS`` pairs whenever the gap is above ``mip_gap``, and on
    parts of up to ``MOQ_MILP_LARGE_PAIRS`` when the gap is above ``mip_gap`` of the
    ``total`` bound of the instance (a gap that shows in the whole plan)."""
    if repaired.status != "feasible" or part.n_groups > 0 or \
            _gap(repaired) <= max(mip_gap, _EXACT_GAP):
        return False
    n = len(part.score)
    return n <= MOQ_MILP_MAX_PAIRS or (
        n <= MOQ_MILP_LARGE_PAIRS and repaired.bound - repaired.objective > mip_gap * total)


def _better(repaired: _Result, exact: _Result) -> _Result:
    """The better plan of the repaired LP and the MILP, with the tighter proven bound."""
    if exact.status in ("failed", "infeasible"):
        return repaired
    bound = min(repaired.bound, exact.bound)
    best = exact if exact.objective >= repaired.objective else repaired
    status: Status = exact.status if exact.status == "time_limit" else "optimal"
    return _Result(best.x, best.objective, max(bound, best.objective), status, best.covered)


def _highs(lp_method: LpMethod) -> LpMethod:
    return LP_METHOD if lp_method == "ortools" else lp_method


def _solve_lp(part: _Part, upper: FloatArray, time_limit: float | None,
              lp_method: LpMethod) -> _Result:
    n = len(part.score)
    none = np.zeros(0, bool)
    if len(part.demand) == 1:
        x = _fill_one_buyer(part, upper)
        value = _value(part.score, x)
        return _Result(x, value, value, "optimal", none)
    if lp_method == "ortools":
        flow = part.lp if part.lp is not None and upper is part.upper else transport_flow(
            part.score, part.lot, part.buyer, capacity=part.capacity, demand=part.demand,
            upper=upper)
        if flow.status == "optimal":
            x = _clean(flow.flow, upper)
            value = _value(part.score, x)
            return _Result(x, value, value, "optimal", none, slack=flow.slack)
    a_lot, a_buyer = _incidence(part)
    res = linprog(-part.score, A_ub=sparse.vstack([a_lot, a_buyer]).tocsr(),
                  b_ub=np.concatenate([part.capacity, part.demand]),
                  bounds=np.column_stack([np.zeros(n), upper]), method=_highs(lp_method),
                  options={} if time_limit is None else {"time_limit": time_limit})
    if res.status == 0:
        x = _clean(res.x, upper)
        value = _value(part.score, x)
        return _Result(x, value, value, "optimal", none)
    return _Result(np.zeros(n), 0.0, _value(part.score, upper),
                   "time_limit" if res.status == 1 else "failed", none)


def _fill_one_buyer(part: _Part, upper: FloatArray) -> FloatArray:
    """The LP of a part with one buyer, exactly: its lots by score (ties: pair order),
    each up to its capacity and pair bound, until the buyer's quantity is reached (no
    pair of negative score). Most parts of small instances have one buyer (48 of 81 at
    2,000 x 300); this spares them a solver call, and :func:`_fill_singles` does the
    same for all of them at once."""
    x: FloatArray = _fill_rows(part.score[None],
                               np.minimum(upper, part.capacity[part.lot])[None],
                               upper[None], part.demand[:1])[0]
    return x


def _fill_rows(score: FloatArray, room: FloatArray, upper: FloatArray,
               demand: FloatArray) -> FloatArray:
    """Per row of ``score`` (a buyer and its pairs), each pair by score, best first (ties:
    pair order), up to its ``room`` (none for a negative score) until the row's
    ``demand`` is reached; flows cleaned against ``upper``."""
    room = np.where(score < 0, 0.0, room)
    order = np.lexsort((np.broadcast_to(np.arange(score.shape[1]), score.shape), -score),
                       axis=-1)
    room_sorted = np.take_along_axis(room, order, axis=1)
    before = np.cumsum(room_sorted, axis=1) - room_sorted
    x = np.empty_like(room)
    np.put_along_axis(x, order, np.clip(demand[:, None] - before, 0.0, room_sorted), axis=1)
    return _clean(x, upper)


def _incidence(part: _Part) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    n = len(part.score)
    cols = np.arange(n)
    a_lot = sparse.csr_matrix((np.ones(n), (part.lot, cols)), shape=(len(part.capacity), n))
    a_buyer = sparse.csr_matrix((np.ones(n), (part.buyer, cols)), shape=(len(part.demand), n))
    return a_lot, a_buyer


def _solve_milp(part: _Part, upper: FloatArray, minimum: float, required: IntArray,
                time_limit: float | None, rel_gap: float, *,
                max_coverage: bool = False) -> _Result:
    """Variables: pair flows x (n), a binary per buyer with an MOQ (m), a binary per lot
    that may cover its group (q) and, when maximising coverage, a covered flag per
    group (g)."""
    if minimum > 0 and upper.max(initial=0.0) > SEMI_MAX:
        # HiGHS rejects semi-continuous variables above 1e5 ("Solve error"): solve in
        # units of 10^k kg and scale back (scores are per kg, so the objective scales too).
        scale = 10.0 ** np.ceil(np.log10(upper.max() / SEMI_MAX))
        small = replace(part, capacity=part.capacity / scale, demand=part.demand / scale,
                        moq=part.moq / scale, upper=part.upper / scale,
                        cover_kg=part.cover_kg / scale)
        res = _solve_milp(small, upper / scale, minimum / scale, required, time_limit, rel_gap,
                          max_coverage=max_coverage)
        x = _clean(res.x * scale, upper)
        bound = res.bound * scale if not max_coverage else 0.0
        return _Result(x, _value(part.score, x), max(bound, _value(part.score, x))
                       if not max_coverage else 0.0, res.status, res.covered)
    n, n_b = len(part.score), len(part.demand)
    a_lot, a_buyer = _incidence(part)
    with_moq = np.flatnonzero(part.moq > 0)
    m = len(with_moq)
    keep = np.isin(part.cover_group, required) if not max_coverage else \
        np.ones(len(part.cover_lot), bool)
    cover_lot, cover_kg = part.cover_lot[keep], part.cover_kg[keep]
    cover_group = part.cover_group[keep]
    q = len(cover_lot)
    g = part.n_groups if max_coverage else 0
    width = n + m + q + g

    def row(*blocks: tuple[int, sparse.spmatrix]) -> sparse.csr_matrix:
        """Rows with each ``(column offset, matrix)`` block in place, zeros elsewhere."""
        height = blocks[0][1].shape[0]
        pieces, at = [], 0
        for offset, mat in blocks:
            if offset > at:
                pieces.append(sparse.csr_matrix((height, offset - at)))
            pieces.append(sparse.csr_matrix(mat))
            at = offset + mat.shape[1]
        if at < width:
            pieces.append(sparse.csr_matrix((height, width - at)))
        return sparse.hstack(pieces).tocsr()

    served = sparse.csr_matrix((part.demand[with_moq], (with_moq, np.arange(m))), shape=(n_b, m))
    constraints = [
        LinearConstraint(row((0, a_lot)), -np.inf, part.capacity),
        LinearConstraint(row((0, a_buyer), (n, -served)), -np.inf,
                         np.where(part.moq > 0, 0.0, part.demand)),
    ]
    if m:
        constraints.append(LinearConstraint(
            row((0, a_buyer[with_moq]), (n, -sparse.diags(part.moq[with_moq]))), 0.0, np.inf))
        # x_k <= upper_k * y_b per pair: redundant for integer y, but a much tighter
        # relaxation (200 x 100 instances prove optimal up to 10x faster; at 2,000 x 1,000
        # the extra rows cost more than they save, see docs/benchmarks.md).
        binary = np.full(n_b, -1, np.int64)
        binary[with_moq] = np.arange(m)
        linked = np.flatnonzero(binary[part.buyer] >= 0) if n <= LINK_MAX_PAIRS else \
            np.zeros(0, np.int64)
        link = sparse.csr_matrix((-upper[linked], (np.arange(len(linked)),
                                                   binary[part.buyer[linked]])),
                                 shape=(len(linked), m))
        rows_x = sparse.csr_matrix((np.ones(len(linked)), (np.arange(len(linked)), linked)),
                                   shape=(len(linked), n))
        constraints.append(LinearConstraint(row((0, rows_x), (n, link)), -np.inf, 0.0))
    if q:
        constraints.append(LinearConstraint(
            row((0, a_lot[cover_lot]), (n + m, -sparse.diags(cover_kg))), 0.0, np.inf))
        groups = sparse.csr_matrix((np.ones(q), (cover_group, np.arange(q))),
                                   shape=(part.n_groups, q))
        if max_coverage:
            constraints.append(LinearConstraint(
                row((n + m, groups), (n + m + q, -sparse.identity(g))), 0.0, np.inf))
        else:
            wanted = np.flatnonzero(np.bincount(cover_group, minlength=part.n_groups) > 0)
            constraints.append(LinearConstraint(row((n + m, groups[wanted])), 1.0, np.inf))
    lower = np.zeros(width)
    upper_all = np.concatenate([upper, np.ones(m + q + g)])
    integrality = np.concatenate([np.zeros(n), np.ones(m + q), np.zeros(g)])
    if minimum > 0:
        usable = upper >= minimum
        lower[:n] = np.where(usable, minimum, 0.0)
        upper_all[:n] = np.where(usable, upper, 0.0)
        integrality[:n] = np.where(usable, 2, 0)
    objective = np.concatenate([-part.score, np.zeros(m + q + g)]) if not max_coverage else \
        np.concatenate([np.zeros(n + m + q), -np.ones(g)])
    options: dict[str, float | bool] = {"mip_rel_gap": rel_gap}
    if time_limit is not None:
        options["time_limit"] = time_limit
    if minimum <= 0 and q == 0 and g == 0:
        # The MOQ-only model: HiGHS presolve costs more than it saves here (200 x 100 with
        # scarce supply, 10 seeds: max 2.5 s -> 0.8 s; 1,000 x 500: median 14.5 s -> 6.2 s;
        # same optima; docs/benchmarks.md).
        options["presolve"] = False
    res = milp(objective, integrality=integrality, bounds=Bounds(lower, upper_all),
               constraints=constraints, options=options)
    codes: dict[int, Status] = {0: "optimal", 1: "time_limit", 2: "infeasible"}
    status = codes.get(res.status, "failed")
    if res.x is None:
        if status == "time_limit":
            # No plan found in time: nothing is allocated (feasible unless coverage).
            return _Result(np.zeros(n), 0.0, _value(part.score, upper), status,
                           np.zeros(part.n_groups, bool))
        return _Result(np.zeros(n), 0.0, 0.0, status, np.zeros(part.n_groups, bool))
    x = _clean(res.x[:n], upper)
    if max_coverage:
        covered = res.x[n + m + q:] > 0.5
        return _Result(x, _value(part.score, x), 0.0, status, covered)
    value = _value(part.score, x)
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else value
    return _Result(x, value, max(bound, value), status, _covered(part, x))


def _value(score: FloatArray, x: FloatArray) -> float:
    """``score @ x`` summed the same way on every machine: a BLAS dot product splits
    long vectors over its threads, so its last digits depend on how many there are
    (and it leaves a thread spinning into the next stage)."""
    return float(np.sum(score * x))


def _clean(x: FloatArray, upper: FloatArray) -> FloatArray:
    """Clip solver noise: flows below a gram are zero, none above its bound."""
    x = np.clip(x, 0.0, upper)
    return np.where(x < _TINY_KG, 0.0, x)
