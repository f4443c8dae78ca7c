"""The whole pipeline on the demo data: every kg accounted for, MOQs held, the optimum
checked against a direct solve, and row order irrelevant."""

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching
from matching._logistics import FIRST_LEGS

from .conftest import demand_rows, supply_rows
from .helpers import without_timing
from .test_solve import reference


def read_csv(path):
    text = Path(path).read_text(encoding="utf-8-sig")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


SUPPLY = read_csv(matching.demo_supply())
DEMAND = read_csv(matching.demo_demand())


@pytest.fixture(scope="module")
def demo():
    return matching.prepare(matching.demo_supply(), matching.demo_demand())


@pytest.fixture(scope="module")
def plan(demo):
    return demo.solve()


def totals(plan):
    supplied, served = defaultdict(float), defaultdict(float)
    for a in plan.allocations:
        served[a.buyer_id] += a.quantity_kg
        assert sum(m.quantity_kg for m in a.members) == pytest.approx(a.quantity_kg)
        for m in a.members:
            supplied[m.supplier_id] += m.quantity_kg
    return supplied, served


def assert_accounted(prepared, plan):
    """Allocated plus unmatched kg equals the input, per supplier and per buyer; returns
    the kg served per buyer."""
    supplied, served = totals(plan)
    unmatched_s = {u.supplier_id: u.quantity_kg for u in plan.unmatched_supply}
    unmatched_d = {u.buyer_id: u.quantity_kg for u in plan.unmatched_demand}
    for i, sid in enumerate(prepared.supply.supplier_id):
        assert supplied[sid] + unmatched_s.get(sid, 0.0) == pytest.approx(
            prepared.supply.quantity_kg[i], abs=1e-6)
    for i, bid in enumerate(prepared.demand.buyer_id):
        assert served[bid] + unmatched_d.get(bid, 0.0) == pytest.approx(
            prepared.demand.quantity_kg[i], abs=1e-6)
    return served


def test_every_kg_is_accounted_for(demo, plan):
    assert_accounted(demo, plan)
    assert all(u.reason for u in (*plan.unmatched_supply, *plan.unmatched_demand))


def test_moq_and_capacity_hold(demo, plan):
    _, served = totals(plan)
    for i, bid in enumerate(demo.demand.buyer_id):
        if served[bid] > 0:
            assert served[bid] >= demo.demand.moq_kg[i] - 1e-6
    used = defaultdict(float)
    for a in plan.allocations:
        used[a.lot_id] += a.quantity_kg
    for lot in plan.lots:
        assert used[lot.lot_id] <= lot.quantity_kg + 1e-6


def test_consolidation_matters(demo, plan):
    """A buyer whose MOQ exceeds every single village offer is served by pooled supply."""
    moq = dict(zip(demo.demand.buyer_id, demo.demand.moq_kg, strict=True))
    offers = dict(zip(demo.supply.supplier_id, demo.supply.quantity_kg, strict=True))
    pooled_buyers = []
    for buyer in {a.buyer_id for a in plan.allocations}:
        mine = [a for a in plan.allocations if a.buyer_id == buyer]
        biggest = max(offers[m.supplier_id] for a in mine for m in a.members)
        if moq[buyer] > biggest:
            pooled_buyers.append(buyer)
    assert "RFQ-HK-01" in pooled_buyers
    assert any(len(a.members) > 1 for a in plan.allocations)


def test_objective_equals_direct_model(demo, plan):
    lots = {lot.lot_id: i for i, lot in enumerate(plan.lots)}
    buyers = {bid: i for i, bid in enumerate(demo.demand.buyer_id)}
    lot = np.array([lots[c.lot_id] for c in plan.candidates])
    buyer = np.array([buyers[c.buyer_id] for c in plan.candidates])
    score = np.array([c.score for c in plan.candidates])
    expected = reference(score, lot, buyer, np.array([x.quantity_kg for x in plan.lots]),
                         demo.demand.quantity_kg, demo.demand.moq_kg)
    assert plan.summary.objective == pytest.approx(expected, rel=1e-7)
    assert plan.summary.objective == pytest.approx(
        sum(a.score * a.quantity_kg for a in plan.allocations), rel=1e-9)


