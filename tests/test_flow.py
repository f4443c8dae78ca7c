"""The OR-Tools min-cost-flow backend against HiGHS on the same transportation LPs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import linprog

from matching import _flow
from matching._flow import TransportBounds, flow_available, flow_batch, transport_flow

pytest.importorskip("ortools")
try:
    import ot
except ImportError:  # without the pot extra its tests skip
    ot = None


def reference(score, lot, buyer, capacity, demand, upper):
    n = len(score)
    a = sparse.vstack([
        sparse.csr_matrix((np.ones(n), (lot, np.arange(n))), shape=(len(capacity), n)),
        sparse.csr_matrix((np.ones(n), (buyer, np.arange(n))), shape=(len(demand), n))])
    res = linprog(-score, A_ub=a, b_ub=np.concatenate([capacity, demand]),
                  bounds=np.column_stack([np.zeros(n), upper]), method="highs")
    assert res.status == 0
    return res.x


def instance(seed, n_lots, n_buyers, density, whole_kg):
    rng = np.random.default_rng(seed)
    mask = rng.random((n_lots, n_buyers)) < density
    lot, buyer = np.nonzero(mask)
    capacity = rng.integers(1, 5_000, n_lots).astype(float)
    demand = rng.integers(1, 8_000, n_buyers).astype(float)
    if not whole_kg:
        capacity += rng.random(n_lots).round(3)
        demand *= 52 / 12
    score = rng.random(len(lot))
    upper = np.minimum(capacity[lot], demand[buyer])
    return score, lot.astype(np.int64), buyer.astype(np.int64), capacity, demand, upper


def check(score, lot, buyer, capacity, demand, upper):
    res = transport_flow(score, lot, buyer, capacity=capacity, demand=demand, upper=upper)
    assert res.status == "optimal"
    x = res.flow
    assert np.all(x >= 0) and np.all(x <= upper + 1e-9)
    assert np.all(np.bincount(lot, x, len(capacity)) <= capacity + 1e-9)
    assert np.all(np.bincount(buyer, x, len(demand)) <= demand + 1e-9)
    best = reference(score, lot, buyer, capacity, demand, upper)
    # Scores count in steps of 1e-6, quantities in grams when not whole kg.
    slack = 1e-6 * upper.sum() + score.sum() * 1e-3 * 2
    assert score @ x == pytest.approx(score @ best, abs=slack)
    return x, best


def test_available():
    assert flow_available()


@pytest.mark.parametrize("whole_kg", [True, False])
def test_same_plan_as_highs(whole_kg):
    # Continuous random scores: the optimum is unique, so the flows agree too.
    x, best = check(*instance(5, 60, 40, 0.2, whole_kg))
    assert np.allclose(x, best, atol=1e-2 if not whole_kg else 1e-6)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_lots=st.integers(1, 12), n_buyers=st.integers(1, 12),
       density=st.floats(0.1, 1.0), whole_kg=st.booleans())
def test_optimal_like_highs(seed, n_lots, n_buyers, density, whole_kg):
    score, lot, buyer, capacity, demand, upper = instance(seed, n_lots, n_buyers, density,
                                                          whole_kg)
    if len(score) == 0:
        return
    check(score, lot, buyer, capacity, demand, upper)


def with_closed_pairs(seed, n_lots, n_buyers, density, whole_kg, closed):
    """An :func:`instance` with a share ``closed`` of its pairs closed (bound 0), and its
    random generator; None when it has no pairs."""
    score, lot, buyer, capacity, demand, upper = instance(seed, n_lots, n_buyers, density,
                                                          whole_kg)
    if len(score) == 0:
        return None
    rng = np.random.default_rng(seed)
    upper = np.where(rng.random(len(score)) < closed, 0.0, upper)
    return score, lot, buyer, capacity, demand, upper, rng


def floor_reference(score, lot, buyer, capacity, demand, upper, floor):
    """The LP with every buyer's total at least ``floor``: its optimum, None if infeasible."""
    n = len(score)
    a_lot = sparse.csr_matrix((np.ones(n), (lot, np.arange(n))), shape=(len(capacity), n))
    a_buyer = sparse.csr_matrix((np.ones(n), (buyer, np.arange(n))), shape=(len(demand), n))
    res = linprog(-score, A_ub=sparse.vstack([a_lot, a_buyer, -a_buyer]),
                  b_ub=np.concatenate([capacity, demand, -floor]),
                  bounds=np.column_stack([np.zeros(n), upper]), method="highs")
    assert res.status in (0, 2)
    return None if res.status == 2 else -res.fun


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_lots=st.integers(1, 10), n_buyers=st.integers(1, 8),
       density=st.floats(0.1, 1.0), whole_kg=st.booleans(), closed=st.floats(0.0, 0.5),
       simplex=st.booleans() if ot is not None else st.just(False))
