"""The region resolver: the hand-written test set, named cases, coordinates, the batch
contract, the pipeline's handling of unknown regions and the ``region`` command."""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching._regions import RECORD_KEYS, default_gazetteer
from matching._regions import resolve_regions as resolve_internal

from .conftest import demand_rows, supply_rows

TEST_SET = Path(__file__).parent / "data" / "region_strings.csv"
ROWS = list(csv.DictReader(TEST_SET.open(encoding="utf-8")))
G = default_gazetteer()


def answer(result, i):
    return result.regency_code[i] or result.province_code[i] or ""


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_test_set_accuracy_is_at_least_98_percent(split):
    rows = [r for r in ROWS if r["split"] == split]
    assert len(rows) >= 75
    result = matching.resolve_regions([r["text"] for r in rows],
                                      province=[r["province"] for r in rows])
    wrong = [(r["text"], r["expected"], answer(result, i)) for i, r in enumerate(rows)
             if answer(result, i) != r["expected"]]
    assert 1 - len(wrong) / len(rows) >= 0.98, wrong


def test_test_set_is_large_and_valid():
    assert len(ROWS) >= 150
    codes = set(G.regency_code) | set(G.province_code) | {""}
    assert all(r["expected"] in codes for r in ROWS)
    assert len({(r["text"], r["province"]) for r in ROWS}) == len(ROWS)


@pytest.mark.parametrize(("text", "province", "regency"), [
    ("Kab. Konawe", None, "KABUPATEN KONAWE"),
    ("KABUPATEN KONAWE", None, "KABUPATEN KONAWE"),
    ("konawe selatan", None, "KABUPATEN KONAWE SELATAN"),
    ("Kota Kendari", None, "KOTA KENDARI"),
    ("Gunungkidul", None, "KABUPATEN GUNUNGKIDUL"),
    ("Gunung Kidul", None, "KABUPATEN GUNUNGKIDUL"),
    ("Banjar", None, "KABUPATEN BANJAR"),
    ("Banjar", "Kalimantan Selatan", "KABUPATEN BANJAR"),
    ("Banjar", "Jawa Barat", "KOTA BANJAR"),
    ("Banjar", "Jabar", "KOTA BANJAR"),
    ("Banjar, Jabar", None, "KOTA BANJAR"),
    ("Kota Banjar", None, "KOTA BANJAR"),
    ("Kabupaten Banjar", "Jawa Barat", "KABUPATEN BANJAR"),
    ("Malang", None, "KABUPATEN MALANG"),
    ("Kota Malang", None, "KOTA MALANG"),
    ("Kota Baru", None, "KABUPATEN KOTABARU"),
    ("Ujung Pandang", None, "KOTA MAKASSAR"),
    ("Kabupaten Kendari", None, "KABUPATEN KONAWE"),
    ("Toba Samosir", None, "KABUPATEN TOBA"),
    ("konsel", None, "KABUPATEN KONAWE SELATAN"),
    ("Solo", None, "KOTA SURAKARTA"),
    ("Unaaha", None, "KABUPATEN KONAWE"),
    ("Soerabaja", None, "KOTA SURABAYA"),
    ("Tjilatjap", None, "KABUPATEN CILACAP"),
    ("South Konawe", None, "KABUPATEN KONAWE SELATAN"),
    ("Konawe Seletan", None, "KABUPATEN KONAWE SELATAN"),
    ("Kab. Bantaen", None, "KABUPATEN BANTAENG"),
    ("Desa Lalonggasumeeto, Kec. Soropia, Kab. Konawe, Sulawesi Tenggara", None,
     "KABUPATEN KONAWE"),
    ("Konawe Sultra", None, "KABUPATEN KONAWE"),
    ("Kab. Buotn", "Sulawesi Tenggara", "KABUPATEN BUTON"),      # swapped letters
    ("Searng", "Banten", "KABUPATEN SERANG"),                    # not Semarang (Jateng)
    ("Kabupaten Bnadung", "Jawa Barat", "KABUPATEN BANDUNG"),    # not Badung (Bali)
    ("Kabupaten Pinang", "Sulsel", "KABUPATEN PINRANG"),         # not the seat Pinang (Sumut)
    ("kota jabi", "Jambi", "KOTA JAMBI"),                        # short, inside the province
    ("Pinang", None, "KABUPATEN LABUHANBATU SELATAN"),           # the seat, without a hint
])
def test_named_cases(text, province, regency):
    assert matching.resolve_regions([text], province=province).regency == (regency,)


@pytest.mark.parametrize(("text", "province"), [
    ("Sultra", "SULAWESI TENGGARA"), ("Sulteng", "SULAWESI TENGAH"),
    ("Kalbar", "KALIMANTAN BARAT"), ("Jabar", "JAWA BARAT"), ("NTT", "NUSA TENGGARA TIMUR"),
    ("Prov. Jawa Timur", "JAWA TIMUR"), ("Southeast Sulawesi", "SULAWESI TENGGARA"),
])
def test_a_province_is_placed_at_its_capital(text, province):
    r = matching.resolve_regions([text])
    assert r.province == (province,) and r.regency == (None,)
    p = G.province.index(province)
    assert (r.lat[0], r.lon[0]) == (G.province_lat[p], G.province_lon[p])
    assert r.disadvantaged == (None,)
    assert r.reason == ("names a province, not a regency",)


