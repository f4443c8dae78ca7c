"""Test helpers shared by several modules: the benchmark scripts and their seeded
generator, plans without their timing."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark(name):
    """The script ``benchmarks/<name>.py`` as a module (loaded once per test run)."""
    key = f"benchmarks_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def national(suppliers, buyers, *, seed=0):
    """Supply and demand rows of a seeded national instance (``benchmarks/generate.py``)."""
    instance = load_benchmark("generate").generate(suppliers, buyers, seed=seed)
    return instance.supply, instance.demand


def without_timing(plan):
    """The plan's data without the wall-clock field."""
    data = plan.to_dict()
    data["summary"].pop("seconds")
    return data
