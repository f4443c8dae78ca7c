# %% [markdown]
# # Scaling out with Dask
#
# `match` and `prepare` take any `concurrent.futures.Executor`: product normalisation is
# mapped over it in chunks and the independent parts of the assignment (one per product
# market) are solved on it. A Dask cluster offers one through `client.get_executor()`.
# The plan is the same with or without it. Needs the `dask` extra.
#
# The instance is a seeded national-scale one from `benchmarks/generate.py`; set
# `SUPPLIERS` and `BUYERS` higher for a real test (66,000 BUMDes and 20,000 buyers is the
# national scale).

# %%
import os
import sys
import time
from pathlib import Path

import dask
from distributed import Client, LocalCluster

import matching

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate

SUPPLIERS = int(os.environ.get("SUPPLIERS", 3000))
BUYERS = int(os.environ.get("BUYERS", 600))
instance = generate(SUPPLIERS, BUYERS, seed=1)

# %%
start = time.perf_counter()
serial = matching.match(instance.supply, instance.demand)
print(f"serial: {time.perf_counter() - start:.1f} s, {serial}")

# %%
# Fork the worker processes: spawned ones would re-run this script on import.
with dask.config.set({"distributed.worker.multiprocessing-method": "fork"}), \
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                     dashboard_address=None) as cluster, Client(cluster) as client:
    start = time.perf_counter()
    parallel = matching.match(instance.supply, instance.demand,
                              executor=client.get_executor())
    print(f"dask, 2 workers: {time.perf_counter() - start:.1f} s, {parallel}")

# %% [markdown]
# The same plan, kilogram for kilogram:

# %%
assert parallel.to_dict()["allocations"] == serial.to_dict()["allocations"]
print("same plan:", parallel.summary.objective == serial.summary.objective)