def test_unknown_text_is_unresolved_with_a_reason():
    r = matching.resolve_regions(["kepiting bakau", ""])
    assert r.regency == (None, None) and r.province == (None, None)
    assert np.isnan(r.lat).all() and (r.confidence == 0).all()
    assert r.reason == ("region not recognised: 'kepiting bakau'", "no region given")
    assert r.records()[0] == dict.fromkeys(RECORD_KEYS, None) | {"confidence": 0.0}


def test_every_seat_resolves_to_its_own_regency_by_coordinates():
    n = len(G.regency)
    r = matching.resolve_regions([""] * n, lat=G.regency_lat, lon=G.regency_lon)
    assert (r.method == ("coordinates",) * n)
    assert (r.regency_index == np.arange(n)).all()


def test_coordinates_with_a_province_stay_in_that_province():
    # Kendari's seat, but the province hint says Sulawesi Tengah: nearest seat there.
    k = G.regency.index("KOTA KENDARI")
    r = matching.resolve_regions(["Sulawesi Tengah"], lat=[G.regency_lat[k]],
                                 lon=[G.regency_lon[k]])
    assert r.province == ("SULAWESI TENGAH",) and r.regency[0] is not None
    inside = np.flatnonzero(G.regency_province == G.province.index("SULAWESI TENGAH"))
    assert r.regency_index[0] in inside


def test_text_wins_over_coordinates_and_outside_coordinates_are_not_placed():
    r = matching.resolve_regions(["Kota Kendari", ""], lat=[-6.2, 52.37], lon=[106.8, 4.9])
    assert r.regency[0] == "KOTA KENDARI"
    assert r.regency[1] is None and r.reason[1] == (
        "no region given; coordinates (52.37, 4.9) are outside Indonesia")


def test_records_have_exactly_the_design_keys():
    records = matching.resolve_regions(["Kab. Konawe"]).records()
    assert list(records[0]) == ["regency_code", "regency", "province_code", "province", "lat",
                                "lon", "disadvantaged", "confidence"]
    assert records[0]["regency_code"] == "74.02" and records[0]["disadvantaged"] is False
    assert set(matching.resolve_regions(["x"]).to_dict()) == {"text", *RECORD_KEYS,
                                                               "method", "reason"}


def test_disadvantaged_flag():
    r = matching.resolve_regions(["Kab. Asmat", "Kota Kendari"])
    assert r.disadvantaged == (True, False)


def test_a_single_string_is_a_batch_of_one_and_lengths_are_checked():
    assert matching.resolve_regions("Konawe").regency == ("KABUPATEN KONAWE",)
    with pytest.raises(ValueError, match=r"^The 'province' parameter must have one entry per "
                                         r"text \(2\); got 1 instead\.$"):
        matching.resolve_regions(["a", "b"], province=["x"])
    with pytest.raises(ValueError, match="'lat' parameter"):
        matching.resolve_regions(["a"], lat=[1.0, 2.0], lon=[1.0])


def test_missing_values_from_a_dataframe_are_empty_texts():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"kab": ["Kab. Konawe", None, float("nan")],
                       "prov": ["Sultra", None, "Jabar"],
                       "lat": [None, -3.9, None], "lon": [None, 122.5, None]})
    r = matching.resolve_regions(df["kab"], province=df["prov"], lat=df["lat"], lon=df["lon"])
    assert r.text == ("Kab. Konawe", "", "")
    assert r.regency[:2] == ("KABUPATEN KONAWE", "KOTA KENDARI")
    assert r.province[2] == "JAWA BARAT" and r.reason[2] == (
        "no region given; placed in the province JAWA BARAT")


def test_the_internal_name_is_the_public_function():
    assert resolve_internal is matching.resolve_regions


TEXTS = [r["text"] for r in ROWS]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=40), st.randoms())
def test_batch_equals_one_by_one_and_order_does_not_matter(texts, rnd):
    batch = matching.resolve_regions(texts)
    for i, text in enumerate(texts[:5]):
        one = matching.resolve_regions([text])
        assert one.records()[0] == batch.records()[i]
    order = list(range(len(texts)))
    rnd.shuffle(order)
    shuffled = matching.resolve_regions([texts[i] for i in order])
    assert [batch.records()[i] for i in order] == shuffled.records()


def test_confidence_is_in_range_and_lower_for_guesses():
    r = matching.resolve_regions(["Kab. Konawe", "Banjar", "Konawe Seletan"])
    assert r.confidence[0] == 1.0
    assert 0 < r.confidence[1] < 1 and 0 < r.confidence[2] < 1


