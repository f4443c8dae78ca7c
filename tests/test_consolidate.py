"""Consolidation: lots never mix products, grades or certification profiles; every row is
in one lot; regions as configured; small regency pools merge within their province."""

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching
from matching._consolidate import consolidate, smallest_moq_in_reach
from matching._geo import haversine_km

from .conftest import demand_rows, supply_rows

CERTS = [frozenset(), frozenset({"HACCP"}), frozenset({"HACCP", "HALAL"})]


@st.composite
def supply(draw, max_rows=14):
    n = draw(st.integers(1, max_rows))
    regency = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
    # Regencies 0-2 are in province 0, 3-5 in province 1; seats about 30 km apart.
    province = regency // 3
    lat = -4.0 - 0.3 * regency + np.array(draw(st.lists(st.floats(-0.05, 0.05), min_size=n,
                                                        max_size=n)))
    lon = np.full(n, 122.0)
    return {
        "rows": np.arange(n), "product_ids": ["crab", "maize"],
        "product": np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))),
        "region_code": [f"74.{r:02d}" for r in regency.tolist()],
        "province": province, "regency": regency,
        "grade": np.array(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))),
        "certifications": [CERTS[i] for i in draw(st.lists(st.integers(0, 2), min_size=n,
                                                           max_size=n))],
        "quantity_kg": np.array(draw(st.lists(st.integers(50, 3000), min_size=n, max_size=n)),
                                float),
        "price_usd": np.full(n, 5.0), "confidence": np.ones(n),
        "disadvantaged": np.zeros(n, bool), "lat": lat, "lon": lon,
        "province_code": ["74", "75"], "supplier_id": [f"S{i:03d}" for i in range(n)],
    }


def key(data, r):
    return data["product"][r], data["grade"][r], data["certifications"][r]


def check_lots(lots, data):
    rows = sorted(lots.member_row.tolist())
    assert rows == data["rows"].tolist(), "every row is in exactly one lot"
    assert lots.quantity_kg.sum() == pytest.approx(data["quantity_kg"].sum())
    for i in range(len(lots)):
        members, kg = lots.members(i)
        assert len({key(data, r) for r in members.tolist()}) == 1, "a lot mixes keys"
        assert kg.sum() == pytest.approx(lots.quantity_kg[i])
        assert np.isfinite(lots.hub_lat[i]) and np.isfinite(lots.hub_lon[i])
    assert list(lots.lot_id) == sorted(lots.lot_id)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(supply(), st.sampled_from(["regency", "province", 40.0]))
def test_lots_never_mix_and_hold_every_row(data, region):
    lots = consolidate(**data, region=region)
    check_lots(lots, data)
    for i in range(len(lots)):
        members, _ = lots.members(i)
        if region == "regency":
            assert len(set(data["regency"][members].tolist())) == 1
        elif region == "province":
            assert len(set(data["province"][members].tolist())) == 1
        else:
            d = haversine_km(lots.hub_lat[i], lots.hub_lon[i], data["lat"][members],
                             data["lon"][members])
            assert np.all(d <= region + 1e-9), "a member lies outside the radius"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(supply(), st.sampled_from([0.0, 800.0, 2500.0, 100_000.0]))
def test_small_regency_pools_merge_within_their_province(data, threshold):
    lots = consolidate(**data, merge_below=np.full(len(data["rows"]), threshold))
    check_lots(lots, data)
    pools = defaultdict(list)
    for i in range(len(lots)):
        members, _ = lots.members(i)
        provinces = set(data["province"][members].tolist())
        assert len(provinces) == 1, "a merged lot crosses a province border"
        pools[(*key(data, members[0]), provinces.pop())].append(lots.quantity_kg[i])
    for sizes in pools.values():
        # Either one pool is left, or every pool reaches the smallest MOQ in reach.
        assert len(sizes) == 1 or min(sizes) >= threshold
    if threshold == 0:
        plain = consolidate(**data)
        assert plain.lot_id == lots.lot_id


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(supply(), st.randoms(use_true_random=False),
       st.sampled_from(["regency", "province", 40.0]))
def test_lots_do_not_depend_on_row_order(data, random, region):
    def lots_of(d):
        merge = np.full(len(d["rows"]), 1500.0) if region == "regency" else None
        # The pipeline passes rows in supplier id order.
        rows = np.array(sorted(range(len(d["rows"])), key=d["supplier_id"].__getitem__))
        lots = consolidate(**dict(d, rows=rows), region=region, merge_below=merge)
        return {lots.lot_id[i]: (sorted(d["supplier_id"][r] for r in lots.members(i)[0]),
                                 round(float(lots.hub_lat[i]), 9))
                for i in range(len(lots))}

    perm = list(range(len(data["rows"])))
    random.shuffle(perm)
    shuffled = {k: (v if k in ("rows", "product_ids", "province_code") else
                    [v[p] for p in perm] if isinstance(v, list) else v[perm])
                for k, v in data.items()}
    assert lots_of(shuffled) == lots_of(data)


def test_smallest_moq_in_reach():
    moq = smallest_moq_in_reach(
        np.array([0, 0, 0, 1]), np.array([3, 3, 1, 3]),
        [frozenset({"HACCP"}), frozenset(), frozenset({"HACCP"}), frozenset()],
        accepts=[frozenset({0}), frozenset({0, 1})], grade_min=np.array([0, 2]),
        certifications_required=[frozenset({"HACCP"}), frozenset()], moq=np.array([500.0,
                                                                                  2000.0]))
    # Row 0 reaches both buyers; row 1 lacks HACCP; row 2 is below grade B; row 3 is a
    # substitute only buyer 1 accepts.
    assert moq.tolist() == [500.0, 2000.0, 500.0, 2000.0]


