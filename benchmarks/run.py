"""Seeded benchmarks: the pipeline stage by stage at growing sizes, the continuous solve
against peers (networkx, OR-Tools), and product normalisation against a per-row
rapidfuzz baseline. Prints Markdown tables (and JSON with ``--json``).

Usage::

    nice python benchmarks/run.py pipeline --sizes 1000x300,4000x1200,16000x4800,66000x20000
    nice python benchmarks/run.py solvers --sizes 2000x1000,6000x3000 --density 0.02
    nice python benchmarks/run.py normalise --texts 20000
    nice python benchmarks/run.py all          # the three above with their default sizes

Peak memory is the process's resident high-water mark (Linux ``VmHWM``), reset before
each stage, so it includes everything alive at the time (Python, numpy, the inputs).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import importlib.util
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import matching

HERE = Path(__file__).resolve().parent


def _load_generate() -> Any:
    spec = importlib.util.spec_from_file_location("benchmarks_generate", HERE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load_generate()


# ---------------------------------------------------------------------------- memory


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measure:
    """Wall seconds and peak resident MiB of named steps, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        gc.collect()
        _reset_peak()
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
            self.peak_mib[name] = max(self.peak_mib.get(name, 0.0), _peak_mib())


class _StageRecorder:
    """Receives the pipeline's stage events (``matching._progress``) into a Measure."""

    def __init__(self, measure: Measure) -> None:
        self.measure = measure
        self._open: list[contextlib.AbstractContextManager[None]] = []

    def start(self, name: str, total: int | None = None) -> None:
        cm = self.measure.step(name)
        cm.__enter__()
        self._open.append(cm)

    def advance(self, n: int = 1) -> None:
        pass

    def end(self, name: str) -> None:
        self._open.pop().__exit__(None, None, None)


def _observing(measure: Measure) -> contextlib.AbstractContextManager[Any]:
    try:
        from matching._progress import observing
    except ImportError:  # a pipeline without stage events: only the totals are measured
        return contextlib.nullcontext()
    return observing(_StageRecorder(measure))


# -------------------------------------------------------------------------- pipeline


def _fit_exponent(sizes: Sequence[float], values: Sequence[float]) -> float:
    x, y = np.log(np.asarray(sizes, float)), np.log(np.maximum(np.asarray(values, float), 1e-4))
    if len(x) < 2:
        return math.nan
    return float(np.polyfit(x, y, 1)[0])


class _Stop(Exception):
    """Raised to end a run right after the solver (``--stop-after solve``)."""


@contextlib.contextmanager
def _stop_after_solve(solutions: list[Any]) -> Iterator[None]:
    """Record the solver's Solution, then stop the run before the plan is built."""
    from matching import _pipeline

    solve = _pipeline.solve_assignment

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        solutions.append(solve(*args, **kwargs))
        raise _Stop

    _pipeline.solve_assignment = wrapped  # type: ignore[assignment]
    try:
        yield
    finally:
        _pipeline.solve_assignment = solve  # type: ignore[assignment]


