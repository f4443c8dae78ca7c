"""Plan assembly from arrays against the simple per-lot and per-row loops it replaced."""

import numpy as np
import pytest

import matching
from matching import _assemble

from .helpers import national


@pytest.fixture(scope="module", params=[None, {"consolidation": "regency"}])
def solved(request):
    supply, demand = national(800, 250, seed=11)
    prepared = matching.prepare(supply, demand, config=request.param)
    return prepared, prepared.solve()


def members_reference(prepared, lot, kg):
    lots = prepared.lots
    rows, member_kg = lots.members(lot)
    total = lots.quantity_kg[lot]
    share = member_kg / total if total > 0 else np.zeros(len(rows))
    return tuple(matching.Member(prepared.supply.supplier_id[r], float(kg * s))
                 for r, s in zip(rows.tolist(), share.tolist(), strict=True))


def allocated_reference(prepared, lot_used):
    lots = prepared.lots
    allocated = np.zeros(len(prepared.supply))
    for i in range(len(lots)):
        rows, member_kg = lots.members(i)
        if lots.quantity_kg[i] > 0:
            allocated[rows] += lot_used[i] * member_kg / lots.quantity_kg[i]
    return allocated


def by_province_reference(prepared, allocated):
    names = prepared.gazetteer.province
    out = {}
    for i, prov in enumerate(prepared.regions.province.tolist()):
        name = names[prov] if prov >= 0 else "(unknown)"
        entry = out.setdefault(name, {"province": name, "suppliers": 0, "suppliers_served": 0,
                                      "supply_kg": 0.0, "allocated_kg": 0.0})
        entry["suppliers"] += 1
        entry["suppliers_served"] += int(allocated[i] > 1e-6)
        entry["supply_kg"] += float(prepared.supply.quantity_kg[i])
        entry["allocated_kg"] += float(allocated[i])
    return tuple(out[k] for k in sorted(out))


def test_lot_records_and_allocation_members(solved):
    prepared, plan = solved
    lots = prepared.lots
    assert len(plan.lots) == len(lots) > 0
    for i, record in enumerate(plan.lots):
        assert record.lot_id == lots.lot_id[i]
        assert record.members == members_reference(prepared, i, float(lots.quantity_kg[i]))
    index = {lot_id: i for i, lot_id in enumerate(lots.lot_id)}
    assert plan.allocations
    for a in plan.allocations:
        assert a.members == members_reference(prepared, index[a.lot_id], a.quantity_kg)
    assert [(a.buyer_id, a.lot_id) for a in plan.allocations] == sorted(
        (a.buyer_id, a.lot_id) for a in plan.allocations)


def test_allocated_per_row_and_by_province(solved):
    prepared, plan = solved
    rng = np.random.default_rng(0)
    lot_used = rng.random(len(prepared.lots)) * prepared.lots.quantity_kg
    lot_used[rng.random(len(lot_used)) < 0.5] = 0.0
    allocated = _assemble.allocated_per_row(prepared.basis, lots=prepared.lots,
                                            lot_used=lot_used, n_rows=len(prepared.supply))
    reference = allocated_reference(prepared, lot_used)
    assert np.array_equal(allocated, reference)
    assert _assemble.by_province(prepared.basis, allocated) == by_province_reference(
        prepared, reference)
    # The plan's own table: its allocated kg add up to what was allocated.
    assert sum(r["allocated_kg"] for r in plan.summary.by_province) == pytest.approx(
        plan.summary.allocated_kg)


def test_by_product_sums_the_allocations_in_their_order(solved):
    plan = solved[1]
    allocated = {}
    for a in plan.allocations:  # the loop the per-product totals replaced
        allocated[a.product_id] = allocated.get(a.product_id, 0.0) + a.quantity_kg
    table = {r["product_id"]: r["allocated_kg"] for r in plan.summary.by_product}
    assert len(allocated) > 1 and allocated.items() <= table.items()
    assert all(kg == 0.0 for name, kg in table.items() if name not in allocated)


