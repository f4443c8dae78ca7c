"""Checks on the product taxonomy data file ``matching/data/products.csv``.

The file is read directly with :mod:`csv` (not through the package loader) so that
the data can be validated on its own. HS codes are checked against the HS 2022
nomenclature shipped beside the project at ``../shared/data/hs2022/``; those checks
are skipped when that reference data is absent.
"""

import csv
import re
from pathlib import Path

import pytest

DATA_FILE = Path(__file__).resolve().parents[1] / "matching" / "data" / "products.csv"
HS_FILE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "hs2022" / "harmonized-system.csv"
)

EXPECTED_COLUMNS = [
    "product_id",
    "hs_code",
    "name_en",
    "name_id",
    "category",
    "form",
    "transport_class",
    "max_transit_days",
    "synonyms",
    "substitutes",
]

CATEGORIES = frozenset(
    {
        "fishery",
        "spice",
        "estate_crop",
        "coconut",
        "essential_oil",
        "vegetable_oil",
        "flour_starch",
        "fruit",
        "vegetable",
        "grain",
        "forest",
        "craft",
        "furniture",
        "other",
    }
)

FORMS = frozenset(
    {
        "live",
        "fresh",
        "chilled",
        "frozen",
        "dried",
        "smoked",
        "salted",
        "powder",
        "flour",
        "oil",
        "meat",
        "roasted",
        "ground",
        "whole",
        "paste",
        "extract",
        "raw",
        "processed",
        "handicraft",
    }
)

TRANSPORT_CLASSES = frozenset({"air", "reefer", "dry"})

# Products the demo data relies on, with the HS 2022 subheading chosen for each
# (see docs/data.md for the reasoning behind the less obvious ones).
SEED_HS_CODES = {
    "mud_crab_live": "030633",
    "mud_crab_frozen": "030614",
    "blue_swimming_crab_meat": "160510",
    "avocado_oil": "151590",
    "banana_flour": "110630",
    "moringa_leaf_powder": "121299",
    "moringa_leaf_dried": "121299",
    "citronella_oil": "330129",
    "palm_kernel_shell": "140490",
    "maize": "100590",
}

# Categories whose products must all sit in one HS chapter or heading.
CATEGORY_HS_PREFIXES = {
    "essential_oil": ("3301",),
    "vegetable_oil": ("15",),
    "furniture": ("94",),
}

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
MIN_PRODUCTS = 150
MIN_SYNONYMS = 6


def _split(field: str) -> list[str]:
    return [part for part in field.split("|") if part]


