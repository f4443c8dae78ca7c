"""Seeded benchmark of how the solver handles MOQs: repair of the LP, then MILPs.

Sections, each a Markdown table:

``national``
    The solver's input of a generated instance (``benchmarks/generate.py``, seed 1,
    default weights) solved with each variant of the MOQ strategy: repair only, MILP on
    parts of at most ``MOQ_MILP_MAX_PAIRS`` pairs, the default (also the larger parts
    whose gap shows in the whole plan), and the MILP on every part.
``repair``
    ``benchmarks/solve.py`` instances (2,000 x 1,000 at 2%, balanced and scarce supply):
    how far the repaired plan alone is below the default plan.
``prune``
    What bounding the candidate pairs would cost (the only way to make the pair stages
    grow like n log n): the national solver input solved with every buyer limited to
    its K lots of lowest landed cost, against all pairs.
``branch``
    The exact step on the parts the repair leaves with a gap: the flow branch and bound
    handing over to the MILP after ``BRANCH_NODES`` nodes (the default), against the MILP
    alone, on generated pipeline instances (seed 1) and on ``benchmarks/solve.py``
    instances with scarce supply (2,000 x 1,000 at 2%, seeds 1-3), where many buyers
    with MOQs compete and the branch and bound hands over.
``dive``
    The exact step's flows and seconds on generated instances (seed 7, the weights of
    ``benchmarks/resolve.py``'s first setting, ``price`` 2): with the branch and
    bound's first dive (the default) and without it (``DIVE_NODES`` = 0), and how many
    buyers are closed before the LP because their MOQ is out of reach.
``warm``
    The largest part of a generated 10,000 x 2,000 instance (seed 7) as a continuous
    LP: a cold HiGHS dual simplex, the same warm-started from the optimal basis after a
    20% change of the scores, and a cold OR-Tools min-cost flow (the repair's solver).
    It uses HiGHS through scipy's bundled, private ``_highspy`` module, which the library
    itself never does.
``simplex``
    The first LP of every part of at least ``SIMPLEX_MIN_PAIRS`` pairs of generated
    instances (seed 7, default weights), solved by OR-Tools' min-cost flow and by POT's
    network simplex (the ``pot`` extra), each best of three: the largest parts, and the
    sum over all of them.

Usage::

    nice python benchmarks/moq.py national [--size 66000x20000] [--time-limit 60]
    nice python benchmarks/moq.py repair
    nice python benchmarks/moq.py prune [--size 66000x20000]
    nice python benchmarks/moq.py branch [--sizes 20000x300,10000x2000,66000x20000]
    nice python benchmarks/moq.py dive [--sizes 2000x300,10000x2000]
    nice python benchmarks/moq.py warm
    nice python benchmarks/moq.py simplex [--sizes 10000x2000,66000x20000]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

import matching
from matching import _solve
from matching._flow import flow_available

HERE = Path(__file__).resolve().parent


def _load(name: str) -> Any:
    """The script ``benchmarks/<name>.py`` as a module, loaded once."""
    key = f"benchmarks_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


#: MOQ strategy variants: (name, MOQ_MILP_MAX_PAIRS, MOQ_MILP_LARGE_PAIRS).
VARIANTS = (
    ("repair only", 0, 0),
    ("repair + MILP on parts <= 20,000 pairs", 20_000, 0),
    ("default: + parts <= 250,000 pairs whose gap shows", _solve.MOQ_MILP_MAX_PAIRS,
     _solve.MOQ_MILP_LARGE_PAIRS),
    ("MILP on every part (after the repair)", 10**12, 10**12),
)


@contextlib.contextmanager
def _limits(max_pairs: int, large_pairs: int) -> Iterator[None]:
    saved = _solve.MOQ_MILP_MAX_PAIRS, _solve.MOQ_MILP_LARGE_PAIRS
    _solve.MOQ_MILP_MAX_PAIRS, _solve.MOQ_MILP_LARGE_PAIRS = max_pairs, large_pairs
    try:
        yield
    finally:
        _solve.MOQ_MILP_MAX_PAIRS, _solve.MOQ_MILP_LARGE_PAIRS = saved


def prepared_instance(n_suppliers: int, n_buyers: int, *, seed: int) -> matching.Prepared:
    """A generated instance (``benchmarks/generate.py``), prepared."""
    instance = _load("generate").generate(n_suppliers, n_buyers, seed=seed)
    return matching.prepare(instance.supply, instance.demand)


def solver_input(prepared: matching.Prepared) -> dict[str, Any]:
    """The arrays ``Prepared.solve`` hands to the solver with the default weights."""
    c = prepared.candidates
    return {"score": matching.Weights().score(c.features), "lot": c.lot, "buyer": c.buyer,
            "capacity": prepared.lots.quantity_kg, "demand": prepared.buyers.quantity_kg,
            "moq": prepared.buyers.moq_kg}


def _solve_input(data: dict[str, Any], **options: Any) -> tuple[Any, float]:
    """The solve and its seconds, as ``benchmarks/solve.py`` times it, with the LP method
    the pipeline would take."""
    result: tuple[Any, float] = _load("solve").run(data, lp_method=_lp_method(), **options)
    return result


def _lp_method() -> _solve.LpMethod:
    return "ortools" if flow_available() else _solve.LP_METHOD


def section_national(n_suppliers: int, n_buyers: int, *, time_limit: float) -> str:
    data = solver_input(prepared_instance(n_suppliers, n_buyers, seed=1))
    rows = []
    for name, max_pairs, large_pairs in VARIANTS:
        with _limits(max_pairs, large_pairs):
            sol, seconds = _solve_input(data, time_limit=time_limit)
        rows.append(f"| {name} | {seconds:.1f} s | {sol.status} | {sol.gap:.3%} |")
    return "\n".join([f"{n_suppliers:,} x {n_buyers:,} (seed 1): {len(data['lot']):,} pairs, "
                      f"time limit {time_limit:g} s", "",
                      "| variant | time | status | gap to the proven bound |",
                      "|---|---|---|---|", *rows])


def section_repair(time_limit: float, n_lots: int = 2_000, n_buyers: int = 1_000) -> str:
    bench = _load("solve")
    rows = []
    for label, demand_max in (("balanced", 25_000.0), ("scarce", 60_000.0)):
        data = bench.instance(n_lots, n_buyers, 0.02, seed=1, demand_max=demand_max)
        with _limits(0, 0):
            repaired, t_repair = _solve_input(data, time_limit=time_limit)
        best, t_best = _solve_input(data, time_limit=time_limit)
        below = (best.objective - repaired.objective) / best.objective
        rows.append(f"| {n_lots:,} x {n_buyers:,}, 2%, {label} | {t_repair:.2f} s, gap "
                    f"{repaired.gap:.2%} | {t_best:.2f} s, {best.status}, gap {best.gap:.3%} "
                    f"| {below:.2%} |")
    return "\n".join(["| instance (seed 1) | repair only | default | repair below default |",
                      "|---|---|---|---|", *rows])


def lowest_per_group(group: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """Mask of the ``k`` entries with the lowest ``value`` in each group (ties: first)."""
    order = np.lexsort((np.arange(len(group)), value, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    keep = np.zeros(len(group), bool)
    keep[order[np.arange(len(order)) - start < k]] = True
    return keep


def section_prune(n_suppliers: int, n_buyers: int, *, time_limit: float,
                  ks: tuple[int, ...] = (200, 100, 50, 20)) -> str:
    prepared = prepared_instance(n_suppliers, n_buyers, seed=1)
    c = prepared.candidates
    data = solver_input(prepared)
    full, seconds = _solve_input(data, time_limit=time_limit)
    rows = [f"| all | {len(c.lot):,} | {seconds:.1f} s | {full.gap:.3%} | - | "
            f"{full.flow.sum() / 1000:,.0f} t |"]
    for k in ks:
        keep = lowest_per_group(c.buyer, c.landed_usd, k)
        sol, seconds = _solve_input({**data, "score": data["score"][keep],
                                     "lot": c.lot[keep], "buyer": c.buyer[keep]},
                                    time_limit=time_limit)
        rows.append(f"| {k} | {int(keep.sum()):,} | {seconds:.1f} s | {sol.gap:.3%} | "
                    f"{(sol.objective - full.objective) / full.objective:+.1%} | "
                    f"{sol.flow.sum() / 1000:,.0f} t |")
    return "\n".join([f"{n_suppliers:,} x {n_buyers:,} (seed 1), each buyer limited to its K "
                      f"lots of lowest landed cost", "",
                      "| K | pairs | solve | gap | objective against all pairs | allocated |",
                      "|---|---|---|---|---|---|", *rows])


def section_warm(n_suppliers: int = 10_000, n_buyers: int = 2_000) -> str:
    from scipy.optimize._highspy import _core as highs  # private: a measurement only

    data = solver_input(prepared_instance(n_suppliers, n_buyers, seed=7))
    lot, buyer = data["lot"], data["buyer"]
    n_lots, n_buyers = len(data["capacity"]), len(data["demand"])
    graph = sparse.coo_matrix((np.ones(len(lot)), (lot, n_lots + buyer)),
                              shape=(n_lots + n_buyers,) * 2)
    _, label = connected_components(graph, directed=False)
    pairs = np.flatnonzero(label[lot] == np.bincount(label[lot]).argmax())
    lots, lot_row = np.unique(lot[pairs], return_inverse=True)
    buyers, buyer_row = np.unique(buyer[pairs], return_inverse=True)
    capacity, demand = data["capacity"][lots], data["demand"][buyers]
    upper = np.minimum(capacity[lot_row], demand[buyer_row])
    n, m = len(pairs), len(lots) + len(buyers)
    a = sparse.vstack([
        sparse.csr_matrix((np.ones(n), (lot_row, np.arange(n))), shape=(len(lots), n)),
        sparse.csr_matrix((np.ones(n), (buyer_row, np.arange(n))), shape=(len(buyers), n)),
    ]).tocsc()

    def model(score: np.ndarray) -> Any:
        h = highs._Highs()
        h.setOptionValue("output_flag", False)
        lp = highs.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = -score, np.zeros(n), upper
        lp.row_lower_ = np.full(m, -np.inf)
        lp.row_upper_ = np.concatenate([capacity, demand])
        lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_ = a.indptr, a.indices
        lp.a_matrix_.value_ = a.data
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
        h.passModel(lp)
        return h

    def timed(run: Any) -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    score = data["score"][pairs]
    changed = score * np.random.default_rng(0).uniform(0.8, 1.2, n)
    warm = model(score)
    cold_first = timed(warm.run)
    warm.changeColsCost(n, np.arange(n, dtype=np.int32), -changed)
    warm_second = timed(warm.run)
    cold_second = timed(model(changed).run)
    rows = [f"| HiGHS dual simplex, cold | {cold_first:.3f} s | {cold_second:.3f} s |",
            f"| HiGHS, warm from the first optimal basis | - | {warm_second:.3f} s "
            f"({warm.getInfo().simplex_iteration_count:,} iterations) |"]
    if flow_available():
        from matching._flow import transport_flow

        flow = timed(lambda: transport_flow(changed, lot_row, buyer_row, capacity=capacity,
                                            demand=demand, upper=upper))
        rows.append(f"| OR-Tools min-cost flow, cold | - | {flow:.3f} s |")
    return "\n".join([f"Largest part of {n_suppliers:,} x {n_buyers:,} (seed 7): {n:,} pairs, "
                      f"{len(lots):,} lots, {len(buyers):,} buyers; scores changed by up to "
                      f"20%", "",
                      "| solver | first scores | changed scores |", "|---|---|---|", *rows])


def section_branch(sizes: list[tuple[int, int]], *, time_limit: float,
                   synthetic: tuple[int, int] = (2_000, 1_000), synthetic_seeds: int = 3) -> str:
    instances = [(f"{n_s:,} x {n_b:,} generated (seed 1)",
                  solver_input(prepared_instance(n_s, n_b, seed=1))) for n_s, n_b in sizes]
    bench = _load("solve")
    instances += [(f"{synthetic[0]:,} x {synthetic[1]:,}, 2%, scarce (seed {seed})",
                   bench.instance(*synthetic, 0.02, seed=seed, demand_max=60_000.0))
                  for seed in range(1, synthetic_seeds + 1)]
    rows = []
    for name, data in instances:
        saved = _solve.BRANCH_NODES
        try:
            _solve.BRANCH_NODES = 0
            alone, t_alone = _solve_input(data, time_limit=time_limit)
        finally:
            _solve.BRANCH_NODES = saved
        both, t_both = _solve_input(data, time_limit=time_limit)
        change = (both.objective - alone.objective) / alone.objective
        rows.append(f"| {name} | {len(data['lot']):,} | {t_alone:.2f} s, {alone.status}, "
                    f"gap {alone.gap:.3%} | {t_both:.2f} s, {both.status}, gap "
                    f"{both.gap:.3%} | {change:+.4%} |")
    return "\n".join(["| instance | pairs | MILP alone | branch and bound, then MILP "
                      "(default) | objective, default against MILP alone |",
                      "|---|---|---|---|---|", *rows])


def section_dive(sizes: list[tuple[int, int]], *, repeat: int = 3) -> str:
    rows = []
    for n_s, n_b in sizes:
        instance = _load("generate").generate(n_s, n_b, seed=7)
        prepared = matching.prepare(instance.supply, instance.demand)
        data = solver_input(prepared) | {
            "score": matching.Weights(price=2.0).score(prepared.candidates.features)}
        parts = prepared.layout().parts
        out_of_reach = sum(int(np.count_nonzero(
            (np.bincount(p.buyer, weights=p.upper, minlength=len(p.demand)) == 0)
            & (p.moq > 0))) for p in parts)
        cells = []
        for dive in (0, _solve.DIVE_NODES):
            with _counted_flows() as flows, _dive(dive):
                runs = [_solve_input(data) for _ in range(repeat)]
            sol, seconds = runs[0][0], float(np.median([t for _, t in runs]))
            cells.append(f"{flows[0] // repeat} flows, {seconds:.3f} s, {sol.status}, "
                         f"gap {sol.gap:.4%}")
        rows.append(f"| {n_s:,} x {n_b:,} | {len(data['lot']):,} | {out_of_reach} | "
                    f"{cells[0]} | {cells[1]} |")
    return "\n".join(["| instance | pairs | buyers closed as out of reach | no dive | "
                      "dive (default) |", "|---|---|---|---|---|", *rows])


def section_simplex(sizes: list[tuple[int, int]], *, shown: int = 3) -> str:
    from matching import _flow

    rows = []
    for n_s, n_b in sizes:
        instance = _load("generate").generate(n_s, n_b, seed=7)
        prepared = matching.prepare(instance.supply, instance.demand)
        score = matching.Weights().score(prepared.candidates.features)
        layout = prepared.layout()
        score = score[layout.order]
        timed = []
        for part, pairs in zip(layout.parts, layout.pieces, strict=True):
            if len(pairs) < _flow.SIMPLEX_MIN_PAIRS:
                continue
            seconds = []
            for backend in (sys.maxsize, 0):  # OR-Tools, then the simplex
                _flow.SIMPLEX_MIN_PAIRS, saved = backend, _flow.SIMPLEX_MIN_PAIRS
                try:
                    runs = []
                    for _ in range(3):
                        start = time.perf_counter()
                        res = _flow.transport_flow(
                            score[pairs], part.lot, part.buyer, capacity=part.capacity,
                            demand=part.demand, upper=part.upper)
                        runs.append(time.perf_counter() - start)
                    seconds.append((min(runs), float(score[pairs] @ res.flow)))
                finally:
                    _flow.SIMPLEX_MIN_PAIRS = saved
            timed.append((len(pairs), len(part.capacity), len(part.demand), *seconds))
        timed.sort(reverse=True)
        for n, n_l, n_b_, (t_or, v_or), (t_sx, v_sx) in timed[:shown]:
            rows.append(f"| {n_s:,} x {n_b:,} | {n:,} ({n_l:,} lots, {n_b_:,} buyers) | "
                        f"{t_or:.4f} s | {t_sx:.4f} s | {t_or / t_sx:.1f}x | "
                        f"{v_sx - v_or:+.3f} |")
        t_or = sum(t[3][0] for t in timed)
        t_sx = sum(t[4][0] for t in timed)
        rows.append(f"| {n_s:,} x {n_b:,} | all {len(timed)} parts of >= "
                    f"{_flow.SIMPLEX_MIN_PAIRS:,} pairs | {t_or:.4f} s | {t_sx:.4f} s | "
                    f"{t_or / t_sx:.1f}x | |")
    return "\n".join(["| instance | part | OR-Tools | network simplex | ratio | "
                      "objective, simplex - OR-Tools |", "|---|---|---|---|---|---|", *rows])


@contextlib.contextmanager
def _counted_flows() -> Iterator[list[int]]:
    """Count the min-cost flows the solver runs (one-element list)."""
    count, solve = [0], _solve.transport_flow

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return solve(*args, **kwargs)

    _solve.transport_flow = counted
    try:
        yield count
    finally:
        _solve.transport_flow = solve


@contextlib.contextmanager
def _dive(nodes: int) -> Iterator[None]:
    saved, _solve.DIVE_NODES = _solve.DIVE_NODES, nodes
    try:
        yield
    finally:
        _solve.DIVE_NODES = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="+",
                        choices=("national", "repair", "prune", "branch", "dive", "warm",
                                 "simplex"))
    parser.add_argument("--size", default="66000x20000", help="national, prune: SUPPLIERSxBUYERS")
    parser.add_argument("--sizes", default="20000x300,10000x2000,66000x20000",
                        help="branch, dive: SUPPLIERSxBUYERS,...")
    parser.add_argument("--time-limit", type=float, default=60.0)
    args = parser.parse_args(argv)
    for name in args.sections:
        print(f"\n### {name}\n")
        if name == "national":
            n_suppliers, n_buyers = (int(x) for x in args.size.lower().split("x"))
            print(section_national(n_suppliers, n_buyers, time_limit=args.time_limit))
        elif name == "repair":
            print(section_repair(args.time_limit))
        elif name == "prune":
            n_suppliers, n_buyers = (int(x) for x in args.size.lower().split("x"))
            print(section_prune(n_suppliers, n_buyers, time_limit=args.time_limit))
        elif name == "branch":
            sizes = [tuple(int(x) for x in size.lower().split("x"))
                     for size in args.sizes.split(",")]
            print(section_branch(sizes, time_limit=args.time_limit))  # type: ignore[arg-type]
        elif name == "dive":
            sizes = [tuple(int(x) for x in size.lower().split("x"))
                     for size in args.sizes.split(",")]
            print(section_dive(sizes))  # type: ignore[arg-type]
        elif name == "simplex":
            sizes = [tuple(int(x) for x in size.lower().split("x"))
                     for size in args.sizes.split(",")]
            print(section_simplex(sizes))  # type: ignore[arg-type]
        else:
            print(section_warm())
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
