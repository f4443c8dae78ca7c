# %% [markdown]
# # Tuning the weights
#
# The score of a lot-buyer pair is a weighted mean of six features (product fit, price
# margin, logistics, quality, export readiness, priority for disadvantaged regencies).
# Everything that does not depend on the weights is done once by `prepare()`; each
# `solve(weights=...)` then only re-scores and re-solves. `sensitivity()` runs a grid of
# weights and tells which allocations move.

# %%
import time
from pathlib import Path

import matching

OUT = Path("example-output")
OUT.mkdir(exist_ok=True)

start = time.perf_counter()
prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
print(f"prepare: {time.perf_counter() - start:.2f} s, {len(prepared.lots)} lots, "
      f"{len(prepared.candidates)} candidate pairs")

# %% [markdown]
# ## One re-solve: favour disadvantaged regencies

# %%
baseline = prepared.solve()
priority = prepared.solve(weights={"priority": 3.0})
for name, plan in (("baseline", baseline), ("priority 3", priority)):
    disadvantaged = sum(a.quantity_kg * a.score_breakdown["priority"] for a in plan.allocations)
    print(f"{name:>10}: objective {plan.summary.objective:,.0f}, allocated "
          f"{plan.summary.allocated_kg:,.0f} kg, from disadvantaged regencies "
          f"{disadvantaged:,.0f} kg")

# The same plan as a full match with those weights:
direct = matching.match(matching.demo_supply(), matching.demo_demand(),
                        weights={"priority": 3.0})
assert [a.quantity_kg for a in direct.allocations] == \
    [a.quantity_kg for a in priority.allocations]

# %% [markdown]
# ## A grid: price against logistics

# %%
result = prepared.sensitivity(grid={"price": [0.25, 1.0, 4.0], "logistics": [0.1, 0.5, 2.0]})
table = result.to_frame("settings")
print(table[["setting", "weight_price", "weight_logistics", "objective", "allocated_kg",
             "allocations", "changed", "changed_kg"]].to_string(index=False))

# %% [markdown]
# ## Which allocations moved

# %%
changes = result.to_frame("changes")
print(changes.to_string(index=False) if len(changes) else "no allocation moved")
moved = changes.groupby("buyer_id")["delta_kg"].apply(lambda d: d.abs().sum() / 2)
print(moved.sort_values(ascending=False).head())

# %%
matching.plot_sensitivity(result).savefig(OUT / "tuning_sensitivity.png", dpi=100)
