"""Sensitivity over weights: one plan per setting, equal to a direct solve, and a change
table that adds up."""

from concurrent.futures import ThreadPoolExecutor

import pytest

import matching

from .helpers import national, without_timing


@pytest.fixture(scope="module")
def prepared():
    return matching.prepare(*national(400, 60, seed=11))


@pytest.fixture(scope="module")
def result(prepared):
    return prepared.sensitivity(grid={"price": [0.2, 3.0], "priority": [0.0, 2.0]})


def test_grid_order_and_weights(result):
    assert [(w.price, w.priority) for w in result.settings] == \
        [(0.2, 0.0), (0.2, 2.0), (3.0, 0.0), (3.0, 2.0)]
    assert all(w.logistics == matching.Weights().logistics for w in result.settings)
    assert result.baseline == matching.Weights()


def test_each_plan_is_the_direct_solve(prepared, result):
    for w, plan in zip(result.settings, result.plans, strict=True):
        assert without_timing(plan) == without_timing(prepared.solve(w))
    assert without_timing(result.baseline_plan) == without_timing(prepared.solve())


def test_settings_table(result):
    rows = result.records("settings")
    assert [r["setting"] for r in rows] == [0, 1, 2, 3]
    for row, plan in zip(rows, result.plans, strict=True):
        assert row["objective"] == pytest.approx(plan.summary.objective)
        assert row["allocated_kg"] == pytest.approx(plan.summary.allocated_kg)
        assert row["allocations"] == len(plan.allocations)
        assert row["weight_price"] in (0.2, 3.0)


def test_changes_add_up(result):
    base = {(a.buyer_id, a.lot_id): a.quantity_kg for a in result.baseline_plan.allocations}
    changes = result.records("changes")
    rows = result.records("settings")
    assert any(r["changed"] for r in rows), "these weights should move some allocations"
    for i, plan in enumerate(result.plans):
        mine = [c for c in changes if c["setting"] == i]
        assert len(mine) == rows[i]["changed"]
        assert sum(abs(c["delta_kg"]) for c in mine) == pytest.approx(rows[i]["changed_kg"])
        after = dict(base)
        for c in mine:
            assert c["baseline_kg"] == pytest.approx(base.get((c["buyer_id"], c["lot_id"]), 0))
            after[(c["buyer_id"], c["lot_id"])] = c["quantity_kg"]
        flows = {(a.buyer_id, a.lot_id): a.quantity_kg for a in plan.allocations}
        assert {k: v for k, v in after.items() if v > 1e-3} == pytest.approx(flows, abs=1e-3)


def test_baseline_setting_changes_nothing(prepared):
    result = prepared.sensitivity([matching.Weights(), {"price": 1.0}])
    assert [r["changed"] for r in result.records()] == [0, 0]
    assert result.records("changes") == []
    frame = result.to_frame("changes")
    assert frame.empty and "delta_kg" in frame.columns


def test_partial_mapping_keeps_the_baseline(prepared):
    result = prepared.sensitivity([{"price": 2.0}], baseline={"logistics": 0.1})
    assert result.settings[0] == matching.Weights(price=2.0, logistics=0.1)


def test_executor_gives_the_same_result(prepared, result):
    with ThreadPoolExecutor(2) as pool:
        again = prepared.sensitivity(grid={"price": [0.2, 3.0], "priority": [0.0, 2.0]},
                                     executor=pool)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in result.records()]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in again.records()]
    assert again.records("changes") == result.records("changes")


def test_frames(result):
    pytest.importorskip("pandas")
    frame = result.to_frame()
    assert list(frame["setting"]) == [0, 1, 2, 3]
    assert {"weight_price", "objective", "allocated_kg", "changed"} <= set(frame.columns)
    assert len(result.to_frame("changes")) == len(result.records("changes"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "Give exactly one of 'settings'"),
    ({"settings": [{}], "grid": {"price": [1]}}, "Give exactly one of 'settings'"),
    ({"grid": {"prize": [1]}}, "unknown weight"),
    ({"grid": {"price": []}}, "at least one value"),
    ({"settings": [{"price": -1}]}, "The 'price' weight must be a non-negative"),
])
def test_invalid(prepared, kwargs, message):
    with pytest.raises(ValueError, match=message):
        prepared.sensitivity(**kwargs)


def test_bad_table(result):
    with pytest.raises(ValueError, match="'settings' or 'changes'"):
        result.records("plans")
    with pytest.raises(TypeError, match="must be Weights or a mapping"):
        matching.sensitivity(matching.prepare(matching.demo_supply(), matching.demo_demand()),
                             [3.0])


def test_solve_equals_match_at_national_scale(prepared):
    supply, demand = national(400, 60, seed=11)
    for weights in ({"price": 2.0}, {"logistics": 2.0, "priority": 0.0}):
        assert without_timing(prepared.solve(weights)) == \
            without_timing(matching.match(supply, demand, weights=weights))


def test_process_pool_gives_the_same_result():
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    config = matching.Config(province_coverage=True, rates={"IDR": 15000, "USD": 1},
                             min_shipment_kg=5)
    assert pickle.loads(pickle.dumps(config)) == config
    prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
    serial = prepared.sensitivity(grid={"price": [0.5, 2.0]})
    with ProcessPoolExecutor(2) as pool:
        parallel = prepared.sensitivity(grid={"price": [0.5, 2.0]}, executor=pool)
    assert [without_timing(p) for p in parallel.plans] == [without_timing(p) for p in serial.plans]
    assert parallel.plans[0].explain("RFQ-HK-01") == serial.plans[0].explain("RFQ-HK-01")
