"""Ports and routes: buyer destinations, islands, feeder legs, the cost model per transport
class, and the vectorised route planner against a plain reference."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching._geo import haversine_km
from matching._logistics import (
    FIRST_LEGS,
    KM_PER_NM,
    FreightRates,
    _regency_islands,
    default_network,
    hub_islands,
    plan_routes,
)
from matching._regions import default_gazetteer

from .conftest import demand_rows, supply_rows

NET = default_network()
G = default_gazetteer()
RATES = FreightRates()


def dest(country, port, mode):
    i = NET.destination(country, port, mode)
    return NET.locode[i] if i >= 0 else None


@pytest.mark.parametrize(("country", "port", "sea", "air"), [
    ("Netherlands", "", "NLRTM", "IATA:AMS"),
    ("Belanda", "", "NLRTM", "IATA:AMS"),
    ("NL", "", "NLRTM", "IATA:AMS"),
    ("the Netherlands", "", "NLRTM", "IATA:AMS"),
    ("Tiongkok", "", "CNSHA", "IATA:PVG"),
    ("China", "Ningbo", "CNNGB", "IATA:PVG"),
    ("", "CNNGB", "CNNGB", "IATA:PVG"),
    ("Belanda", "Pelabuhan Rotterdam", "NLRTM", "IATA:AMS"),
    ("", "Port of Rotterdam", "NLRTM", "IATA:AMS"),
    ("", "Schiphol", "NLRTM", "IATA:AMS"),
    ("", "AMS", "NLRTM", "IATA:AMS"),
    ("", "IATA:HKG", "HKHKG", "IATA:HKG"),
    ("Jepang", "Osaka", "JPOSA", "IATA:KIX"),
    ("Amerika Serikat", "Newark", "USNYC", "IATA:JFK"),
    ("USA", "NYC", "USLAX", "IATA:LAX"),  # an unknown port: the country's default
    ("US", "New York", "USNYC", "IATA:JFK"),
    ("Uni Emirat Arab", "Abu Dhabi", "AEJEA", "IATA:AUH"),
    ("Arab Saudi", "", "SAJED", "IATA:RUH"),
    ("Korea Selatan", "Busan", "KRPUS", "IATA:ICN"),
    ("Phillipines", "", "PHMNL", "IATA:MNL"),
    ("Japan", "Rotterdam", "JPTYO", "IATA:NRT"),  # a port outside the country is ignored
    ("Narnia", "", None, None),
    ("", "Atlantis", None, None),
    ("", "", None, None),
])
def test_buyer_destinations(country, port, sea, air):
    assert (dest(country, port, "sea"), dest(country, port, "air")) == (sea, air)


def test_every_destination_resolves_by_its_own_codes_and_names():
    for i, (code, name) in enumerate(zip(NET.locode, NET.name, strict=True)):
        if NET.origin[i]:
            continue
        mode = NET.kind[i]
        assert NET.destination("", code, mode) == i, code
        assert NET.destination("", code.removeprefix("IATA:"), mode) == i, code
        assert NET.destination(NET.country_code[i], name, mode) == i, name
    for country in set(NET.country_code) - {"ID"}:
        assert NET.destination(country, "", "sea") >= 0
        assert NET.destination(country, "", "air") >= 0


def test_every_regency_and_origin_port_has_an_island():
    islands = _regency_islands()
    assert len(islands) == len(G.regency) and all(islands)
    for i in np.flatnonzero(NET.origin):
        assert NET.island[i], NET.locode[i]
    # Every island with an export seaport is some regency's island.
    assert {NET.island[i] for i in np.flatnonzero(NET.origin)} <= set(islands)
    by_code = dict(zip(G.regency_code, islands, strict=True))
    assert by_code["74.07"] == "wangi_wangi" and by_code["74.02"] == "sulawesi"
    assert by_code["35.29"] == "jawa"  # Madura: bridged to Java (Suramadu)
    assert by_code["12.04"] == "nias" and by_code["53.11"] == "sumba"
    assert by_code["94.04"] == "94.04" and by_code["93.02"] == "papua_selatan"


def route(code, transport, destination, max_days=math.inf, rates=RATES):
    r = G.regency_code.index(code)
    lat, lon = G.regency_lat[[r]], G.regency_lon[[r]]
    return plan_routes(NET, rates, hub_lat=lat, hub_lon=lon,
                       hub_island=hub_islands(lat, lon, np.array([r])),
                       transport=[transport], max_days=np.array([max_days]),
                       hub=np.array([0]), destination=np.array([NET.locode.index(destination)]))


@pytest.mark.parametrize(("code", "transport", "destination", "origin", "first"), [
    ("74.02", "dry", "JPTYO", "IDKDI", "truck"),       # Konawe: trucked to Kendari
    ("74.07", "dry", "JPTYO", "IDKDI", "feeder"),      # Wakatobi: an island, by sea
    ("12.04", "dry", "NLRTM", "IDBLW", "feeder"),      # Nias to Belawan
    ("52.05", "dry", "PHMNL", "IDMAK", "feeder"),      # Dompu (Sumbawa) to Makassar
    ("32.05", "reefer", "NLRTM", "IDTPP", "truck"),    # Garut to Tanjung Priok
    ("21.03", "reefer", "SGSIN", "IDBTM", "feeder"),   # Natuna to Batam
    ("74.07", "air", "IATA:HKG", None, "flight"),      # Wakatobi crab flies out
    ("74.02", "air", "IATA:HKG", None, "truck"),       # Konawe: on Sulawesi, like UPG
    ("94.04", "reefer", "USLAX", None, "feeder"),      # Mimika: no road to Jayapura
])
def test_island_regencies_reach_their_port_by_sea(code, transport, destination, origin, first):
    r = route(code, transport, destination)
    if origin is not None:
        assert NET.locode[r.origin_port[0]] == origin
    assert FIRST_LEGS[r.first_leg[0]] == first
    assert np.isfinite(r.cost_usd_per_kg[0]) and r.transit_days[0] > 0


def test_transport_classes_order_cost_and_time():
    dry, reefer = route("32.05", "dry", "NLRTM"), route("32.05", "reefer", "NLRTM")
    air = route("32.05", "air", "IATA:AMS")
    assert dry.cost_usd_per_kg[0] < reefer.cost_usd_per_kg[0] < air.cost_usd_per_kg[0]
    assert air.transit_days[0] < dry.transit_days[0] == reefer.transit_days[0]
    # Garut -> Tanjung Priok -> Rotterdam, reefer, by hand from the documented rates.
    r = G.regency_code.index("32.05")
    p = NET.locode.index("IDTPP")
    km = float(haversine_km(G.regency_lat[r], G.regency_lon[r], NET.lat[p], NET.lon[p]))
    nm = NET.sea_nm[p, NET.locode.index("NLRTM")]
    expected = (RATES.land_reefer_per_kg_km * km * RATES.land_circuity + RATES.reefer_per_kg
                + RATES.reefer_per_kg_nm * nm)
    assert reefer.cost_usd_per_kg[0] == pytest.approx(expected)
    days = km * RATES.land_circuity / RATES.land_km_per_day + RATES.port_days + \
        nm / (RATES.sea_knots * 24)
    assert reefer.transit_days[0] == pytest.approx(days)


def test_the_cheapest_route_within_the_transit_limit_is_kept():
    free = route("74.02", "air", "IATA:HKG")
    assert FIRST_LEGS[free.first_leg[0]] == "truck"
    tight = route("74.02", "air", "IATA:HKG", max_days=free.transit_days[0] - 0.2)
    assert tight.transit_days[0] <= free.transit_days[0] - 0.2
    assert tight.cost_usd_per_kg[0] > free.cost_usd_per_kg[0]
    impossible = route("74.02", "air", "IATA:HKG", max_days=0.5)
    assert impossible.transit_days[0] > 0.5  # the fastest, still too slow: rejected later


def test_rates_are_overridable_and_change_costs():
    cheap = route("74.07", "dry", "JPTYO")
    dear = route("74.07", "dry", "JPTYO", rates=FreightRates(feeder_dry_per_kg=1.0))
    assert dear.cost_usd_per_kg[0] > cheap.cost_usd_per_kg[0]
    cfg = matching.Config.from_mapping({"freight": {"air_per_kg": 5.0}})
    plan = matching.match(supply_rows(), demand_rows(), config=cfg)
    unserved = {u.buyer_id: u.reason for u in plan.unmatched_demand}
    assert "B1" in unserved  # live crab no longer fits the buyer's price ceiling
    with pytest.raises(ValueError, match="unknown freight rate"):
        FreightRates.from_mapping({"feeder_per_kg": 1})


def reference_route(lat, lon, island, transport, max_days, d, rates=RATES):
    """Every export port, both first legs, in plain Python."""
    mode = "air" if transport == "air" else "sea"
    options = []
    for o in range(len(NET.name)):
        if not NET.origin[o] or NET.kind[o] != mode:
            continue
        km = float(haversine_km(lat, lon, NET.lat[o], NET.lon[o]))
        main_km = float(haversine_km(NET.lat[o], NET.lon[o], NET.lat[d], NET.lon[d]))
        if mode == "air":
            main = (rates.air_per_kg + rates.air_per_kg_km * main_km,
                    rates.air_handling_days + main_km / rates.air_km_per_day)
        else:
            nm = NET.sea_nm[o, d]
            nm = main_km / KM_PER_NM * rates.sea_circuity if math.isnan(nm) else nm
            base, per = ((rates.reefer_per_kg, rates.reefer_per_kg_nm) if transport == "reefer"
                         else (rates.dry_per_kg, rates.dry_per_kg_nm))
            main = (base + per * nm, rates.port_days + nm / (rates.sea_knots * 24))
        if NET.island[o] == island:
            per_km = rates.land_per_kg_km if transport == "dry" else rates.land_reefer_per_kg_km
            road = km * rates.land_circuity
            options.append((per_km * road + main[0], road / rates.land_km_per_day + main[1], o))
        if transport == "air":
            options.append((rates.air_domestic_per_kg + rates.air_domestic_per_kg_km * km
                            + main[0],
                            rates.air_domestic_days + km / rates.air_km_per_day + main[1], o))
        elif NET.island[o] != island:
            feeder_nm = km / KM_PER_NM * rates.sea_circuity
            base, per = ((rates.feeder_dry_per_kg, rates.feeder_dry_per_kg_nm)
                         if transport == "dry" else
                         (rates.feeder_reefer_per_kg, rates.feeder_reefer_per_kg_nm))
            options.append((base + per * feeder_nm + main[0],
                            rates.feeder_port_days + feeder_nm / (rates.feeder_knots * 24)
                            + main[1], o))
    within = [x for x in options if x[1] <= max_days]
    return min(within) if within else min(options, key=lambda x: x[1])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(G.regency) - 1),
                          st.sampled_from(["air", "reefer", "dry"]),
                          st.sampled_from([2.0, 5.0, 30.0, math.inf])),
                min_size=1, max_size=6),
       st.lists(st.integers(0, 10_000), min_size=1, max_size=12))
def test_plan_routes_matches_the_reference(hubs, picks):
    lat = G.regency_lat[[h for h, _, _ in hubs]]
    lon = G.regency_lon[[h for h, _, _ in hubs]]
    islands = hub_islands(lat, lon, np.array([h for h, _, _ in hubs]))
    sea = [i for i in range(len(NET.name)) if not NET.origin[i] and NET.kind[i] == "sea"]
    air = [i for i in range(len(NET.name)) if not NET.origin[i] and NET.kind[i] == "air"]
    hub = np.array([p % len(hubs) for p in picks])
    destination = np.array([(air if hubs[h][1] == "air" else sea)[p % 40]
                            for h, p in zip(hub.tolist(), picks, strict=True)])
    r = plan_routes(NET, RATES, hub_lat=lat, hub_lon=lon, hub_island=islands,
                    transport=[t for _, t, _ in hubs],
                    max_days=np.array([m for _, _, m in hubs]), hub=hub,
                    destination=destination)
    for k, (h, d) in enumerate(zip(hub.tolist(), destination.tolist(), strict=True)):
        cost, days, _origin = reference_route(lat[h], lon[h], islands[h], hubs[h][1],
                                             hubs[h][2], d)
        assert r.cost_usd_per_kg[k] == pytest.approx(cost)
        assert r.transit_days[k] == pytest.approx(days)


def test_routes_priced_in_chunks_are_the_same(monkeypatch):
    """``cheapest_routes`` prices (hub, destination) combinations a chunk at a time; any
    chunk size gives the same bytes."""
    import matching._logistics as logistics

    rng = np.random.default_rng(11)
    regency = rng.integers(0, len(G.regency), 60)
    lat, lon = G.regency_lat[regency], G.regency_lon[regency]
    transport = rng.choice(["air", "reefer", "dry"], 60).tolist()
    ports = [i for i in range(len(NET.name)) if not NET.origin[i]]
    hub = rng.integers(0, 60, 2000)
    destination = np.array(ports)[rng.integers(0, len(ports), 2000)]
    destination[rng.random(2000) < 0.05] = -1
    args = dict(hub_lat=lat, hub_lon=lon, hub_island=hub_islands(lat, lon, regency),
                transport=transport, max_days=rng.choice([3.0, 12.0, np.inf], 60), hub=hub,
                destination=destination)
    whole = plan_routes(NET, RATES, **args)
    assert len(np.unique(hub * len(NET.name) + destination)) > 1000
    monkeypatch.setattr(logistics, "ROUTE_CHUNK", 7)
    chunked = plan_routes(NET, RATES, **args)
    for name in ("cost_usd_per_kg", "transit_days", "origin_port", "first_leg"):
        assert getattr(chunked, name).tobytes() == getattr(whole, name).tobytes(), name


def test_unknown_destination_is_unreachable():
    r = plan_routes(NET, RATES, hub_lat=np.array([-4.0]), hub_lon=np.array([122.5]),
                    hub_island=["sulawesi"], transport=["dry"], max_days=np.array([np.inf]),
                    hub=np.array([0]), destination=np.array([-1]))
    assert np.isinf(r.cost_usd_per_kg[0]) and r.origin_port[0] == -1


def test_landed_cost_and_transit_limit_decide_candidates():
    prepared = matching.prepare(supply_rows(), demand_rows())
    c = prepared.candidates
    assert len(c) > 0
    assert (c.landed_usd >= c.freight_usd).all()
    ceiling = prepared.buyers.max_price_usd[c.buyer]
    assert (np.isnan(ceiling) | (c.landed_usd <= ceiling + 1e-9)).all()
    tax = prepared.taxonomy
    limit = np.array([tax.products[prepared.lots.product[lot]].max_transit_days or np.inf
                      for lot in c.lot.tolist()])
    assert (c.transit_days <= limit).all()


def test_quote_freight_public_api():
    q = matching.quote_freight(["Kab. Konawe", "Wakatobi", "Atlantis", "Konawe"],
                               transport=["dry", "dry", "dry", "air"],
                               country=["Jepang", "JP", "Japan", "Narnia"])
    assert q.hub == ("KABUPATEN KONAWE", "KABUPATEN WAKATOBI", None, "KABUPATEN KONAWE")
    assert q.origin_port == ("IDKDI", "IDKDI", None, None)
    assert q.destination_port == ("JPTYO", "JPTYO", "JPTYO", None)
    assert q.first_leg == ("truck", "feeder", None, None)
    assert q.cost_usd_per_kg[0] < q.cost_usd_per_kg[1] and np.isnan(q.cost_usd_per_kg[2:]).all()
    records = q.records()
    assert records[2] == {"hub": None, "origin_port": None, "destination_port": "JPTYO",
                          "first_leg": None, "cost_usd_per_kg": None, "transit_days": None}
    assert set(q.to_dict()) == set(records[0])
    # The same figure as the route planner, and the rates are the caller's.
    direct = route("74.02", "dry", "JPTYO")
    assert q.cost_usd_per_kg[0] == pytest.approx(direct.cost_usd_per_kg[0])
    dear = matching.quote_freight("Konawe", transport="dry", country="Japan",
                                  rates={"dry_per_kg": 1.0})
    assert dear.cost_usd_per_kg[0] == pytest.approx(q.cost_usd_per_kg[0] + 0.96)
    live = matching.quote_freight("Konawe", transport="air", country="Hong Kong", max_days=3)
    assert live.destination_port == ("IATA:HKG",) and live.transit_days[0] <= 3


def test_quote_freight_checks_its_arguments():
    with pytest.raises(ValueError, match=r"^The 'transport' parameter must be 'air', 'reefer' "
                                         r"or 'dry'; got 'ship' instead\.$"):
        matching.quote_freight("Konawe", transport="ship", country="Japan")  # type: ignore
    with pytest.raises(ValueError, match=r"'country' parameter must have one entry per hub"):
        matching.quote_freight(["Konawe", "Buton"], transport="dry", country=["JP"])
    with pytest.raises(ValueError, match="unknown freight rate"):
        matching.quote_freight("Konawe", transport="dry", country="JP", rates={"x": 1})


def test_the_buyer_story_says_when_a_lot_sails_or_flies_to_its_port():
    supply = [
        {"supplier_id": "S1", "product": "jagung pipil kering", "quantity": "60 ton",
         "price": "4.500", "province": "NTB", "regency": "Dompu"},
        {"supplier_id": "S2", "product": "jagung pipil kering", "quantity": "30 ton",
         "price": "4.500", "province": "Sulsel", "regency": "Jeneponto"},
    ]
    demand = [{"buyer_id": "B1", "product": "maize", "quantity": "90 MT", "moq": "",
               "max_price": "0.60", "country": "Filipina"}]
    plan = matching.match(supply, demand)
    story = plan.explain("B1")
    lines = [line for line in story.splitlines() if line.startswith("  - ")]
    assert len(lines) == 2
    dompu = next(line for line in lines if "@52.05" in line)
    jeneponto = next(line for line in lines if "@73.04" in line)
    assert "via IDMAK (feeder ship from the hub) -> PHMNL" in dompu
    assert "via IDMAK -> PHMNL" in jeneponto
