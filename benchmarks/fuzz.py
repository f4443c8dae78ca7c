"""Coverage-guided fuzzing of the input parsers with atheris (libFuzzer).

    python benchmarks/fuzz.py -runs=1000000 -timeout=10 --targets=parsers   # the long run
    python benchmarks/fuzz.py -runs=3000 -seed=1 -timeout=10        # what tests/test_fuzz.py runs
    python benchmarks/fuzz.py crash-<hash>                           # replay one crash file

Each input's first byte picks a target, the rest is its payload: the number, unit, period,
quantity, grade, certification and currency parsers, the text clean-up, the product and
region resolvers, the CSV and JSON readers followed by supply or demand validation, and the
run options (``Config``/``Weights`` from JSON). A target may reject its payload only with the
error the library documents for it (``ValueError`` for a field parser, ``InputError`` for a
file); any other exception, a broken invariant (a quantity that is not a finite number of kg
within the limit, an unlocated problem, a confidence outside 0..1, ...) or an input that
takes longer than ``-timeout`` seconds is a crash, and libFuzzer writes it to ``crash-*`` /
``timeout-*``. Every crash found becomes a regression test in ``tests/test_hostile.py``.

The seed corpus (written to a temporary folder unless corpus folders are given) holds the
demo files and typical field values. Figures: ``docs/benchmarks.md``.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports(include=["matching"]):
    import matching
    from matching._currency import DEFAULT_RATES, currency_code
    from matching._numbers import parse_number, parse_period, parse_quantity, parse_unit
    from matching._quality import parse_certifications, parse_grade
    from matching._regions import resolve_regions
    from matching._schema import MAX_QUANTITY_KG, parse_demand, parse_supply
    from matching._sources import read_bytes
    from matching._text import clean_text

RATES = dict(DEFAULT_RATES)


def _text(payload: bytes) -> str:
    # Invalid UTF-8 arrives as unpaired surrogates, as it does from sys.argv.
    return payload.decode("utf-8", "surrogateescape")


def _field(parse: Callable[[str], object]) -> Callable[[bytes], None]:
    def target(payload: bytes) -> None:
        with contextlib.suppress(ValueError):
            parse(_text(payload))
    return target


def _number(payload: bytes) -> None:
    try:
        value = parse_number(_text(payload))
    except ValueError:
        return
    assert math.isfinite(value), value


def _quantity(payload: bytes) -> None:
    text, _, rest = _text(payload).partition("\x00")
    unit, _, period = rest.partition("\x00")
    try:
        kg = parse_quantity(text, unit=unit or None, period=period or None, horizon_months=3)
    except ValueError:
        return
    assert math.isfinite(kg), kg


def _clean(payload: bytes) -> None:
    text = _text(payload)
    once = clean_text(text)
    assert clean_text(once) == once, (text, once)


def _products(payload: bytes) -> None:
    (m,) = matching.normalize_products([_text(payload)])
    assert 0.0 <= m.confidence <= 1.0, m
    assert (m.product_id is None) == (m.hs_code is None), m


def _regions(payload: bytes) -> None:
    text = _text(payload)
    province, _, regency = text.partition("\x00")
    resolve_regions([regency or province])


def _table(payload: bytes, *, json_suffix: bool) -> None:
    name = "input.json" if json_suffix else "input.csv"
    # The payload's first byte picks supply (even) or demand (odd) validation.
    parse = parse_demand if payload[:1] and payload[0] & 1 else parse_supply
    try:
        raw = read_bytes(payload[1:], name, json_suffix=json_suffix)
        table = parse(raw, horizon_months=1.0, rates=RATES, currency="USD")
    except matching.InputError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.source == name and p.row >= 0 and p.message, p
        return
    q = table.quantity_kg
    assert all(math.isfinite(x) and 0.0 <= x <= MAX_QUANTITY_KG for x in q.tolist()), q
    ids = table.supplier_id if parse is parse_supply else table.buyer_id  # type: ignore[attr-defined]
    assert len(set(ids)) == len(ids) == len(q) and all(ids), ids


def _csv(payload: bytes) -> None:
    _table(payload, json_suffix=False)


def _json(payload: bytes) -> None:
    _table(payload, json_suffix=True)


def _options(payload: bytes) -> None:
    try:
        data = json.loads(_text(payload))
    except (ValueError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    for kind in (matching.Config, matching.Weights):
        with contextlib.suppress(ValueError, TypeError):
            kind.from_mapping(data)  # type: ignore[attr-defined]


#: Every target by name, in the order of the selector byte.
NAMED: dict[str, Callable[[bytes], None]] = {
    "number": _number, "quantity": _quantity, "unit": _field(parse_unit),
    "period": _field(parse_period), "grade": _field(parse_grade),
    "certifications": _field(parse_certifications),
    "currency": _field(lambda t: currency_code(t, RATES)), "clean_text": _clean,
    "products": _products, "regions": _regions, "csv": _csv, "json": _json,
    "options": _options,
}
#: The parsers proper (microseconds per input) and the resolvers (milliseconds).
GROUPS = {"parsers": [n for n in NAMED if n not in ("products", "regions")],
          "resolvers": ["products", "regions"], "all": list(NAMED)}
TARGETS: tuple[Callable[[bytes], None], ...] = tuple(NAMED.values())
_selected: list[Callable[[bytes], None]] = list(TARGETS)


def one_input(data: bytes) -> None:
    """The libFuzzer entry point: the first byte picks the target (among the selected)."""
    if data:
        _selected[data[0] % len(_selected)](data[1:])


def seeds() -> list[bytes]:
    """Typical inputs per selected target, the starting corpus."""
    demo_s = Path(matching.demo_supply()).read_bytes()
    demo_d = Path(matching.demo_demand()).read_bytes()
    rows = [{"buyer_id": "B1", "product": "live mud crab", "quantity": "2 MT", "moq": 1500,
             "max_price": 14.5, "country": "Hong Kong"}]
    per_target: list[list[bytes]] = [
        [b"1.500", b"1,5", b"1.250,5", b"2,000.5", b"-3"],
        [b"1,5 ton/bulan", b"500 kg per week", b"24\x00t\x00per tahun", b"3 kwintal"],
        [b"kg", b"Kwintal", b"MT"], [b"/bulan", b"per week", b"p.a."],
        [b"Grade A", b"mutu II"], [b"Halal MUI; organik, HACCP"], [b"Rp", b"usd"],
        ["Kepiting-Bakau (HIDUP)!! Café".encode()],
        [b"kepiting bakau hidup", b"minyak alpukat", b"live mud crab 300-500 g"],
        [b"Kab. Konawe", b"Sultra\x00Konawe", b"Kota Kendari"],
        [b"\x00" + demo_s, b"\x01" + demo_d],
        [b"\x01" + json.dumps(rows).encode(),
         b'\x00[{"supplier_id": "A", "product": "x", "quantity": 1}]'],
        [b'{"horizon_months": 3, "rates": {"IDR": 16000}}', b'{"price": 2, "priority": 1}'],
    ]
    chosen = [(target, samples) for target, samples in zip(TARGETS, per_target, strict=True)
              if target in _selected]
    return [bytes([_selected.index(t)]) + s for t, samples in chosen for s in samples]


def main(argv: list[str]) -> None:
    """``--targets=parsers|resolvers|all|name,name`` picks targets; the rest goes to
    libFuzzer."""
    args = [a for a in argv if not a.startswith("--targets=")]
    for a in argv:
        if a.startswith("--targets="):
            value = a.split("=", 1)[1]
            names = GROUPS.get(value) or value.split(",")
            _selected[:] = [NAMED[n] for n in names]
    if not any(not a.startswith("-") for a in args[1:]):
        corpus = Path(tempfile.mkdtemp(prefix="bumdes-fuzz-"))
        for i, seed in enumerate(seeds()):
            (corpus / f"seed-{i:03d}").write_bytes(seed)
        args.append(str(corpus))
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
