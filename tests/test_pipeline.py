"""The whole pipeline on the demo data: every kg accounted for, MOQs held, the optimum
checked against a direct solve, and row order irrelevant."""

import csv
import dataclasses
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching
from matching._logistics import FIRST_LEGS
from matching._plan import ALLOCATION_FIELDS

from .conftest import demand_rows, supply_rows
from .helpers import national, without_timing
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


def simple_allocations(prepared, used, kg, score):
    """The allocation records of the pairs ``used`` with ``kg`` and ``score``, one pair at
    a time (the simple reference of the table's batch)."""
    c, lots, basis, network = prepared.candidates, prepared.lots, prepared.basis, prepared.network
    records = []
    for k, q, s in zip(used.tolist(), kg.tolist(), score.tolist(), strict=True):
        lot = int(c.lot[k])
        product = prepared.taxonomy.products[int(lots.product[lot])]
        rows, member_kg = lots.members(lot)
        if q == lots.quantity_kg[lot]:
            members = basis.lot_records[lot].members
        else:
            members = tuple(matching.Member(prepared.supply.supplier_id[r],
                                            float(q * (m / lots.quantity_kg[lot])))
                            for r, m in zip(rows.tolist(), member_kg.tolist(), strict=True))
        records.append(matching.Allocation(
            basis.buyer_ids[int(c.buyer[k])], lots.lot_id[lot], product.product_id,
            product.hs_code, q, s, dict(zip(matching.Weights().to_dict(),
                                            c.features[k].tolist(), strict=True)),
            network.locode[int(c.origin_port[k])], network.locode[int(c.destination_port[k])],
            float(c.landed_usd[k]), float(c.transit_days[k]), FIRST_LEGS[int(c.first_leg[k])],
            members))
    return tuple(records)


def unbuilt(prepared, table):
    """A new table of the same allocations, none of its records made yet."""
    from matching._plan import AllocationTable

    return AllocationTable(table._used, table._kg, table._score, basis=prepared.basis,
                           lots=prepared.lots, candidates=prepared.candidates,
                           network=prepared.network)


@pytest.fixture(scope="module", params=[
    (500, {}, None), (500, {"min_shipment_kg": 200.0}, {"price": 3.0, "priority": 0.0}),
    (500, {"province_coverage": True, "consolidation": "regency"}, {"quality": 2.5}),
    (400, {"min_shipment_kg": 300.0, "province_coverage": True}, {"logistics": 0.5})],
    ids=["default", "min_shipment", "coverage", "both"])
def generated(request):
    suppliers, config, weights = request.param
    supply, demand = national(suppliers, 160, seed=13)
    prepared = matching.prepare(supply, demand, config=config)
    return prepared, prepared.solve(weights), weights


def test_allocation_table_is_the_records_of_the_allocated_pairs(generated):
    """The table's pairs are those with flow, by buyer then lot, with their kg and score;
    its records are those made one pair at a time, and every output of the plan (dict,
    JSON, CSV, frames, stories) is the same byte for byte as from the tuple of them."""
    from matching._plan import AllocationTable, csv_files

    prepared, plan, weights = generated
    c, table = prepared.candidates, plan.allocations
    assert isinstance(table, AllocationTable) and len(table) > 20
    used = table._used
    assert np.all(table._kg > 0) and table._kg.sum() == pytest.approx(plan.summary.allocated_kg)
    order = np.lexsort((c.lot[used], c.buyer[used]))
    assert np.array_equal(order, np.arange(len(used)))
    assert np.array_equal(table._score, matching.Weights(**(weights or {})).score(
        c.features)[used])
    reference = simple_allocations(prepared, used, table._kg, table._score)
    eager = dataclasses.replace(plan, allocations=reference)

    for name in ALLOCATION_FIELDS:  # columns before any record is made, and after
        fresh = unbuilt(prepared, table)
        assert fresh.column(name) == [getattr(a, name) for a in reference], name
        assert fresh._built is None
    assert unbuilt(prepared, table) == reference
    lazy = dataclasses.replace(plan, allocations=unbuilt(prepared, table))
    assert lazy.to_json() == eager.to_json() and lazy.to_json(indent=None) == eager.to_json(
        indent=None)
    folder = Path(tempfile.mkdtemp())
    for read in (lambda p: p.to_dict(), lambda p: p.records("allocations"),
                 lambda p: p.to_frame("allocations").to_csv(),
                 lambda p: p.to_frame("allocations").dtypes.to_dict(),
                 lambda p: {path.name: text if isinstance(text, str) else b"".join(text).decode()
                            for path, text in csv_files(p, folder)}):
        assert read(dataclasses.replace(plan, allocations=unbuilt(prepared, table))) == \
            read(eager)
    buyers = [a.buyer_id for a in reference]
    for b in sorted(set(buyers)):  # a story's slice, made on its own
        fresh = unbuilt(prepared, table)
        start, stop = buyers.index(b), len(buyers) - buyers[::-1].index(b)
        assert fresh[start:stop] == reference[start:stop] and fresh._built is None
    # Stories told from slices of a table not yet made, and from one made whole.
    fresh = prepared.solve(weights)
    told = [fresh.explain(b) for b in prepared.basis.buyer_ids]
    tuple(plan.allocations)
    assert told == [plan.explain(b) for b in prepared.basis.buyer_ids]


