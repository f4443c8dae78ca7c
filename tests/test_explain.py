"""Reasons in domain words for unmatched supply and demand, on small crafted cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching._candidates import Candidates, Rejections
from matching._explain import Outcome

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


def _weakest_reference(pairs, flow, scores):
    """The simple scan: lowest score among the used ``pairs`` and the first pair with it."""
    used = pairs[flow[pairs] > 0]
    if not len(used):
        return np.nan, -1
    return float(scores[used].min()), int(used[np.argmin(scores[used])])


def same(a, b):
    return (np.isnan(a) and np.isnan(b)) or a == b


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_outcome_indexes_match_the_simple_scans(data):
    n_lots, n_buyers = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
    all_pairs = [(lot, b) for lot in range(n_lots) for b in range(n_buyers)]
    chosen = sorted(data.draw(st.sets(st.sampled_from(all_pairs))))
    n = len(chosen)
    lot = np.array([p[0] for p in chosen], dtype=np.int64)
    buyer = np.array([p[1] for p in chosen], dtype=np.int64)
    flow = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.0, 5.0, 120.0]), min_size=n,
                                       max_size=n)))
    # Few distinct scores, so ties between used pairs are common.
    scores = np.array(data.draw(st.lists(st.sampled_from([0.2, 0.5, 0.5, 0.9]), min_size=n,
                                         max_size=n)))
    empty_f, empty_i = np.zeros(n), np.zeros(n, dtype=np.int64)
    candidates = Candidates(
        lot=lot, buyer=buyer, features=np.zeros((n, 6)), freight_usd=empty_f,
        transit_days=empty_f, landed_usd=empty_f, origin_port=empty_i,
        destination_port=empty_i, rejections=Rejections.empty(n_lots, n_buyers),
        first_leg=empty_i)
    out = Outcome.build(candidates, flow, scores, n_lots=n_lots, n_buyers=n_buyers)
    for i in range(n_lots):
        assert out.of_lot(i).tolist() == np.flatnonzero(lot == i).tolist()
        score, pair = _weakest_reference(out.of_lot(i), flow, scores)
        assert same(out.lot_weakest[i], score) and out.lot_weakest_pair[i] == pair
    for b in range(n_buyers):
        assert out.of_buyer(b).tolist() == np.flatnonzero(buyer == b).tolist()
        score, _ = _weakest_reference(out.of_buyer(b), flow, scores)
        assert same(out.buyer_weakest[b], score)


def test_in_reach_is_computed_once_per_buyer_and_matches_the_direct_sum():
    from matching._explain import _in_reach

    p = matching.prepare(matching.demo_supply(), matching.demo_demand())
    c, lots, buyers = p.candidates, p.lots, p.buyers
    n_buyers = len(buyers.quantity_kg)
    out = Outcome.build(c, np.ones(len(c)), np.ones(len(c)), n_lots=len(lots),
                        n_buyers=n_buyers, min_shipment=500.0)
    for b in range(n_buyers):
        caps = lots.quantity_kg[c.lot[c.buyer == b]]
        direct = float(caps[np.minimum(caps, buyers.quantity_kg[b]) >= 500.0 - 1e-6].sum())
        assert _in_reach(b, lots, buyers, c, out) == direct
        assert out.in_reach_kg[b] == direct
        assert _in_reach(b, lots, buyers, c, out) == direct
    assert len(out.in_reach_kg) == n_buyers and any(out.in_reach_kg.values())
