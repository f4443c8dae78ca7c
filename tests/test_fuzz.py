"""A short coverage-guided fuzzing run in CI (the long one is ``benchmarks/fuzz.py``)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

FUZZ = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz.py"


def test_parsers_survive_a_short_fuzzing_run(tmp_path):
    result = subprocess.run(
        [sys.executable, str(FUZZ), "-runs=3000", "-seed=1", "-timeout=10",
         "-max_total_time=60", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^Done 3000 runs", result.stderr, re.MULTILINE), result.stderr[-3000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))


def test_the_harness_rejects_what_it_should():
    """The fuzz targets themselves: seeds pass, and a broken invariant is a crash."""
    sys.path.insert(0, str(FUZZ.parent))
    try:
        import fuzz
    finally:
        sys.path.remove(str(FUZZ.parent))
    for seed in fuzz.seeds():
        fuzz.one_input(seed)
    # The CSV target validates demand when the byte after the selector is odd.
    csv_target = fuzz.TARGETS.index(fuzz._csv)
    fuzz.one_input(bytes([csv_target, 1]) + b"buyer_id,product,quantity\nB,crab,-1\n")
    # Only the documented error is swallowed; anything else reaches libFuzzer as a crash.
    with pytest.raises(ZeroDivisionError):
        fuzz._field(lambda text: 1 / 0)(b"x")