def reads_like(table, reference):
    """``table``, none of whose records are made yet, reads as the tuple ``reference``;
    slices of part of it make only their own records."""
    n = len(table)
    assert n == len(reference)
    for part in (slice(2, 9, 3), slice(None, None, -1), slice(-4, None), slice(5, 5),
                 slice(n - 3, n + 10), slice(None, 3), slice(n + 1, n + 5)):
        got = table[part]
        assert got == reference[part] and type(got) is tuple
    assert table._built is None
    assert table[3] == reference[3] and table[-1] == reference[-1] == table[n - 1]
    assert table[-n] == reference[0]
    for bad in (n, -n - 1, 10 * n):
        with pytest.raises(IndexError):
            table[bad]
    with pytest.raises(TypeError):
        table["0"]
    assert table == reference and reference == table and tuple(table) == reference
    assert table != reference[:-1] and table != reference[::-1] and table != list(reference)
    assert list(reversed(table)) == list(reversed(reference))
    assert reference[7] in table and table.index(reference[7]) == 7
    assert table.count(reference[7]) == 1


def test_allocation_table_reads_like_a_tuple(generated):
    import pickle

    from matching._plan import AllocationTable

    prepared, plan, _ = generated
    reference = simple_allocations(prepared, plan.allocations._used, plan.allocations._kg,
                                   plan.allocations._score)
    table = unbuilt(prepared, plan.allocations)
    n = len(table)
    assert repr(table) == (
        f"AllocationTable({n:,} allocations, {sum(a.quantity_kg for a in reference):,.0f} kg)")
    reads_like(table, reference)
    assert table == unbuilt(prepared, table) and table != plan.candidates
    with pytest.raises(TypeError):  # a record holds a dict: unhashable, as the tuple is
        hash(reference)
    with pytest.raises(TypeError):
        hash(table)
    empty = AllocationTable(table._used[:0], table._kg[:0], table._score[:0],
                            basis=prepared.basis, lots=prepared.lots,
                            candidates=prepared.candidates, network=prepared.network)
    assert empty == () and hash(empty) == hash(()) and not empty and empty[:] == ()
    assert repr(empty) == "AllocationTable(0 allocations, 0 kg)"
    copy = pickle.loads(pickle.dumps(table))
    assert type(copy) is tuple and copy == reference == table
    plan_copy = pickle.loads(pickle.dumps(plan))
    assert type(plan_copy.allocations) is tuple and plan_copy == plan
    assert without_timing(plan_copy) == without_timing(plan)
    with pytest.raises(ValueError, match=r"The 'name' parameter of AllocationTable\.column"):
        table.column("members_kg")
    with pytest.raises(ValueError, match="as many pairs, kg and scores"):
        AllocationTable(table._used, table._kg[1:], table._score, basis=prepared.basis,
                        lots=prepared.lots, candidates=prepared.candidates,
                        network=prepared.network)