def test_floors_like_highs(seed, n_lots, n_buyers, density, whole_kg, closed, simplex):
    # Some buyers held to a floor, some pairs closed: the same optimum as HiGHS, the
    # floors met, the slack a proven bound, and infeasible exactly when HiGHS says so;
    # by OR-Tools, or by POT's network simplex (which leaves infeasible floors to it).
    made = with_closed_pairs(seed, n_lots, n_buyers, density, whole_kg, closed)
    if made is None:
        return
    score, lot, buyer, capacity, demand, upper, rng = made
    floor = np.where(rng.random(n_buyers) < 0.5, demand * rng.uniform(0.1, 1.0, n_buyers), 0.0)
    floor = floor.round(0 if whole_kg else 3)
    scaling = []
    with pytest.MonkeyPatch.context() as patch:
        if simplex:
            cost_scaling = _flow._cost_scaling
            patch.setattr(_flow, "SIMPLEX_MIN_PAIRS", 0)
            patch.setattr(_flow, "_cost_scaling",
                          lambda *a: scaling.append(1) or cost_scaling(*a))
        res = transport_flow(score, lot, buyer, capacity=capacity, demand=demand,
                             upper=upper, floor=floor)
    best = floor_reference(score, lot, buyer, capacity, demand, upper, floor)
    if best is None:
        assert res.status == "infeasible"
        return
    assert not scaling  # feasible floors: the simplex's own plan
    if res.status == "infeasible":
        # Floors are met in whole grams: a floor met only to the last fraction of a gram.
        assert not whole_kg
        return
    assert res.status == "optimal"
    x = res.flow
    assert np.all(x >= 0) and np.all(x <= upper + 1e-9)
    assert np.all(np.bincount(lot, x, len(capacity)) <= capacity + 1e-9)
    got = np.bincount(buyer, x, len(demand))
    assert np.all(got <= demand + 1e-9) and np.all(got >= floor - 1e-9)
    assert score @ x <= best + 1e-6
    assert score @ x + res.slack >= best - 1e-6 * max(1.0, best)


def test_nothing_to_move():
    res = transport_flow(np.array([0.5]), np.array([0]), np.array([0]),
                         capacity=np.array([0.0]), demand=np.array([10.0]),
                         upper=np.array([0.0]))
    assert res.status == "optimal" and res.flow.tolist() == [0.0]


def test_solve_assignment_same_plan_with_either_backend_and_executor():
    from concurrent.futures import ThreadPoolExecutor

    from matching._solve import solve_assignment

    score, lot, buyer, capacity, demand, _ = instance(9, 80, 50, 0.03, whole_kg=False)
    args = dict(capacity=capacity, demand=demand, moq=np.zeros(len(demand)))
    highs = solve_assignment(score, lot, buyer, lp_method="highs-ds", **args)
    flow = solve_assignment(score, lot, buyer, lp_method="ortools", **args)
    assert highs.parts > 3
    assert flow.status == highs.status == "optimal"
    assert np.allclose(flow.flow, highs.flow, atol=1e-2)
    assert flow.objective == pytest.approx(highs.objective, rel=1e-6)
    with ThreadPoolExecutor(2) as pool:
        parallel = solve_assignment(score, lot, buyer, lp_method="ortools", executor=pool,
                                    **args)
    assert parallel.flow.tolist() == flow.flow.tolist()


def test_solver_option_is_checked():
    import matching

    with pytest.raises(ValueError, match=r"The 'solver' option must be one of auto, highs, "
                                         r"ortools; got 'cplex' instead\."):
        matching.Config(solver="cplex")


