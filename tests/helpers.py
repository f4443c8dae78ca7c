"""Test helpers shared by several modules: the seeded benchmark generator."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def national(suppliers, buyers, *, seed=0):
    """Rows of a seeded national instance (``benchmarks/instances.py``)."""
    spec = importlib.util.spec_from_file_location("bench_instances",
                                                  ROOT / "benchmarks" / "instances.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.national(suppliers, buyers, seed=seed)


def without_timing(plan):
    """The plan's data without the wall-clock field."""
    data = plan.to_dict()
    data["summary"].pop("seconds")
    return data