def test_konawe_crab_pools_merge_to_reach_the_moq():
    plan = matching.match(matching.demo_supply(), matching.demo_demand())
    crab = [lot for lot in plan.lots if lot.lot_id.startswith("mud_crab_live@74.01+")]
    assert crab, [lot.lot_id for lot in plan.lots]
    assert all(lot.province == "SULAWESI TENGGARA" for lot in crab)
    assert all(-6 < lot.hub_lat < -3 and 120 < lot.hub_lon < 124 for lot in crab)


@pytest.mark.parametrize("region", ["province", 60])
def test_region_options_end_to_end(region):
    plan = matching.match(supply_rows(), demand_rows(), config={"consolidation": region})
    crab = [lot for lot in plan.lots if lot.product_id == "mud_crab_live"]
    konawe = [lot for lot in crab if {m.supplier_id for m in lot.members} >= {"S1", "S2"}]
    assert konawe, [lot.lot_id for lot in crab]
    supplied = defaultdict(float)
    for a in plan.allocations:
        for m in a.members:
            supplied[m.supplier_id] += m.quantity_kg
    for u in plan.unmatched_supply:
        supplied[u.supplier_id] += u.quantity_kg
    for lot in plan.lots:
        for m in lot.members:
            assert supplied[m.supplier_id] == pytest.approx(m.quantity_kg)


def test_bad_region_option():
    with pytest.raises(ValueError, match="The 'consolidation' option must be 'regency', "
                                         "'province' or a radius in km; got 'island'"):
        matching.Config(consolidation="island")


def _smallest_moq_reference(product, grade, certifications, *, accepts, grade_min,
                            certifications_required, moq):
    """The simple implementation: per (product, grade, profile) key, every buyer."""
    out = np.zeros(len(product))
    keys = {}
    for r, key in enumerate(zip(product.tolist(), grade.tolist(), certifications, strict=True)):
        keys.setdefault(key, []).append(r)
    for (p, g, certs), rows in keys.items():
        reach = np.array([p in a for a in accepts], dtype=bool) & (grade_min <= g) & \
            np.array([need <= certs for need in certifications_required], dtype=bool)
        if reach.any():
            out[rows] = float(moq[reach].min())
    return out


PROFILES = [frozenset(), frozenset({"HACCP"}), frozenset({"HALAL"}),
            frozenset({"HACCP", "HALAL"}), frozenset({"ORGANIC", "HACCP"})]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_smallest_moq_in_reach_matches_the_simple_reference(data):
    n_rows = data.draw(st.integers(0, 30))
    n_buyers = data.draw(st.integers(0, 20))
    products = st.integers(-1, 4)
    product = np.array(data.draw(st.lists(products, min_size=n_rows, max_size=n_rows)),
                       dtype=np.int64)
    grade = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n_rows,
                                        max_size=n_rows)), dtype=np.int64)
    certs = data.draw(st.lists(st.sampled_from(PROFILES), min_size=n_rows, max_size=n_rows))
    buyers = dict(
        accepts=data.draw(st.lists(st.frozensets(st.integers(0, 4), max_size=3),
                                   min_size=n_buyers, max_size=n_buyers)),
        grade_min=np.array(data.draw(st.lists(st.integers(0, 3), min_size=n_buyers,
                                              max_size=n_buyers)), dtype=np.int64),
        certifications_required=data.draw(st.lists(st.sampled_from(PROFILES),
                                                   min_size=n_buyers, max_size=n_buyers)),
        moq=np.array(data.draw(st.lists(st.sampled_from([0.0, 300.0, 1000.0, 2500.5, 8000.0]),
                                        min_size=n_buyers, max_size=n_buyers))))
    fast = smallest_moq_in_reach(product, grade, certs, **buyers)
    assert fast.dtype == np.float64 and fast.shape == (n_rows,)
    assert fast.tolist() == _smallest_moq_reference(product, grade, certs, **buyers).tolist()


def test_smallest_moq_in_reach_on_a_generated_instance():
    """Larger random inputs than hypothesis draws: many keys share products."""
    rng = np.random.default_rng(7)
    n_rows, n_buyers, n_products = 3000, 800, 40
    product = rng.integers(-1, n_products, n_rows)
    grade = rng.integers(0, 4, n_rows)
    certs = [PROFILES[i] for i in rng.integers(0, len(PROFILES), n_rows)]
    buyers = dict(
        accepts=[frozenset(rng.choice(n_products, rng.integers(0, 4), replace=False).tolist())
                 for _ in range(n_buyers)],
        grade_min=rng.integers(0, 4, n_buyers),
        certifications_required=[PROFILES[i] for i in rng.integers(0, len(PROFILES),
                                                                    n_buyers)],
        moq=np.where(rng.random(n_buyers) < 0.03, 0.0, rng.uniform(100, 20000, n_buyers)))
    fast = smallest_moq_in_reach(product, grade, certs, **buyers)
    assert (fast > 0).sum() > n_rows // 3 and (fast == 0).sum() > n_rows // 10
    assert fast.tolist() == _smallest_moq_reference(product, grade, certs, **buyers).tolist()
