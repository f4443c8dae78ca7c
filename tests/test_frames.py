"""pandas in and out: DataFrame input gives the same plan, every table converts, and a
missing pandas fails with a message that names the extra."""

import csv
import pickle
import sys
from pathlib import Path

import pytest

import matching
from matching._plan import _columns

from .helpers import national, without_timing

pd = pytest.importorskip("pandas")

TABLES = ("allocations", "lots", "candidates", "unmatched_supply", "unmatched_demand",
          "by_province", "by_product")


def read_csv(path):
    text = Path(path).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines(), delimiter=";" if ";" in text.splitlines()[0]
                               else ","))


@pytest.fixture(scope="module")
def plan():
    return matching.match(matching.demo_supply(), matching.demo_demand())


def test_dataframe_input_gives_the_same_plan(plan):
    supply = pd.DataFrame(read_csv(matching.demo_supply()))
    demand = pd.DataFrame(read_csv(matching.demo_demand()))
    assert without_timing(matching.match(supply, demand)) == without_timing(plan)


def test_dataframe_with_numbers_and_missing_values():
    supply, demand = national(60, 15, seed=3)
    frame = pd.DataFrame(supply)
    for column in ("lintang", "bujur"):  # floats, NaN where the text was empty
        frame[column] = pd.to_numeric(frame[column].replace("", None))
    assert frame["lintang"].isna().any() and frame["lintang"].notna().any()
    assert without_timing(matching.match(frame, pd.DataFrame(demand))) == \
        without_timing(matching.match(supply, demand))


@pytest.mark.parametrize("table", TABLES)
def test_every_table_converts(plan, table):
    frame = plan.to_frame(table)
    records = plan.records(table)
    assert len(frame) == len(records)
    assert list(frame.columns) == list(records[0])
    assert list(frame.columns) == _columns(table)


def test_frame_contents(plan):
    allocations = plan.to_frame("allocations")
    assert allocations["quantity_kg"].sum() == pytest.approx(plan.summary.allocated_kg)
    assert (allocations["members"] >= 1).all()
    provinces = plan.to_frame("by_province")
    assert provinces["allocated_kg"].sum() == pytest.approx(plan.summary.allocated_kg, rel=1e-9)
    assert provinces["supply_kg"].sum() == pytest.approx(plan.summary.supply_kg)
    assert set(provinces["province"]) >= {"SULAWESI TENGGARA", "LAMPUNG"}
    products = plan.to_frame("by_product")
    assert products["allocated_kg"].sum() == pytest.approx(plan.summary.allocated_kg)


def test_empty_table_keeps_its_columns():
    plan = matching.match(
        [{"supplier_id": "S1", "product": "tepung pisang", "quantity": "2 ton",
          "province": "Lampung", "regency": "Lampung Selatan"}],
        [{"buyer_id": "B1", "product": "live mud crab", "quantity": "1 MT",
          "country": "Hong Kong"}])
    frame = plan.to_frame("allocations")
    assert frame.empty and list(frame.columns) == _columns("allocations")
    assert "score_price" in frame.columns


def test_missing_pandas_names_the_extra(plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'bumdes-match\[pandas\]'"):
        plan.to_frame("allocations")


def test_plan_records_the_weights():
    weights = matching.Weights(price=2.0, priority=0.0)
    plan = matching.match(matching.demo_supply(), matching.demo_demand(), weights=weights)
    assert plan.summary.weights == weights.to_dict()
    assert plan.to_dict()["summary"]["weights"]["price"] == 2.0


def test_stories_are_lazy_and_pickle_as_a_dict(plan):
    fresh = matching.match(matching.demo_supply(), matching.demo_demand())
    assert "0 told" in repr(fresh.buyer_story)
    copy = pickle.loads(pickle.dumps(fresh))
    assert type(copy.buyer_story) is dict
    assert copy.buyer_story == fresh.buyer_story == plan.buyer_story
    assert copy.explain("RFQ-HK-01") == plan.explain("RFQ-HK-01")
    with pytest.raises(KeyError, match="no buyer"):
        fresh.explain("nobody")