def bench_pipeline(sizes: Sequence[tuple[int, int]], *, seed: int, workers: int = 0,
                   stop_after: str = "write",
                   config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """End to end per size: generate, then match stage by stage, then write the plan;
    ``stop_after`` "prepare" or "solve" ends the run there (no plan, nothing written)."""
    results = []
    warm = generate.generate(300, 100, seed=seed + 1)  # one-off set-up (caches), untimed
    matching.match(warm.supply, warm.demand)
    for n_supply, n_demand in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            instance = generate.generate(n_supply, n_demand, seed=seed)
            supply_path, demand_path = generate.write(instance, out)
            del instance
            executor = None
            if workers:
                from concurrent.futures import ProcessPoolExecutor

                executor = ProcessPoolExecutor(workers)
            measure = Measure()
            solutions: list[Any] = []
            plan = None
            with _observing(measure):
                prepared = matching.prepare(supply_path, demand_path, executor=executor,
                                            config=config)
                if stop_after == "solve":
                    with _stop_after_solve(solutions), contextlib.suppress(_Stop):
                        prepared.solve(executor=executor)
                elif stop_after != "prepare":
                    plan = prepared.solve(executor=executor)
            if plan is not None:
                with measure.step("write"):  # as `match --out` writes it
                    plan.to_json(out / "plan.json")
            total = sum(measure.seconds.values())  # without the measuring overhead
            if plan is not None:
                # The same write without the candidate list (every feasible pair, most of
                # the file at national scale), to tell what grows with the rows from what
                # grows with the pairs; not part of the run, not in the total.
                with measure.step("(write, no pairs)"):
                    dataclasses.replace(plan, candidates=()).to_json(out / "rows.json")
            if executor is not None:
                executor.shutdown()
            results.append({
                "suppliers": n_supply, "buyers": n_demand, "lots": len(prepared.lots),
                "candidates": len(prepared.candidates),
                "status": plan.summary.status if plan else
                solutions[0].status if solutions else "(prepare only)",
                "gap": plan.summary.gap if plan else solutions[0].gap if solutions else math.nan,
                "seconds": total,
                "peak_mib": max(measure.peak_mib.values()),
                "stage_seconds": measure.seconds, "stage_peak_mib": measure.peak_mib,
            })
            print(f"  {n_supply} x {n_demand}: {total:.1f} s, {results[-1]}", file=sys.stderr,
                  flush=True)
            del prepared, plan
    return results


def pipeline_table(results: list[dict[str, Any]]) -> str:
    stages = list(dict.fromkeys(s for r in results for s in r["stage_seconds"]))
    head = "| suppliers x buyers | lots | pairs | " + " | ".join(stages) + \
        " | total | peak | status (gap) |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        cells = [f"{r['stage_seconds'].get(s, math.nan):.2f}" for s in stages]
        lines.append(f"| {r['suppliers']:,} x {r['buyers']:,} | {r['lots']:,} | "
                     f"{r['candidates']:,} | " + " | ".join(cells) +
                     f" | {r['seconds']:.1f} s | {r['peak_mib']:,.0f} MiB | "
                     f"{r['status']} ({r['gap']:.2%}) |")
    if len(results) >= 2:
        n = [r["suppliers"] for r in results]
        exps = [f"{_fit_exponent(n, [r['stage_seconds'].get(s, 0) for r in results]):.2f}"
                for s in stages]
        lines.append("| exponent (time ~ n^k) | | | " + " | ".join(exps) +
                     f" | {_fit_exponent(n, [r['seconds'] for r in results]):.2f} | "
                     f"{_fit_exponent(n, [r['peak_mib'] for r in results]):.2f} | |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- solvers


@dataclass(frozen=True)
class Transport:
    """A continuous transportation instance: maximise sum(score * x) under capacities."""

    score: np.ndarray
    lot: np.ndarray
    buyer: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray


def transport_instance(n_lots: int, n_buyers: int, density: float, *, seed: int) -> Transport:
    """Supply 1-50 t, demand 5-100 t (whole kg), scores uniform in [0, 1], allowed pairs
    drawn uniformly at ``density`` (the instances of ``SOLVER_NOTES.md``)."""
    rng = np.random.default_rng(seed)
    n_pairs = round(n_lots * n_buyers * density)
    flat = np.sort(rng.choice(n_lots * n_buyers, size=n_pairs, replace=False))
    return Transport(score=rng.random(n_pairs), lot=flat // n_buyers, buyer=flat % n_buyers,
                     capacity=rng.integers(1_000, 50_001, n_lots).astype(float),
                     demand=rng.integers(5_000, 100_001, n_buyers).astype(float))


def solve_ours(t: Transport, **options: Any) -> np.ndarray:
    """``solve_assignment`` with the HiGHS default method (the default backend)."""
    from matching._solve import solve_assignment

    sol = solve_assignment(t.score, t.lot, t.buyer, capacity=t.capacity, demand=t.demand,
                           moq=np.zeros(len(t.demand)), **options)
    assert sol.status == "optimal", sol.message
    return np.asarray(sol.flow)


def solve_ours_auto(t: Transport) -> np.ndarray:
    """``solve_assignment`` as ``Config(solver="auto")`` runs it (OR-Tools when installed)."""
    from matching._pipeline import _lp_method

    return solve_ours(t, lp_method=_lp_method("auto"))


SCALE = 1_000_000


def solve_ortools(t: Transport) -> np.ndarray:
    """OR-Tools SimpleMinCostFlow with kg and score x 1e6 as integers; a bypass arc from
    source to sink lets supply and demand stay unused."""
    from ortools.graph.python import min_cost_flow

    n_l, n_b = len(t.capacity), len(t.demand)
    source, sink = n_l + n_b, n_l + n_b + 1
    total = int(min(t.capacity.sum(), t.demand.sum()))
    tails = np.concatenate([np.full(n_l, source), t.lot, n_l + np.arange(n_b), [source]])
    heads = np.concatenate([np.arange(n_l), n_l + t.buyer, np.full(n_b, sink), [sink]])
    caps = np.concatenate([t.capacity, np.minimum(t.capacity[t.lot], t.demand[t.buyer]),
                           t.demand, [total]]).astype(np.int64)
    costs = np.concatenate([np.zeros(n_l), -np.round(t.score * SCALE), np.zeros(n_b), [0]]
                           ).astype(np.int64)
    mcf = min_cost_flow.SimpleMinCostFlow()
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_l + n_b + 2, dtype=np.int64)
    supplies[source], supplies[sink] = total, -total
    mcf.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = mcf.solve()
    assert status == mcf.OPTIMAL, status
    return np.asarray(mcf.flows(arcs[n_l:n_l + len(t.score)]), dtype=float)


def solve_networkx(t: Transport) -> np.ndarray:
    """networkx network simplex on the same integer-scaled network."""
    import networkx as nx

    n_l = len(t.capacity)
    total = int(min(t.capacity.sum(), t.demand.sum()))
    g = nx.DiGraph()
    g.add_node("s", demand=-total)
    g.add_node("t", demand=total)
    g.add_edges_from(("s", i, {"capacity": int(c), "weight": 0})
                     for i, c in enumerate(t.capacity.tolist()))
    g.add_edges_from((n_l + j, "t", {"capacity": int(d), "weight": 0})
                     for j, d in enumerate(t.demand.tolist()))
    upper = np.minimum(t.capacity[t.lot], t.demand[t.buyer]).astype(np.int64)
    g.add_edges_from((int(i), n_l + int(j), {"capacity": int(u), "weight": -round(s * SCALE)})
                     for i, j, u, s in zip(t.lot.tolist(), t.buyer.tolist(), upper.tolist(),
                                           t.score.tolist(), strict=True))
    g.add_edge("s", "t", capacity=total, weight=0)
    flow = nx.min_cost_flow(g)
    return np.array([flow[int(i)][n_l + int(j)]
                     for i, j in zip(t.lot.tolist(), t.buyer.tolist(), strict=True)], float)


SOLVERS: dict[str, Callable[[Transport], np.ndarray]] = {
    "ours": solve_ours, "ours-auto": solve_ours_auto, "ortools": solve_ortools,
    "networkx": solve_networkx}


def bench_solvers(sizes: Sequence[tuple[int, int]], *, density: float, seed: int,
                  peers: Sequence[str], repeat: int = 3,
                  networkx_max_pairs: int = 400_000) -> list[dict[str, Any]]:
    results = []
    for n_lots, n_buyers in sizes:
        t = transport_instance(n_lots, n_buyers, density, seed=seed)
        row: dict[str, Any] = {"lots": n_lots, "buyers": n_buyers, "pairs": len(t.score),
                               "density": density, "seconds": {}, "peak_mib": {},
                               "objective": {}}
        for name in ("ours", *peers):
            if name == "networkx" and len(t.score) > networkx_max_pairs:
                continue
            runs = 1 if name == "networkx" else repeat
            times = []
            for _ in range(runs):
                measure = Measure()
                with measure.step(name):
                    flow = SOLVERS[name](t)
                times.append(measure.seconds[name])
            row["seconds"][name] = float(np.median(times))
            row["peak_mib"][name] = measure.peak_mib[name]
            row["objective"][name] = float(t.score @ flow)
            print(f"  {n_lots} x {n_buyers} {name}: {row['seconds'][name]:.2f} s",
                  file=sys.stderr, flush=True)
        results.append(row)
    return results


def solver_table(results: list[dict[str, Any]]) -> str:
    names = list(dict.fromkeys(n for r in results for n in r["seconds"]))
    head = "| lots x buyers (pairs) | " + " | ".join(names) + " | " + " | ".join(
        f"ours / {n}" for n in names if n != "ours") + " | objective vs ours |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        cells = [f"{r['seconds'][n]:.2f} s, {r['peak_mib'][n]:,.0f} MiB" if n in r["seconds"]
                 else "-" for n in names]
        ratios = [f"{r['seconds']['ours'] / r['seconds'][n]:.2f}" if n in r["seconds"]
                  else "-" for n in names if n != "ours"]
        ours = r["objective"]["ours"]
        diffs = ", ".join(f"{n} {(v - ours) / ours:+.1e}" for n, v in r["objective"].items()
                          if n != "ours")
        lines.append(f"| {r['lots']:,} x {r['buyers']:,} ({r['pairs']:,}) | " +
                     " | ".join(cells) + " | " + " | ".join(ratios) + f" | {diffs} |")
    return "\n".join(lines)


