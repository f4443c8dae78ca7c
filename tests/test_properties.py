"""Properties of the whole pipeline on generated supply and demand: real product texts from
the taxonomy, real regency names from the gazetteer, real buyer countries.

For every generated instance: every kg is accounted for (per supplier and per buyer,
allocated + unmatched = offered / requested), lot capacities, MOQs and minimum shipments
hold, the plan does not depend on row order or on how the rows are split across files, and
the plan JSON is finite and round-trips. ``BUMDES_PROPERTY_EXAMPLES`` raises the number of
examples for a longer local run (CI keeps it small).
"""

import csv
import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching
from matching._regions import default_gazetteer
from matching._taxonomy import default_taxonomy

from .helpers import without_timing

EXAMPLES = int(os.environ.get("BUMDES_PROPERTY_EXAMPLES", "12"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TAXONOMY = default_taxonomy()
# A few products per transport class, so that generated rows share products and pool.
PRODUCTS = [p for p in TAXONOMY if p.transport_class == "dry"][:5] + \
    [p for p in TAXONOMY if p.transport_class == "reefer"][:2] + \
    [p for p in TAXONOMY if p.transport_class == "air"][:1]
GAZETTEER = default_gazetteer()
# Regencies from a few provinces: Sulawesi Tenggara, Jawa Timur, Lampung, Maluku, Papua.
REGENCIES = [(GAZETTEER.regency[i], GAZETTEER.province[GAZETTEER.regency_province[i]])
             for i in range(len(GAZETTEER.regency))
             if GAZETTEER.province[GAZETTEER.regency_province[i]] in
             ("SULAWESI TENGGARA", "JAWA TIMUR", "LAMPUNG", "MALUKU", "PAPUA")][::3]
COUNTRIES = ["Hong Kong", "Japan", "Netherlands", "United States", "China", "Singapore",
             "Saudi Arabia", "Germany", "Korea Selatan", "Belanda"]


def _kg_text(kg, style):
    if style == 0:
        return f"{kg:,}".replace(",", ".")  # Indonesian grouping: 1.500
    if style == 1:
        return f"{kg / 1000:g} ton".replace(".", ",")
    if style == 2:
        return f"{kg} kg/bulan"
    return str(kg)


#: Each instance draws from a few products and regencies, so that offers pool into lots and
#: buyers compete for them.
FEW_PRODUCTS = st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=3, unique=True)


@st.composite
def instances(draw):
    products = draw(FEW_PRODUCTS)
    return draw(supply_rows(products)), draw(demand_rows(products))


@st.composite
def supply_rows(draw, products):
    n = draw(st.integers(1, 10))
    places = draw(st.lists(st.sampled_from(REGENCIES), min_size=1, max_size=3, unique=True))
    rows = []
    for i in range(n):
        product = draw(st.sampled_from(products))
        regency, province = draw(st.sampled_from(places))
        kg = draw(st.integers(0, 40)) * 100
        rows.append({
            "supplier_id": f"S{i:02d}",
            "product": draw(st.sampled_from([product.name_id, product.name_id.upper(),
                                              *product.synonyms[:2]])),
            "quantity": _kg_text(kg, draw(st.integers(0, 3))),
            "price": str(draw(st.integers(2, 200)) * 1000),
            "province": draw(st.sampled_from([province, province.title(), ""])),
            "regency": regency.replace("KABUPATEN ", "Kab. ").title(),
            "grade": draw(st.sampled_from(["", "A", "A", "B", "C"])),
            "certifications": draw(st.sampled_from(["", "", "HACCP", "Halal MUI; organik"])),
        })
    return rows


@st.composite
def demand_rows(draw, products):
    n = draw(st.integers(1, 6))
    rows = []
    for i in range(n):
        product = draw(st.sampled_from(products))
        kg = draw(st.integers(1, 60)) * 100
        moq = draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
        rows.append({
            "buyer_id": f"B{i:02d}",
            "product": draw(st.sampled_from([product.name_en, product.name_en.lower()])),
            "quantity": _kg_text(kg, draw(st.integers(0, 3))),
            "moq": str(int(kg * moq)) if moq else "",
            "max_price": draw(st.sampled_from(["", "2", "5", "15", "40"])),
            "country": draw(st.sampled_from(COUNTRIES)),
            "grade_min": draw(st.sampled_from(["", "", "B", "A"])),
            "certifications_required": draw(st.sampled_from(["", "", "HACCP"])),
        })
    return rows


configs = st.sampled_from([{}, {"min_shipment_kg": 300.0}, {"horizon_months": 3.0}])


@SETTINGS
@given(instances(), configs)
def test_every_kg_is_accounted_for_and_every_constraint_holds(instance, config):
    supply, demand = instance
    prepared = matching.prepare(supply, demand, config=config)
    check_plan(prepared, prepared.solve(), min_shipment=config.get("min_shipment_kg", 0.0))


def check_plan(prepared, plan, *, min_shipment=0.0):
    """Every kg accounted for, every constraint held, the JSON finite and round-tripping."""
    tol = 1e-6
    supplied, served, lot_used = defaultdict(float), defaultdict(float), defaultdict(float)
    for a in plan.allocations:
        assert a.quantity_kg > 0
        assert sum(m.quantity_kg for m in a.members) == pytest.approx(a.quantity_kg, abs=tol)
        served[a.buyer_id] += a.quantity_kg
        lot_used[a.lot_id] += a.quantity_kg
        for m in a.members:
            supplied[m.supplier_id] += m.quantity_kg
        assert a.quantity_kg >= min_shipment - tol
        assert 0.0 <= a.score <= 1.0
    unmatched_s = {u.supplier_id: u for u in plan.unmatched_supply}
    unmatched_d = {u.buyer_id: u for u in plan.unmatched_demand}
    assert all(u.reason for u in (*plan.unmatched_supply, *plan.unmatched_demand))
    offered = dict(zip(prepared.supply.supplier_id, prepared.supply.quantity_kg.tolist(),
                       strict=True))
    for sid, kg in offered.items():
        rest = unmatched_s[sid].quantity_kg if sid in unmatched_s else 0.0
        assert supplied[sid] + rest == pytest.approx(kg, abs=tol, rel=1e-9), sid
        assert supplied[sid] <= kg + tol
    requested = dict(zip(prepared.demand.buyer_id, prepared.demand.quantity_kg.tolist(),
                         strict=True))
    moq = dict(zip(prepared.demand.buyer_id, prepared.demand.moq_kg.tolist(), strict=True))
    for bid, kg in requested.items():
        rest = unmatched_d[bid].quantity_kg if bid in unmatched_d else 0.0
        assert served[bid] + rest == pytest.approx(kg, abs=tol, rel=1e-9), bid
        if served[bid] > tol:
            assert served[bid] >= moq[bid] - tol, bid
    for lot in plan.lots:
        assert lot_used[lot.lot_id] <= lot.quantity_kg + tol
        assert sum(m.quantity_kg for m in lot.members) == pytest.approx(lot.quantity_kg,
                                                                        abs=tol)
    assert set(unmatched_s) <= set(offered) and set(unmatched_d) <= set(requested)
    assert plan.summary.allocated_kg == pytest.approx(sum(served.values()), abs=tol)
    assert plan.summary.supply_kg == pytest.approx(sum(offered.values()), abs=tol)
    # The plan JSON is finite (allow_nan=False) and reads back as written.
    data = plan.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_plan(instance, rng):
    supply, demand = instance
    plan = without_timing(matching.match(supply, demand))
    supply2, demand2 = supply[:], demand[:]
    rng.shuffle(supply2)
    rng.shuffle(demand2)
    assert without_timing(matching.match(supply2, demand2)) == plan


def _write(folder: Path, name: str, rows: list[dict], kind: str) -> Path:
    path = folder / f"{name}.{kind}"
    if kind == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    else:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
    return path


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_splitting_the_input_across_files_does_not_change_the_plan(instance, rng):
    supply, demand = instance
    whole = without_timing(matching.match(supply, demand))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = []
        for side, rows in (("supply", supply), ("demand", demand)):
            cuts = sorted(rng.sample(range(1, len(rows)), min(2, len(rows) - 1)))
            parts = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
            sources.append([_write(folder, f"{side}{k}", part, rng.choice(["csv", "json"]))
                            for k, part in enumerate(parts)])
        assert without_timing(matching.match(sources[0], sources[1])) == whole


def test_an_id_in_two_files_is_located_in_the_second(tmp_path):
    rows = [{"supplier_id": "S1", "product": "jagung", "quantity": "1 ton"}]
    first = _write(tmp_path, "a", rows, "csv")
    second = _write(tmp_path, "b", rows, "json")
    with pytest.raises(matching.InputError) as exc_info:
        matching.match([first, second], [{"buyer_id": "B", "product": "maize",
                                          "quantity": "1 MT"}])
    assert [str(p) for p in exc_info.value.problems] == [
        f"{second}:1:supplier_id: duplicate supplier_id 'S1' (first in {first} at row 2)"]


def test_problems_of_several_files_name_each_file(tmp_path):
    good = _write(tmp_path, "a", [{"supplier_id": "S1", "product": "jagung",
                                   "quantity": "1 ton"}], "csv")
    bad = _write(tmp_path, "b", [{"supplier_id": "S2", "product": "jagung",
                                  "quantity": "banyak"}], "csv")
    with pytest.raises(matching.InputError) as exc_info:
        matching.prepare([good, bad], [{"buyer_id": "B", "product": "maize",
                                        "quantity": "1 MT"}])
    (problem,) = exc_info.value.problems
    assert (problem.source, problem.row, problem.column) == (str(bad), 2, "quantity")


def test_a_list_of_dataframes_is_several_sources():
    pd = pytest.importorskip("pandas")
    rows = [{"supplier_id": f"S{i}", "product": "jagung pipil", "quantity": f"{i + 1} ton",
             "regency": "Lampung Selatan"} for i in range(4)]
    demand = [{"buyer_id": "B", "product": "maize", "quantity": "5 MT", "country": "Japan"}]
    whole = without_timing(matching.match(rows, demand))
    split = [pd.DataFrame(rows[:1]), pd.DataFrame(rows[1:])]
    assert without_timing(matching.match(split, demand)) == whole


def test_generated_instances_are_not_trivial():
    """The strategy produces plans with allocations, pooled lots and unmatched rows, so the
    properties above are tested on instances where they can fail."""
    seen = []

    @settings(max_examples=30, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(instances())
    def collect(instance):
        plan = matching.match(*instance)
        seen.append((bool(plan.allocations), any(len(a.members) > 1 for a in plan.allocations),
                     bool(plan.unmatched_supply or plan.unmatched_demand)))

    collect()
    allocated, pooled, unmatched = (sum(column) for column in zip(*seen, strict=True))
    assert allocated >= 10 and pooled >= 3 and unmatched >= 10, (allocated, pooled, unmatched)
