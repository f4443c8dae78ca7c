"""Product normalisation benchmark: accuracy on the labelled dev set, and throughput.

    python benchmarks/normalize.py                 # accuracy (tune and held-out) + throughput
    python benchmarks/normalize.py --failures      # also list the tuning rows it gets wrong
    python benchmarks/normalize.py --calibrate     # refit the confidence calibration constants

The dev set ``benchmarks/data/normalize_dev.csv`` holds labelled texts (sellers' and buyers'
phrasing, Indonesian, English, mixed, typos, abbreviations, Latin names, non-products); its
``split`` column (fixed by a CRC32 of the text) separates the ``tune`` rows, the only ones
ever looked at while developing, from the ``heldout`` rows, which are only scored.

Throughput is measured on a seeded batch of distinct texts: dev-set texts decorated with
random quantities, sizes and filler, as they arrive in supply and demand files. The baseline
resolves each text on its own with ``rapidfuzz.process.extractOne`` (WRatio) over the same
synonym strings, the obvious approach this library replaces.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching import ProductResolver
from matching._product_resolver import CALIBRATION
from matching._taxonomy import default_taxonomy
from matching._text import clean_text

DEV = Path(__file__).resolve().parent / "data" / "normalize_dev.csv"
DECORATIONS = (
    "{t}", "{t} {n} kg/bulan", "{t} kualitas ekspor", "jual {t} {n} ton", "{t} grade A",
    "{t} {n}-{m} g", "ready {t} {n} MT per month", "{t} export quality", "{t}, {n} kg",
    "need {t} {n} MT", "{t} size {n}/{m}", "supply {t} {n} kg per minggu",
)


def load_dev(path: Path = DEV) -> list[dict[str, str]]:
    """The labelled rows of the dev set."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def scores(rows: list[dict[str, str]], predicted: list[str | None]) -> dict[str, float]:
    """Top-1 HS6 accuracy over product rows, id accuracy, abstention precision/recall."""
    gold = [r["hs_code"] or None for r in rows]
    gold_id = [r["product_id"] or None for r in rows]
    tax = default_taxonomy()
    hs = [tax[p].hs_code if p else None for p in predicted]
    products = [i for i, g in enumerate(gold) if g is not None]
    abstained = [i for i, p in enumerate(predicted) if p is None]
    non_products = [i for i, g in enumerate(gold) if g is None]
    return {
        "rows": len(rows),
        "hs6_accuracy": sum(hs[i] == gold[i] for i in products) / max(len(products), 1),
        "id_accuracy": sum(predicted[i] == gold_id[i] for i in products) / max(len(products), 1),
        "abstain_precision": sum(gold[i] is None for i in abstained) / max(len(abstained), 1),
        "abstain_recall": sum(predicted[i] is None for i in non_products)
        / max(len(non_products), 1),
        "abstained": len(abstained),
        "non_products": len(non_products),
    }


def tax_hs(product_id: str | None) -> str | None:
    """HS code of a product id (None stays None)."""
    return default_taxonomy()[product_id].hs_code if product_id else None


def synonym_choices() -> tuple[list[str], list[str]]:
    """Every name and synonym (cleaned) with its product id: the baseline's choices."""
    choices, owners = [], []
    for product in default_taxonomy():
        for phrase in (product.name_en, product.name_id, *product.synonyms):
            choices.append(clean_text(phrase))
            owners.append(product.product_id)
    return choices, owners


def baseline(texts: list[str], choices: list[str], owners: list[str],
             cutoff: float = 86.0) -> list[str | None]:
    """Per-row ``extractOne`` over the synonyms; abstain below ``cutoff``."""
    out: list[str | None] = []
    for text in texts:
        hit = process.extractOne(clean_text(text), choices, scorer=fuzz.WRatio,
                                 score_cutoff=cutoff)
        out.append(owners[hit[2]] if hit else None)
    return out


