"""Region resolver: accuracy on the hand-written test set and batch throughput.

Accuracy: every string of ``tests/data/region_strings.csv`` (written the way BUMDes staff
and buyers write places; ``split`` = ``dev`` for strings used while building the
resolver, ``heldout`` for strings written afterwards and never tuned on).

Throughput: seeded batches of messy texts generated from the gazetteer (kind prefixes
in every spelling, case, province suffixes, short names, one-letter typos), resolved in
one call; reported as lookups per second, once with repeats (a realistic upload, about
20 rows per distinct text) and once with every text distinct.

    python benchmarks/regions.py [--rows 200000] [--seed 7]
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


def throughput(texts: list[str]) -> float:
    start = time.perf_counter()
    matching.resolve_regions(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _index(default_gazetteer())  # build the lookup tables once, outside the timings
    for split, (right, total) in sorted(accuracy().items()):
        print(f"accuracy {split:8s} {right}/{total} = {right / total:.1%}")
    rng = random.Random(args.seed)
    pool = messy_texts(args.rows // 20, rng)
    repeated = [rng.choice(pool) for _ in range(args.rows)]
    print(f"{args.rows:,} rows, {len(set(repeated)):,} distinct: "
          f"{throughput(repeated):,.0f} lookups/s")
    distinct = list(dict.fromkeys(messy_texts(args.rows // 4, random.Random(args.seed + 1))))
    print(f"{len(distinct):,} rows, all distinct: {throughput(distinct):,.0f} lookups/s")


if __name__ == "__main__":
    main()
