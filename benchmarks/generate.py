"""Seeded generator of national-scale matching instances from the embedded data.

Supply rows are BUMDes offers spread over all 514 regencies of the embedded gazetteer,
written the way villages write them: Indonesian or English product names, synonyms,
fillers and typos; quantities such as ``1,5 ton/bulan``, ``7 kwintal`` or ``1.500 kg``;
provinces by name or abbreviation; grades and certifications in their many spellings.
Demand rows are buyer requests (RFQs) from every country of the embedded country list,
with MOQs, landed price ceilings, minimum grades and required certifications.

The output follows the input contract of ``docs/input.md``; the same seed and sizes
always give byte-identical files.

Usage::

    python benchmarks/generate.py --suppliers 66000 --buyers 20000 --seed 1 --out /tmp/national
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["Instance", "generate", "write"]

#: Median price in USD per kg by product form (before a per-product spread).
_FORM_PRICE = {"live": 9.0, "fresh": 2.5, "chilled": 7.0, "frozen": 5.0, "dried": 5.0,
               "powder": 7.0, "ground": 5.0, "oil": 14.0, "flour": 1.3, "handicraft": 9.0,
               "raw": 2.0, "processed": 4.0, "whole": 4.0, "salted": 4.0, "smoked": 6.0,
               "roasted": 7.0, "meat": 18.0, "paste": 4.0}
#: Freight allowance a buyer adds to the price ceiling, per transport class (USD per kg).
_FREIGHT_ALLOWANCE = {"dry": 0.5, "reefer": 0.9, "air": 6.0}
IDR_PER_USD = 16_300.0

_FILLER_ID = ("kualitas ekspor", "super", "grade A", "asli", "segar", "pilihan", "mutu baik",
              "siap kirim", "stok banyak", "murah", "terbaik", "kw 1")
_FILLER_EN = ("premium", "export quality", "grade A", "for import", "high quality", "bulk",
              "best price", "wanted", "RFQ:", "origin Indonesia")
#: What BUMDes also list that is not an exportable product (they must stay unmatched).
_NOT_PRODUCTS = ("jasa wisata desa", "simpan pinjam", "sewa tenda", "air minum isi ulang",
                 "jasa ojek", "penyewaan alat pesta", "unit pengelolaan sampah", "jasa fotokopi",
                 "pasar desa", "sewa traktor")
_SYLLABLES = ("ma", "ka", "sa", "ri", "jo", "bu", "lo", "wa", "ng", "ta", "si", "pa", "ra",
              "le", "mu", "da", "go", "ni", "te", "ba", "ja", "ya", "ku", "me")
_VILLAGE_WORDS = ("Sumber", "Mekar", "Sido", "Tanjung", "Karya", "Sri", "Teluk", "Air",
                  "Bukit", "Batu", "Suka", "Mulya", "Jaya", "Makmur", "Baru", "Lestari")
_BUMDES_WORDS = ("Maju", "Sejahtera", "Makmur", "Mandiri", "Bersama", "Jaya", "Berkah",
                 "Lestari", "Bahari", "Sentosa", "Harapan", "Mekar")
_SUPPLY_CERTS = ("HACCP", "Halal MUI", "HALAL", "organik", "Organic", "PIRT", "SP-PIRT",
                 "BPOM MD", "ISO 22000", "GMP", "SNI", "Fairtrade", "SVLK", "GlobalGAP")
_DEMAND_CERTS = ("HACCP", "HALAL", "ORGANIC", "ISO22000", "GMP", "FAIRTRADE", "GLOBALGAP")
_GRADES = (("", "-"), ("C", "3", "lokal", "mutu III", "asalan"),
           ("B", "2", "standar", "mutu II", "medium"),
           ("A", "1", "premium", "mutu I", "super", "Grade A"))


@dataclass(frozen=True, slots=True)
class Instance:
    """Generated rows, ready to write as CSV or pass to :func:`matching.match`, and the
    product each row was generated from (``None`` for a text that names no product)."""

    supply: list[dict[str, str]]
    demand: list[dict[str, str]]
    supply_product: list[str | None]
    demand_product: list[str | None]


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _id_number(value: float, decimals: int = 1) -> str:
    """Indonesian format: ``.`` groups thousands, ``,`` is the decimal mark."""
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _en_number(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"


def _typo(word: str, rng: np.random.Generator) -> str:
    if len(word) < 5:
        return word
    i = int(rng.integers(1, len(word) - 2))
    kind = int(rng.integers(3))
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _messy(text: str, rng: np.random.Generator, *, fillers: Sequence[str], typo: float) -> str:
    words = text.split()
    if rng.random() < typo:
        k = int(rng.integers(len(words)))
        words[k] = _typo(words[k], rng)
    out = " ".join(words)
    r = rng.random()
    if r < 0.2:
        out = f"{out} {fillers[int(rng.integers(len(fillers)))]}"
    elif r < 0.3:
        out = f"{fillers[int(rng.integers(len(fillers)))]} {out}"
    case = rng.random()
    if case < 0.3:
        return out.lower()
    if case < 0.45:
        return out.upper()
    if case < 0.75:
        return out.title()
    return out


def _round_nice(kg: float) -> float:
    """Round to two significant digits, the way people state quantities."""
    if kg <= 0:
        return 0.0
    digits = 10 ** (math.floor(math.log10(kg)) - 1)
    return float(round(kg / digits) * digits)


def _supply_quantity(kg_month: float, rng: np.random.Generator) -> tuple[str, str, str]:
    """(quantity, unit, period) cells for about ``kg_month`` kg per month."""
    style = int(rng.integers(8))
    if style == 0 and kg_month >= 1000:
        return f"{_id_number(round(kg_month / 1000, 1))} ton/bulan", "", ""
    if style == 1 and kg_month >= 200:
        return f"{round(kg_month / 100):d} kwintal", "", ""
    if style == 2:
        return f"{_id_number(_round_nice(kg_month), 0)} kg/bulan", "", ""
    if style == 3:
        week = _round_nice(kg_month * 12 / 52)
        return f"{_id_number(week, 0)} kg per minggu", "", ""
    if style == 4 and kg_month >= 100:
        return f"{_id_number(round(kg_month * 12 / 1000, 1))} ton/tahun", "", ""
    if style == 5:
        return _id_number(_round_nice(kg_month), 0), "kg", ("bulanan", "per bulan", "/bln")[
            int(rng.integers(3))]
    if style == 6 and kg_month < 1000:
        return f"{_id_number(_round_nice(kg_month), 0)} kilo/bln", "", ""
    return f"{_id_number(_round_nice(kg_month), 0)} kg", "", ""


def _demand_quantity(kg_month: float, rng: np.random.Generator) -> str:
    style = int(rng.integers(6))
    if style == 0:
        return f"{_en_number(round(kg_month / 1000, 1))} MT per month"
    if style == 1 and kg_month >= 4000:
        return f"{_en_number(round(kg_month * 12 / 52 / 1000, 1))} MT weekly"
    if style == 2:
        return f"{_en_number(round(kg_month / 1000, 1))} ton/month"
    if style == 3:
        return f"{_en_number(_round_nice(kg_month), 0)} kgs/month"
    if style == 4:
        return f"{_en_number(round(kg_month * 12 / 1000))} MT per year"
    return f"{_en_number(round(kg_month / 1000, 1))} MT"


def _village(rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return " ".join(str(rng.choice(_VILLAGE_WORDS)) for _ in range(2))
    n = int(rng.integers(2, 4))
    return "".join(str(rng.choice(_SYLLABLES)) for _ in range(n)).title()


def _regency_text(name: str, kind: str, rng: np.random.Generator) -> str:
    bare = name.split(" ", 1)[1]
    r = rng.random()
    if kind == "kota":
        text = ("Kota " + bare.title(), name, bare.title(), "kota " + bare.lower())[
            int(min(3, r * 4))]
    else:
        text = ("Kab. " + bare.title(), name, bare.title(), "kab " + bare.lower(),
                "Kabupaten " + bare.title())[int(min(4, r * 5))]
    if rng.random() < 0.03:
        words = text.split()
        words[-1] = _typo(words[-1], rng)
        text = " ".join(words)
    return text


def _province_text(name: str, abbreviations: str, rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.1:
        return ""
    short = [a for a in abbreviations.split("|") if a and len(a) <= 6]
    if r < 0.35 and short:
        return str(rng.choice(short)).title()
    if r < 0.45:
        return name
    return name.title()


def _product_text(product: dict[str, str], rng: np.random.Generator, *, english: bool,
                  typo: float) -> str:
    synonyms = [s for s in product["synonyms"].split("|") if s]
    r = rng.random()
    if english:
        base = product["name_en"] if r < 0.5 or not synonyms else str(rng.choice(synonyms))
        if r > 0.95:
            base = product["name_id"]
        return _messy(base, rng, fillers=_FILLER_EN, typo=typo)
    if r < 0.45 or not synonyms:
        base = product["name_id"]
    elif r < 0.9:
        base = str(rng.choice(synonyms))
    else:
        base = product["name_en"]
    return _messy(base, rng, fillers=_FILLER_ID, typo=typo)


def generate(n_suppliers: int, n_buyers: int, *, seed: int = 0) -> Instance:
    """Generate ``n_suppliers`` BUMDes offers and ``n_buyers`` buyer requests.

    Supply is clustered the way it is in the country: every regency has a few products
    it is known for, so offers pool into lots; buyers ask for products in proportion to
    what is offered (with a tail of rare requests), for about 80% of the supply in kg.
    """
    rng = np.random.default_rng(seed)
    products = _rows("products.csv")
    regencies = _rows("regencies.csv")
    provinces = {p["province_code"]: p for p in _rows("provinces.csv")}
    countries = _rows("country_names.csv")
    ports = [p for p in _rows("ports.csv") if p["role"] == "destination"]
    n_products = len(products)

    base_price = np.array([_FORM_PRICE.get(p["form"], 4.0) for p in products]) * rng.lognormal(
        0.0, 0.35, n_products)
    popularity = 1.0 / (1.0 + rng.permutation(n_products)) ** 0.9
    popularity /= popularity.sum()
    specialties = [rng.choice(n_products, size=6, replace=False, p=popularity)
                   for _ in regencies]
    regency_weight = np.array([1.0 if r["kind"] == "kabupaten" else 0.15 for r in regencies])
    regency_weight /= regency_weight.sum()

    supply_regency = rng.choice(len(regencies), size=n_suppliers, p=regency_weight)
    from_specialty = rng.random(n_suppliers) < 0.85
    supply_product = np.where(
        from_specialty,
        np.array([specialties[r][int(rng.integers(6))] for r in supply_regency.tolist()],
                 dtype=np.int64) if n_suppliers else np.zeros(0, dtype=np.int64),
        rng.choice(n_products, size=n_suppliers, p=popularity))
    supply_kg = np.clip(rng.lognormal(math.log(700), 1.0, n_suppliers), 30, 60_000)
    ids = rng.permutation(n_suppliers)

    supply: list[dict[str, str]] = []
    truth: list[str | None] = []
    for i in range(n_suppliers):
        reg = regencies[int(supply_regency[i])]
        prov = provinces[reg["province_code"]]
        p = products[int(supply_product[i])]
        text = _product_text(p, rng, english=rng.random() < 0.12, typo=0.08)
        truth.append(p["product_id"])
        if rng.random() < 0.015:
            text = str(rng.choice(_NOT_PRODUCTS))
            truth[-1] = None
        quantity, unit, period = _supply_quantity(float(supply_kg[i]), rng)
        price = ""
        if rng.random() < 0.8:
            idr = base_price[supply_product[i]] * rng.uniform(0.55, 0.95) * IDR_PER_USD
            price = _id_number(round(idr, -2), 0)
        coords = rng.random() < 0.15
        regency_text = "" if coords and rng.random() < 0.3 else _regency_text(
            reg["regency"], reg["kind"], rng)
        lat = lon = ""
        if coords:
            lat = f"{float(reg['lat']) + rng.normal(0, 0.08):.5f}"
            lon = f"{float(reg['lon']) + rng.normal(0, 0.08):.5f}"
        grade_level = int(rng.choice(4, p=(0.25, 0.15, 0.35, 0.25)))
        grade = str(rng.choice(_GRADES[grade_level]))
        n_certs = int(rng.choice(3, p=(0.65, 0.27, 0.08)))
        certs = "; ".join(sorted({str(c) for c in rng.choice(_SUPPLY_CERTS, size=n_certs)}))
        village = _village(rng)
        supply.append({
            "id_bumdes": f"BUM-{reg['regency_code'].replace('.', '')}-{int(ids[i]):06d}",
            "nama_bumdes": f"BUMDes {rng.choice(_BUMDES_WORDS)} {village}",
            "produk": text, "jumlah": quantity, "satuan": unit, "periode": period,
            "harga": price,
            "provinsi": _province_text(prov["province"], prov["abbreviations"], rng),
            "kabupaten": regency_text, "desa": village, "lintang": lat, "bujur": lon,
            "mutu": grade, "sertifikasi": certs,
        })

    offered = np.bincount(supply_product, weights=supply_kg, minlength=n_products)
    want = offered / offered.sum() if offered.sum() > 0 else popularity
    want = 0.9 * want + 0.1 * popularity
    buyer_product = rng.choice(n_products, size=n_buyers, p=want / want.sum())
    share = np.bincount(buyer_product, minlength=n_products)
    mean_kg = np.where(share > 0, 0.8 * offered / np.maximum(share, 1), 0.0)
    buyer_kg = np.clip(mean_kg[buyer_product] * rng.lognormal(-0.3, 0.8, n_buyers), 200, 2e6)
    country_of = rng.choice(len(countries), size=n_buyers)
    ports_of: dict[str, list[dict[str, str]]] = {}
    for port in ports:
        ports_of.setdefault(port["country_code"], []).append(port)
    demand: list[dict[str, str]] = []
    for b in range(n_buyers):
        p = products[int(buyer_product[b])]
        country = countries[int(country_of[b])]
        kg = float(buyer_kg[b])
        moq = ""
        if rng.random() < 0.6:
            moq_kg = _round_nice(kg * rng.uniform(0.15, 0.6))
            moq = f"{_en_number(moq_kg, 0)} kg" if moq_kg < 5000 or rng.random() < 0.5 \
                else f"{_en_number(moq_kg / 1000)} MT"
        max_price = ""
        if rng.random() < 0.8:
            ceiling = base_price[buyer_product[b]] * rng.uniform(0.9, 1.6) + \
                _FREIGHT_ALLOWANCE[p["transport_class"]] * rng.uniform(0.6, 1.4)
            max_price = f"{ceiling:.2f}"
        names = [country["name"], country["country_code"],
                 *[a for a in country["aliases"].split("|") if a]]
        port = ""
        own = [q for q in ports_of.get(country["country_code"], [])
               if q["kind"] == ("air" if p["transport_class"] == "air" else "sea")]
        if own and rng.random() < 0.5:
            q = own[int(rng.integers(len(own)))]
            port = q["name"] if rng.random() < 0.6 else q["locode"].removeprefix("IATA:")
        grade = ("", "B", "A")[int(rng.choice(3, p=(0.5, 0.3, 0.2)))]
        n_certs = int(rng.choice(3, p=(0.7, 0.25, 0.05)))
        certs = ";".join(sorted({str(c) for c in rng.choice(_DEMAND_CERTS, size=n_certs)}))
        demand.append({
            "buyer_id": f"RFQ-{country['country_code']}-{b:06d}",
            "name": f"{country['name']} Trading {b}",
            "product": _product_text(p, rng, english=True, typo=0.04),
            "quantity": _demand_quantity(kg, rng), "moq": moq, "max_price": max_price,
            "currency": "USD",
            "country": str(rng.choice(names)) if rng.random() < 0.3 else country["name"],
            "port": port, "grade_min": grade, "certifications_required": certs,
        })
    order = rng.permutation(n_suppliers)
    return Instance([supply[i] for i in order.tolist()], demand,
                    [truth[i] for i in order.tolist()],
                    [products[int(p)]["product_id"] for p in buyer_product.tolist()])


def write(instance: Instance, out: Path) -> tuple[Path, Path]:
    """Write ``supply.csv`` (semicolon, Indonesian headers) and ``demand.csv`` (comma,
    English headers) into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = out / "supply.csv", out / "demand.csv"
    for path, rows, delimiter in ((paths[0], instance.supply, ";"),
                                  (paths[1], instance.demand, ",")):
        with path.open("w", encoding="utf-8", newline="") as f:
            fieldnames = list(rows[0]) if rows else ["id"]
            writer = csv.DictWriter(f, fieldnames=fieldnames, delimiter=delimiter,
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suppliers", type=int, default=66_000)
    parser.add_argument("--buyers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    supply, demand = write(generate(args.suppliers, args.buyers, seed=args.seed), args.out)
    print(f"wrote {supply} ({args.suppliers} offers) and {demand} ({args.buyers} requests)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
