"""Hostile input: every parser linear on 1 MB adversarial text, size limits with located
errors, and a regression test for every crash the fuzzer or a probe found."""

import contextlib
import json
import time

import numpy as np
import pytest

import matching
from matching import InputError
from matching._currency import DEFAULT_RATES, currency_code
from matching._numbers import parse_number, parse_period, parse_quantity, parse_unit
from matching._product_text import clean_product_texts, extract_attributes
from matching._quality import parse_certifications, parse_grade
from matching._regions import resolve_regions
from matching._schema import MAX_QUANTITY_KG, MAX_TEXT_CHARS, parse_supply
from matching._sources import read_bytes, read_rows
from matching._text import clean_text

MB = 1 << 20

#: Strings built to make a backtracking regular expression or a loop over word suffixes
#: take quadratic or worse time: long runs of digits, blanks, separators and words.
ADVERSARIAL = {
    "blanks": "1 x" + " " * MB + "1",
    "digits": "9" * MB,
    "separators": "1" + ".," * (MB // 2),
    "letters": "a" * MB,
    "slashes": "1 " + "/" * MB,
    "per": "1" + " per" * (MB // 4),
    "words": "kepiting 1 kg " * (MB // 14),
    "dashes": "konawe" + " -" * (MB // 2),
    "expanding": "\ufdfa" * (MB // 16),  # NFKD turns each into 18 characters
}


def _swallow(parse):
    def run(text):
        with contextlib.suppress(ValueError):
            parse(text)
    return run


PARSERS = {
    "parse_number": _swallow(parse_number),
    "parse_quantity": _swallow(parse_quantity),
    "parse_quantity columns": _swallow(lambda t: parse_quantity("2", unit=t, period=t)),
    "parse_unit": _swallow(parse_unit),
    "parse_period": _swallow(parse_period),
    "parse_grade": _swallow(parse_grade),
    "parse_certifications": parse_certifications,
    "currency_code": _swallow(lambda t: currency_code(t, DEFAULT_RATES)),
    "clean_text": clean_text,
    "product clean-up": lambda t: (clean_product_texts([t]), extract_attributes([t])),
    "normalize_products": lambda t: matching.normalize_products([t]),
    "resolve_regions": lambda t: resolve_regions([t]),
}


@pytest.mark.parametrize("parser", list(PARSERS))
def test_each_parser_is_fast_on_1mb_adversarial_text(parser):
    """A parser with a quadratic regex takes hours on these; linear ones take milliseconds
    to a few seconds (the bound leaves room for a loaded machine)."""
    run = PARSERS[parser]
    for name, text in ADVERSARIAL.items():
        start = time.perf_counter()
        run(text)
        seconds = time.perf_counter() - start
        assert seconds < 10, f"{parser} took {seconds:.1f} s on {name!r}"


@pytest.mark.parametrize("name", ["blanks", "digits", "per", "dashes"])
def test_files_with_1mb_cells_fail_fast_with_located_errors(name):
    cell = ADVERSARIAL[name].replace(",", " ")
    for field in ("supplier_id", "product", "quantity", "regency"):
        row = {"supplier_id": "A", "product": "kepiting", "quantity": "1", "regency": "Konawe"}
        row[field] = cell
        header = ",".join(row)
        data = (header + "\n" + ",".join(f'"{v}"' for v in row.values()) + "\n").encode()
        start = time.perf_counter()
        with pytest.raises(InputError) as exc_info:
            supply(data)
        assert time.perf_counter() - start < 10
        (problem,) = exc_info.value.problems
        assert (problem.source, problem.row) == ("s.csv", 2)
        assert problem.message.startswith(("too long", "a field is longer"))


def supply(data, name="s.csv", **kwargs):
    raw = read_bytes(data, name, **kwargs)
    return parse_supply(raw, horizon_months=1.0, rates=dict(DEFAULT_RATES), currency="IDR")


def problems(data, name="s.json"):
    with pytest.raises(InputError) as exc_info:
        supply(data, name, json_suffix=name.endswith(".json"))
    return [str(p) for p in exc_info.value.problems]


# Regression tests: each of these crashed (an exception other than InputError, so exit 1 in
# the command line) or hung before the fix.

def test_deeply_nested_json_is_an_input_error():
    assert problems(b"[" * 100_000 + b"]" * 100_000) == [
        "s.json:0:: not valid JSON: nested too deeply"]


def test_json_integer_of_thousands_of_digits_is_an_input_error():
    data = b'[{"supplier_id": "A", "product": "x", "quantity": ' + b"9" * 5000 + b"}]"
    assert problems(data) == ["s.json:0:: not valid JSON: a number with thousands of digits"]


@pytest.mark.parametrize("column", ["quantity", "price", "lat"])
def test_json_integer_too_large_for_a_float_is_located(column):
    row = {"supplier_id": "A", "product": "kepiting", "quantity": 1, "lat": 1, "lon": 1}
    row[column] = "BIG"
    data = json.dumps([row]).replace('"BIG"', "9" * 400).encode()
    assert problems(data)[0] == f"s.json:1:{column}: not a finite number: a number too large"


def test_json_integer_id_of_many_digits_is_too_long():
    data = b'[{"supplier_id": ' + b"9" * 4000 + b', "product": "x", "quantity": 1}]'
    assert problems(data) == [
        f"s.json:1:supplier_id: too long (4,000 characters, at most {MAX_TEXT_CHARS:,})"]


def test_unpaired_surrogate_is_located_once():
    data = b'[{"supplier_id": "A\\ud800", "product": "x", "quantity": 1}]'
    assert problems(data) == ["s.json:1:supplier_id: contains the control or invalid "
                              "character U+D800 at position 2"]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_rejected(char):
    data = f"supplier_id,product,quantity\nA,kepiting{char}bakau,1\n".encode()
    assert problems(data, "s.csv") == [
        f"s.csv:2:product: contains the control or invalid character U+{ord(char):04X} at "
        "position 9"]


def test_tabs_and_line_breaks_inside_quoted_cells_are_text():
    table = supply(b'supplier_id,product,quantity\nA,"kepiting\tbakau\r\nhidup",1\n')
    assert table.product == ("kepiting\tbakau\r\nhidup",)


def test_column_named_twice_is_located_in_the_header():
    assert problems(b"supplier_id,product,quantity,quantity\nA,x,1,2\n", "s.csv") == [
        "s.csv:1:quantity: column named twice in the header (fields 3 and 4)"]


def test_column_given_twice_under_two_spellings():
    assert problems(b"supplier_id,product,Quantity,quantity\nA,x,1,2\n", "s.csv") == [
        "s.csv:0:quantity: column given twice: 'Quantity' and 'quantity'"]


def test_unnamed_columns_are_ignored():
    table = supply(b"supplier_id,product,quantity,,\nA,x,1,,\n")
    assert table.supplier_id == ("A",)


def test_quantity_above_the_limit_names_the_cell():
    assert problems(b"supplier_id,product,quantity\nA,x,20 MT\nB,x,99.000.000 ton\n",
                    "s.csv") == [f"s.csv:3:quantity: 99,000,000,000 kg is more than the limit "
                                 f"of {MAX_QUANTITY_KG / 1000:,.0f} t; check the number and "
                                 "the unit"]


def test_csv_field_beyond_the_reader_limit():
    data = b'supplier_id,product,quantity\nA,"' + b"x" * 200_000 + b'",1\n'
    (message,) = problems(data, "s.csv")
    assert message.startswith("s.csv:2:: a field is longer than 131,072 characters")


def test_row_limit(monkeypatch):
    monkeypatch.setattr("matching._sources.MAX_ROWS", 3)
    ok = b"supplier_id,product,quantity\n" + b"".join(b"S%d,x,1\n" % i for i in range(3))
    assert len(supply(ok)) == 3
    assert problems(ok + b"S9,x,1\n", "s.csv") == ["s.csv:5:: more than 3 rows; split the file"]
    records = json.dumps([{"supplier_id": f"S{i}", "product": "x", "quantity": 1}
                          for i in range(4)]).encode()
    assert problems(records) == ["s.json:4:: more than 3 rows; split the input"]


def test_file_size_limit(monkeypatch, tmp_path):
    monkeypatch.setattr("matching._sources.MAX_FILE_BYTES", 100)
    path = tmp_path / "s.csv"
    path.write_text("supplier_id,product,quantity\n" + "A,x,1\n" * 20)
    with pytest.raises(InputError) as exc_info:
        matching.match(path, [{"buyer_id": "B", "product": "x", "quantity": 1}])
    assert [str(p) for p in exc_info.value.problems] == [
        f"{path}:0:: file is 149 bytes, more than the limit of 100"]


def test_quantity_regex_is_linear():
    # "1 x" + blanks + "1" took 6 s at 2,000 characters and 46 s at 4,000 with the old
    # single-regex parser (cubic); the scan takes microseconds.
    for n in (2_000, 64_000):
        start = time.perf_counter()
        with pytest.raises(ValueError):
            parse_quantity("1 x" + " " * n + "1")
        assert time.perf_counter() - start < 0.5


def test_product_attributes_are_linear_in_digit_runs():
    # "9" * 16,000 took 30 s: the attribute pattern restarted inside the run of digits.
    start = time.perf_counter()
    assert matching.normalize_products(["9" * 200_000])[0].product_id is None
    assert time.perf_counter() - start < 5
    assert extract_attributes(["x12kg crab 300-500 g", "1234567 ekor"]) == [
        ("300-500 g",), ("1234567 ekor",)]


def test_region_split_is_linear_in_blank_runs():
    start = time.perf_counter()
    resolve_regions(["konawe" + " " * 200_000 + "x", "konawe " * 50_000])
    assert time.perf_counter() - start < 5


def test_quantity_spellings_the_scan_accepts():
    assert parse_quantity("2 ton Per Month") == 2000.0
    assert parse_quantity("5/bulan") == 5.0
    with pytest.raises(ValueError, match="not a quantity"):
        parse_quantity("5 1/2 ton")
    with pytest.raises(ValueError, match="not a quantity"):
        parse_quantity("2 ton/bulan/tahun")


def test_hostile_values_never_reach_the_plan_as_non_finite_numbers():
    rows = [{"supplier_id": "A", "product": "kepiting bakau hidup", "quantity": 1e-300,
             "regency": "Konawe"},
            {"supplier_id": "B", "product": "kepiting bakau hidup", "quantity": MAX_QUANTITY_KG,
             "regency": "Konawe", "price": 1e300}]
    demand = [{"buyer_id": "X", "product": "live mud crab", "quantity": MAX_QUANTITY_KG,
               "moq": 1e-9, "max_price": 1e300, "country": "Hong Kong"}]
    plan = matching.match(rows, demand)
    data = plan.to_dict()
    numbers = np.array([a["quantity_kg"] for a in data["allocations"]]
                       + [data["summary"]["objective"]])
    assert np.all(np.isfinite(numbers))
    assert plan.summary.status in ("optimal", "time_limit", "failed")


def test_numpy_scalars_in_records_are_numbers():
    rows = [{"supplier_id": np.str_("A"), "product": "kepiting", "quantity": np.int64(1500),
             "price": np.float32(2.5), "lat": np.float64(-4.0), "lon": np.int32(122)}]
    opts = {"horizon_months": 1.0, "rates": {"IDR": 1.0}, "currency": "IDR"}
    table = parse_supply(read_rows(rows, default_name="supply"), **opts)
    assert table.quantity_kg.tolist() == [1500.0] and table.price_usd.tolist() == [2.5]
    with pytest.raises(InputError, match="expected text, got bool"):
        parse_supply(read_rows([{**rows[0], "quantity": np.bool_(True)}],
                               default_name="supply"), **opts)