def test_each_story_tells_the_buyers_own_allocations(solved):
    prepared, plan = solved
    for buyer_id in prepared.basis.buyer_ids:
        mine = [a for a in plan.allocations if a.buyer_id == buyer_id]
        story = plan.explain(buyer_id)
        assert (f"It gets {sum(a.quantity_kg for a in mine):,.0f} kg from {len(mine)} lot(s):"
                in story) == bool(mine)
        assert all(f"kg from {a.lot_id} (" in story for a in mine)


def test_unmatched_supply_is_by_supplier_id_and_every_kg_is_accounted(solved):
    prepared, plan = solved
    ids = [u.supplier_id for u in plan.unmatched_supply]
    assert ids == sorted(ids)
    allocated = {}
    for a in plan.allocations:
        for m in a.members:
            allocated[m.supplier_id] = allocated.get(m.supplier_id, 0.0) + m.quantity_kg
    unmatched = {u.supplier_id: u.quantity_kg for u in plan.unmatched_supply}
    for sid, kg in zip(prepared.supply.supplier_id, prepared.supply.quantity_kg.tolist(),
                       strict=True):
        assert allocated.get(sid, 0.0) + unmatched.get(sid, 0.0) == pytest.approx(
            kg, abs=1e-3)


def test_a_second_solve_reuses_the_basis_and_gives_the_same_records(solved):
    prepared, plan = solved
    again = prepared.solve()
    assert again.lots is plan.lots  # made once by prepare()
    assert again.allocations == plan.allocations
    assert again.unmatched_supply == plan.unmatched_supply
    assert again.unmatched_demand == plan.unmatched_demand


@pytest.mark.parametrize("weights", [None, {"price": 3.0, "priority": 0.0}])
def test_records_settled_by_prepare_are_those_a_solve_writes(solved, weights):
    """Rows and buyers without candidate pairs have their unmatched records from
    prepare(); a solve told that none is settled writes the same records itself."""
    import dataclasses

    prepared, _ = solved
    basis = prepared.basis
    assert basis.row_settled.any() and basis.buyer_settled.any()
    assert not basis.row_settled.all() and not basis.buyer_settled.all()
    unsettled = dataclasses.replace(prepared, basis=dataclasses.replace(
        basis, row_settled=np.zeros_like(basis.row_settled),
        buyer_settled=np.zeros_like(basis.buyer_settled)))
    plan, reference = prepared.solve(weights), unsettled.solve(weights)
    assert plan.unmatched_supply == reference.unmatched_supply
    assert plan.unmatched_demand == reference.unmatched_demand
    for records, settled in ((plan.unmatched_supply, basis.row_record),
                             (plan.unmatched_demand, basis.buyer_record)):
        kept = {id(r) for r in settled.tolist() if r is not None}
        mine = [id(u) in kept for u in records]
        assert any(mine) and not all(mine)


def test_by_province_with_unknown_locations_and_empty_lots():
    from .conftest import demand_rows, supply_rows

    supply = supply_rows()
    supply[0].update(province="Atlantis", regency="Nowhere")
    supply[3]["product"] = "unobtainium"
    prepared = matching.prepare(supply, demand_rows())
    plan = prepared.solve()
    allocated = _assemble.allocated_per_row(
        prepared.basis, lots=prepared.lots,
        lot_used=np.bincount(prepared.candidates.lot, weights=np.zeros(len(prepared.candidates)),
                             minlength=len(prepared.lots)), n_rows=len(prepared.supply))
    assert not allocated.any()
    names = [r["province"] for r in plan.summary.by_province]
    assert "(unknown)" in names and names == sorted(names)
    served = {m.supplier_id for a in plan.allocations for m in a.members}
    reference = by_province_reference(prepared, np.array(
        [sum(m.quantity_kg for a in plan.allocations for m in a.members if m.supplier_id == s)
         for s in prepared.supply.supplier_id]))
    assert [(r["province"], r["suppliers"], r["suppliers_served"]) for r in
            plan.summary.by_province] == [(r["province"], r["suppliers"], r["suppliers_served"])
                                          for r in reference]
    assert served
