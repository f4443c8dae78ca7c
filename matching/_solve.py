"""The weighted assignment of lots to buyers, as plain functions over arrays.

Maximise ``sum(score * x)`` over the candidate pairs subject to lot capacity, buyer
quantity, buyer minimum order quantity (a served buyer gets at least ``moq`` kg) and an
optional minimum shipment per pair. Without MOQs or minimum shipments this is a
transportation LP (``scipy.optimize.linprog``, HiGHS); otherwise a MILP
(``scipy.optimize.milp``, HiGHS) with one binary per buyer with an MOQ and
semi-continuous pair flows for minimum shipments. Independent parts (connected
components of the candidate graph) are solved separately.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

__all__ = ["Solution", "solve_assignment"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Status = Literal["optimal", "time_limit", "failed"]


@dataclass(frozen=True, slots=True)
class Solution:
    """Flows per candidate pair, the objective, and how sure the solver is of it."""

    flow: FloatArray
    objective: float
    bound: float
    status: Status
    message: str
    parts: int

    @property
    def gap(self) -> float:
        """Relative gap between the objective and the proven bound (0 when optimal)."""
        if self.bound <= 0:
            return 0.0
        return max(0.0, (self.bound - self.objective) / self.bound)


def solve_assignment(
    score: FloatArray, lot: IntArray, buyer: IntArray, *, capacity: FloatArray,
    demand: FloatArray, moq: FloatArray, min_shipment: float = 0.0,
    time_limit: float | None = None,
) -> Solution:
    """Solve the assignment over candidate pairs ``(lot[k], buyer[k])`` with ``score[k]``.

    Parameters
    ----------
    score, lot, buyer : arrays of the candidate pairs
        Score per kg and the lot and buyer index of each pair.
    capacity : array
        Kilograms available per lot.
    demand, moq : arrays
        Kilograms requested and minimum order quantity per buyer (0 = none).
    min_shipment : float, default 0
        Smallest kg on any used pair (0 = no minimum).
    time_limit : float, optional
        Seconds for the whole solve; parts share what is left.

    Returns
    -------
    Solution
        Never raises for a hard instance: on a time limit the best plan found is
        returned with its status and gap (all-zero flows are always feasible).

    Examples
    --------
    >>> sol = solve_assignment(np.array([0.9, 0.5]), np.array([0, 0]), np.array([0, 1]),
    ...                        capacity=np.array([10.0]), demand=np.array([6.0, 8.0]),
    ...                        moq=np.array([0.0, 5.0]))
    >>> sol.flow.tolist(), sol.status
    ([5.0, 5.0], 'optimal')
    """
    start = time.perf_counter()
    n_lots, n_buyers = len(capacity), len(demand)
    flow = np.zeros(len(score))
    if len(score) == 0:
        return Solution(flow, 0.0, 0.0, "optimal", "no candidate pairs", 0)
    graph = sparse.coo_matrix((np.ones(len(lot)), (lot, n_lots + buyer)),
                              shape=(n_lots + n_buyers,) * 2)
    _, label = connected_components(graph, directed=False)
    part_of_pair = label[lot]
    order = np.argsort(part_of_pair, kind="stable")
    bounds = np.searchsorted(part_of_pair[order], np.unique(part_of_pair), side="left")
    pieces = np.split(order, bounds[1:])
    objective = bound = 0.0
    statuses: list[Status] = []
    for k, pairs in enumerate(pieces):
        left = None if time_limit is None else max(
            0.1, (time_limit - (time.perf_counter() - start)) / (len(pieces) - k))
        x, obj, bnd, status = _solve_part(score[pairs], lot[pairs], buyer[pairs],
                                          capacity=capacity, demand=demand, moq=moq,
                                          min_shipment=min_shipment, time_limit=left)
        flow[pairs] = x
        objective += obj
        bound += bnd
        statuses.append(status)
    overall: Status = "failed" if "failed" in statuses else (
        "time_limit" if "time_limit" in statuses else "optimal")
    message = {"optimal": "optimal plan found",
               "time_limit": "time limit reached; the best plan found is returned",
               "failed": "the solver failed on some parts; those parts are left unallocated"}
    return Solution(flow, objective, max(bound, objective), overall, message[overall],
                    len(pieces))


def _solve_part(score: FloatArray, lot: IntArray, buyer: IntArray, *, capacity: FloatArray,
                demand: FloatArray, moq: FloatArray, min_shipment: float,
                time_limit: float | None) -> tuple[FloatArray, float, float, Status]:
    lots, lot_row = np.unique(lot, return_inverse=True)
    buyers, buyer_row = np.unique(buyer, return_inverse=True)
    n, n_l, n_b = len(score), len(lots), len(buyers)
    upper = np.minimum(capacity[lot], demand[buyer])
    cols = np.arange(n)
    a_lot = sparse.csr_matrix((np.ones(n), (lot_row, cols)), shape=(n_l, n))
    a_buyer = sparse.csr_matrix((np.ones(n), (buyer_row, cols)), shape=(n_b, n))
    part_moq = moq[buyers]
    with_moq = np.flatnonzero(part_moq > 0)
    if len(with_moq) == 0 and min_shipment <= 0:
        res = linprog(-score, A_ub=sparse.vstack([a_lot, a_buyer]).tocsr(),
                      b_ub=np.concatenate([capacity[lots], demand[buyers]]),
                      bounds=np.column_stack([np.zeros(n), upper]), method="highs",
                      options={} if time_limit is None else {"time_limit": time_limit})
        if res.status == 0:
            x = _clean(res.x, upper)
            value = float(score @ x)
            return x, value, value, "optimal"
        return np.zeros(n), 0.0, float(score @ upper), "time_limit" if res.status == 1 \
            else "failed"
    # Variables: pair flows x (n), then one binary y per buyer with an MOQ.
    m = len(with_moq)
    served = sparse.csr_matrix((np.ones(m), (with_moq, np.arange(m))), shape=(n_b, m))
    a_moq_rows = a_buyer[with_moq]
    constraints = [
        LinearConstraint(sparse.hstack([a_lot, sparse.csr_matrix((n_l, m))]), -np.inf,
                         capacity[lots]),
        LinearConstraint(sparse.hstack([a_buyer, -served.multiply(demand[buyers][:, None])]),
                         -np.inf, np.where(part_moq > 0, 0.0, demand[buyers])),
    ]
    if m:
        constraints.append(LinearConstraint(
            sparse.hstack([a_moq_rows, -sparse.diags(part_moq[with_moq])]), 0.0, np.inf))
    lower = np.zeros(n + m)
    integrality = np.concatenate([np.zeros(n), np.ones(m)])
    if min_shipment > 0:
        usable = upper >= min_shipment
        lower[:n] = np.where(usable, min_shipment, 0.0)
        upper = np.where(usable, upper, 0.0)
        integrality[:n] = np.where(usable, 2, 0)
    options: dict[str, float] = {"mip_rel_gap": 1e-9}
    if time_limit is not None:
        options["time_limit"] = time_limit
    res = milp(-np.concatenate([score, np.zeros(m)]), integrality=integrality,
               bounds=Bounds(lower, np.concatenate([upper, np.ones(m)])),
               constraints=constraints, options=options)
    if res.x is None:
        return np.zeros(n), 0.0, float(score @ upper), \
            "time_limit" if res.status == 1 else "failed"
    x = _clean(res.x[:n], upper)
    value = float(score @ x)
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else value
    return x, value, max(bound, value), "optimal" if res.status == 0 else "time_limit"


def _clean(x: FloatArray, upper: FloatArray) -> FloatArray:
    """Clip solver noise: flows below a gram are zero, none above its bound."""
    x = np.clip(x, 0.0, upper)
    return np.where(x < 1e-3, 0.0, x)