@pytest.mark.parametrize("seed", range(25))
def test_problems_solved_together_as_each_alone(seed):
    # Problems in kg and in grams, with nothing to ship, with pair bounds tighter than
    # their lot's and buyer's, and of different sizes: solved as one network, each gets
    # an optimum of its own problem (the same value as solved alone, within the steps),
    # the same slack and status, and its flows keep its bounds.
    rng = np.random.default_rng(seed)
    problems = []
    for j in range(int(rng.integers(1, 12))):
        score, lot, buyer, capacity, demand, upper = instance(
            seed * 100 + j, int(rng.integers(1, 8)), int(rng.integers(1, 6)), 0.6,
            whole_kg=bool(rng.random() < 0.5))
        if len(score) == 0:
            continue
        if rng.random() < 0.2:
            capacity = np.zeros_like(capacity)  # nothing to ship
        tight = rng.random(len(score)) < 0.3
        upper = np.where(tight, np.floor(upper * 0.5) + 0.25, upper)
        problems.append((score, TransportBounds(lot, buyer, capacity, demand,
                                                np.minimum(upper, capacity[lot]))))
    together = flow_batch([p for _, p in problems]).solve(
        np.concatenate([score for score, _ in problems]))
    assert len(together) == len(problems)
    for (score, p), res in zip(problems, together, strict=True):
        alone = transport_flow(score, p.lot, p.buyer, capacity=p.capacity, demand=p.demand,
                               upper=p.upper)
        assert (res.status, res.slack) == (alone.status, alone.slack)
        x = res.flow
        assert np.all(x >= 0) and np.all(x <= p.upper + 1e-9)
        assert np.all(np.bincount(p.lot, x, len(p.capacity)) <= p.capacity + 1e-9)
        assert np.all(np.bincount(p.buyer, x, len(p.demand)) <= p.demand + 1e-9)
        assert score @ x == pytest.approx(score @ alone.flow, abs=1e-6 * (1 + x.sum()))


def test_no_problems_solved_together():
    assert flow_batch([]).solve(np.zeros(0)) == []


def test_problems_too_large_together_are_solved_alone():
    # Costs are 64-bit integers: a problem too large to count in score steps fails alone
    # (the solver then uses HiGHS for it), and the others still get their optimum.
    small = TransportBounds(np.array([0]), np.array([0]), np.array([5.0]), np.array([4.0]),
                            np.array([4.0]))
    huge = TransportBounds(np.array([0]), np.array([0]), np.array([1e16]), np.array([1e16]),
                           np.array([1e16]))
    together = flow_batch([small, huge]).solve(np.array([0.5, 0.5]))
    assert [r.status for r in together] == ["optimal", "failed"]
    assert together[0].flow.tolist() == [4.0]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_lots=st.integers(1, 12), n_buyers=st.integers(1, 12),
       density=st.floats(0.1, 1.0), whole_kg=st.booleans(), closed=st.floats(0.0, 0.5),
       negative=st.booleans(), shuffle=st.booleans())
def test_network_simplex_like_highs(seed, n_lots, n_buyers, density, whole_kg, closed,
                                    negative, shuffle):
    # POT's network simplex (the pot extra) on LPs without floors: the optimum of HiGHS
    # within the slack, whole units (kg, or grams when a bound is not whole kg), every
    # bound kept, nothing on closed pairs or pairs of negative score; pairs in any order.
    pytest.importorskip("ot")
    made = with_closed_pairs(seed, n_lots, n_buyers, density, whole_kg, closed)
    if made is None:
        return
    score, lot, buyer, capacity, demand, upper, rng = made
    if negative:
        score = score - 0.3
    if shuffle:
        order = rng.permutation(len(score))
        score, lot, buyer, upper = score[order], lot[order], buyer[order], upper[order]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_flow, "SIMPLEX_MIN_PAIRS", 0)
        patch.setattr(_flow, "_cost_scaling", None)  # fails if the simplex gives up
        res = transport_flow(score, lot, buyer, capacity=capacity, demand=demand, upper=upper)
    assert res.status == "optimal"
    x = res.flow
    units = x if whole_kg else x * 1000
    assert np.allclose(units, np.round(units), rtol=0, atol=1e-6)
    assert np.all(x >= 0) and np.all(x <= upper + 1e-9)
    assert np.all(x[(upper == 0) | (score < 0)] == 0)
    assert np.all(np.bincount(lot, x, len(capacity)) <= capacity + 1e-9)
    assert np.all(np.bincount(buyer, x, len(demand)) <= demand + 1e-9)
    best = score @ reference(score, lot, buyer, capacity, demand, upper)
    assert score @ x <= best + 1e-6
    assert score @ x + res.slack >= best - 1e-6


def test_a_pair_bound_tighter_than_its_lot_and_buyer_leaves_the_simplex_out():
    # The simplex's table has no pair bounds: a pair bound below both its lot's and its
    # buyer's quantity goes to OR-Tools, which keeps it.
    pytest.importorskip("ot")
    score, lot, buyer = np.array([0.9, 0.5]), np.array([0, 0]), np.array([0, 1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_flow, "SIMPLEX_MIN_PAIRS", 0)
        patch.setattr(ot, "emd", None)  # fails if called
        res = transport_flow(score, lot, buyer, capacity=np.array([10.0]),
                             demand=np.array([6.0, 8.0]), upper=np.array([2.0, 8.0]))
    assert res.flow.tolist() == [2.0, 8.0]
