"""The national-scale instance generator: seeded, in the input contract, and usable end to end."""

from collections import defaultdict

import pytest

import matching

from .helpers import load_benchmark

generate = load_benchmark("generate")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("instance")
    assert generate.main(["--suppliers", "400", "--buyers", "120", "--seed", "3",
                          "--out", str(out)]) == 0
    return out / "supply.csv", out / "demand.csv"


def test_same_seed_same_files(files, tmp_path):
    generate.main(["--suppliers", "400", "--buyers", "120", "--seed", "3", "--out",
                   str(tmp_path)])
    assert (tmp_path / "supply.csv").read_bytes() == files[0].read_bytes()
    assert (tmp_path / "demand.csv").read_bytes() == files[1].read_bytes()
    other = generate.generate(400, 120, seed=4)
    assert other.supply != generate.generate(400, 120, seed=3).supply


def test_messy_texts_and_many_countries():
    instance = generate.generate(3000, 800, seed=1)
    quantities = " ".join(r["jumlah"] for r in instance.supply)
    for form in ("ton/bulan", "kwintal", "kg per minggu", "ton/tahun", "kg/bulan"):
        assert form in quantities
    assert any("," in r["jumlah"] and "ton" in r["jumlah"] for r in instance.supply)
    assert any("." in r["jumlah"] and "kg" in r["jumlah"] for r in instance.supply)
    regencies = {r["id_bumdes"].split("-")[1] for r in instance.supply}
    assert len(regencies) > 400
    countries = {r["buyer_id"].split("-")[1] for r in instance.demand}
    assert len(countries) >= 40
    assert sum(bool(r["moq"]) for r in instance.demand) > 0.4 * len(instance.demand)
    assert sum(bool(r["max_price"]) for r in instance.demand) > 0.6 * len(instance.demand)
    assert any(r["certifications_required"] for r in instance.demand)
    assert any(r["grade_min"] for r in instance.demand)


def test_tiny_instance_matches_with_every_kg_accounted_for(files):
    plan = matching.match(*files)
    assert plan.summary.status == "optimal"
    assert plan.allocations, "a generated instance must produce matches"
    offered = {}
    for lot in plan.lots:
        for m in lot.members:
            offered[m.supplier_id] = m.quantity_kg
    allocated, unmatched = defaultdict(float), defaultdict(float)
    for a in plan.allocations:
        for m in a.members:
            allocated[m.supplier_id] += m.quantity_kg
    for u in plan.unmatched_supply:
        unmatched[u.supplier_id] += u.quantity_kg
        offered.setdefault(u.supplier_id, u.quantity_kg)
    assert len(offered) == 400
    for supplier, kg in offered.items():
        assert allocated[supplier] + unmatched[supplier] == pytest.approx(kg, rel=1e-6,
                                                                          abs=1e-3)
    assert sum(offered.values()) == pytest.approx(plan.summary.supply_kg, rel=1e-9)
    served = defaultdict(float)
    for a in plan.allocations:
        served[a.buyer_id] += a.quantity_kg
    for u in plan.unmatched_demand:
        served[u.buyer_id] += u.quantity_kg
    assert len(served) == 120
    assert sum(served.values()) == pytest.approx(plan.summary.demand_kg, rel=1e-9)
