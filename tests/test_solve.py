"""The assignment solver against a direct full-model ``scipy.optimize.milp`` solve."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matching._solve import solve_assignment


def reference(score, lot, buyer, capacity, demand, moq, min_shipment=0.0):
    """The whole model in one dense MILP: x per pair, y per buyer (served or not)."""
    n, n_l, n_b = len(score), len(capacity), len(demand)
    a_lot = np.zeros((n_l, n + n_b))
    a_buy = np.zeros((n_b, n + n_b))
    a_moq = np.zeros((n_b, n + n_b))
    a_lot[lot, np.arange(n)] = 1
    a_buy[buyer, np.arange(n)] = 1
    a_buy[np.arange(n_b), n + np.arange(n_b)] = -demand
    a_moq[buyer, np.arange(n)] = 1
    a_moq[np.arange(n_b), n + np.arange(n_b)] = -moq
    upper = np.minimum(capacity[lot], demand[buyer])
    lower = np.zeros(n + n_b)
    integrality = np.r_[np.zeros(n), np.ones(n_b)]
    if min_shipment > 0:
        usable = upper >= min_shipment
        lower[:n] = np.where(usable, min_shipment, 0)
        upper = np.where(usable, upper, 0)
        integrality[:n] = np.where(usable, 2, 0)
    res = milp(-np.r_[score, np.zeros(n_b)], integrality=integrality,
               bounds=Bounds(lower, np.r_[upper, np.ones(n_b)]),
               constraints=[LinearConstraint(a_lot, -np.inf, capacity),
                            LinearConstraint(a_buy, -np.inf, 0),
                            LinearConstraint(a_moq, 0, np.inf)],
               options={"mip_rel_gap": 1e-9})
    assert res.status == 0
    return -res.fun


@st.composite
def instances(draw, max_lots=8, max_buyers=6):
    n_l = draw(st.integers(1, max_lots))
    n_b = draw(st.integers(1, max_buyers))
    pairs = sorted(draw(st.sets(st.tuples(st.integers(0, n_l - 1), st.integers(0, n_b - 1)),
                                min_size=1, max_size=n_l * n_b)))
    lot = np.array([p[0] for p in pairs])
    buyer = np.array([p[1] for p in pairs])
    score = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=len(pairs),
                                   max_size=len(pairs))))
    capacity = np.array(draw(st.lists(st.integers(0, 5000), min_size=n_l, max_size=n_l)), float)
    demand = np.array(draw(st.lists(st.integers(1, 8000), min_size=n_b, max_size=n_b)), float)
    moq = np.array([draw(st.sampled_from([0.0, 0.3, 0.8, 1.0])) for _ in range(n_b)]) * demand
    return score, lot, buyer, capacity, demand, np.round(moq)


def check_feasible(sol, lot, buyer, capacity, demand, moq, min_shipment=0.0):
    flow = sol.flow
    assert np.all(flow >= 0)
    used = np.bincount(lot, weights=flow, minlength=len(capacity))
    got = np.bincount(buyer, weights=flow, minlength=len(demand))
    assert np.all(used <= capacity + 1e-6)
    assert np.all(got <= demand + 1e-6)
    served = got > 1e-6
    assert np.all(got[served] >= moq[served] - 1e-6)
    if min_shipment:
        assert np.all((flow == 0) | (flow >= min_shipment - 1e-6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_objective_equals_full_model(instance):
    score, lot, buyer, capacity, demand, moq = instance
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq)
    assert sol.status == "optimal"
    check_feasible(sol, lot, buyer, capacity, demand, moq)
    expected = reference(score, lot, buyer, capacity, demand, moq)
    assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert sol.objective == pytest.approx(float(score @ sol.flow), rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_lots=6, max_buyers=4), st.sampled_from([100.0, 700.0]))
def test_minimum_shipment_equals_full_model(instance, min_shipment):
    score, lot, buyer, capacity, demand, moq = instance
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           min_shipment=min_shipment)
    check_feasible(sol, lot, buyer, capacity, demand, moq, min_shipment)
    expected = reference(score, lot, buyer, capacity, demand, moq, min_shipment)
    assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_moq_buyer_is_served_fully_or_not_at_all():
    # One lot of 1,000 kg; buyer 0 needs at least 1,500 kg, so buyer 1 gets everything.
    sol = solve_assignment(np.array([0.9, 0.2]), np.array([0, 0]), np.array([0, 1]),
                           capacity=np.array([1000.0]), demand=np.array([2000.0, 500.0]),
                           moq=np.array([1500.0, 0.0]))
    assert sol.flow.tolist() == [0.0, 500.0]


def test_pooling_two_lots_meets_an_moq():
    sol = solve_assignment(np.array([0.5, 0.5]), np.array([0, 1]), np.array([0, 0]),
                           capacity=np.array([800.0, 900.0]), demand=np.array([2000.0]),
                           moq=np.array([1500.0]))
    assert sol.flow.tolist() == [800.0, 900.0]


def test_independent_parts_are_counted():
    sol = solve_assignment(np.array([1.0, 1.0]), np.array([0, 1]), np.array([0, 1]),
                           capacity=np.array([1.0, 1.0]), demand=np.array([1.0, 1.0]),
                           moq=np.zeros(2))
    assert sol.parts == 2
    assert sol.gap == 0.0


def test_no_pairs():
    empty = np.zeros(0, dtype=np.int64)
    sol = solve_assignment(np.zeros(0), empty, empty, capacity=np.ones(2), demand=np.ones(1),
                           moq=np.zeros(1))
    assert sol.status == "optimal" and sol.objective == 0.0
