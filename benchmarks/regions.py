"""Region resolver: accuracy on the hand-written test set and batch throughput.

Accuracy: every string of ``tests/data/region_strings.csv`` (written the way BUMDes staff
and buyers write places; ``split`` = ``dev`` for strings used while building the
resolver, ``heldout`` for strings written afterwards and never tuned on).

Throughput: seeded batches of messy texts generated from the gazetteer (kind prefixes
in every spelling, case, province suffixes, short names, one-letter typos), resolved in
one call; reported as lookups per second, once with repeats (a realistic upload, about
20 rows per distinct text) and once with every text distinct.

National instance (``--national N``): the supply rows of ``benchmarks/generate.py``
(N offers, seed 1), placed by ``locate_rows`` from their regency text, province text and
coordinates, as ``prepare`` places them; a row is right when it lands in the regency its
supplier id was generated from.

    python benchmarks/regions.py [--rows 200000] [--seed 7] [--national 66000]
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

import matching
from matching._regions import _index, default_gazetteer

HERE = Path(__file__).resolve().parent
TEST_SET = HERE.parent / "tests" / "data" / "region_strings.csv"


def accuracy() -> dict[str, tuple[int, int]]:
    rows = list(csv.DictReader(TEST_SET.open(encoding="utf-8")))
    result = matching.resolve_regions([r["text"] for r in rows],
                                      province=[r["province"] for r in rows])
    out: dict[str, tuple[int, int]] = {}
    for r, code, province in zip(rows, result.regency_code, result.province_code, strict=True):
        right, total = out.get(r["split"], (0, 0))
        out[r["split"]] = (right + ((code or province or "") == r["expected"]), total + 1)
    return out


def messy_texts(n: int, rng: random.Random) -> list[str]:
    g = default_gazetteer()
    prefixes = {"kabupaten": ["Kab. ", "Kab ", "KABUPATEN ", "kabupaten ", "", ""],
                "kota": ["Kota ", "KOTA ", "kota ", "Kodya "]}
    suffixes = ["", "", "", ", " + "{p}", " ({p})"]
    out = []
    for _ in range(n):
        r = rng.randrange(len(g.regency))
        name = g.regency[r].split(" ", 1)[1].replace("ADMINISTRASI ", "").title()
        if rng.random() < 0.15:
            i = rng.randrange(len(name))
            name = name[:i] + rng.choice("aeiounr") + name[i + 1:]
        text = rng.choice(prefixes[g.regency_kind[r]]) + name
        text += rng.choice(suffixes).format(p=g.province[g.regency_province[r]].title())
        out.append(text.upper() if rng.random() < 0.1 else text)
    return out


def throughput(texts: list[str]) -> str:
    """Lookups per second of wall time and per second of CPU time (all threads): on a
    shared machine the second is the steadier figure."""
    wall, cpu = time.perf_counter(), time.process_time()
    matching.resolve_regions(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return f"{len(texts) / wall:,.0f} lookups/s ({len(texts) / cpu:,.0f} per CPU-second)"


def national(n: int) -> tuple[float, float, int]:
    """Accuracy and rows per second of placing ``n`` generated supply rows."""
    import sys

    import numpy as np

    from matching._regions import locate_rows

    sys.path.insert(0, str(HERE))
    from generate import generate

    rows = generate(n, 10, seed=1).supply
    lat = np.array([float(r["lintang"]) if r["lintang"] else np.nan for r in rows])
    lon = np.array([float(r["bujur"]) if r["bujur"] else np.nan for r in rows])
    start = time.perf_counter()
    placed = locate_rows([r["provinsi"] for r in rows], [r["kabupaten"] for r in rows],
                         lat, lon)
    seconds = time.perf_counter() - start
    g = default_gazetteer()
    truth = [r["id_bumdes"].split("-")[1] for r in rows]
    right = sum(r >= 0 and g.regency_code[r].replace(".", "") == t
                for r, t in zip(placed.regency.tolist(), truth, strict=True))
    by_xy = sum(m == "coordinates" for m in placed.resolved.method)
    return right / n, n / seconds, by_xy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--national", type=int, default=0,
                        help="also place this many generated supply rows (e.g. 66000)")
    args = parser.parse_args()
    _index(default_gazetteer())  # build the lookup tables once, outside the timings
    for split, (right, total) in sorted(accuracy().items()):
        print(f"accuracy {split:8s} {right}/{total} = {right / total:.1%}")
    rng = random.Random(args.seed)
    pool = messy_texts(args.rows // 20, rng)
    repeated = [rng.choice(pool) for _ in range(args.rows)]
    print(f"{args.rows:,} rows, {len(set(repeated)):,} distinct: "
          f"{throughput(repeated)}")
    distinct = list(dict.fromkeys(messy_texts(args.rows // 4, random.Random(args.seed + 1))))
    print(f"{len(distinct):,} rows, all distinct: {throughput(distinct)}")
    if args.national:
        share, per_second, by_xy = national(args.national)
        print(f"national instance, {args.national:,} supply rows ({by_xy:,} placed by "
              f"coordinates only): {share:.2%} in the right regency, {per_second:,.0f} rows/s")


if __name__ == "__main__":
    main()