def _fold(text: str) -> str:
    """Lower case with punctuation folded to single spaces (``"Ubur-ubur"`` -> ``"ubur ubur"``)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@pytest.fixture(scope="module")
def header() -> list[str]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["product_id"]: row for row in rows}


@pytest.fixture(scope="module")
def hs_subheadings() -> dict[str, str]:
    if not HS_FILE.is_file():
        pytest.skip(f"HS 2022 reference data not found at {HS_FILE}")
    with HS_FILE.open(encoding="utf-8", newline="") as fh:
        # Section "TOTAL" holds only Comtrade's 999999 "not specified according to kind".
        return {
            r["hscode"]: r["description"]
            for r in csv.DictReader(fh)
            if r["level"] == "6" and r["section"] != "TOTAL"
        }


def test_columns_are_exactly_as_specified(header: list[str]) -> None:
    assert header == EXPECTED_COLUMNS


def test_every_row_is_complete_and_trimmed(rows: list[dict[str, str]]) -> None:
    for row in rows:
        assert None not in row, f"extra fields in row {row}"
        for column in EXPECTED_COLUMNS:
            value = row[column]
            assert value is not None, f"{row['product_id']}: missing {column}"
            assert value == value.strip(), f"{row['product_id']}: {column} has stray spaces"
        for column in ("product_id", "hs_code", "name_en", "name_id"):
            assert row[column], f"{row['product_id']}: empty {column}"


def test_product_ids_unique_and_snake_case(rows: list[dict[str, str]]) -> None:
    ids = [row["product_id"] for row in rows]
    duplicates = sorted({pid for pid in ids if ids.count(pid) > 1})
    assert not duplicates, f"duplicate product ids: {duplicates}"
    bad = [pid for pid in ids if not (pid.isascii() and SNAKE_CASE.fullmatch(pid))]
    assert not bad, f"ids not in ascii snake_case: {bad}"


def test_enough_products(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= MIN_PRODUCTS


def test_hs_codes_have_six_digits(rows: list[dict[str, str]]) -> None:
    bad = [
        (r["product_id"], r["hs_code"]) for r in rows if not re.fullmatch(r"\d{6}", r["hs_code"])
    ]
    assert not bad, f"hs_code must be six digits: {bad}"


def test_hs_codes_are_hs2022_subheadings(
    rows: list[dict[str, str]], hs_subheadings: dict[str, str]
) -> None:
    unknown = [(r["product_id"], r["hs_code"]) for r in rows if r["hs_code"] not in hs_subheadings]
    assert not unknown, f"not HS 2022 level-6 subheadings: {unknown}"


def test_categories_forms_and_transport_classes_allowed(rows: list[dict[str, str]]) -> None:
    for row in rows:
        pid = row["product_id"]
        assert row["category"] in CATEGORIES, f"{pid}: category {row['category']!r}"
        assert row["form"] in FORMS, f"{pid}: form {row['form']!r}"
        assert row["transport_class"] in TRANSPORT_CLASSES, f"{pid}: {row['transport_class']!r}"


def test_max_transit_days_empty_or_positive_int(rows: list[dict[str, str]]) -> None:
    for row in rows:
        days = row["max_transit_days"]
        if days:
            assert days.isdigit() and int(days) > 0, f"{row['product_id']}: days {days!r}"


def test_transit_days_match_transport_class(rows: list[dict[str, str]]) -> None:
    for row in rows:
        pid, days = row["product_id"], row["max_transit_days"]
        if row["transport_class"] == "dry":
            assert not days, f"{pid}: shelf-stable goods take no max_transit_days"
        else:
            assert days, f"{pid}: perishable goods need max_transit_days"


def test_substitutes_reference_other_existing_products(
    rows: list[dict[str, str]], by_id: dict[str, dict[str, str]]
) -> None:
    for row in rows:
        pid = row["product_id"]
        for substitute in _split(row["substitutes"]):
            assert substitute in by_id, f"{pid}: unknown substitute {substitute!r}"
            assert substitute != pid, f"{pid}: lists itself as a substitute"


def test_synonyms_are_lowercase_and_plentiful(rows: list[dict[str, str]]) -> None:
    for row in rows:
        pid = row["product_id"]
        synonyms = _split(row["synonyms"])
        assert len(synonyms) >= MIN_SYNONYMS, f"{pid}: only {len(synonyms)} synonyms"
        assert len(synonyms) == len(set(synonyms)), f"{pid}: repeated synonym"
        for synonym in synonyms:
            assert synonym == synonym.lower(), f"{pid}: synonym {synonym!r} not lowercase"
            assert synonym == synonym.strip(), f"{pid}: synonym {synonym!r} has stray spaces"


def test_no_synonym_shared_between_products(rows: list[dict[str, str]]) -> None:
    owners: dict[str, str] = {}
    clashes = []
    for row in rows:
        for synonym in {_fold(s) for s in _split(row["synonyms"])}:
            if synonym in owners:
                clashes.append((synonym, owners[synonym], row["product_id"]))
            owners[synonym] = row["product_id"]
    assert not clashes, f"synonyms used by two products: {clashes}"


def test_no_synonym_is_another_products_name(rows: list[dict[str, str]]) -> None:
    names: dict[str, str] = {}
    for row in rows:
        for name in (row["name_en"], row["name_id"]):
            assert names.setdefault(_fold(name), row["product_id"]) == row["product_id"], (
                f"{row['product_id']}: name {name!r} is another product's name"
            )
    clashes = [
        (synonym, row["product_id"], names[_fold(synonym)])
        for row in rows
        for synonym in _split(row["synonyms"])
        if names.get(_fold(synonym), row["product_id"]) != row["product_id"]
    ]
    assert not clashes, f"synonyms equal to another product's name: {clashes}"


@pytest.mark.parametrize(("product_id", "hs_code"), sorted(SEED_HS_CODES.items()))
def test_seed_products_exist_with_expected_hs_codes(
    by_id: dict[str, dict[str, str]], product_id: str, hs_code: str
) -> None:
    assert product_id in by_id, f"seed product {product_id} missing"
    assert by_id[product_id]["hs_code"] == hs_code


@pytest.mark.parametrize(("category", "prefixes"), sorted(CATEGORY_HS_PREFIXES.items()))
def test_category_hs_chapters_consistent(
    rows: list[dict[str, str]], category: str, prefixes: tuple[str, ...]
) -> None:
    members = [r for r in rows if r["category"] == category]
    assert members, f"no products in category {category}"
    bad = [
        (r["product_id"], r["hs_code"]) for r in members if not r["hs_code"].startswith(prefixes)
    ]
    assert not bad, f"{category} products outside HS {prefixes}: {bad}"
