"""The region and route benchmarks run, small, and report what they measure."""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script, *args):
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_regions_benchmark():
    out = run("regions.py", "--rows", "2000", "--national", "300")
    assert "accuracy heldout" in out and "lookups/s" in out
    assert "in the right regency" in out


def test_routes_benchmark():
    out = run("routes.py", "--hubs", "50", "--pairs", "500")
    assert "500 pairs from 50 hubs" in out and "truck" in out
