# %% [markdown]
# # Konawe mud crab to Hong Kong
#
# Villages around Konawe (Southeast Sulawesi) each sell a few hundred kilograms of live mud
# crab a month. A Hong Kong importer wants a tonne a week and will not take less than two
# tonnes a month. No village can serve it alone; pooled into lots, they can. This example
# follows that story through the plan: the lots, who is in them, what the buyer gets and
# why, and what the other villages were told.
#
# Run it as a script (`python examples/konawe_crab_to_hong_kong.py`) or open it as a
# notebook with jupytext; pictures go to `example-output/`.

# %%
from pathlib import Path

import matching

OUT = Path("example-output")
OUT.mkdir(exist_ok=True)

plan = matching.match(matching.demo_supply(), matching.demo_demand())
print(plan)

# %% [markdown]
# ## The lots: village offers pooled per region, grade and certifications

# %%
lots = plan.to_frame("lots")
crab = lots[lots["product_id"] == "mud_crab_live"]
print(crab[["lot_id", "hub", "province", "quantity_kg", "members"]].to_string(index=False))

# The Konawe offers have ids KNW-...; the lots they are pooled into (with neighbouring
# regencies when that makes an exportable lot) are the Konawe lots.
konawe = [lot for lot in plan.lots if any(m.supplier_id.startswith("KNW-")
                                          for m in lot.members)]
for lot in konawe:
    shares = ", ".join(f"{m.supplier_id} {m.quantity_kg:,.0f} kg" for m in lot.members)
    print(f"{lot.lot_id}: {lot.quantity_kg:,.0f} kg from {len(lot.members)} BUMDes ({shares})")
assert konawe, "the demo has Konawe crab lots"

# %% [markdown]
# ## What the Hong Kong buyer gets, and why

# %%
print(plan.explain("RFQ-HK-01"))

hk = plan.to_frame("allocations").query("buyer_id == 'RFQ-HK-01'")
print(hk[["lot_id", "quantity_kg", "score", "origin_port", "destination_port",
          "landed_cost_usd_per_kg", "transit_days"]].to_string(index=False))
served = hk["quantity_kg"].sum()
print(f"served {served:,.0f} kg; MOQ 2,000 kg is {'met' if served >= 2000 else 'not met'}")

# %%
fig = matching.plot_scores(plan, "RFQ-HK-01")
fig.savefig(OUT / "konawe_hk_scores.png", dpi=100)

# %% [markdown]
# ## Each village's share: members ship pro rata to what they offered

# %%
for a in plan.allocations:
    if a.buyer_id == "RFQ-HK-01" and a.lot_id in {lot.lot_id for lot in konawe}:
        for m in a.members:
            print(f"{a.lot_id} -> RFQ-HK-01: {m.supplier_id} ships {m.quantity_kg:,.1f} kg")

# %% [markdown]
# ## The crab that did not go anywhere, and why

# %%
unmatched = plan.to_frame("unmatched_supply")
print(unmatched[unmatched["supplier_id"].str.startswith(("KNW", "KSL", "KLK"))]
      .to_string(index=False))

# %% [markdown]
# ## On the map

# %%
matching.plot_map(plan).savefig(OUT / "konawe_map.png", dpi=100)
matching.plot_flows(plan).savefig(OUT / "konawe_flows.png", dpi=100)
print("pictures in", OUT.resolve())
