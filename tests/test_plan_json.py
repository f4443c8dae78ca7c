"""The fast plan JSON writer: byte for byte ``json.dumps(plan.to_dict(), ...)``."""

import dataclasses
import io
import json
import pickle
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching
from matching._cli import main
from matching._files import csv_text
from matching._plan import TABLES, CandidateTable, _columns, _plain, _records, _round, csv_files
from matching._plan_json import float_texts, json_float

from .conftest import demand_rows, supply_rows
from .helpers import national

#: Ids JSON must escape: quotes, backslashes, the control characters an input may hold,
#: non-ASCII, a percent sign (the record templates use %-formatting), a line separator.
#: (Other control characters are refused by the input check; the hypothesis test below
#: puts them in candidate ids.)
ODD_IDS = ['say "kopi"', "back\\slash", "tab\there\nnewline\rreturn", "Kédai 咖啡 ☕",
           "100% crab", "\u2028sep", "=1+1, or @SUM", "-3"]


def reference(plan, indent=2):
    return json.dumps(plan.to_dict(), ensure_ascii=False, indent=indent)


@pytest.fixture(scope="module")
def demo_plan():
    return matching.match(matching.demo_supply(), matching.demo_demand())


@pytest.fixture(scope="module")
def generated_plan():
    supply, demand = national(600, 200, seed=5)
    return matching.match(supply, demand)


@pytest.fixture(scope="module")
def odd_plan():
    supply, demand = supply_rows(), demand_rows()
    for row, name in zip(supply, ODD_IDS, strict=False):
        row["supplier_id"] = name
    for row, name in zip(demand, ODD_IDS[::-1], strict=False):
        row["buyer_id"] = name
    return matching.match(supply, demand)


@pytest.mark.parametrize("indent", [2, None, 0, 4])
@pytest.mark.parametrize("which", ["demo_plan", "generated_plan", "odd_plan"])
def test_to_json_is_json_dumps_of_to_dict(request, which, indent):
    plan = request.getfixturevalue(which)
    assert len(plan.candidates) > 0
    assert plan.to_json(indent=indent) == reference(plan, indent)


def test_odd_ids_reach_the_candidates_and_members(odd_plan):
    assert {c.buyer_id for c in odd_plan.candidates} & set(ODD_IDS)
    assert {m.supplier_id for lot in odd_plan.lots for m in lot.members} & set(ODD_IDS)


def test_small_chunks_and_records_kept_as_a_tuple(generated_plan, monkeypatch):
    """Several chunks of candidates and records give the same text; so does a plan whose
    candidates are a plain tuple (as after unpickling)."""
    from matching import _plan_json

    monkeypatch.setattr(_plan_json, "CHUNK_PAIRS", 7)
    monkeypatch.setattr(_plan_json, "CHUNK_RECORDS", 5)
    assert generated_plan.to_json() == reference(generated_plan)
    copy = pickle.loads(pickle.dumps(generated_plan))
    assert isinstance(copy.candidates, tuple)
    assert copy.to_json() == reference(generated_plan)


def test_to_json_writes_the_file_the_cli_writes(tmp_path, demo_plan, capsys):
    path = tmp_path / "plan.json"
    assert demo_plan.to_json(path) is None
    assert path.read_bytes() == (reference(demo_plan) + "\n").encode()
    out = tmp_path / "cli.json"
    assert main(["match", matching.demo_supply(), matching.demo_demand(), "--out",
                 str(out)]) == 0
    capsys.readouterr()
    cli = json.loads(out.read_text("utf-8"))
    cli["summary"].pop("seconds")
    expected = demo_plan.to_dict()
    expected["summary"].pop("seconds")
    assert cli == expected
    assert main(["match", matching.demo_supply(), matching.demo_demand()]) == 0
    printed = json.loads(capsys.readouterr().out)
    printed["summary"].pop("seconds")
    assert printed == expected


def test_cli_plan_text_with_odd_ids(tmp_path, odd_plan):
    supply, demand = tmp_path / "s.json", tmp_path / "d.json"
    s, d = supply_rows(), demand_rows()
    for row, name in zip(s, ODD_IDS, strict=False):
        row["supplier_id"] = name
    for row, name in zip(d, ODD_IDS[::-1], strict=False):
        row["buyer_id"] = name
    supply.write_text(json.dumps(s), "utf-8")
    demand.write_text(json.dumps(d), "utf-8")
    out = tmp_path / "plan.json"
    assert main(["match", str(supply), str(demand), "--out", str(out)]) == 0
    seconds = json.loads(out.read_text("utf-8"))["summary"]["seconds"]
    plan = dataclasses.replace(odd_plan, summary=dataclasses.replace(
        odd_plan.summary, seconds=seconds))
    assert out.read_text("utf-8") == reference(plan) + "\n"


