"""Every example in examples/ runs as a script (matplotlib on Agg) and draws its pictures."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NEEDS = {"scaling_out_with_dask.py": ("distributed", "pandas"),
         "konawe_crab_to_hong_kong.py": ("matplotlib", "pandas"),
         "tuning_weights.py": ("matplotlib", "pandas"),
         "province_coverage.py": ("matplotlib", "pandas")}


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(NEEDS)


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_example_runs(name, tmp_path):
    for module in NEEDS[name]:
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{name} needs {module}")
    source = (EXAMPLES / name).read_text("utf-8")
    assert source.count("# %%") >= 3, "an example is a notebook of # %% cells"
    env = {**os.environ, "MPLBACKEND": "Agg", "SUPPLIERS": "1000", "BUYERS": "200"}
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()
    pictures = list((tmp_path / "example-output").glob("*.png"))
    if name != "scaling_out_with_dask.py":
        assert pictures and all(p.stat().st_size > 10_000 for p in pictures)
