"""Seeded benchmark of the assignment solver (``matching._solve.solve_assignment``).

Random lot-buyer instances shaped like ours: lots of 0.3-30 t (village pools), buyers
asking 1-25 t (1-60 t when supply is scarce) with an MOQ of 20-100 % of the request on
half of them, scores 0.2-0.9, a random share (``density``) of the pairs feasible, lots
spread over 38 provinces.

    python benchmarks/solve.py                  # every section, markdown tables
    python benchmarks/solve.py lp moq           # some sections
    python benchmarks/solve.py --quick          # smaller sizes (a smoke run)

Sections: ``lp`` (HiGHS methods on the continuous case), ``moq`` (MOQ binaries, gap 0
up to 200 x 100), ``min_shipment`` (exact MILP vs LP relaxation with repair),
``coverage`` (every province with candidates gets a served lot).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from matching._solve import Solution, solve_assignment

PROVINCES = 38


def instance(n_lots: int, n_buyers: int, density: float, *, seed: int,
             moq_share: float = 0.5, demand_max: float = 25_000.0) -> dict[str, Any]:
    """One seeded instance: candidate pairs sorted by (lot, buyer) and their data.

    With 2 lots per buyer and the default ``demand_max`` supply and demand balance
    (about 1.0); ``demand_max=60_000`` makes supply scarce (about 0.45 of demand).
    """
    rng = np.random.default_rng(seed)
    mask = rng.random((n_lots, n_buyers)) < density
    lot, buyer = np.nonzero(mask)
    demand = np.round(rng.uniform(1_000, demand_max, n_buyers), -1)
    has_moq = rng.random(n_buyers) < moq_share
    moq = np.where(has_moq, np.round(demand * rng.uniform(0.2, 1.0, n_buyers), -1), 0.0)
    return {
        "score": np.round(rng.uniform(0.2, 0.9, len(lot)), 4),
        "lot": lot.astype(np.int64), "buyer": buyer.astype(np.int64),
        "capacity": np.round(np.exp(rng.uniform(np.log(300), np.log(30_000), n_lots)), -1),
        "demand": demand, "moq": moq,
        "lot_group": rng.integers(0, PROVINCES, n_lots).astype(np.int64),
    }


def run(data: dict[str, Any], **options: Any) -> tuple[Solution, float]:
    keys = ("capacity", "demand", "moq")
    start = time.perf_counter()
    sol = solve_assignment(data["score"], data["lot"], data["buyer"],
                           **{k: data[k] for k in keys}, **options)
    return sol, time.perf_counter() - start


def is_vertex(data: dict[str, Any], flow: np.ndarray) -> bool:
    """A vertex of the transportation polytope: the used pairs form a forest."""
    used = flow > 0
    n_l, n_b = len(data["capacity"]), len(data["demand"])
    lot, buyer = data["lot"][used], data["buyer"][used]
    graph = sparse.coo_matrix((np.ones(len(lot)), (lot, n_l + buyer)), shape=(n_l + n_b,) * 2)
    nodes = np.unique(np.concatenate([lot, n_l + buyer]))
    k, _ = connected_components(graph, directed=False)
    components = k - (n_l + n_b - len(nodes))
    return len(lot) <= len(nodes) - components


def table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def section_lp(sizes: list[tuple[int, int, float]]) -> str:
    rows = []
    for n_l, n_b, d in sizes:
        data = instance(n_l, n_b, d, seed=1, moq_share=0.0)
        cells = [f"{n_l:,} x {n_b:,}, {d:.0%} ({len(data['lot']):,})"]
        objectives, vertex, repeatable = [], True, True
        for method in ("highs-ipm", "highs-ds", "highs"):
            times, flows = [], []
            for _ in range(3):
                sol, t = run(data, lp_method=method)
                times.append(t)
                flows.append(sol.flow)
            objectives.append(sol.objective)
            vertex &= is_vertex(data, sol.flow)
            repeatable &= all(np.array_equal(f, flows[0]) for f in flows)
            cells.append(f"{np.median(times):.3f} s")
        spread = (max(objectives) - min(objectives)) / max(objectives)
        cells += [f"{spread:.1e}", "yes" if vertex else "no", "yes" if repeatable else "no"]
        rows.append(cells)
    return table(["size, density (pairs)", "highs-ipm", "highs-ds", "highs (auto)",
                  "objective spread", "vertex (all)", "same flows on reruns"], rows)


def section_moq(sizes: list[tuple[int, int, float]], seeds: int = 5) -> str:
    rows = []
    for n_l, n_b, d in sizes:
        for demand_max, label in ((25_000.0, "balanced"), (60_000.0, "scarce")):
            times, gaps, statuses = [], [], set()
            for seed in range(1, seeds + 1):
                data = instance(n_l, n_b, d, seed=seed, demand_max=demand_max)
                sol, t = run(data, time_limit=60.0)
                times.append(t)
                gaps.append(sol.gap)
                statuses.add(sol.status)
            rows.append([f"{n_l:,} x {n_b:,}, {d:.0%}", label, f"{len(data['lot']):,}",
                         ", ".join(sorted(statuses)), f"{max(gaps):.1e}",
                         f"{np.median(times):.2f} s", f"{max(times):.2f} s"])
    return table(["size, density", "supply", "pairs", f"status ({seeds} seeds)", "max gap",
                  "median time", "max time"], rows)


def section_min_shipment(sizes: list[tuple[int, int, float]], minimum: float,
                         limit: float) -> str:
    rows = []
    for n_l, n_b, d in sizes:
        data = instance(n_l, n_b, d, seed=1)
        exact, t_exact = run(data, min_shipment=minimum, min_shipment_method="exact",
                             time_limit=limit)
        repair, t_repair = run(data, min_shipment=minimum, min_shipment_method="repair",
                               time_limit=limit)
        auto, t_auto = run(data, min_shipment=minimum, time_limit=limit)
        best_bound = min(exact.bound, repair.bound)
        loss = (exact.objective - repair.objective) / exact.objective
        rows.append([f"{n_l:,} x {n_b:,}, {d:.0%} ({len(data['lot']):,})",
                     f"{t_exact:.2f} s, {exact.status}, gap {exact.gap:.2%}",
                     f"{t_repair:.2f} s, gap {repair.gap:.2%}",
                     f"{loss:+.2%}",
                     f"{t_auto:.2f} s, {auto.status}, gap {auto.gap:.2%}",
                     f"{(best_bound - max(exact.objective, repair.objective)) / best_bound:.2%}"])
    return table(["size, density (pairs)", f"exact milp ({limit:.0f} s limit)",
                  "LP + repair", "exact incumbent above repair", "auto", "best proven gap"],
                 rows)


def section_coverage(sizes: list[tuple[int, int, float]]) -> str:
    rows = []
    for n_l, n_b, d in sizes:
        # Supply about twice demand, and lots of 8 provinces scoring low: the uncoupled
        # optimum leaves some of them out, so coverage binds.
        data = instance(n_l, n_b, d, seed=1, demand_max=12_000.0)
        low = data["lot_group"][data["lot"]] >= PROVINCES - 8
        data["score"] = np.where(low, data["score"] * 0.3, data["score"])
        free, t_free = run(data, time_limit=60.0)
        cov, t_cov = run(data, lot_group=data["lot_group"], coverage_kg=1_000.0,
                         time_limit=60.0)
        served = np.bincount(data["lot"], weights=free.flow, minlength=len(data["capacity"]))
        groups = data["lot_group"]
        wanted = np.unique(groups[data["lot"]])
        covered_free = np.unique(groups[served >= np.minimum(data["capacity"], 1_000.0) - 1e-6])
        price = (free.objective - cov.objective) / free.objective
        rows.append([f"{n_l:,} x {n_b:,}, {d:.0%}", f"{len(np.intersect1d(wanted, covered_free))}"
                     f" / {len(wanted)}", f"{t_free:.2f} s", f"{t_cov:.2f} s", cov.status,
                     f"{len(cov.uncovered)}", f"{price:.3%}", f"{cov.gap:.1e}"])
    return table(["size, density", "provinces covered without", "time without",
                  "time with coverage", "status", "uncovered", "objective given up", "gap"],
                 rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*",
                        default=["lp", "moq", "min_shipment", "coverage"])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args(argv)
    quick = args.quick
    sections: dict[str, Callable[[], str]] = {
        "lp": lambda: section_lp(
            [(200, 100, 0.1), (1_000, 500, 0.1)] if quick else
            [(200, 100, 0.1), (1_000, 500, 0.1), (2_000, 1_000, 0.02), (2_000, 1_000, 0.1),
             (6_000, 3_000, 0.02)]),
        "moq": lambda: section_moq(
            [(50, 25, 0.2), (200, 100, 0.1)] if quick else
            [(50, 25, 0.2), (200, 100, 0.1), (200, 100, 0.3), (2_000, 1_000, 0.02)]),
        "min_shipment": lambda: section_min_shipment(
            [(50, 25, 0.2), (200, 100, 0.1)] if quick else
            [(50, 25, 0.2), (200, 100, 0.1), (500, 250, 0.1), (2_000, 1_000, 0.02),
             (2_000, 1_000, 0.1)], minimum=1_000.0, limit=10.0 if quick else 60.0),
        "coverage": lambda: section_coverage(
            [(200, 100, 0.1)] if quick else [(200, 100, 0.1), (200, 100, 0.03),
                                             (1_000, 500, 0.02)]),
    }
    for name in args.sections:
        if name not in sections:
            parser.error(f"unknown section {name!r}; choose from {', '.join(sections)}")
        print(f"\n### {name}\n")
        print(sections[name](), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