# --- the pipeline ------------------------------------------------------------------------

def test_an_unknown_region_keeps_the_row_and_lists_it_as_unmatched():
    supply = [*supply_rows(), {"supplier_id": "S9", "product": "kepiting bakau hidup",
                               "quantity": "500", "price": "110.000", "province": "",
                               "regency": "Atlantis"}]
    plan = matching.match(supply, demand_rows())
    unmatched = {u.supplier_id: u for u in plan.unmatched_supply}
    assert unmatched["S9"].quantity_kg == 500
    assert unmatched["S9"].reason == "location unknown: region not recognised: 'Atlantis'"


def test_a_province_column_names_the_province_not_its_capital_city():
    # "Jambi" and "Bengkulu" are provinces and cities; in the province column they are
    # provinces, so a row without a regency is placed by its coordinates in the province.
    supply = supply_rows()
    supply[3] = supply[3] | {"province": "Jambi", "regency": "", "lat": "-2.3", "lon": "102.8"}
    prepared = matching.prepare(supply, demand_rows())
    r = prepared.regions.regency[3]
    assert G.regency[r] != "KOTA JAMBI" and G.province[G.regency_province[r]] == "JAMBI"
    only = matching.resolve_regions([""], province=["Bengkulu"])
    assert only.regency == (None,) and only.province == ("BENGKULU",)


def test_a_known_province_with_an_unknown_regency_is_still_placed():
    supply = supply_rows()
    supply[0] = supply[0] | {"regency": "Atlantis"}
    prepared = matching.prepare(supply, demand_rows())
    assert prepared.regions.province[0] == G.province.index("SULAWESI TENGGARA")
    assert prepared.supply_issue[0] == ""


def test_strict_regions_turns_unknown_regions_into_input_errors(write):
    path = write("s.csv", "supplier_id,product,quantity,province,regency\n"
                          "S1,kepiting,500,Sultra,Konawe\n"
                          "S2,kepiting,500,Sultra,Atlantis\n"
                          "S3,kepiting,500,Narnia,Konawe\n"
                          "S4,kepiting,500,Jawa Barat,Konawe\n"
                          "S5,kepiting,500,,\n")
    with pytest.raises(matching.InputError) as info:
        matching.prepare(path, demand_rows(), config={"strict_regions": True})
    assert [str(p) for p in info.value.problems] == [
        f"{path}:3:regency: regency not recognised: 'Atlantis'",
        f"{path}:4:province: province not recognised: 'Narnia'",
        f"{path}:5:province: KABUPATEN KONAWE is not in JAWA BARAT",
        f"{path}:6:regency: location unknown: no region given",
    ]
    other = write("t.csv", "id_bumdes;produk;jumlah;provinsi;kabupaten\n"
                           "S1;kepiting;500;Sultra;Xyz\n")
    with pytest.raises(matching.InputError) as info:
        matching.prepare(other, demand_rows(), config={"strict_regions": True})
    assert [str(p) for p in info.value.problems] == [
        f"{other}:2:kabupaten: regency not recognised: 'Xyz'"]
    plan = matching.match(path, demand_rows())  # not strict: a plan, with the reasons
    reasons = {u.supplier_id: u.reason for u in plan.unmatched_supply}
    assert reasons["S5"] == "location unknown: no region given"


def test_strict_regions_option_is_validated():
    with pytest.raises(ValueError, match="'strict_regions' option must be true or false"):
        matching.Config(strict_regions="yes")  # type: ignore[arg-type]
    assert matching.Config.from_mapping({"strict_regions": True}).strict_regions is True


# --- the command line --------------------------------------------------------------------

def run(*args):
    return subprocess.run([sys.executable, "-m", "matching._cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_region_command_prints_one_json_object_per_text(tmp_path):
    listing = tmp_path / "regions.txt"
    listing.write_text("Kota Kendari\n\nSultra\n", encoding="utf-8")
    result = run("region", "Kab. Konawe", "Atlantis", "--file", listing)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [x["regency"] for x in lines] == ["KABUPATEN KONAWE", None, "KOTA KENDARI", None]
    assert all(list(x) == list(RECORD_KEYS) for x in lines)
    assert lines[0]["province"] == "SULAWESI TENGGARA" and lines[0]["confidence"] == 1.0
    assert math.isclose(lines[0]["lat"], -3.85423) and lines[0]["disadvantaged"] is False
    assert lines[1] == dict.fromkeys(RECORD_KEYS, None) | {"confidence": 0.0}
    assert lines[3]["province_code"] == "74" and lines[3]["regency_code"] is None


def test_region_command_without_texts_exits_2(tmp_path):
    result = run("region")
    assert result.returncode == 2
    assert result.stderr == "<args>:0:text: give region texts or --file\n"
    missing = tmp_path / "nope.txt"
    result = run("region", "--file", missing)
    assert result.returncode == 2 and result.stderr.startswith(f"{missing}:0::")
    assert "Traceback" not in result.stderr
