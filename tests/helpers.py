"""Test helpers shared by several modules: the seeded benchmark generator."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def national(suppliers, buyers, *, seed=0):
    """Supply and demand rows of a seeded national instance (``benchmarks/generate.py``)."""
    spec = importlib.util.spec_from_file_location("notebook_generate",
                                                  ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    instance = module.generate(suppliers, buyers, seed=seed)
    return instance.supply, instance.demand


def without_timing(plan):
    """The plan's data without the wall-clock field."""
    data = plan.to_dict()
    data["summary"].pop("seconds")
    return data