def test_allocation_records_are_made_once_and_only_when_read(generated, monkeypatch):
    """Every whole-table read uses the records made by the first; a weight sweep and the
    plan's column reads make none."""
    from matching import _assemble

    prepared, plan, _ = generated
    made = []
    batch = _assemble.allocations
    monkeypatch.setattr(_assemble, "allocations", lambda *a, **k: made.append(1) or batch(
        *a, **k))
    table = unbuilt(prepared, plan.allocations)
    lazy = dataclasses.replace(plan, allocations=table)
    assert table.column("buyer_id") and table.column("members") and made == []
    first = table[0]
    for read in (lambda: tuple(table), lambda: table[5:9], lambda: lazy.to_dict(),
                 lambda: lazy.to_json(), lambda: lazy.records("allocations"),
                 lambda: lazy.to_csv(tempfile.mkdtemp()), lambda: table[-1]):
        read()
    assert made == [1] and table[0] is first and next(iter(table)) is first
    assert table.column("members")[0] is first.members


def test_a_weight_sweep_makes_no_allocation_records(demo, monkeypatch):
    from matching import _assemble

    batch = _assemble.allocations

    def none_made(*args, **kwargs):
        raise AssertionError("a sweep made allocation records")

    monkeypatch.setattr(_assemble, "allocations", none_made)
    sweep = demo.sensitivity(grid={"price": [0.5, 2.0], "priority": [0.0, 1.0]})
    settings_, changes = sweep.records("settings"), sweep.records("changes")
    sweep.to_dict()
    monkeypatch.setattr(_assemble, "allocations", batch)
    assert sum(row["changed"] for row in settings_) == len(changes) > 0
    for row, each in zip(settings_, sweep.plans, strict=True):
        assert row["allocations"] == len(each.allocations)
        assert row["buyers_served"] == len({a.buyer_id for a in each.allocations})
    base = {(a.buyer_id, a.lot_id): a.quantity_kg for a in sweep.baseline_plan.allocations}
    for change in changes:
        mine = {(a.buyer_id, a.lot_id): a.quantity_kg
                for a in sweep.plans[change["setting"]].allocations}
        key = change["buyer_id"], change["lot_id"]
        assert change["baseline_kg"] == round(base.get(key, 0.0), 6)
        assert change["quantity_kg"] == round(mine.get(key, 0.0), 6)


def simple_unmatched(prepared, plan):
    """The unmatched supply and demand records of ``plan``, one supply row and one buyer
    at a time (the simple reference of the tables' batches): the input issue, solver
    rounding, or the reason of the row's lot alone (of the buyer alone), with the kg left
    the tables keep; the outcome is the one the plan explains."""
    from matching._explain import demand_reasons, lot_reasons

    supply, demand = plan.unmatched_supply, plan.unmatched_demand
    outcome = supply._records.args[1]
    assert demand._records.args[1] is outcome
    lots, buyers, basis = prepared.lots, prepared.buyers, prepared.basis
    lot_of_row = {}
    for lot in range(len(lots)):
        for row in lots.members(lot)[0].tolist():
            lot_of_row[row] = lot
    context = {"lots": lots, "buyers": buyers, "candidates": prepared.candidates,
               "outcome": outcome, "buyer_ids": basis.buyer_ids, "taxonomy": prepared.taxonomy}

    def reason(issue, rest, explain):
        return issue or ("less than a gram left by solver rounding" if rest < 1e-3 else
                         explain()[0])

    rows = tuple(matching.UnmatchedSupply(
        prepared.supply.supplier_id[i], max(rest, 0.0),
        reason(prepared.supply_issue[i], rest,
               lambda i=i: lot_reasons(np.array([lot_of_row[i]]), **context)))
        for i, rest in zip(supply._index.tolist(), supply._rest.tolist(), strict=True))
    wants = tuple(matching.UnmatchedDemand(
        basis.buyer_ids[b], max(rest, 0.0),
        reason(basis.buyer_issue[b], rest, lambda b=b: demand_reasons(np.array([b]), **context)))
        for b, rest in zip(demand._index.tolist(), demand._rest.tolist(), strict=True))
    return rows, wants


