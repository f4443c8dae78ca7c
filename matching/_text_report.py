"""A plain-text summary of a plan for people (what ``bumdes-match demo`` prints)."""

from __future__ import annotations

from ._plan import Plan

__all__ = ["format_plan"]


def format_plan(plan: Plan) -> str:
    """The plan as readable text: allocations per buyer, lots and their BUMDes, unmatched
    rows with reasons, and totals per province."""
    s = plan.summary
    out = [
        f"Plan: {s.status} ({s.message}); objective {s.objective:,.1f}, gap {s.gap:.2%}, "
        f"{s.seconds:.2f} s",
        f"Supply {s.supply_kg:,.0f} kg, demand {s.demand_kg:,.0f} kg, allocated "
        f"{s.allocated_kg:,.0f} kg in {len(plan.allocations)} allocation(s) from "
        f"{len({a.lot_id for a in plan.allocations})} lot(s).",
        "",
        "Allocations per buyer",
    ]
    buyers = sorted({a.buyer_id for a in plan.allocations})
    for buyer in buyers:
        mine = [a for a in plan.allocations if a.buyer_id == buyer]
        out.append(f"  {buyer}: {sum(a.quantity_kg for a in mine):,.0f} kg")
        for a in mine:
            out.append(f"    {a.quantity_kg:>10,.0f} kg  {a.lot_id}  {a.origin_port} -> "
                       f"{a.destination_port}  score {a.score:.3f}  landed "
                       f"{a.landed_cost_usd_per_kg:.2f} USD/kg")
    used = {a.lot_id for a in plan.allocations}
    out += ["", "Lots and their member BUMDes (* = allocated)"]
    for lot in plan.lots:
        mark = "*" if lot.lot_id in used else " "
        members = ", ".join(f"{m.supplier_id} {m.quantity_kg:,.0f}" for m in lot.members)
        out.append(f" {mark} {lot.lot_id}: {lot.quantity_kg:,.0f} kg at {lot.hub} "
                   f"[{members}]")
    out += ["", "Unmatched supply"]
    out += [f"  {u.supplier_id}: {u.quantity_kg:,.0f} kg - {u.reason}"
            for u in plan.unmatched_supply] or ["  (none)"]
    out += ["", "Unmatched demand"]
    out += [f"  {u.buyer_id}: {u.quantity_kg:,.0f} kg - {u.reason}"
            for u in plan.unmatched_demand] or ["  (none)"]
    out += ["", f"  {'province':<28} {'BUMDes':>6} {'served':>6} {'supply kg':>12} "
                f"{'allocated kg':>12}"]
    for row in s.by_province:
        out.append(f"  {row['province']:<28} {row['suppliers']:>6} {row['suppliers_served']:>6} "
                   f"{row['supply_kg']:>12,.0f} {row['allocated_kg']:>12,.0f}")
    return "\n".join(out)
