"""Reasons in domain words for unmatched supply and demand, on small crafted cases."""

import pytest

import matching

from .conftest import demand_rows, supply_rows


def reasons(plan):
    out = {u.supplier_id: u.reason for u in plan.unmatched_supply}
    out.update({u.buyer_id: u.reason for u in plan.unmatched_demand})
    return out


def test_outscored_lot_gets_the_margin():
    # Banggai's crab (700 kg) scores higher at B1, which wants exactly 700 kg.
    demand = [dict(demand_rows()[0], quantity="700", moq="")]
    plan = matching.match(supply_rows(), demand)
    why = reasons(plan)
    assert [a.lot_id for a in plan.allocations] == ["mud_crab_live@72.01/ungraded"]
    margin = plan.allocations[0].score - next(c.score for c in plan.candidates
                                              if c.lot_id.startswith("mud_crab_live@74"))
    assert why["S1"] == why["S2"] == (
        f"outscored by other lots: every buyer in reach is full (closest: B1, whose lots "
        f"score {margin:.3f} more per kg)")
    assert why["S4"] == "no buyer for this product"


def test_partly_used_lot_says_supply_exceeds_demand():
    demand = [dict(demand_rows()[0], quantity="1 MT", moq="")]
    why = reasons(matching.match(supply_rows(), demand))
    assert why["S1"] == ("supply exceeds demand: the lot ships 300 kg and every buyer in "
                         "reach is full")


def test_certification_missing():
    demand = [dict(demand_rows()[0], certifications_required="HACCP")]
    why = reasons(matching.match(supply_rows(), demand))
    assert why["B1"] == "certification missing (HACCP required)"


def test_moq_larger_than_every_lot_in_reach():
    demand = [dict(demand_rows()[0], quantity="9 MT", moq="5000")]
    why = reasons(matching.match(supply_rows(), demand))
    assert why["B1"] == "MOQ larger than every lot in reach (MOQ 5,000 kg, in reach 2,700 kg)"
    assert why["S3"].startswith("MOQ larger than every lot in reach: the buyers with room (B1)")


def test_lot_smaller_than_the_minimum_shipment():
    plan = matching.match(supply_rows(), demand_rows(), config={"min_shipment_kg": 1000})
    why = reasons(plan)
    assert why["S3"] == "the lot (700 kg) is smaller than the minimum shipment of 1,000 kg"
    assert all(a.quantity_kg >= 1000 for a in plan.allocations)


def test_minimum_shipment_larger_than_every_lot_in_reach():
    demand = [dict(demand_rows()[0], quantity="3 MT"), demand_rows()[1]]
    plan = matching.match(supply_rows(), demand, config={"min_shipment_kg": 2500})
    why = reasons(plan)
    assert why["B1"] == ("minimum shipment of 2,500 kg larger than every lot in reach "
                         "(largest 2,000 kg)")
    assert why["B2"] == "request smaller than the minimum shipment of 2,500 kg"


def test_uncoverable_province_is_a_status_with_a_message():
    plan = matching.match(supply_rows(), demand_rows(),
                          config={"province_coverage": True, "min_shipment_kg": 1000})
    assert plan.summary.status == "infeasible"
    assert plan.summary.uncovered_provinces == ("SULAWESI TENGAH",)
    assert plan.summary.message.endswith("no lot can be served in SULAWESI TENGAH")
    assert plan.to_dict()["summary"]["uncovered_provinces"] == ["SULAWESI TENGAH"]


def test_coverage_serves_every_province_it_can():
    demand = [dict(demand_rows()[0], quantity="2 MT", moq="")]
    free = matching.match(supply_rows(), demand)
    covered = matching.match(supply_rows(), demand,
                             config={"province_coverage": True, "coverage_min_kg": 500})
    provinces = {lot.lot_id: lot.province for lot in covered.lots}
    served = {provinces[a.lot_id] for a in covered.allocations}
    assert covered.summary.status == "optimal"
    assert {"SULAWESI TENGGARA", "SULAWESI TENGAH"} <= served
    assert covered.summary.objective <= free.summary.objective + 1e-9


def test_explain_tells_the_unserved_part():
    plan = matching.match(supply_rows(), [dict(demand_rows()[0], moq="5000", quantity="9 MT")])
    story = plan.explain("B1")
    assert "It gets nothing." in story
    assert "Unserved 9,000 kg: MOQ larger than every lot in reach" in story
    with pytest.raises(KeyError):
        plan.explain("B9")
