"""The input contract: sources, column aliases, and every malformed input reported at once
as ``file:row:column: message``."""

import json
from pathlib import Path

import pytest

import matching
from matching import InputError
from matching._schema import parse_demand, parse_supply
from matching._sources import read_rows

from .conftest import demand_rows, supply_rows

OPTS = {"horizon_months": 1.0, "rates": {"IDR": 16_000.0, "USD": 1.0}, "currency": "IDR"}


def supply(source, **kwargs):
    return parse_supply(read_rows(source, default_name="supply"), **{**OPTS, **kwargs})


def demand(source, **kwargs):
    return parse_demand(read_rows(source, default_name="demand"),
                        **{**OPTS, "currency": "USD", **kwargs})


def problems(exc_info):
    """The problems, with file paths shortened to their names."""
    return [str(p).replace(str(Path(p.source).parent) + "/", "") if "/" in p.source else str(p)
            for p in exc_info.value.problems]


def test_csv_comma_semicolon_bom_and_json_agree(write):
    rows = supply_rows()
    header = list(rows[0])
    comma = "\n".join([",".join(header)] + [",".join(f'"{r[h]}"' for h in header)
                                            for r in rows])
    semicolon = "\n".join([";".join(header)] + [";".join(r[h] for h in header) for r in rows])
    tables = [
        supply(write("a.csv", comma)),
        supply(write("b.csv", semicolon)),
        supply(write("c.csv", "\ufeff" + semicolon)),
        supply(write("d.json", json.dumps(rows))),
        supply(rows),
    ]
    for table in tables[1:]:
        assert table.supplier_id == tables[0].supplier_id
        assert table.quantity_kg.tolist() == tables[0].quantity_kg.tolist()
        assert table.price_usd.tolist() == tables[0].price_usd.tolist()
    assert tables[0].quantity_kg.tolist() == [800.0, 1200.0, 700.0, 2000.0]
    assert tables[0].price_usd[0] == pytest.approx(115_000 / 16_000)


def test_dataframe_input():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(supply_rows())
    frame.loc[0, "price"] = None
    table = supply(frame)
    assert table.supplier_id == ("S1", "S2", "S3", "S4")
    assert table.quantity_kg.tolist() == [800.0, 1200.0, 700.0, 2000.0]


def test_indonesian_aliases_and_case(write):
    path = write("s.csv", "ID_BUMDES;Produk;Jumlah;Satuan;Harga;Provinsi;Kabupaten;Mutu;"
                          "Sertifikasi\nK1;kepiting;2;ton;100.000;Sultra;Konawe;A;HACCP, halal\n")
    table = supply(path)
    assert table.supplier_id == ("K1",)
    assert table.quantity_kg.tolist() == [2000.0]
    assert table.grade.tolist() == [3]
    assert table.certifications == (frozenset({"HACCP", "HALAL"}),)


def test_numbers_from_json_with_unit_and_period_columns():
    table = supply([{"supplier_id": "X", "product": "jagung", "quantity": 2, "unit": "ton",
                     "period": "per tahun", "price": 5000}])
    assert table.quantity_kg.tolist() == pytest.approx([2000 / 12])
    assert table.price_usd.tolist() == pytest.approx([5000 / 16000])


def test_demand_moq_and_prices():
    table = demand(demand_rows())
    assert table.quantity_kg.tolist() == [2000.0, 1000.0]
    assert table.moq_kg.tolist() == [1500.0, 0.0]
    assert table.max_price_usd.tolist() == [14.5, 3.0]


MALFORMED_SUPPLY = [
    ("supplier_id,product,quantity\nA,crab,1\nA,crab,2\n",
     "s.csv:3:supplier_id: duplicate supplier_id 'A' (first at row 2)"),
    ("supplier_id,product,quantity\n,crab,1\n",
     "s.csv:2:supplier_id: empty; every row needs an id"),
    ("supplier_id,product\nA,crab\n", "s.csv:0:quantity: required column missing"),
    ("product,quantity\ncrab,1\n", "s.csv:0:supplier_id: required column missing"),
    ("supplier_id,product,quantity\nA,,1\n", "s.csv:2:product: empty"),
    ("supplier_id,product,quantity\nA,crab,banyak\n", "s.csv:2:quantity: not a quantity"),
    ("supplier_id,product,quantity\nA,crab,-5\n", "s.csv:2:quantity: must not be negative"),
    ("supplier_id,product,quantity\nA,crab,nan\n", "s.csv:2:quantity: not a"),
    ("supplier_id,product,quantity\nA,crab,inf\n", "s.csv:2:quantity: not a"),
    ("supplier_id,product,quantity\nA,crab,\n", "s.csv:2:quantity: empty"),
    ("supplier_id,product,quantity\nA,crab,3 karung\n", "s.csv:2:quantity: unknown unit"),
    ("supplier_id,product,quantity,unit\nA,crab,3,karung\n", "s.csv:2:unit: unknown unit"),
    ("supplier_id,product,quantity,period\nA,crab,3,dekade\n", "s.csv:2:period: unknown period"),
    ("supplier_id,product,quantity,lat,lon\nA,crab,1,95,120\n", "s.csv:2:lat: latitude 95.0"),
    ("supplier_id,product,quantity,lat,lon\nA,crab,1,-4,200\n", "s.csv:2:lon: longitude 200.0"),
    ("supplier_id,product,quantity,lat,lon\nA,crab,1,-4,\n", "s.csv:2:lon: give both"),
    ("supplier_id,product,quantity,price\nA,crab,1,-100\n", "s.csv:2:price: must not be negative"),
    ("supplier_id,product,quantity,price\nA,crab,1,murah\n", "s.csv:2:price: not a number"),
    ("supplier_id,product,quantity,price,currency\nA,crab,1,5,XYZ\n",
     "s.csv:2:currency: unknown currency"),
    ("supplier_id,product,quantity,grade\nA,crab,1,Z\n", "s.csv:2:grade: unknown grade"),
    ("supplier_id,product,quantity\nA,crab,1,extra\n", "s.csv:2:field 4: row has 4 fields"),
    ("supplier_id,product,quantity\nA,crab\n", "s.csv:2:quantity: row has 2 fields"),
    ("supplier_id,product,quantity\n", "s.csv:0:: no rows below the header"),
    ("", "s.csv:0:: the file is empty"),
    ("   \n\n", "s.csv:0:: the file is empty"),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED_SUPPLY)
