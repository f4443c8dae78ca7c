"""Solver faults seen from outside the solver: a time limit reached, an impossible coverage
requirement, numerically awkward quantities. Each returns a plan with a status and a
message in domain words, never an exception, and every kg is still accounted for."""

import re

import pytest

import matching

from .helpers import load_benchmark
from .test_properties import check_plan

STATUSES = {"optimal", "feasible", "time_limit", "infeasible", "failed"}
#: Words of the solver's trade that a BUMDes officer or a buyer should not have to read.
JARGON = re.compile(r"highs|milp|\blp\b|dual|primal|simplex|traceback|exception|error",
                    re.IGNORECASE)


def check_status(plan):
    s = plan.summary
    assert s.status in STATUSES
    assert s.message and not JARGON.search(s.message), s.message
    assert 0.0 <= s.gap <= 1.0
    assert s.objective == pytest.approx(sum(a.score * a.quantity_kg for a in plan.allocations),
                                        rel=1e-6, abs=1e-6)


def test_time_limit_returns_the_best_plan_found():
    instance = load_benchmark("generate").generate(400, 100, seed=11)
    config = {"time_limit": 0.001, "min_shipment_kg": 500.0, "min_shipment_method": "exact"}
    prepared = matching.prepare(instance.supply, instance.demand, config=config)
    plan = prepared.solve()
    assert plan.summary.status == "time_limit"
    assert plan.summary.message.startswith("time limit reached; the best plan found is returned")
    check_status(plan)
    check_plan(prepared, plan, min_shipment=500.0)


def test_time_limit_through_the_cli_is_not_an_error(tmp_path, capsys):
    from matching._cli import main

    config = tmp_path / "c.json"
    config.write_text('{"time_limit": 0.001}')
    out = tmp_path / "plan.json"
    assert main(["match", matching.demo_supply(), matching.demo_demand(), "--config",
                 str(config), "--out", str(out)]) == 0
    assert "Plan: " in capsys.readouterr().out and out.exists()


SUPPLY = [{"supplier_id": "K1", "product": "jagung pipil", "quantity": "1000",
           "regency": "Konawe", "province": "Sulawesi Tenggara"},
          {"supplier_id": "L1", "product": "jagung pipil", "quantity": "1000",
           "regency": "Lampung Selatan", "province": "Lampung"}]
DEMAND = [{"buyer_id": "B", "product": "maize", "quantity": "1000", "moq": "1000",
           "country": "Japan"}]


def test_impossible_coverage_is_a_status_with_the_province_named():
    """One buyer takes 1,000 kg all or nothing; two provinces each offer 1,000 kg: serving
    a lot in both is impossible. The plan serves one and says which province is left."""
    prepared = matching.prepare(SUPPLY, DEMAND, config={"province_coverage": True})
    plan = prepared.solve()
    assert plan.summary.status == "infeasible"
    assert "coverage impossible" in plan.summary.message
    assert "LAMPUNG" in plan.summary.message or "SULAWESI TENGGARA" in plan.summary.message
    assert plan.summary.allocated_kg == pytest.approx(1000.0)
    check_status(plan)
    check_plan(prepared, plan)


@pytest.mark.parametrize(("supply_kg", "demand_kg"), [
    ("0,001", "1.000.000.000"),         # a gram against a million tonnes
    ("10.000.000.000", "0,001"),        # the largest accepted offer against a gram
    ("10.000.000.000", "10.000.000.000"),
    ("0,000001", "0,000001"),           # a milligram, below the solver's 1 g cut-off
])
def test_extreme_but_valid_quantities(supply_kg, demand_kg):
    supply = [{**SUPPLY[0], "quantity": supply_kg}, {**SUPPLY[1], "quantity": "1 ton"}]
    demand = [{**DEMAND[0], "quantity": demand_kg, "moq": ""},
              {"buyer_id": "C", "product": "maize", "quantity": "2 ton", "moq": "1 ton",
               "country": "China"}]
    prepared = matching.prepare(supply, demand, config={"min_shipment_kg": 0.0})
    plan = prepared.solve()
    check_status(plan)
    check_plan(prepared, plan)


def test_every_status_message_is_in_domain_words():
    """The plans above cover optimal, time_limit and infeasible; the demo covers the rest
    that a normal run gives."""
    plan = matching.match(matching.demo_supply(), matching.demo_demand(),
                          config={"min_shipment_kg": 300.0, "min_shipment_method": "repair"})
    check_status(plan)
    assert plan.summary.status in ("optimal", "feasible")
