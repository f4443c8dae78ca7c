"""The command line end to end: files in, plan JSON out, exit codes, no tracebacks."""

import json
import subprocess
import sys

import pytest

import matching
from matching._cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "matching._cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_demo_prints_a_readable_plan():
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "Allocations per buyer" in result.stdout
    assert "Unmatched supply" in result.stdout
    assert "SULAWESI TENGGARA" in result.stdout


def test_match_writes_the_plan_json(tmp_path):
    out = tmp_path / "plan.json"
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"price": 2, "priority": 1}))
    code = main(["match", matching.demo_supply(), matching.demo_demand(), "--weights",
                 str(weights), "--out", str(out)])
    assert code == 0
    plan = json.loads(out.read_text())
    assert set(plan) == {"allocations", "lots", "candidates", "unmatched_supply",
                         "unmatched_demand", "summary"}
    allocation = plan["allocations"][0]
    assert set(allocation) >= {"buyer_id", "lot_id", "product_id", "hs_code", "quantity_kg",
                               "score", "score_breakdown", "origin_port", "destination_port",
                               "members"}
    assert 0 <= allocation["score"] <= 1
    assert plan["summary"]["status"] == "optimal"


def test_workers_give_the_same_plan(tmp_path):
    # A process pool for normalisation and the solver's parts: the same plan bytes.
    plans = []
    for workers in ("1", "2"):
        out = tmp_path / f"plan{workers}.json"
        result = run("match", matching.demo_supply(), matching.demo_demand(), "--workers",
                     workers, "--out", out)
        assert result.returncode == 0, result.stderr
        plan = json.loads(out.read_text())
        del plan["summary"]["seconds"]
        plans.append(plan)
    assert plans[0] == plans[1]


@pytest.mark.parametrize("workers", ["0", "two", "-3"])
def test_bad_workers_exit_2(workers, tmp_path):
    result = run("match", matching.demo_supply(), matching.demo_demand(), "--workers", workers,
                 "--out", tmp_path / "plan.json")
    assert result.returncode == 2
    assert "--workers: must be a whole number of at least 1" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "plan.json").exists()


def test_match_without_out_prints_json(capsys):
    assert main(["match", matching.demo_supply(), matching.demo_demand()]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["status"] == "optimal"


def test_malformed_input_exits_2_with_locations_and_writes_nothing(tmp_path):
    supply = tmp_path / "s.csv"
    supply.write_text("supplier_id;product;quantity\nA;kepiting;banyak\nA;;2\n")
    demand = tmp_path / "d.csv"
    demand.write_text("buyer_id,product,quantity,moq\nB,crab,1 MT,5 MT\n")
    out = tmp_path / "plan.json"
    result = run("match", supply, demand, "--out", out)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert f"{supply}:3:supplier_id: duplicate supplier_id 'A' (first at row 2)" in lines
    assert any(line.startswith(f"{supply}:2:quantity: not a quantity") for line in lines)
    assert any(line.startswith(f"{supply}:3:product: empty") for line in lines)
    assert any(line.startswith(f"{demand}:2:moq: minimum order") for line in lines)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "s.csv"]


@pytest.mark.parametrize(("content", "message"), [
    ("{\"prize\": 1}", "unknown weight"), ("[1]", "one JSON object"), ("{", "not valid JSON"),
    ("{\"price\": -1}", "non-negative"),
])
def test_bad_weights_file_exits_2(tmp_path, capsys, content, message):
    weights = tmp_path / "w.json"
    weights.write_text(content)
    code = main(["match", matching.demo_supply(), matching.demo_demand(), "--weights",
                 str(weights)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{weights}:") and message in err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main(["match", str(tmp_path / "none.csv"), matching.demo_demand()]) == 2
    assert "cannot read the file" in capsys.readouterr().err


def test_normalize_prints_one_object_per_line(tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("minyak alpukat\n\njasa ojek online\n")
    result = run("normalize", "kepiting bakau hidup", "--file", texts)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["product_id"] for r in rows] == ["mud_crab_live", "avocado_oil", None]
    assert rows[0]["hs_code"] == "030633" and rows[2]["hs_code"] is None
    assert set(rows[0]) == {"text", "product_id", "name", "hs_code", "confidence",
                            "alternatives"}


def test_normalize_without_texts_exits_2(capsys):
    assert main(["normalize"]) == 2
    assert "give product texts or --file" in capsys.readouterr().err