def test_malformed_supply(write, text, expected):
    with pytest.raises(InputError) as exc_info:
        supply(write("s.csv", text))
    assert any(p.startswith(expected) for p in problems(exc_info)), problems(exc_info)


def test_every_problem_is_listed_at_once(write):
    text = ("supplier_id,product,quantity,price\nA,crab,banyak,1\nA,,2,-1\nB,crab,-2,x\n")
    with pytest.raises(InputError) as exc_info:
        supply(write("s.csv", text))
    assert problems(exc_info) == [
        "s.csv:3:supplier_id: duplicate supplier_id 'A' (first at row 2)",
        "s.csv:2:quantity: not a quantity: 'banyak' (expected e.g. '1,5 ton/bulan')",
        "s.csv:3:product: empty; say what is offered or requested",
        "s.csv:3:price: must not be negative, got -1",
        "s.csv:4:quantity: must not be negative, got -2 kg",
        "s.csv:4:price: not a number: 'x'",
    ]


def test_undecodable_file(write):
    path = write("s.csv", b"supplier_id,product,quantity\nA,kepiting \xff,1\n")
    with pytest.raises(InputError) as exc_info:
        supply(path)
    assert problems(exc_info) == ["s.csv:2:: not UTF-8 text (save the file as CSV UTF-8)"]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read the file"):
        supply(tmp_path / "nope.csv")


@pytest.mark.parametrize(("text", "expected"), [
    ("{\"a\": 1}", "JSON input must be a list of objects"),
    ("[1, 2]", ":1:: expected an object, got int"),
    ("[{\"supplier_id\": \"A\"", "not valid JSON"),
    ("[]", "no rows"),
    ("[{\"supplier_id\": \"A\", \"product\": \"crab\", \"quantity\": true}]",
     ":1:quantity: expected text, got bool"),
    ("[{\"supplier_id\": \"A\", \"product\": \"crab\", \"quantity\": NaN}]",
     ":1:quantity: not a finite number"),
    ("[{\"supplier_id\": \"A\", \"product\": [\"crab\"], \"quantity\": 1}]",
     ":1:product: expected text, got list"),
])
def test_malformed_json(write, text, expected):
    with pytest.raises(InputError) as exc_info:
        supply(write("s.json", text))
    assert any(expected in p for p in problems(exc_info)), problems(exc_info)


@pytest.mark.parametrize(("row", "expected"), [
    ({"moq": "5 MT"}, "d.csv:2:moq: minimum order 5,000 kg is above the requested quantity"),
    ({"max_price": "-2"}, "d.csv:2:max_price: must not be negative"),
    ({"moq": "-1"}, "d.csv:2:moq: must not be negative"),
    ({"grade_min": "best"}, "d.csv:2:grade_min: unknown grade"),
    ({"buyer_id": ""}, "d.csv:2:buyer_id: empty"),
])
def test_malformed_demand(write, row, expected):
    base = {"buyer_id": "B", "product": "crab", "quantity": "2 MT", "moq": "", "max_price": "",
            "grade_min": ""}
    base.update(row)
    text = ",".join(base) + "\n" + ",".join(base.values()) + "\n"
    with pytest.raises(InputError) as exc_info:
        demand(write("d.csv", text))
    assert any(p.startswith(expected) for p in problems(exc_info)), problems(exc_info)


def test_match_collects_problems_of_both_files(write):
    s = write("s.csv", "supplier_id,product,quantity\nA,crab,x\n")
    d = write("d.csv", "buyer_id,product,quantity\nB,crab,y\n")
    with pytest.raises(InputError) as exc_info:
        matching.match(s, d)
    assert [p.source for p in exc_info.value.problems] == [str(s), str(d)]


def test_wrong_source_type():
    with pytest.raises(InputError, match="expected a path, a list of records or a DataFrame"):
        supply({"supplier_id": "A"})
