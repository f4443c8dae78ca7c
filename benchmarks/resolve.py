"""Re-solve speed: ``prepare()`` once, then ``solve(weights=...)`` against a full ``match()``.

For each instance: median wall time of ``match()``, ``prepare()`` and ``solve()`` over a
few weight settings, the ratio match / solve, and a check that ``solve(w)`` gives the same
plan as ``match(..., weights=w)``. Seeded and reproducible::

    python benchmarks/resolve.py                # demo, 2,000 x 300, 10,000 x 2,000
    python benchmarks/resolve.py --quick        # demo and 2,000 x 300 only
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

import matching

SETTINGS = ({"price": 2.0}, {"logistics": 2.0, "priority": 0.0}, {"quality": 3.0})


def _median_seconds(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _plan_data(plan: matching.Plan) -> dict[str, Any]:
    data = plan.to_dict()
    data["summary"].pop("seconds")
    return data


def _rows(suppliers: int, buyers: int) -> tuple[Any, Any]:
    instance = generate(suppliers, buyers, seed=7)
    return instance.supply, instance.demand


def measure(name: str, supply: Any, demand: Any, *, repeat: int) -> dict[str, Any]:
    """Time match, prepare and solve on one instance and check the plans agree."""
    prepare_s, prepared = _median_seconds(lambda: matching.prepare(supply, demand), repeat)
    match_s, solve_s, same = [], [], True
    for w in SETTINGS:
        m, full = _median_seconds(lambda w=w: matching.match(supply, demand, weights=w), repeat)
        s, fast = _median_seconds(lambda w=w: prepared.solve(w), repeat)
        match_s.append(m)
        solve_s.append(s)
        same &= _plan_data(full) == _plan_data(fast)
    return {"instance": name, "lots": len(prepared.lots), "buyers": len(prepared.buyer_rows),
            "candidates": len(prepared.candidates), "match_s": statistics.median(match_s),
            "prepare_s": prepare_s, "solve_s": statistics.median(solve_s),
            "ratio": statistics.median(match_s) / statistics.median(solve_s), "same_plan": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the largest instance")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    instances: list[tuple[str, Any, Any]] = [
        ("demo", matching.demo_supply(), matching.demo_demand()),
        ("national 2,000 x 300 (seed 7)", *_rows(2000, 300))]
    if not args.quick:
        instances.append(("national 10,000 x 2,000 (seed 7)", *_rows(10000, 2000)))
    print("| instance | lots | buyers | candidate pairs | match() | prepare() | solve(w) | "
          "match / solve | same plan |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, supply, demand in instances:
        r = measure(name, supply, demand, repeat=args.repeat)
        print(f"| {r['instance']} | {r['lots']:,} | {r['buyers']:,} | {r['candidates']:,} | "
              f"{r['match_s']:.3f} s | {r['prepare_s']:.3f} s | {r['solve_s']:.3f} s | "
              f"{r['ratio']:.2f}x | {'yes' if r['same_plan'] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