def test_demo_tells_the_story(plan):
    reasons = {u.supplier_id: u.reason for u in plan.unmatched_supply}
    assert reasons["KNW-005"].startswith("product not recognised")
    demand_reasons = {u.buyer_id: u.reason for u in plan.unmatched_demand}
    assert demand_reasons["RFQ-KR-13"] == "no supply of this product"
    assert demand_reasons["RFQ-QA-04"].startswith("MOQ larger than every lot in reach")
    assert demand_reasons["RFQ-FR-10"].startswith("price ceiling below landed cost")
    story = plan.explain("RFQ-HK-01")
    assert story.startswith("RFQ-HK-01 (Kowloon Seafood Trading) wants 4,333 kg")
    with pytest.raises(KeyError):
        plan.explain("nobody")


def test_allocations_carry_the_first_leg_of_their_route(demo, plan):
    # The leg of the candidate pair each allocation ships on, and the story says it.
    c, lots = demo.candidates, demo.lots
    leg = {(lots.lot_id[lt], demo.basis.buyer_ids[b]): FIRST_LEGS[f] for lt, b, f in
           zip(c.lot.tolist(), c.buyer.tolist(), c.first_leg.tolist(), strict=True)}
    assert [a.first_leg for a in plan.allocations] == [
        leg[a.lot_id, a.buyer_id] for a in plan.allocations]
    assert "feeder" in {a.first_leg for a in plan.allocations}
    for a in plan.allocations:
        line = next(x for x in plan.explain(a.buyer_id).splitlines()
                    if f"kg from {a.lot_id} " in x)
        assert ("(feeder ship from the hub)" in line) == (a.first_leg == "feeder")


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(st.permutations(SUPPLY), st.permutations(DEMAND))
def test_row_order_does_not_change_the_plan(plan, supply, demand):
    assert without_timing(matching.match(supply, demand)) == without_timing(plan)


def test_small_lists_of_dicts_and_weights():
    plan = matching.match(supply_rows(), demand_rows(), weights={"price": 2.0})
    served = {a.buyer_id for a in plan.allocations}
    assert served == {"B1", "B2"}
    konawe = [lot for lot in plan.lots if lot.lot_id.startswith("mud_crab_live@74")]
    assert konawe and {m.supplier_id for m in konawe[0].members} == {"S1", "S2"}


def test_prepared_solve_equals_match(demo):
    weights = matching.Weights(priority=3.0, price=0.2)
    direct = matching.match(matching.demo_supply(), matching.demo_demand(), weights=weights)
    assert without_timing(demo.solve(weights)) == without_timing(direct)


def test_to_frame(plan):
    pytest.importorskip("pandas")
    frame = plan.to_frame("allocations")
    assert len(frame) == len(plan.allocations)
    assert "score_price" in frame.columns
    assert len(plan.to_frame("by_province")) == len(plan.summary.by_province)
    with pytest.raises(ValueError, match="The 'table' parameter"):
        plan.to_frame("nope")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(st.lists(st.booleans(), min_size=len(SUPPLY), max_size=len(SUPPLY)),
       st.lists(st.sampled_from([None, 0.0, 0.5, 1.0]), min_size=len(DEMAND),
                max_size=len(DEMAND)),
       st.sampled_from([0.0, 600.0]), st.booleans(),
       st.sampled_from(["regency", "province", 80.0]))
def test_random_instances_hold_every_constraint(keep, moq_share, min_shipment, coverage,
                                                 region):
    """Subsets of the demo with random MOQs under every option: every kg accounted for,
    capacities, MOQs and minimum shipments hold, and the objective equals the full model."""
    supply = [row for row, k in zip(SUPPLY, keep, strict=True) if k] or SUPPLY[:1]
    config = {"min_shipment_kg": min_shipment, "province_coverage": coverage,
              "consolidation": region}
    plain = [dict(row, moq="") for row in DEMAND]
    kg = dict(zip(DEMAND and [r["buyer_id"] for r in DEMAND],
                  matching.prepare(supply, plain).demand.quantity_kg.tolist(), strict=True))
    demand = [dict(row, moq="" if share is None else f"{kg[row['buyer_id']] * share:.0f}")
              for row, share in zip(DEMAND, moq_share, strict=True)]
    prepared = matching.prepare(supply, demand, config=config)
    plan = prepared.solve()
    served = assert_accounted(prepared, plan)
    for i, bid in enumerate(prepared.demand.buyer_id):
        if served[bid] > 0:
            assert served[bid] >= prepared.demand.moq_kg[i] - 1e-6
    assert all(u.reason for u in (*plan.unmatched_supply, *plan.unmatched_demand))
    assert all(a.quantity_kg >= min_shipment - 1e-6 for a in plan.allocations)
    lots = {lot.lot_id: i for i, lot in enumerate(plan.lots)}
    used = defaultdict(float)
    for a in plan.allocations:
        used[a.lot_id] += a.quantity_kg
    assert all(used[lot.lot_id] <= lot.quantity_kg + 1e-6 for lot in plan.lots)
    buyers = {bid: i for i, bid in enumerate(prepared.demand.buyer_id)}
    lot = np.array([lots[c.lot_id] for c in plan.candidates], dtype=int)
    buyer = np.array([buyers[c.buyer_id] for c in plan.candidates], dtype=int)
    score = np.array([c.score for c in plan.candidates])
    provinces = sorted({lot.province for lot in plan.lots})
    group = np.array([provinces.index(x.province) for x in plan.lots])
    required = None
    if plan.summary.status == "infeasible":
        required = np.array(sorted(set(group[lot].tolist()) - {
            provinces.index(p) for p in plan.summary.uncovered_provinces}))
    expected = reference(score, lot, buyer, np.array([x.quantity_kg for x in plan.lots]),
                         prepared.demand.quantity_kg, prepared.demand.moq_kg, min_shipment,
                         group if coverage else None, 1000.0, required)
    assert plan.summary.status in ("optimal", "infeasible")
    assert plan.summary.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)



