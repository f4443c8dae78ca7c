"""benchmarks/solve.py stays runnable: seeded instances, every section on tiny sizes."""

import numpy as np

from .helpers import load_benchmark

bench = load_benchmark("solve")


def test_instances_are_seeded():
    a, b = bench.instance(30, 15, 0.2, seed=4), bench.instance(30, 15, 0.2, seed=4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["score"], bench.instance(30, 15, 0.2, seed=5)["score"])


def test_every_section_runs_on_tiny_sizes():
    tiny = [(12, 6, 0.4)]
    assert "| 12 x 6, 40%" in bench.section_lp(tiny)
    assert "optimal" in bench.section_moq(tiny, seeds=1)
    assert "optimal" in bench.section_min_shipment(tiny, minimum=500.0, limit=5.0)
    assert "| 12 x 6, 40%" in bench.section_coverage(tiny)
