# %% [markdown]
# # Province coverage
#
# A plan that maximises the score sends everything through the best-placed provinces.
# A programme that wants every supplying province to get at least one export deal asks for
# `Config(province_coverage=True)`: the solver then serves at least `coverage_min_kg` from a
# lot of every province that can be served at all, at the smallest loss of score, and lists
# the provinces it could not cover.

#
# The instance is a seeded national one (800 BUMDes offers in every province, 60 buyer
# requests) from `benchmarks/generate.py`.

# %%
import sys
from pathlib import Path

import matching

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

OUT = Path("example-output")
OUT.mkdir(exist_ok=True)

instance = generate(800, 60, seed=2)
plain = matching.match(instance.supply, instance.demand)
covered = matching.match(instance.supply, instance.demand,
                         config=matching.Config(province_coverage=True))

# %% [markdown]
# ## Per-province totals, with and without coverage

# %%
before = plain.to_frame("by_province").set_index("province")
after = covered.to_frame("by_province").set_index("province")
both = before[["suppliers", "supply_kg", "allocated_kg"]].join(
    after[["allocated_kg"]], rsuffix="_with_coverage")
print(both.round(0).to_string())

served_before = int((before["allocated_kg"] > 0).sum())
served_after = int((after["allocated_kg"] > 0).sum())
print(f"provinces with an export deal: {served_before} -> {served_after} of {len(before)}")
print(f"objective: {plain.summary.objective:,.0f} -> {covered.summary.objective:,.0f} "
      f"({covered.summary.status})")
print("still without a deal (no lot of theirs can be served at all):",
      ", ".join(after.index[after["allocated_kg"] <= 0]) or "none")
print("reported uncoverable by the solver:",
      ", ".join(covered.summary.uncovered_provinces) or "none")
assert served_after > served_before

# %%
matching.plot_flows(covered).savefig(OUT / "coverage_flows.png", dpi=100)