def test_candidates_are_records_made_on_demand(demo, plan):
    """The plan's candidates read, compare, pickle and serialise like the tuple of
    records built one per pair (the simple reference)."""
    import pickle
    from dataclasses import asdict, replace

    from matching._plan import CandidateTable, _round

    c = demo.candidates
    buyer_ids = [demo.demand.buyer_id[i] for i in demo.buyer_rows.tolist()]
    scores = matching.Weights().score(c.features)
    reference_records = tuple(matching.Candidate(demo.lots.lot_id[int(lot)], buyer_ids[int(b)],
                                                 float(s))
                              for lot, b, s in zip(c.lot, c.buyer, scores, strict=True))
    table = plan.candidates
    assert isinstance(table, CandidateTable) and len(table) == len(reference_records) > 10
    assert table == reference_records and tuple(table) == reference_records
    assert hash(table) == hash(reference_records)
    assert table[3] == reference_records[3] and table[-1] == reference_records[-1]
    assert table[2:9:3] == reference_records[2:9:3]
    with pytest.raises(IndexError):
        table[len(table)]
    assert table.dicts() == [_round(asdict(r)) for r in reference_records]
    copy = pickle.loads(pickle.dumps(plan))
    assert type(copy.candidates) is tuple and copy.candidates == table
    assert copy.to_dict() == plan.to_dict()
    as_tuple = replace(plan, candidates=reference_records)
    assert as_tuple == plan and as_tuple.to_dict() == plan.to_dict()
    assert plan.records("candidates")[0] == {"lot_id": table[0].lot_id,
                                              "buyer_id": table[0].buyer_id,
                                              "score": round(table[0].score, 6)}


def test_records_of_one_table_are_those_of_the_whole_plan(plan):
    """records() builds only the table asked for; the reference flattens to_dict()."""
    from matching._plan import TABLES, _records

    data = plan.to_dict()
    assert list(data) == ["allocations", "lots", "candidates", "unmatched_supply",
                          "unmatched_demand", "summary"]
    for table in TABLES:
        assert plan.records(table) == _records(data, table), table
        assert plan.records(table), table
    with pytest.raises(ValueError, match="must be one of"):
        plan.records("nothing")


def test_reasons_fit_an_optimal_plan(plan):
    """Whole-gram rounding of the flow backend never turns a full buyer into 'room left'."""
    assert plan.summary.status == "optimal"
    reasons = [u.reason for u in (*plan.unmatched_supply, *plan.unmatched_demand)]
    assert not [r for r in reasons if "time limit" in r or "heuristic" in r]
    for u in plan.unmatched_demand:
        assert u.quantity_kg >= 1e-3 or u.reason == "less than a gram left by solver rounding"


def test_demand_issues_stay_with_their_rows_when_ids_are_not_in_row_order():
    """Buyers are processed sorted by id; a request's input issue is still its own."""
    demand = demand_rows()
    demand[0]["buyer_id"] = "Z1"  # the crab buyer, now sorted after B2
    demand[1]["product"] = "unobtainium widgets"
    prepared = matching.prepare(supply_rows(), demand)
    assert prepared.demand_issue == ("", "product not recognised: 'unobtainium widgets'")
    plan = prepared.solve()
    assert [(u.buyer_id, u.reason) for u in plan.unmatched_demand] == [
        ("B2", "product not recognised: 'unobtainium widgets'")]
    assert {a.buyer_id for a in plan.allocations} == {"Z1"}