def test_an_unwritable_plan_leaves_no_file(tmp_path, demo_plan):
    with pytest.raises(OSError):
        demo_plan.to_json(tmp_path / "missing" / "plan.json")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_making_the_text_keeps_the_old_file(tmp_path, demo_plan, monkeypatch):
    from matching import _plan_json

    path = tmp_path / "plan.json"
    path.write_text("old")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(_plan_json, "_float_matrix", broken)
    with pytest.raises(RuntimeError):
        demo_plan.to_json(path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


# Values where the vectorised rounding must hand over to Python or get a tie right.
EDGES = [0.0, -0.0, 0.5, 1.0, -1.0, 0.0078125, -0.0078125, 2.5e-7, 5e-7, 1.5e-6, 1e-4,
         9.9999e-5, 0.00009999949, 0.000099999500001, 1e-5, 1.2e-5, 123456789.1234565,
         999999999.9999995, 1e9, 1e15, 1e300, 5e-324, float("nan"), float("inf"),
         -float("inf"), 0.1234565, 0.9999995, 0.99999949999, 2.675, 1.0000005]


def test_float_texts_edges():
    assert float_texts(EDGES) == [json.dumps(round(x, 6)) for x in EDGES]
    assert [json_float(x) for x in EDGES] == [json.dumps(round(x, 6)) for x in EDGES]
    assert float_texts([]) == []


def test_float_texts_on_many_random_values():
    rng = np.random.default_rng(3)
    values = np.concatenate([
        rng.random(20_000), rng.normal(0, 1e4, 20_000), rng.random(5_000) * 1e-3,
        np.round(rng.random(5_000), 7), rng.integers(0, 2 ** 20, 5_000) / 2 ** 20,
        rng.integers(-10 ** 9, 10 ** 9, 5_000) / 1e6 + 5e-7])
    assert float_texts(values) == [json.dumps(round(x, 6)) for x in values.tolist()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.floats(-2, 2)
                | st.integers(-2 ** 21, 2 ** 21).map(lambda k: k / 2 ** 7 / 1e4)
                | st.integers(-10 ** 12, 10 ** 12).map(lambda k: k / 1e7),
                max_size=40))
def test_float_texts_is_json_of_round(values):
    assert float_texts(values) == [json.dumps(round(x, 6)) for x in values]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.text(max_size=6), min_size=1, max_size=5, unique=True),
       pairs=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4),
                                st.floats(allow_nan=False) | st.floats(0, 1)), max_size=30),
       indent=st.sampled_from([2, None]))
def test_any_candidate_table_writes_as_json_dumps(demo_plan, ids, pairs, indent):
    """Arbitrary ids (any text) and scores in the candidates of a plan."""
    n = len(ids)
    lot = np.array([a % n for a, _, _ in pairs], dtype=np.int64)
    buyer = np.array([b % n for _, b, _ in pairs], dtype=np.int64)
    score = np.array([s for _, _, s in pairs], dtype=np.float64)
    table = CandidateTable(ids, ids[::-1], lot, buyer, score)
    plan = dataclasses.replace(demo_plan, candidates=table)
    assert plan.to_json(indent=indent) == reference(plan, indent)


def csv_reference(plan):
    """Every CSV file of the plan as the simple implementation wrote them (from to_dict)."""
    data = plan.to_dict()
    files = {}
    for table in TABLES:
        rows = _records(data, table)
        columns = list(rows[0]) if rows else _columns(table)
        files[f"{table}.csv"] = csv_text(columns, rows)
    members = [{"buyer_id": a["buyer_id"], "lot_id": a["lot_id"], **m}
               for a in data["allocations"] for m in a["members"]]
    files["allocation_members.csv"] = csv_text(
        ["buyer_id", "lot_id", "supplier_id", "quantity_kg"], members)
    return files


def csv_made(plan, folder):
    return {path.name: text if isinstance(text, str) else b"".join(text).decode()
            for path, text in csv_files(plan, folder)}


@pytest.mark.parametrize("which", ["demo_plan", "generated_plan", "odd_plan"])
def test_csv_files_are_the_simple_csv_of_to_dict(request, which, tmp_path):
    plan = request.getfixturevalue(which)
    assert csv_made(plan, tmp_path) == csv_reference(plan)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.text(max_size=6), min_size=1, max_size=5, unique=True),
       pairs=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4),
                                st.floats() | st.floats(0, 1)), max_size=30))
def test_any_candidate_table_writes_as_the_simple_csv(demo_plan, tmp_path, ids, pairs):
    n = len(ids)
    table = CandidateTable(ids, ids[::-1], np.array([a % n for a, _, _ in pairs], dtype=np.int64),
                           np.array([b % n for _, b, _ in pairs], dtype=np.int64),
                           np.array([x for _, _, x in pairs], dtype=np.float64))
    plan = dataclasses.replace(demo_plan, candidates=table)
    made = csv_made(plan, tmp_path)["candidates.csv"]
    assert made == csv_reference(plan)["candidates.csv"]


@pytest.mark.parametrize("which", ["demo_plan", "generated_plan", "odd_plan"])
def test_plain_records_are_round_of_asdict(request, which):
    """The plan's dict records without dataclasses.asdict: the same data (compared as JSON,
    since NaN is not equal to itself), the same types."""
    plan = request.getfixturevalue(which)
    for name in ("allocations", "lots", "unmatched_supply", "unmatched_demand", "summary"):
        records = getattr(plan, name)
        records = [records] if name == "summary" else records
        mine = [_plain(r) for r in records]
        simple = [_round(asdict(r)) for r in records]
        assert json.dumps(mine) == json.dumps(simple)
        assert repr(mine) == repr(simple)


def test_to_json_into_open_files(demo_plan):
    text, binary = io.StringIO(), io.BytesIO()
    assert demo_plan.to_json(text) is None and demo_plan.to_json(binary) is None
    assert text.getvalue() == reference(demo_plan) + "\n"
    assert binary.getvalue() == (reference(demo_plan) + "\n").encode()
