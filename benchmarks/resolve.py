"""Re-solve speed: ``prepare()`` once, then ``solve(weights=...)`` against a full ``match()``.

For each instance: median wall time of ``match()``, ``prepare()`` and ``solve()`` over a
few weight settings, the ratio match / solve, the part of ``solve()`` after the solver (the
plan stage: records and explanations), the part spent in the solver's min-cost flows
(OR-Tools with the arrays it is handed; timed in separate runs), match / those flows (the
ratio no cut of the rest could pass), the time to read every allocation record of a
re-solve's plan the first time, then every unmatched supply and demand record (they are
made when first read), and a check that ``solve(w)`` gives the same plan as
``match(..., weights=w)``. Seeded and reproducible::

    python benchmarks/resolve.py                # demo, 2,000 x 300, 10,000 x 2,000
    python benchmarks/resolve.py --quick        # demo and 2,000 x 300 only
    python benchmarks/resolve.py --sizes 20000x300   # generated instances of these sizes
    python benchmarks/resolve.py --files        # generated instances read from CSV files
    python benchmarks/resolve.py --one-by-one   # every part solved on its own
    python benchmarks/resolve.py --no-simplex   # OR-Tools for every LP (no pot extra)

The demo is always read from its CSV files; generated instances are handed over as rows
(lists of dicts) unless ``--files`` writes them as the CSV files a notebook would read
(``benchmarks/generate.py``'s ``write``), so ``match()`` parses them too.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, write

import matching
from matching import _flow, _solve
from matching._progress import observing

SETTINGS = ({"price": 2.0}, {"logistics": 2.0, "priority": 0.0}, {"quality": 3.0})


def _median_seconds(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


class _PlanStage:
    """Seconds spent in the pipeline's ``plan`` stage (its stage events)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._start = 0.0

    def start(self, name: str, total: int | None = None) -> None:
        if name == "plan":
            self._start = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        pass

    def end(self, name: str) -> None:
        if name == "plan":
            self.seconds.append(time.perf_counter() - self._start)


class _FlowTime:
    """Seconds spent in the solver's min-cost flows (OR-Tools, ``transport_flow`` and
    ``FlowBatch.solve``), the part of a re-solve no Python overhead cut can remove."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        one, batch = _solve.transport_flow, _flow.FlowBatch.solve

        def timed(solve: Callable[..., Any]) -> Callable[..., Any]:
            def run(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return solve(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start
            return run

        _solve.transport_flow, _flow.FlowBatch.solve = timed(one), timed(batch)
        try:
            yield
        finally:
            _solve.transport_flow, _flow.FlowBatch.solve = one, batch


def _plan_data(plan: matching.Plan) -> dict[str, Any]:
    data = plan.to_dict()
    data["summary"].pop("seconds")
    return data


def _rows(suppliers: int, buyers: int, files: Path | None = None) -> tuple[Any, Any]:
    """Generated supply and demand (seed 7): rows, or the paths of CSV files in ``files``."""
    instance = generate(suppliers, buyers, seed=7)
    if files is not None:
        return write(instance, files / f"{suppliers}x{buyers}")
    return instance.supply, instance.demand


def measure(name: str, supply: Any, demand: Any, *, repeat: int) -> dict[str, Any]:
    """Time match, prepare and solve on one instance and check the plans agree."""
    matching.match(supply, demand)  # untimed: caches (taxonomy, gazetteer, imports) warm
    prepare_s, prepared = _median_seconds(lambda: matching.prepare(supply, demand), repeat)
    match_s, solve_s, same = [], [], True
    plan_stage, flows = _PlanStage(), _FlowTime()
    for w in SETTINGS:
        m, full = _median_seconds(lambda w=w: matching.match(supply, demand, weights=w), repeat)
        with observing(plan_stage):
            s, fast = _median_seconds(lambda w=w: prepared.solve(w), repeat)
        match_s.append(m)
        solve_s.append(s)
        same &= _plan_data(full) == _plan_data(fast)
    with flows.counting():  # timed apart: the wrappers cost a little
        plans = [prepared.solve(w) for w in SETTINGS]
    read_s, unmatched_s = [], []  # reading every allocation record, then every unmatched
    for plan in plans:  # record, of a re-solve's plan, the first time
        start = time.perf_counter()
        tuple(plan.allocations)
        read_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        tuple(plan.unmatched_supply), tuple(plan.unmatched_demand)
        unmatched_s.append(time.perf_counter() - start)
    return {"instance": name, "lots": len(prepared.lots), "buyers": len(prepared.buyer_rows),
            "candidates": len(prepared.candidates), "match_s": statistics.median(match_s),
            "prepare_s": prepare_s, "solve_s": statistics.median(solve_s),
            "ratio": statistics.median(match_s) / statistics.median(solve_s),
            "plan_s": statistics.median(plan_stage.seconds),
            "flows_s": flows.seconds / len(SETTINGS), "read_s": statistics.median(read_s),
            "unmatched_s": statistics.median(unmatched_s),
            "same_plan": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the largest instance")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", help="comma-separated AxB generated sizes (seed 7) "
                        "instead of the default instances")
    parser.add_argument("--one-by-one", action="store_true",
                        help="solve every part on its own: no table of one-buyer parts, no "
                        "batch of small parts' first LPs (as before the fifth session)")
    parser.add_argument("--no-simplex", action="store_true",
                        help="no LP on POT's network simplex (as without the pot extra)")
    parser.add_argument("--files", action="store_true",
                        help="read generated instances from CSV files, as a notebook would")
    args = parser.parse_args()
    if args.one_by_one:
        _solve.SINGLE_MAX_PAIRS = _solve.TOGETHER_MAX_PAIRS = 0
    if args.no_simplex:
        _flow.SIMPLEX_MIN_PAIRS = sys.maxsize
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp) if args.files else None
        read = " from CSV" if args.files else ""
        if args.sizes:
            sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
        else:
            sizes = [(2000, 300)] if args.quick else [(2000, 300), (10000, 2000)]
        instances: list[tuple[str, Any, Any]] = [] if args.sizes else [
            ("demo (CSV)", matching.demo_supply(), matching.demo_demand())]
        instances += [(f"national {a:,} x {b:,} (seed 7){read}", *_rows(a, b, files))
                      for a, b in sizes]
        _report(instances, args.repeat)


def _report(instances: list[tuple[str, Any, Any]], repeat: int) -> None:
    print("| instance | lots | buyers | candidate pairs | match() | prepare() | solve(w) | "
          "of which plan | of which flows | match / solve | match / flows | "
          "read all allocations | read all unmatched | same plan |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, supply, demand in instances:
        r = measure(name, supply, demand, repeat=repeat)
        print(f"| {r['instance']} | {r['lots']:,} | {r['buyers']:,} | {r['candidates']:,} | "
              f"{r['match_s']:.3f} s | {r['prepare_s']:.3f} s | {r['solve_s']:.4f} s | "
              f"{r['plan_s']:.4f} s | {r['flows_s']:.4f} s | {r['ratio']:.2f}x | "
              f"{r['match_s'] / r['flows_s']:.1f}x | {r['read_s']:.4f} s | "
              f"{r['unmatched_s']:.4f} s | "
              f"{'yes' if r['same_plan'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
