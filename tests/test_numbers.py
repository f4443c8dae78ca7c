"""Numbers, units, periods and quantities as people write them."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching._numbers import parse_number, parse_period, parse_quantity, parse_unit


@pytest.mark.parametrize(("text", "value"), [
    ("1.500", 1500.0), ("1,5", 1.5), ("1.250,5", 1250.5), ("2,000.5", 2000.5),
    ("12", 12.0), ("0,75", 0.75), ("0.500", 0.5), ("1.000.000", 1e6), ("1,000,000", 1e6),
    ("1.234.567,89", 1234567.89), ("1,234,567.89", 1234567.89), ("3.5", 3.5),
    (" 42 ", 42.0), ("1 500", 1500.0), ("+7", 7.0), ("-3", -3.0), ("10,25", 10.25),
    ("115.000", 115000.0), ("2,000", 2000.0), ("1.5", 1.5),
])
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "message"), [
    ("banyak", "not a number"), ("nan", "not a finite number"), ("inf", "not a finite number"),
    ("1.2.3", "not a number"), ("1,5,5", "not a number"), ("1.50.000", "not a number"),
    ("", "not a number"), ("1.000,000.5", "not a number"), ("1" * 300, "too long"),
])
def test_parse_number_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text)


@pytest.mark.parametrize(("text", "kg"), [
    ("kg", 1), ("Kg.", 1), ("kilogram", 1), ("g", 0.001), ("gr", 0.001), ("gram", 0.001),
    ("ons", 0.1), ("kuintal", 100), ("kwintal", 100), ("Kw", 100), ("ton", 1000),
    ("t", 1000), ("MT", 1000), ("tonne", 1000), ("tonnes", 1000), ("metric tons", 1000),
])
def test_parse_unit(text, kg):
    assert parse_unit(text) == kg


def test_unknown_unit_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown unit 'karung'.*kuintal"):
        parse_unit("karung")


@pytest.mark.parametrize(("text", "period"), [
    ("/bulan", "month"), ("per bulan", "month"), ("bulanan", "month"), ("monthly", "month"),
    ("per month", "month"), ("/bln", "month"), ("/minggu", "week"), ("weekly", "week"),
    ("per week", "week"), ("tiap minggu", "week"), ("/tahun", "year"), ("per year", "year"),
    ("annually", "year"), ("p.a.", "year"), ("/thn", "year"), ("per hari", "day"),
    ("daily", "day"),
])
def test_parse_period(text, period):
    assert parse_period(text) == period


@pytest.mark.parametrize(("text", "kg"), [
    ("1,5 ton/bulan", 1500.0), ("500 kg per week", 500 * 52 / 12), ("1 MT weekly", 1000 * 52 / 12),
    ("24 t/tahun", 2000.0), ("2 ton", 2000.0), ("15 kwintal/bulan", 1500.0),
    ("250 gr", 0.25), ("5 ons", 0.5), ("1.500 kg/bln", 1500.0), ("800", 800.0),
    ("3 ton per month", 3000.0), ("7 kwintal / bulan", 700.0), ("2,000.5 kg", 2000.5),
    ("100 kg per hari", 100 * 365 / 12),
])
def test_parse_quantity(text, kg):
    assert parse_quantity(text) == pytest.approx(kg)


def test_quantity_columns_and_horizon():
    assert parse_quantity("2", unit="ton", period="/bulan", horizon_months=3) == 6000.0
    assert parse_quantity("2 ton", period="per bulan") == 2000.0
    assert parse_quantity("2 ton/bulan", horizon_months=12) == 24000.0


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("banyak", {}, "not a quantity"), ("2 karung", {}, "unknown unit"),
    ("2 ton/dekade", {}, "unknown period"), ("2 ton", {"unit": "kg"}, "unit given twice"),
    ("2 ton/bulan", {"period": "per week"}, "period given twice"), ("", {}, "empty"),
])
def test_parse_quantity_errors(text, kwargs, message):
    with pytest.raises(ValueError, match=message):
        parse_quantity(text, **kwargs)


@given(st.integers(min_value=0, max_value=10**12))
def test_indonesian_and_english_grouping_agree(n):
    english = f"{n:,}"
    indonesian = english.replace(",", ".")
    assert parse_number(english) == parse_number(indonesian) == n


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_plain_decimals_round_trip(x):
    text = f"{x:.2f}"  # two decimals are never read as a thousands group
    assert math.isclose(parse_number(text), float(text))
    assert math.isclose(parse_number(text.replace(".", ",")), float(text))