def unbuilt_unmatched(table, records=None):
    """A new table of the same unmatched rows or buyers, none of its records made yet
    (made by ``records`` when given)."""
    return type(table)(table._index, table._rest, ids=table._ids,
                       records=records or table._records)


def test_unmatched_tables_are_the_records_made_one_row_and_buyer_at_a_time(generated):
    """The tables hold the rows with kg left or an input issue (by supplier id) and the
    buyers with kg not served or an issue (by buyer), with what they have left; their
    records are those made one at a time, and every output of the plan (dict, JSON, CSV,
    frames, text report, stories) is the same byte for byte as from the tuples of them."""
    from matching._plan import UnmatchedDemandTable, UnmatchedSupplyTable, csv_files
    from matching._text_report import format_plan

    prepared, plan, _ = generated
    supply, demand = plan.unmatched_supply, plan.unmatched_demand
    assert type(supply) is UnmatchedSupplyTable and type(demand) is UnmatchedDemandTable
    p, basis = prepared.supply, prepared.basis
    allocated = defaultdict(float)
    for a in plan.allocations:
        for m in a.members:
            allocated[m.supplier_id] += m.quantity_kg
    rest = {i: float(p.quantity_kg[i]) - allocated[p.supplier_id[i]] for i in range(len(p))}
    by_id = sorted(range(len(p)), key=p.supplier_id.__getitem__)
    assert supply._index.tolist() == [i for i in by_id
                                      if prepared.supply_issue[i] or rest[i] > 1e-6]
    assert supply._rest.tolist() == pytest.approx([rest[i] for i in supply._index.tolist()],
                                                  abs=1e-6)
    served = defaultdict(float)
    for a in plan.allocations:
        served[a.buyer_id] += a.quantity_kg
    asked = {b: float(prepared.buyers.quantity_kg[b]) - served[basis.buyer_ids[b]]
             for b in range(len(basis.buyer_ids))}
    assert demand._index.tolist() == [b for b in range(len(basis.buyer_ids))
                                      if basis.buyer_issue[b] or asked[b] > 1e-6]
    assert demand._rest.tolist() == pytest.approx([asked[b] for b in demand._index.tolist()],
                                                  abs=1e-6)
    rows, wants = simple_unmatched(prepared, plan)
    assert len(rows) > 100 and len(wants) > 50
    assert any(basis.row_settled[supply._index]) and not all(basis.row_settled[supply._index])
    assert any("rounding" in u.reason for u in rows + wants) or \
        prepared.config.min_shipment_kg > 0

    for table, made in ((supply, rows), (demand, wants)):
        for name in type(table)._FIELDS:  # columns before any record is made, and after
            fresh = unbuilt_unmatched(table)
            assert fresh.column(name) == [getattr(u, name) for u in made], name
            assert (fresh._built is None) == (name != "reason")
            assert fresh.column(name) == [getattr(u, name) for u in made], name
        assert unbuilt_unmatched(table) == made
        for size in (1, 7, len(made) // 8 + 1):  # slices (a buyer's story reads its own):
            fresh = unbuilt_unmatched(table)  # the first few made on their own
            for start in range(0, len(made), size):
                assert fresh[start:start + size] == made[start:start + size]
            assert (fresh._built is None) == (len(range(0, len(made), size)) <= fresh._PART_READS)

    def lazy():
        return dataclasses.replace(plan, unmatched_supply=unbuilt_unmatched(supply),
                                   unmatched_demand=unbuilt_unmatched(demand))

    eager = dataclasses.replace(plan, unmatched_supply=rows, unmatched_demand=wants)
    assert lazy().to_json() == eager.to_json()
    assert lazy().to_json(indent=None) == eager.to_json(indent=None)
    folder = Path(tempfile.mkdtemp())
    for read in (lambda p: p.to_dict(), format_plan,
                 lambda p: [p.records(t) for t in ("unmatched_supply", "unmatched_demand")],
                 lambda p: [p.to_frame(t).to_csv() + str(p.to_frame(t).dtypes.to_dict())
                            for t in ("unmatched_supply", "unmatched_demand")],
                 lambda p: {path.name: text if isinstance(text, str) else b"".join(text).decode()
                            for path, text in csv_files(p, folder)}):
        assert read(lazy()) == read(eager)
    # Stories told from a plan whose unmatched records are not made (each story makes its
    # buyer's own), and from one whose records are all made.
    fresh = prepared.solve(generated[2])
    told = [fresh.explain(b) for b in basis.buyer_ids]
    assert fresh.unmatched_supply._built is None
    assert told == [eager.explain(b) for b in basis.buyer_ids]
    assert any(f"Unserved {u.quantity_kg:,.0f} kg: {u.reason}." in story
               for u, story in zip(wants, told, strict=False))


def test_stories_make_their_own_records_then_the_whole_tables(generated, monkeypatch):
    """The first few stories told make only their buyer's allocations and unmatched
    record; telling more makes each table whole, once, and later stories read it."""
    from matching import _assemble, _pipeline
    from matching._plan import AllocationTable, UnmatchedDemandTable

    prepared, plan, weights = generated
    made = {"allocations": [], "unmatched": []}
    allocations, demand_records = _assemble.allocations, _pipeline._demand_records
    monkeypatch.setattr(_assemble, "allocations", lambda basis, used, *a, **k: (
        made["allocations"].append(len(used)) or allocations(basis, used, *a, **k)))
    monkeypatch.setattr(_pipeline, "_demand_records", lambda p, outcome, buyers, rest: (
        made["unmatched"].append(buyers.tolist()) or demand_records(p, outcome, buyers, rest)))
    parts = AllocationTable._PART_READS
    assert parts == UnmatchedDemandTable._PART_READS == 8
    buyer_ids = prepared.basis.buyer_ids
    served = [sum(a.buyer_id == b for a in plan.allocations) for b in buyer_ids]
    unserved = plan.unmatched_demand._index.tolist()
    assert sum(n > 0 for n in served) > parts and len(unserved) > parts
    few = prepared.solve(weights)  # a few stories make only their own records
    for b in buyer_ids[:parts]:
        few.explain(b)
    assert few.allocations._built is None and few.unmatched_demand._built is None
    assert made["allocations"] == [n for n in served[:parts] if n]
    assert made["unmatched"] == [[b] for b in unserved if b < parts]
    made = {"allocations": [], "unmatched": []}
    fresh = prepared.solve(weights)
    story = {b: fresh.explain(b) for b in buyer_ids}
    assert made["allocations"] == [*[n for n in served if n][:parts], len(plan.allocations)]
    assert made["unmatched"] == [*[[b] for b in unserved[:parts]], unserved]
    tuple(fresh.allocations), tuple(fresh.unmatched_demand), tuple(plan.allocations)
    assert len(made["allocations"]) == parts + 1 and len(made["unmatched"]) == parts + 1
    assert story == {b: plan.explain(b) for b in buyer_ids}


@pytest.mark.parametrize("part", ["unmatched_supply", "unmatched_demand"])
def test_unmatched_tables_read_like_tuples(generated, part):
    import pickle

    from matching._plan import UnmatchedSupplyTable

    prepared, plan, _ = generated
    rows, wants = simple_unmatched(prepared, plan)
    reference = rows if part == "unmatched_supply" else wants
    table = unbuilt_unmatched(getattr(plan, part))
    n, kind = len(table), type(table).__name__
    of = "supply rows" if part == "unmatched_supply" else "buyers"
    assert repr(table) == f"{kind}({n:,} {of}, {sum(u.quantity_kg for u in reference):,.0f} kg)"
    reads_like(table, reference)
    assert table == unbuilt_unmatched(table) and table != plan.candidates
    assert hash(table) == hash(reference)  # records of text and kg hash, as their tuple
    empty = type(table)(table._index[:0], table._rest[:0], ids=table._ids,
                        records=table._records)
    assert empty == () and hash(empty) == hash(()) and not empty and empty[:] == ()
    assert repr(empty) == f"{kind}(0 {of}, 0 kg)" and empty.column("reason") == []
    copy = pickle.loads(pickle.dumps(table))
    assert type(copy) is tuple and copy == reference == table
    plan_copy = pickle.loads(pickle.dumps(plan))
    assert type(getattr(plan_copy, part)) is tuple and plan_copy == plan
    assert without_timing(plan_copy) == without_timing(plan)
    with pytest.raises(ValueError, match=rf"The 'name' parameter of {kind}\.column"):
        table.column("supplier" if part == "unmatched_supply" else "supplier_id")
    with pytest.raises(ValueError, match=f"{kind} needs as many {of} as kg left"):
        type(table)(table._index, table._rest[1:], ids=table._ids, records=table._records)
    assert isinstance(table, UnmatchedSupplyTable) == (part == "unmatched_supply")


def test_unmatched_records_are_made_once_and_only_when_read(generated):
    """Every whole-table read uses the records made by the first; the id and kg columns
    make none."""
    from matching._text_report import format_plan

    _, plan, _ = generated
    made = []

    def counted(make):
        return lambda index, rest: made.append(len(index)) or make(index, rest)

    supply = unbuilt_unmatched(plan.unmatched_supply, counted(plan.unmatched_supply._records))
    demand = unbuilt_unmatched(plan.unmatched_demand, counted(plan.unmatched_demand._records))
    lazy = dataclasses.replace(plan, unmatched_supply=supply, unmatched_demand=demand)
    for table in (supply, demand):
        assert table.column(type(table)._FIELDS[0]) and table.column("quantity_kg")
    assert made == []
    first = supply[0]
    assert made == [len(supply)]
    for read in (lambda: tuple(supply), lambda: supply[5:9], lambda: lazy.to_dict(),
                 lambda: lazy.to_json(), lambda: lazy.records("unmatched_supply"),
                 lambda: lazy.records("unmatched_demand"), lambda: format_plan(lazy),
                 lambda: lazy.to_csv(tempfile.mkdtemp()), lambda: supply[-1],
                 lambda: demand[3:4], lambda: list(reversed(demand))):
        read()
    assert made == [len(supply), len(demand)]
    assert supply[0] is first and next(iter(supply)) is first
    assert supply.column("reason")[0] is first.reason
    assert supply.column("quantity_kg") == [u.quantity_kg for u in supply]
    assert made == [len(supply), len(demand)]


def test_unmatched_kg_is_never_below_zero(generated):
    """A row or buyer left with a rounding error below zero has 0 kg, in its record and in
    the kg column read without records."""
    prepared, plan, _ = generated
    basis = prepared.basis
    for table, settled in ((plan.unmatched_supply, basis.row_settled),
                           (plan.unmatched_demand, basis.buyer_settled)):
        index = table._index[~settled[table._index]]
        rest = table._rest[~settled[table._index]].copy()
        rest[::2] = -1e-9 * np.arange(1, len(rest[::2]) + 1)
        below = type(table)(index, rest, ids=table._ids, records=table._records)
        kg = below.column("quantity_kg")
        assert kg[::2] == [0.0] * len(rest[::2]) and kg[1::2] == rest[1::2].tolist()
        assert [u.quantity_kg for u in below] == kg
        assert [u.reason for u in below[::2]] == ["less than a gram left by solver rounding"] * \
            len(rest[::2])


def test_a_weight_sweep_makes_no_unmatched_records(demo, monkeypatch):
    from matching import _pipeline

    def none_made(*args, **kwargs):
        raise AssertionError("a sweep made unmatched records")

    monkeypatch.setattr(_pipeline, "_supply_records", none_made)
    monkeypatch.setattr(_pipeline, "_demand_records", none_made)
    sweep = demo.sensitivity(grid={"price": [0.5, 2.0], "priority": [0.0, 1.0]})
    sweep.records("settings"), sweep.records("changes"), sweep.to_dict()
    assert len(sweep.plans[0].unmatched_supply) > 0


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
