"""The assignment solver against a direct full-model ``scipy.optimize.milp`` solve."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matching import _flow, _solve
from matching._solve import solve_assignment


def reference(score, lot, buyer, capacity, demand, moq, min_shipment=0.0, group=None,
              coverage_kg=0.0, required=None):
    """The whole model in one dense MILP: x per pair, y per buyer (served or not), z per
    lot (covers its group). Returns the optimum, or None when infeasible."""
    n, n_l, n_b = len(score), len(capacity), len(demand)
    width = n + n_b + n_l
    a_lot = np.zeros((n_l, width))
    a_buy = np.zeros((n_b, width))
    a_moq = np.zeros((n_b, width))
    a_cover = np.zeros((n_l, width))
    a_lot[lot, np.arange(n)] = 1
    a_buy[buyer, np.arange(n)] = 1
    a_buy[np.arange(n_b), n + np.arange(n_b)] = -demand
    a_moq[buyer, np.arange(n)] = 1
    a_moq[np.arange(n_b), n + np.arange(n_b)] = -moq
    a_cover[lot, np.arange(n)] = 1
    a_cover[np.arange(n_l), n + n_b + np.arange(n_l)] = -np.maximum(
        np.minimum(capacity, coverage_kg), 1e-3)
    constraints = [LinearConstraint(a_lot, -np.inf, capacity),
                   LinearConstraint(a_buy, -np.inf, 0),
                   LinearConstraint(a_moq, 0, np.inf),
                   LinearConstraint(a_cover, 0, np.inf)]
    upper = np.minimum(capacity[lot], demand[buyer])
    lower = np.zeros(width)
    integrality = np.r_[np.zeros(n), np.ones(n_b + n_l)]
    if min_shipment > 0:
        # A binary w per pair (big M, unlike the solver's semi-continuous flows):
        # min_shipment * w <= x <= upper * w.
        upper = np.where(upper >= min_shipment, upper, 0)
        constraints = [LinearConstraint(np.c_[c.A, np.zeros((c.A.shape[0], n))], c.lb, c.ub)
                       for c in constraints]
        width += n
        lower = np.zeros(width)
        integrality = np.r_[integrality, np.ones(n)]
        constraints.append(LinearConstraint(
            np.c_[np.eye(n), np.zeros((n, n_b + n_l)), -np.diag(upper)], -np.inf, 0))
        constraints.append(LinearConstraint(
            np.c_[np.eye(n), np.zeros((n, n_b + n_l)), -min_shipment * np.eye(n)], 0,
            np.inf))
    if group is not None:
        groups = np.unique(group[lot]) if required is None else required
        a_group = np.zeros((len(groups), width))
        for i, g in enumerate(groups):
            a_group[i, n + n_b + np.flatnonzero(group == g)] = 1
        if len(groups):
            constraints.append(LinearConstraint(a_group, 1, np.inf))
    res = milp(-np.r_[score, np.zeros(width - n)], integrality=integrality,
               bounds=Bounds(lower, np.r_[upper, np.ones(width - n)]),
               constraints=constraints, options={"mip_rel_gap": 1e-9})
    if res.status == 2:
        return None
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
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           mip_gap=0.0)
    assert sol.status == "optimal"
    check_feasible(sol, lot, buyer, capacity, demand, moq)
    expected = reference(score, lot, buyer, capacity, demand, moq)
    assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    assert sol.objective == pytest.approx(float(score @ sol.flow), rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from([1e-4, 0.05]),
       st.sampled_from(["repair", "milp", "branch", "both", "handover", "simplex"]))
def test_optimal_means_within_the_mip_gap(instance, mip_gap, exact):
    # "repair": every part keeps the repaired LP plan (as parts above MOQ_MILP_MAX_PAIRS
    # do at national scale); "milp": HiGHS only; "branch": the flow branch and bound
    # (OR-Tools); "both": branch and bound cut short after two nodes, then the MILP;
    # "handover": the root's short buyers always too many, so the MILP at once;
    # "simplex": "branch" with every LP without floors on POT's network simplex, each
    # part on its own. Whatever runs: feasible, bound proven, optimal only when within
    # the gap.
    score, lot, buyer, capacity, demand, moq = instance
    flow = exact in ("branch", "both", "handover", "simplex")
    if flow:
        pytest.importorskip("ortools")
    if exact == "simplex":
        pytest.importorskip("ot")
    with pytest.MonkeyPatch.context() as patch:
        if exact == "simplex":
            patch.setattr(_flow, "SIMPLEX_MIN_PAIRS", 0)
            patch.setattr(_solve, "TOGETHER_MAX_PAIRS", 0)
        if exact == "repair":
            patch.setattr(_solve, "MOQ_MILP_MAX_PAIRS", 0)
            patch.setattr(_solve, "MOQ_MILP_LARGE_PAIRS", 0)
        if exact == "both":
            patch.setattr(_solve, "BRANCH_NODES", 2)
        if exact == "handover":
            patch.setattr(_solve, "BRANCH_MAX_SHORT", 0)
        sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                               mip_gap=mip_gap, lp_method="ortools" if flow else "highs-ds")
    check_feasible(sol, lot, buyer, capacity, demand, moq)
    expected = reference(score, lot, buyer, capacity, demand, moq)
    assert sol.objective <= expected + 1e-6
    assert sol.bound >= expected - 1e-6 * max(1.0, expected)
    assert sol.status in ("optimal", "feasible")
    assert (sol.status == "optimal") == (sol.gap <= mip_gap)
    if sol.status == "optimal":
        assert sol.objective >= expected * (1 - mip_gap) - 1e-6


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_lots=6, max_buyers=4), st.sampled_from([100.0, 700.0]),
       st.sampled_from(["auto", "exact"]))
def test_minimum_shipment_equals_full_model(instance, min_shipment, method):
    score, lot, buyer, capacity, demand, moq = instance
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           min_shipment=min_shipment, min_shipment_method=method, mip_gap=0.0)
    assert sol.status == "optimal"
    check_feasible(sol, lot, buyer, capacity, demand, moq, min_shipment)
    expected = reference(score, lot, buyer, capacity, demand, moq, min_shipment)
    assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_lots=8, max_buyers=5), st.sampled_from([100.0, 700.0, 2000.0]))
def test_repair_is_feasible_and_its_gap_is_proven(instance, min_shipment):
    score, lot, buyer, capacity, demand, moq = instance
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           min_shipment=min_shipment, min_shipment_method="repair")
    assert sol.status in ("optimal", "feasible")
    check_feasible(sol, lot, buyer, capacity, demand, moq, min_shipment)
    expected = reference(score, lot, buyer, capacity, demand, moq, min_shipment)
    assert sol.objective <= expected + 1e-6
    assert sol.bound >= expected - 1e-6 * max(1.0, expected)
    if sol.status == "optimal":
        assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)


def covered_groups(flow, lot, capacity, group, coverage_kg):
    shipped = np.bincount(lot, weights=flow, minlength=len(capacity))
    served = shipped >= np.maximum(np.minimum(capacity, coverage_kg), 1e-3) - 1e-6
    return set(group[served].tolist())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_lots=8, max_buyers=5), st.data(), st.sampled_from([0.0, 400.0]))
def test_coverage_equals_full_model(instance, data, min_shipment):
    score, lot, buyer, capacity, demand, moq = instance
    group = np.array(data.draw(st.lists(st.integers(0, 3), min_size=len(capacity),
                                        max_size=len(capacity))))
    coverage_kg = 1000.0
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           min_shipment=min_shipment, min_shipment_method="exact",
                           lot_group=group, coverage_kg=coverage_kg, mip_gap=0.0)
    check_feasible(sol, lot, buyer, capacity, demand, moq, min_shipment)
    wanted = set(group[lot].tolist())
    covered = covered_groups(sol.flow, lot, capacity, group, coverage_kg)
    expected = reference(score, lot, buyer, capacity, demand, moq, min_shipment, group,
                         coverage_kg)
    if expected is not None:
        assert sol.status == "optimal"
        assert covered >= wanted and len(sol.uncovered) == 0
        assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
    else:
        # Coverage is impossible: the plan covers a largest coverable set of groups,
        # and is optimal for that set.
        assert sol.status == "infeasible"
        assert set(sol.uncovered.tolist()) == wanted - (covered & wanted)
        best = max(len(c) for c in coverable_sets(score, lot, buyer, capacity, demand, moq,
                                                  min_shipment, group, coverage_kg))
        assert len(covered & wanted) == best
        required = np.array(sorted(covered & wanted))
        assert sol.objective == pytest.approx(reference(
            score, lot, buyer, capacity, demand, moq, min_shipment, group, coverage_kg,
            required), rel=1e-6, abs=1e-6)


def coverable_sets(score, lot, buyer, capacity, demand, moq, min_shipment, group,
                   coverage_kg):
    from itertools import combinations
    wanted = sorted(set(group[lot].tolist()))
    for k in range(len(wanted), -1, -1):
        found = [set(c) for c in combinations(wanted, k)
                 if reference(score, lot, buyer, capacity, demand, moq, min_shipment, group,
                              coverage_kg, np.array(c, dtype=int)) is not None]
        if found:
            return found
    return [set()]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.randoms(use_true_random=False), st.sampled_from([0.0, 500.0]))
def test_pair_order_does_not_change_the_plan(instance, random, min_shipment):
    score, lot, buyer, capacity, demand, moq = instance
    kwargs = dict(capacity=capacity, demand=demand, moq=moq, min_shipment=min_shipment)
    sol = solve_assignment(score, lot, buyer, **kwargs)
    perm = np.arange(len(score))
    random.shuffle(perm)
    shuffled = solve_assignment(score[perm], lot[perm], buyer[perm], **kwargs)
    assert shuffled.flow.tolist() == sol.flow[perm].tolist()
    assert shuffled.objective == sol.objective and shuffled.status == sol.status


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_lp_flows_are_a_vertex(instance):
    """Without MOQs the used pairs form a forest: no needless split shipments."""
    score, lot, buyer, capacity, demand, _ = instance
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand,
                           moq=np.zeros(len(demand)))
    used = sol.flow > 0
    parent = list(range(len(capacity) + len(demand)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in zip(lot[used].tolist(), (len(capacity) + buyer[used]).tolist(), strict=True):
        ra, rb = find(a), find(b)
        assert ra != rb, "the used pairs contain a cycle"
        parent[ra] = rb


def test_time_limit_is_a_status_not_an_exception():
    rng = np.random.default_rng(0)
    n_l, n_b = 120, 60
    lot, buyer = np.nonzero(rng.random((n_l, n_b)) < 0.3)
    demand = rng.uniform(1000, 20000, n_b).round()
    sol = solve_assignment(rng.uniform(0.2, 0.9, len(lot)), lot, buyer,
                           capacity=rng.uniform(300, 30000, n_l).round(), demand=demand,
                           moq=(demand * rng.uniform(0.2, 1, n_b)).round(),
                           min_shipment=900.0, min_shipment_method="exact", time_limit=0.05)
    assert sol.status in ("time_limit", "optimal")
    assert sol.bound >= sol.objective >= 0.0
    if sol.status == "time_limit":
        assert "time limit" in sol.message


@pytest.mark.parametrize("time_limit", [1e-6, 0.05])
def test_moq_plan_cut_short_still_meets_every_moq(time_limit):
    # Scarce supply, MOQs on every buyer: the repair and the MILPs after it share a time
    # limit too short for them; whatever comes back is feasible and its gap proven.
    rng = np.random.default_rng(3)
    n_l, n_b = 300, 150
    lot, buyer = np.nonzero(rng.random((n_l, n_b)) < 0.1)
    score = rng.uniform(0.2, 0.9, len(lot))
    capacity, demand = rng.uniform(300, 8000, n_l).round(), rng.uniform(1000, 60000, n_b).round()
    moq = (demand * rng.uniform(0.2, 1, n_b)).round()
    sol = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq,
                           time_limit=time_limit)
    assert sol.status in ("time_limit", "feasible", "optimal")
    if time_limit < 1e-3:
        assert sol.status == "time_limit" and sol.objective > 0  # cut short, not empty
    check_feasible(sol, lot, buyer, capacity, demand, moq)
    assert sol.bound >= sol.objective >= 0.0


def test_moq_repair_out_of_time_drops_the_short_buyers():
    # No time at all after the first LP (OR-Tools ignores the limit): the repair returns
    # that plan less the buyers it leaves below their MOQ, which is feasible.
    pytest.importorskip("ortools")
    rng = np.random.default_rng(4)
    n_l, n_b = 300, 150
    lot, buyer = np.nonzero(rng.random((n_l, n_b)) < 0.1)
    capacity, demand = rng.uniform(300, 8000, n_l).round(), rng.uniform(1000, 60000, n_b).round()
    moq = (demand * rng.uniform(0.2, 1, n_b)).round()
    part = _solve._make_part(rng.uniform(0.2, 0.9, len(lot)), lot, buyer, capacity, demand, moq,
                             np.arange(len(lot)), group=np.full(n_l, -1), coverage_kg=0.0,
                             cover_groups=np.zeros(0, np.int64))
    res = _solve._repair_moq(part, part.upper, 0.0, "ortools")
    got = np.bincount(part.buyer, weights=res.x, minlength=n_b)
    assert res.status == "time_limit" and res.objective > 0
    assert np.all((got <= 1e-6) | (got >= part.moq - 1e-6))
    assert res.bound > res.objective


def test_uncoverable_province_is_reported():
    # Group 1's only lot (200 kg) reaches a buyer whose MOQ is 1,000 kg: it can never ship.
    sol = solve_assignment(np.array([0.9, 0.5]), np.array([0, 1]), np.array([0, 1]),
                           capacity=np.array([5000.0, 200.0]), demand=np.array([3000.0, 2000.0]),
                           moq=np.array([0.0, 1000.0]), lot_group=np.array([0, 1]),
                           coverage_kg=100.0)
    assert sol.status == "infeasible"
    assert sol.uncovered.tolist() == [1]
    assert sol.flow.tolist() == [3000.0, 0.0]
    assert "coverage impossible" in sol.message


def test_coverage_moves_supply_to_an_uncovered_province():
    # One buyer; the better lot alone fills it, coverage makes room for 1,000 kg from group 1.
    sol = solve_assignment(np.array([0.9, 0.5]), np.array([0, 1]), np.array([0, 0]),
                           capacity=np.array([5000.0, 3000.0]), demand=np.array([4000.0]),
                           moq=np.zeros(1), lot_group=np.array([0, 1]), coverage_kg=1000.0)
    assert sol.status == "optimal"
    assert sol.flow.tolist() == [3000.0, 1000.0]
    assert sol.objective == pytest.approx(0.9 * 3000 + 0.5 * 1000)


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


@pytest.mark.parametrize("method", ["exact", "auto", "repair"])
def test_minimum_shipment_on_quantities_above_a_hundred_tonnes(method):
    # HiGHS rejects semi-continuous bounds above 1e5; the solver rescales.
    sol = solve_assignment(np.array([0.44, 0.40]), np.array([0, 1]), np.array([0, 0]),
                           capacity=np.array([105_000.0, 80_000.0]),
                           demand=np.array([150_000.0]), moq=np.array([120_000.0]),
                           min_shipment=600.0, min_shipment_method=method)
    assert sol.status == "optimal"
    assert sol.flow.tolist() == [105_000.0, 45_000.0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(instances(max_lots=6, max_buyers=4), min_size=2, max_size=5),
       st.sampled_from([0, 6, 10**9]))
def test_parts_on_an_executor_give_the_serial_plan(pieces, milp_max_pairs):
    # Several independent parts side by side; with a small MOQ_MILP_MAX_PAIRS the larger
    # parts reach the MILP only when their gap shows in the whole plan.
    from concurrent.futures import ThreadPoolExecutor

    arrays: list[list[np.ndarray]] = [[] for _ in range(6)]
    lots = buyers = 0
    for score, lot, buyer, capacity, demand, moq in pieces:
        for k, a in enumerate((score, lot + lots, buyer + buyers, capacity, demand, moq)):
            arrays[k].append(a)
        lots, buyers = lots + len(capacity), buyers + len(demand)
    score, lot, buyer, capacity, demand, moq = (np.concatenate(a) for a in arrays)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_solve, "MOQ_MILP_MAX_PAIRS", milp_max_pairs)
        serial = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand, moq=moq)
        with ThreadPoolExecutor(2) as pool:
            parallel = solve_assignment(score, lot, buyer, capacity=capacity, demand=demand,
                                        moq=moq, executor=pool)
    check_feasible(serial, lot, buyer, capacity, demand, moq)
    assert np.array_equal(serial.flow, parallel.flow)
    assert (serial.status, serial.bound) == (parallel.status, parallel.bound)
    assert serial.bound >= serial.objective - 1e-9


@pytest.mark.parametrize("dive", [0, _solve.DIVE_NODES])
@pytest.mark.parametrize("seed", range(40))
def test_branch_and_bound_against_the_full_model(seed, dive, monkeypatch):
    # Scarce supply and MOQs on most buyers, so the repair leaves gaps and the branch
    # and bound has to hold buyers to their MOQ as well as close them; with and
    # without its first dive.
    pytest.importorskip("ortools")
    monkeypatch.setattr(_solve, "DIVE_NODES", dive)
    rng = np.random.default_rng(seed)
    n_l, n_b = int(rng.integers(3, 10)), int(rng.integers(2, 7))
    lot, buyer = np.nonzero(rng.random((n_l, n_b)) < 0.6)
    if len(lot) == 0:
        return
    score = rng.uniform(0.1, 1.0, len(lot)).round(3)
    capacity = rng.integers(100, 3000, n_l).astype(float)
    demand = rng.integers(1000, 6000, n_b).astype(float)
    moq = np.where(rng.random(n_b) < 0.8, (demand * rng.uniform(0.3, 1.0, n_b)).round(), 0.0)
    part = _solve._make_part(score, lot, buyer, capacity, demand, moq, np.arange(len(lot)),
                             group=np.full(n_l, -1), coverage_kg=0.0,
                             cover_groups=np.zeros(0, np.int64))
    start = _solve._repair_moq(part, part.upper, None, "ortools")
    res = _solve._branch_moq(part, part.upper, start, None, 1e-6)
    expected = reference(score, lot, buyer, capacity, demand, moq)
    got = np.bincount(part.buyer, weights=res.x, minlength=len(part.demand))
    assert np.all((got <= 1e-6) | (got >= part.moq - 1e-6))
    assert res.objective == pytest.approx(float(part.score @ res.x))
    assert start.objective - 1e-9 <= res.objective <= expected + 1e-6
    assert res.bound >= expected - 1e-6 * max(1.0, expected)
    if res.status == "optimal":
        assert res.objective >= expected * (1 - 1e-6) - 1e-6


def _held_or_closed():
    # Lot 0 (1,000 kg) goes to buyer 1 at 0.6, lot 1 (500 kg) to buyer 0 at 0.5 in the
    # LP, which leaves buyer 0 at 500 of its 800 kg MOQ (bound 850). Closing buyer 0
    # leaves 600; holding it to its MOQ takes 300 kg of lot 0 from buyer 1: 820.
    score, lot, buyer = np.array([0.5, 0.6, 0.5]), np.array([0, 0, 1]), np.array([0, 1, 0])
    part = _solve._make_part(score, lot, buyer, np.array([1000.0, 500.0]),
                             np.array([800.0, 1000.0]), np.array([800.0, 0.0]),
                             np.arange(3), group=np.full(2, -1), coverage_kg=0.0,
                             cover_groups=np.zeros(0, np.int64))
    return part, _solve._repair_moq(part, part.upper, None, "ortools")


@pytest.mark.parametrize(("dive", "objective"), [(0, 600.0), (_solve.DIVE_NODES, 820.0)])
def test_the_dive_holds_a_buyer_the_repair_closed(dive, objective, monkeypatch):
    # No node left for branching: what the branch and bound returns is the dive's plan,
    # which holds buyer 0 (500 kg is over DIVE_HOLD of its MOQ), or the repaired plan.
    pytest.importorskip("ortools")
    monkeypatch.setattr(_solve, "DIVE_NODES", dive)
    monkeypatch.setattr(_solve, "BRANCH_NODES", 1)
    part, start = _held_or_closed()
    assert (start.objective, start.bound) == pytest.approx((600.0, 850.0))
    res = _solve._branch_moq(part, part.upper, start, None, 1e-4)
    assert (res.objective, res.bound, res.status) == (pytest.approx(objective),
                                                      pytest.approx(850.0), "feasible")


@pytest.mark.parametrize("seed", range(30))
def test_a_dive_step_keeps_every_bound_and_only_moves_the_lots_it_reopens(seed):
    # From the LP flows, a dive step holds and closes some buyers: closed buyers get
    # nothing, held ones at least their MOQ (or the step gives up), every lot and buyer
    # bound holds, and lots none of the changed buyers touched keep their flows.
    pytest.importorskip("ortools")
    rng = np.random.default_rng(seed)
    n_l, n_b = int(rng.integers(3, 12)), int(rng.integers(2, 8))
    lot, buyer = np.nonzero(rng.random((n_l, n_b)) < 0.5)
    if len(lot) == 0:
        return
    part = _solve._make_part(rng.uniform(0.1, 1.0, len(lot)).round(3), lot, buyer,
                             rng.integers(100, 3000, n_l).astype(float),
                             rng.integers(1000, 6000, n_b).astype(float),
                             np.zeros(n_b), np.arange(len(lot)), group=np.full(n_l, -1),
                             coverage_kg=0.0, cover_groups=np.zeros(0, np.int64))
    x = _solve._solve_lp(part, part.upper, None, "ortools").x
    n_l, n_b = len(part.capacity), len(part.demand)  # lots and buyers with pairs
    moq = rng.integers(500, 4000, n_b).astype(float)
    part = _solve.replace(part, moq=moq)
    state = rng.choice(np.array([-1, 0, 1], np.int8), n_b)
    changed = state != 0
    out = _solve._dive_step(part, part.upper, state, x, changed)
    if out is None:
        return
    assert np.all(out >= 0) and np.all(out <= part.upper + 1e-9)
    assert np.all(np.bincount(part.lot, out, n_l) <= part.capacity + 1e-6)
    got = np.bincount(part.buyer, out, n_b)
    assert np.all(got <= part.demand + 1e-6)
    assert np.all(got[state < 0] == 0)
    assert np.all(got[state > 0] >= moq[state > 0] - 1e-6)
    touched = np.zeros(n_l, bool)
    touched[part.lot[changed[part.buyer] & ((state[part.buyer] > 0) | (x > 0))]] = True
    assert np.array_equal(out[~touched[part.lot]], x[~touched[part.lot]])


def test_a_buyer_whose_moq_is_out_of_reach_is_closed_before_the_lp():
    # Buyer 0 can reach 1,000 kg of its 1,500 kg MOQ: its pairs carry nothing, so the
    # LP bound is already the optimum and no search is needed.
    part = _solve._make_part(np.array([0.9, 0.2]), np.array([0, 0]), np.array([0, 1]),
                             np.array([1000.0]), np.array([2000.0, 500.0]),
                             np.array([1500.0, 0.0]), np.arange(2), group=np.full(1, -1),
                             coverage_kg=0.0, cover_groups=np.zeros(0, np.int64))
    assert part.upper.tolist() == [0.0, 500.0]
    res = _solve._repair_moq(part, part.upper, None, "highs-ds")
    assert (res.objective, res.bound, res.status) == (pytest.approx(100.0),
                                                      pytest.approx(100.0), "optimal")


def test_a_layout_made_once_serves_every_score():
    # Prepared.solve makes the parts once and re-scores them: the same plans as solving
    # from scratch, whatever the scores; a layout of other pairs is refused.
    rng = np.random.default_rng(11)
    n_l, n_b = 40, 20
    # Four blocks of lots and buyers (each block its own product): four parts or more.
    same_block = (np.arange(n_l)[:, None] % 4) == (np.arange(n_b)[None, :] % 4)
    lot, buyer = np.nonzero((rng.random((n_l, n_b)) < 0.5) & same_block)
    shuffle = rng.permutation(len(lot))
    lot, buyer = lot[shuffle], buyer[shuffle]
    capacity, demand = rng.integers(100, 3000, n_l) * 1.0, rng.integers(500, 6000, n_b) * 1.0
    moq = np.where(rng.random(n_b) < 0.5, demand / 2, 0.0)
    layout = _solve.part_layout(lot, buyer, capacity=capacity, demand=demand, moq=moq)
    assert len(layout.pieces) > 1
    for _ in range(3):
        score = rng.uniform(0.1, 1.0, len(lot))
        args = dict(capacity=capacity, demand=demand, moq=moq)
        fresh = solve_assignment(score, lot, buyer, **args)
        again = solve_assignment(score, lot, buyer, layout=layout, **args)
        assert fresh.flow.tolist() == again.flow.tolist()
        assert (fresh.status, fresh.bound) == (again.status, again.bound)
    with pytest.raises(ValueError, match="The layout is of"):
        solve_assignment(score[:-1], lot[:-1], buyer[:-1], layout=layout, **args)



@pytest.mark.parametrize("seed", range(20))
def test_parts_with_one_buyer_filled_together_as_one_at_a_time(seed):
    # Many one-buyer parts (ties, negative scores, MOQs some can and some cannot reach,
    # lots bigger and smaller than the buyer) filled in one table are solved as each one
    # alone is (the per-part path); parts with an MOQ and a negative score are left to it.
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 12, 15)
    buyer = np.repeat(np.arange(15), sizes)
    lot = np.arange(len(buyer))
    score = rng.choice([-0.2, 0.3, 0.5, 0.5, 0.9], len(buyer))
    capacity = rng.integers(1, 40, len(lot)) * 50.0
    demand = rng.integers(1, 30, 15) * 100.0
    # Some MOQs above the request: such a buyer is never served.
    moq = np.where(rng.random(15) < 0.5, demand * rng.uniform(0.2, 1.2, 15), 0.0)
    layout = _solve.part_layout(lot, buyer, capacity=capacity, demand=demand, moq=moq)
    assert len(layout.singles.part) == 15
    filled = _solve._fill_singles(layout.singles, score[layout.order])
    options = _solve._Options(0.0, "auto", _solve.EXACT_MAX_PAIRS, "highs-ds", 1e-4)
    negative_with_moq = [k for k in range(15) if moq[k] > 0 and (score[buyer == k] < 0).any()]
    assert sorted(set(range(15)) - set(filled)) == negative_with_moq
    for k, res in filled.items():
        part = _solve.replace(layout.parts[k], score=score[layout.order][layout.pieces[k]])
        alone = _solve._solve_part(part, options, None)
        assert res.x.tolist() == alone.x.tolist()
        assert (res.objective, res.bound, res.status) == pytest.approx(
            (alone.objective, alone.bound, alone.status))


def test_only_small_parts_are_filled_or_solved_together():
    # One-buyer parts of up to SINGLE_MAX_PAIRS pairs go to the singles' table, other
    # parts of up to TOGETHER_MAX_PAIRS pairs to the batch of first LPs; larger parts
    # are solved one by one.
    sizes = {"single": 3, "big single": _solve.SINGLE_MAX_PAIRS + 1,
             "small": 4, "big": _solve.TOGETHER_MAX_PAIRS + 1}
    lot, buyer, n_lots, n_buyers = [], [], 0, 0
    for name, n in sizes.items():
        buyers = 1 if "single" in name else 2
        for k in range(n):
            lot.append(n_lots + k // buyers)
            buyer.append(n_buyers + k % buyers)
        n_lots, n_buyers = n_lots + -(-n // buyers), n_buyers + buyers
    layout = _solve.part_layout(np.array(lot), np.array(buyer), capacity=np.ones(n_lots),
                                demand=np.ones(n_buyers), moq=np.zeros(n_buyers))
    size_of = [len(piece) for piece in layout.pieces]
    assert sorted(size_of[k] for k in layout.singles.part) == [3]
    assert sorted(size_of[k] for k in layout.together.part) == [4]


def test_objective_is_the_same_with_any_number_of_blas_threads():
    # A BLAS dot product splits a long vector over its threads, so its last digits
    # depend on how many there are; the solver's sums do not.
    import subprocess
    import sys

    code = ("import numpy as np; from matching._solve import solve_assignment; "
            "rng = np.random.default_rng(5); n = 1_000_000; "
            "sol = solve_assignment(rng.random(n), np.arange(n), np.zeros(n, int), "
            "capacity=rng.random(n) * 1000, demand=np.array([1e12]), moq=np.zeros(1)); "
            "print(sol.objective.hex())")
    found = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "OPENBLAS_NUM_THREADS": threads,
                                             "OMP_NUM_THREADS": threads}).stdout
             for threads in ("1", "2")}
    assert len(found) == 1