def misspell(text: str, rng: np.random.Generator) -> str:
    """One random edit (swap, deletion, doubling) in a word of five letters or more."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5]
    if not long:
        return text
    i = long[int(rng.integers(len(long)))]
    w, j = words[i], int(rng.integers(1, len(words[i]) - 1))
    words[i] = (w[:j] + w[j + 1] + w[j] + w[j + 2:], w[:j] + w[j + 1:],
                w[:j] + w[j] + w[j:])[int(rng.integers(3))]
    return " ".join(words)


def batch(rows: list[dict[str, str]], n: int, seed: int = 0, typos: bool = False) -> list[str]:
    """``n`` seeded texts: dev texts with random quantities, sizes and filler, and with
    ``typos`` a misspelled word, so that nearly every text has words of its own."""
    rng = np.random.default_rng(seed)
    texts = [r["text"] for r in rows]
    pick = rng.integers(len(texts), size=n)
    form = rng.integers(len(DECORATIONS), size=n)
    num = rng.integers(1, 5000, size=n)
    return [DECORATIONS[f].format(t=misspell(texts[p], rng) if typos else texts[p], n=a,
                                  m=a + 100)
            for p, f, a in zip(pick.tolist(), form.tolist(), num.tolist(), strict=True)]


def throughput(resolver: ProductResolver, texts: list[str]) -> tuple[float, float]:
    """Texts per wall second and per CPU second (this process), best of three runs."""
    resolver.transform(texts[:1000])
    wall = cpu = float("inf")
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        resolver.transform(texts)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return len(texts) / wall, len(texts) / cpu


def calibrate(resolver: ProductResolver, rows: list[dict[str, str]]) -> None:
    """Fit confidence = sigmoid(a + b * score + c * margin) on the tuning rows.

    A row counts as right when the best candidate has the gold HS code; non-products
    count as wrong whatever the candidate. Prints the constants and a reliability table
    (tuning and held-out rows) for the constants currently in use.
    """
    from sklearn.linear_model import LogisticRegression

    def features(split: str) -> tuple[np.ndarray, np.ndarray]:
        sub = [r for r in rows if r["split"] == split]
        group, product, score, _ = resolver._scores([r["text"] for r in sub])
        best = product[group, 0]
        tax = resolver.taxonomy_.products
        right = np.array([p >= 0 and tax[p].hs_code == r["hs_code"]
                          for p, r in zip(best.tolist(), sub, strict=True)])
        s = score[group]
        return np.c_[s[:, 0], s[:, 0] - s[:, 1]], right

    x, y = features("tune")
    model = LogisticRegression(C=1.0).fit(x, y)
    a, (b, c) = float(model.intercept_[0]), model.coef_[0].tolist()
    print(f"fitted CALIBRATION = ({a:.2f}, {b:.2f}, {c:.2f}); in use {CALIBRATION}")
    for split in ("tune", "heldout"):
        x, y = features(split)
        conf = 1 / (1 + np.exp(-(CALIBRATION[0] + x @ np.array(CALIBRATION[1:]))))
        brier = float(np.mean((conf - y) ** 2))
        print(f"  {split}: Brier score {brier:.4f}")
        for lo, hi in ((0, 0.3), (0.3, 0.6), (0.6, 0.9), (0.9, 0.99), (0.99, 1.01)):
            sel = (conf >= lo) & (conf < hi)
            if sel.any():
                print(f"    confidence [{lo:.2f}, {min(hi, 1):.2f}): {sel.sum():4d} rows, "
                      f"mean {conf[sel].mean():.3f}, right {y[sel].mean():.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="texts in the throughput batch")
    parser.add_argument("--baseline-n", type=int, default=2_000,
                        help="texts the (slow) baseline resolves for its throughput")
    parser.add_argument("--failures", action="store_true", help="list wrong tuning rows")
    parser.add_argument("--calibrate", action="store_true", help="refit the calibration")
    parser.add_argument("--workers", type=int, default=1, help="cdist threads (-1 = all)")
    args = parser.parse_args(argv)

    rows = load_dev()
    start = time.perf_counter()
    resolver = ProductResolver(workers=args.workers).fit()
    fit_seconds = time.perf_counter() - start
    print(f"dev set: {len(rows)} rows; fit {fit_seconds:.2f} s; cores {os.cpu_count()}; "
          f"load {os.getloadavg()[0]:.2f}")
    if args.calibrate:
        calibrate(resolver, rows)
    matches = resolver.transform([r["text"] for r in rows])
    choices, owners = synonym_choices()
    base = baseline([r["text"] for r in rows], choices, owners)
    print(f"{'split':8} {'method':9} {'rows':>5} {'HS6 acc':>8} {'id acc':>7} "
          f"{'abst P':>7} {'abst R':>7}")
    for split in ("tune", "heldout", "all"):
        idx = [i for i, r in enumerate(rows) if split in ("all", r["split"])]
        sub = [rows[i] for i in idx]
        for name, predicted in (("resolver", [matches[i].product_id for i in idx]),
                                ("baseline", [base[i] for i in idx])):
            s = scores(sub, predicted)
            print(f"{split:8} {name:9} {s['rows']:5d} {s['hs6_accuracy']:8.1%} "
                  f"{s['id_accuracy']:7.1%} {s['abstain_precision']:7.1%} "
                  f"{s['abstain_recall']:7.1%}")
    kinds = sorted({r["kind"] for r in rows})
    print("by kind (all rows), resolver / baseline HS6 accuracy (non-products: abstained):")
    for kind in kinds:
        idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
        right = [sum((matches[i].hs_code or "") == rows[i]["hs_code"] for i in idx),
                 sum(((tax_hs(base[i])) or "") == rows[i]["hs_code"] for i in idx)]
        print(f"  {kind:10} {len(idx):4d} rows  {right[0] / len(idx):6.1%}  "
              f"{right[1] / len(idx):6.1%}")
    rng = np.random.default_rng(1)
    misspelled = [misspell(r["text"], rng) for r in rows]
    s = scores(rows, [m.product_id for m in resolver.transform(misspelled)])
    b = scores(rows, baseline(misspelled, choices, owners))
    print(f"every dev text with one word misspelled: resolver HS6 {s['hs6_accuracy']:.1%} "
          f"(abstention recall {s['abstain_recall']:.1%}), baseline {b['hs6_accuracy']:.1%} "
          f"({b['abstain_recall']:.1%})")
    if args.failures:
        tax = default_taxonomy()
        for r, m in zip(rows, matches, strict=True):
            gold_hs = r["hs_code"] or None
            if r["split"] == "tune" and m.hs_code != gold_hs:
                print(f"  WRONG {r['text']!r}: gold {r['product_id'] or None} -> "
                      f"{m.product_id} {m.confidence} {m.alternatives[:2]}")
            elif r["split"] == "tune" and m.product_id != (r["product_id"] or None):
                gold = tax[r["product_id"]].product_id
                print(f"  same HS {r['text']!r}: gold {gold} -> {m.product_id}")

    texts = batch(rows, args.n)
    small = texts[: args.baseline_n]
    start, start_cpu = time.perf_counter(), time.process_time()
    baseline(small, choices, owners)
    base_rate = len(small) / (time.perf_counter() - start)
    base_cpu = len(small) / (time.process_time() - start_cpu)
    print(f"baseline, extractOne per row: {base_rate:,.0f} texts/s "
          f"({base_cpu:,.0f} per CPU second)")
    for name, sample in (("decorated", texts), ("with typos", batch(rows, args.n, typos=True))):
        rate, per_cpu = throughput(resolver, sample)
        print(f"resolver batch, {name}: {len(sample):,} texts ({len(set(sample)):,} distinct): "
              f"{rate:,.0f} texts/s ({per_cpu:,.0f} per CPU second), "
              f"{rate / base_rate:.0f}x the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
