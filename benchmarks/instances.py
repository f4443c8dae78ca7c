"""Seeded, reproducible national-scale instances for benchmarks and tests.

``national(suppliers, buyers, seed=...)`` returns supply and demand rows (lists of dicts
with the input columns of ``docs/input.md``) built from the embedded taxonomy, gazetteer
and country list: product text in Indonesian (supply) or English (demand), quantities in
local formats, prices in IDR per kg (supply) and USD per kg (demand), grades and
certifications. The same arguments always give the same rows.

Run it to write CSV files::

    python benchmarks/instances.py 2000 300 --seed 7 --out /tmp/national
"""

from __future__ import annotations

import argparse
import csv
import io
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["national"]

IDR_PER_USD = 16_000.0
GRADES = ("A", "B", "C")
CERTS = ("HACCP", "HALAL", "ORGANIC", "")


def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def national(suppliers: int, buyers: int, *, seed: int = 0, products: int = 40
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Supply and demand rows of a seeded national-scale instance.

    Parameters
    ----------
    suppliers, buyers : int
        Number of BUMDes offers and of buyer requests.
    seed : int
        Seed of the random generator; the same arguments give the same rows.
    products : int
        How many taxonomy products the instance uses (the first ones of a seeded shuffle).
    """
    rng = np.random.default_rng(seed)
    catalogue = _table("products.csv")
    chosen = [catalogue[i] for i in rng.permutation(len(catalogue))[:products]]
    base_usd = rng.lognormal(mean=1.0, sigma=0.8, size=len(chosen))
    regencies = _table("regencies.csv")
    provinces = {p["province_code"]: p["province"] for p in _table("provinces.csv")}
    countries = [c["name"] for c in _table("country_names.csv")]

    # Supply clusters in a few regencies per product, as village commodities do.
    home = [rng.choice(len(regencies), size=8, replace=False) for _ in chosen]
    supply: list[dict[str, Any]] = []
    for i in range(suppliers):
        p = int(rng.integers(len(chosen)))
        reg = regencies[int(rng.choice(home[p]))]
        kg = float(rng.integers(2, 200)) * 10.0
        unit = rng.integers(3)
        quantity = (f"{kg:,.0f} kg/bulan".replace(",", ".") if unit == 0 else
                    f"{kg / 1000:.2f} ton/bulan".replace(".", ",") if unit == 1 else
                    f"{kg * 12 / 52:.0f} kg per minggu")
        price = base_usd[p] * IDR_PER_USD * rng.uniform(0.7, 1.1)
        supply.append({
            "supplier_id": f"S{i:06d}", "product": chosen[p]["name_id"], "quantity": quantity,
            "price": f"{price:.0f}", "province": provinces[reg["province_code"]],
            "regency": reg["regency"], "grade": GRADES[int(rng.integers(3))],
            "certifications": CERTS[int(rng.integers(len(CERTS)))],
        })
    demand: list[dict[str, Any]] = []
    for j in range(buyers):
        p = int(rng.integers(len(chosen)))
        tonnes = float(rng.integers(1, 40))
        demand.append({
            "buyer_id": f"B{j:05d}", "product": chosen[p]["name_en"],
            "quantity": f"{tonnes:g} MT", "moq": f"{tonnes * 1000 * rng.uniform(0, 0.3):.0f}",
            "max_price": f"{base_usd[p] * rng.uniform(1.2, 2.5) + 1.0:.2f}",
            "country": countries[int(rng.integers(len(countries)))],
            "grade_min": GRADES[int(rng.integers(1, 3))],
            "certifications_required": "HALAL" if rng.random() < 0.1 else "",
        })
    return supply, demand


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("suppliers", type=int)
    parser.add_argument("buyers", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="folder for supply/demand CSV")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    supply_rows, demand_rows = national(args.suppliers, args.buyers, seed=args.seed)
    _write(supply_rows, args.out / "supply.csv")
    _write(demand_rows, args.out / "demand.csv")