# ------------------------------------------------------------------------ normalise


def bench_normalise(n_texts: int, *, seed: int) -> dict[str, Any]:
    """Throughput and accuracy: ``matching.normalize_products`` over all texts at once,
    and a per-row ``rapidfuzz.process.extractOne`` over every name and synonym."""
    from rapidfuzz import fuzz, process

    from matching._taxonomy import default_taxonomy

    instance = generate.generate(n_texts, n_texts // 4, seed=seed)
    texts = [r["produk"] for r in instance.supply] + [r["product"] for r in instance.demand]
    truth = list(instance.supply_product) + list(instance.demand_product)
    taxonomy = default_taxonomy()
    choices, owner = [], []
    for p in taxonomy:
        for name in (p.name_en, p.name_id, *p.synonyms):
            choices.append(name.lower())
            owner.append(p.product_id)
    out: dict[str, Any] = {"texts": len(texts)}
    measure = Measure()
    with measure.step("ours"):
        ours = [m.product_id for m in matching.normalize_products(texts)]
    with measure.step("extractOne"):
        base = []
        for text in texts:
            hit = process.extractOne(text.lower(), choices, scorer=fuzz.WRatio,
                                     score_cutoff=86)
            base.append(owner[hit[2]] if hit else None)
    for name, got in (("ours", ours), ("extractOne", base)):
        right = sum(g == t for g, t in zip(got, truth, strict=True))
        wrong = sum(g is not None and g != t for g, t in zip(got, truth, strict=True))
        out[name] = {"seconds": measure.seconds[name], "peak_mib": measure.peak_mib[name],
                     "texts_per_s": len(texts) / measure.seconds[name],
                     "accuracy": right / len(texts), "wrong": wrong / len(texts)}
    return out


def normalise_table(r: dict[str, Any]) -> str:
    lines = ["| method | texts | seconds | texts/s | right | wrong (abstained otherwise) |",
             "|---|---|---|---|---|---|"]
    for name in ("ours", "extractOne"):
        m = r[name]
        lines.append(f"| {name} | {r['texts']:,} | {m['seconds']:.2f} | "
                     f"{m['texts_per_s']:,.0f} | {m['accuracy']:.1%} | {m['wrong']:.1%} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main


def _sizes(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        a, b = part.lower().split("x")
        out.append((int(a), int(b)))
    return out


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {np.__version__}; load average "
            f"{load:.1f} at start")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("pipeline", "solvers", "normalise", "all"))
    parser.add_argument("--sizes", help="comma-separated AxB sizes")
    parser.add_argument("--density", type=float, default=0.02)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", default="ours-auto,ortools,networkx")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0,
                        help="pipeline: a ProcessPoolExecutor with this many workers")
    parser.add_argument("--stop-after", choices=("prepare", "solve", "write"), default="write",
                        help="pipeline: end each run after this stage (default: the whole run)")
    parser.add_argument("--time-limit", type=float, help="pipeline: Config(time_limit=...)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"machine": machine(), "command": " ".join(sys.argv)}
    print(f"Machine: {report['machine']}\n")
    if args.what in ("pipeline", "all"):
        sizes = _sizes(args.sizes if args.sizes and args.what == "pipeline" else
                       "1000x300,4000x1200,16000x4800,66000x20000")
        config = None if args.time_limit is None else {"time_limit": args.time_limit}
        report["pipeline"] = bench_pipeline(sizes, seed=args.seed, workers=args.workers,
                                            stop_after=args.stop_after, config=config)
        print(pipeline_table(report["pipeline"]) + "\n")
    if args.what in ("solvers", "all"):
        sizes = _sizes(args.sizes if args.sizes and args.what == "solvers" else
                       "2000x1000,6000x3000")
        peers = [p for p in args.peers.split(",") if p]
        report["solvers"] = bench_solvers(sizes, density=args.density, seed=args.seed,
                                          peers=peers, repeat=args.repeat)
        print(solver_table(report["solvers"]) + "\n")
    if args.what in ("normalise", "all"):
        report["normalise"] = bench_normalise(args.texts, seed=args.seed)
        print(normalise_table(report["normalise"]) + "\n")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
