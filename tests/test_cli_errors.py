"""Malformed input through the command line: exit status 2, every problem as
``file:row:column: message`` naming the cell, no traceback, nothing written."""

import json
import re
import subprocess
import sys

import pytest

from matching._cli import main

SUPPLY = {"supplier_id": "S1", "product": "kepiting bakau hidup", "quantity": "800 kg/bulan",
          "price": "115.000", "province": "Sulawesi Tenggara", "regency": "Konawe"}
DEMAND = {"buyer_id": "B1", "product": "live mud crab", "quantity": "2 MT", "moq": "1500",
          "max_price": "14.5", "country": "Hong Kong"}


def csv_text(row, extra_rows=()):
    rows = [row, *extra_rows]
    header = list(dict.fromkeys(k for r in rows for k in r))
    lines = [",".join(header)]
    lines += [",".join('"' + str(r.get(h, "")).replace('"', '""') + '"' for h in header)
              for r in rows]
    return "\n".join(lines) + "\n"


def supply_case(expected, *extra, **changes):
    """A supply CSV: the valid row with ``changes`` (None drops a column)."""
    row = {k: v for k, v in {**SUPPLY, **changes}.items() if v is not None}
    return ("s.csv", csv_text(row, extra), "d.csv", csv_text(DEMAND), expected)


def demand_case(expected, *extra, **changes):
    row = {k: v for k, v in {**DEMAND, **changes}.items() if v is not None}
    return ("s.csv", csv_text(SUPPLY), "d.csv", csv_text(row, extra), expected)


def supply_json(expected, row):
    return ("s.json", json.dumps([row], ensure_ascii=True), "d.csv", csv_text(DEMAND), expected)


#: (supply file, its text, demand file, its text, expected "file:row:column: message" start).
CASES = [
    supply_case("s.csv:3:supplier_id: duplicate supplier_id 'S1' (first at row 2)", SUPPLY),
    supply_case("s.csv:2:supplier_id: empty; every row needs an id", supplier_id=""),
    supply_case("s.csv:2:product: empty; say what is offered or requested", product=""),
    supply_case("s.csv:2:quantity: not a quantity: 'banyak'", quantity="banyak"),
    supply_case("s.csv:2:quantity: must not be negative", quantity="-5"),
    supply_case("s.csv:2:quantity: not a finite number: 'nan'", quantity="nan"),
    supply_case("s.csv:2:quantity: not a finite number: 'inf'", quantity="inf"),
    supply_case("s.csv:2:quantity: empty; every row needs a quantity", quantity=""),
    supply_case("s.csv:2:quantity: unknown unit 'karung'", quantity="3 karung"),
    supply_case("s.csv:2:unit: unknown unit 'karung'", quantity="3", unit="karung"),
    supply_case("s.csv:2:period: unknown period 'dekade'", quantity="3", period="dekade"),
    supply_case("s.csv:2:quantity: unknown period '/dekade'", quantity="3 ton/dekade"),
    supply_case("s.csv:2:quantity: unit given twice: 'ton' in the quantity and 'kg'",
                quantity="2 ton", unit="kg"),
    supply_case("s.csv:2:quantity: period given twice", quantity="2 ton/bulan",
                period="per minggu"),
    supply_case("s.csv:2:quantity: not a number: '1.50.000'", quantity="1.50.000 kg"),
    supply_case("s.csv:2:quantity: 99,000,000,000 kg is more than the limit",
                quantity="99.000.000 ton"),
    supply_case("s.csv:2:quantity: too long for a quantity", quantity="1" * 300),
    supply_case("s.csv:2:lat: latitude 95.0 outside -90..90", lat="95", lon="120"),
    supply_case("s.csv:2:lon: longitude 200.0 outside -180..180", lat="-4", lon="200"),
    supply_case("s.csv:2:lon: give both lat and lon, or neither", lat="-4", lon=""),
    supply_case("s.csv:2:lat: not a number: 'utara'", lat="utara", lon="122"),
    supply_case("s.csv:2:price: must not be negative, got -100", price="-100"),
    supply_case("s.csv:2:price: not a number: 'murah'", price="murah"),
    supply_case("s.csv:2:price: too long for a number", price="9" * 250),
    supply_case("s.csv:2:currency: unknown currency 'XYZ'", currency="XYZ"),
    supply_case("s.csv:2:grade: unknown grade 'Z'", grade="Z"),
    supply_case("s.csv:2:product: too long (5,000 characters, at most 1,000)",
                product="kepiting " * 555 + "kepit"),
    supply_case("s.csv:2:product: contains the control or invalid character U+0007 at "
                "position 9", product="kepiting\x07"),
    supply_case("s.csv:2:name: contains the control or invalid character U+001B",
                name="\x1b[31mBUMDes"),
    supply_case("s.csv:2:regency: too long", regency="Konawe " * 200),
    ("s.csv", "supplier_id,product,quantity,quantity\nA,kepiting,1,2\n", "d.csv",
     csv_text(DEMAND), "s.csv:1:quantity: column named twice in the header (fields 3 and 4)"),
    ("s.csv", "supplier_id,product,quantity\nA,kepiting,1,extra\n", "d.csv", csv_text(DEMAND),
     "s.csv:2:field 4: row has 4 fields, the header has 3"),
    ("s.csv", "supplier_id,product,quantity\nA,kepiting\n", "d.csv", csv_text(DEMAND),
     "s.csv:2:quantity: row has 2 fields, the header has 3"),
    supply_json("s.json:1:quantity: not a finite number: nan",
                {"supplier_id": "A", "product": "kepiting", "quantity": float("nan")}),
    supply_json("s.json:1:quantity: expected text, got bool",
                {"supplier_id": "A", "product": "kepiting", "quantity": True}),
    supply_json("s.json:1:product: expected text, got list",
                {"supplier_id": "A", "product": ["kepiting"], "quantity": 1}),
    supply_json("s.json:1:name: expected text, got dict",
                {"supplier_id": "A", "product": "kepiting", "quantity": 1, "name": {"x": 1}}),
    supply_json("s.json:1:supplier_id: contains the control or invalid character U+D800",
                {"supplier_id": "A\ud800", "product": "kepiting", "quantity": 1}),
    ("s.json", '[{"supplier_id": "A", "product": "kepiting", "quantity": ' + "9" * 400 + "}]",
     "d.csv", csv_text(DEMAND), "s.json:1:quantity: not a finite number: a number too large"),
    demand_case("d.csv:2:moq: minimum order 5,000 kg is above the requested quantity 2,000 kg",
                moq="5 MT"),
    demand_case("d.csv:2:max_price: must not be negative", max_price="-2"),
    demand_case("d.csv:2:moq: must not be negative", moq="-1"),
    demand_case("d.csv:2:moq: not a quantity: 'banyak'", moq="banyak"),
    demand_case("d.csv:2:grade_min: unknown grade 'best'", grade_min="best"),
    demand_case("d.csv:2:buyer_id: empty; every row needs an id", buyer_id=""),
    demand_case("d.csv:3:buyer_id: duplicate buyer_id 'B1' (first at row 2)", DEMAND),
    demand_case("d.csv:2:quantity: not a quantity: 'lots'", quantity="lots"),
    demand_case("d.csv:2:currency: unknown currency 'DOGE'", currency="DOGE"),
    demand_case("d.csv:2:unit: unknown unit 'container'", quantity="2", unit="container"),
    demand_case("d.csv:2:country: contains the control or invalid character U+0000",
                country="Hong\x00Kong"),
    demand_case("d.csv:2:product: empty; say what is offered or requested", product=""),
    ("s.csv", csv_text(SUPPLY), "d.csv", "rfq,produk,jumlah,jumlah\nB,crab,1,2\n",
     "d.csv:1:jumlah: column named twice in the header"),
]


def ids():
    return [f"{i:02d}-{case[4].split(': ', 1)[1][:40]}" for i, case in enumerate(CASES)]


LOCATED = re.compile(r"^(?P<file>.+?):(?P<row>\d+):(?P<column>[^:]*): (?P<message>.+)$")


@pytest.mark.parametrize(("supply", "supply_text", "demand", "demand_text", "expected"), CASES,
                         ids=ids())
def test_malformed_input_exits_2_naming_file_row_and_column(
        tmp_path, capsys, supply, supply_text, demand, demand_text, expected):
    (tmp_path / supply).write_text(supply_text, encoding="utf-8", errors="surrogatepass")
    (tmp_path / demand).write_text(demand_text, encoding="utf-8")
    out, csv_dir = tmp_path / "plan.json", tmp_path / "tables"
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["match", str(tmp_path / supply), str(tmp_path / demand), "--out", str(out),
                 "--csv", str(csv_dir)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    lines = captured.err.strip().splitlines()
    for line in lines:
        m = LOCATED.match(line)
        assert m, line
        assert m["file"].startswith(str(tmp_path)), line
    shortened = [line.replace(f"{tmp_path}/", "") for line in lines]
    hit = [line for line in shortened if line.startswith(expected)]
    assert hit, shortened
    m = LOCATED.match(hit[0])
    assert int(m["row"]) >= 1 and m["column"], hit[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_there_are_at_least_40_cell_level_cases():
    assert len(CASES) >= 40
    assert len({case[4] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("s.csv", "", "s.csv:0:: the file is empty"),
    ("s.csv", "supplier_id,product,quantity\n", "s.csv:0:: no rows below the header"),
    ("s.csv", b"supplier_id,product,quantity\nA,kepiting \xff,1\n",
     "s.csv:2:: not UTF-8 text (save the file as CSV UTF-8)"),
    ("s.json", '[{"supplier_id": "A"', "s.json:1:: not valid JSON"),
    ("s.json", "[" * 50_000 + "]" * 50_000, "s.json:0:: not valid JSON: nested too deeply"),
    ("s.json", '{"a": 1}', "s.json:0:: JSON input must be a list of objects"),
    ("s.json", "[1]", "s.json:1:: expected an object, got int"),
    ("s.csv", "product,quantity\nkepiting,1\n", "s.csv:0:supplier_id: required column missing"),
    ("s.csv", 'supplier_id,product,quantity\nA,"' + "x" * 140_000 + '",1\n',
     "s.csv:2:: a field is longer than 131,072 characters"),
])
def test_malformed_files_exit_2_naming_the_file(tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    demand = tmp_path / "d.csv"
    demand.write_text(csv_text(DEMAND))
    assert main(["match", str(path), str(demand), "--out", str(tmp_path / "plan.json")]) == 2
    err = capsys.readouterr().err.replace(f"{tmp_path}/", "")
    assert any(line.startswith(expected) for line in err.splitlines()), err
    assert not (tmp_path / "plan.json").exists()


def test_bad_options_files_exit_2(tmp_path, capsys):
    supply, demand = tmp_path / "s.csv", tmp_path / "d.csv"
    supply.write_text(csv_text(SUPPLY))
    demand.write_text(csv_text(DEMAND))
    for content, expected in [("[" * 50_000 + "]" * 50_000, "not valid JSON: nested too deeply"),
                              ('{"time_limit": -1}', "'time_limit' option must be"),
                              ('{"mip_gap": 1.5}', "'mip_gap' option must be a number from 0"),
                              ('{"strict_regions": "yes"}', "'strict_regions' option must be")]:
        config = tmp_path / "c.json"
        config.write_text(content)
        assert main(["match", str(supply), str(demand), "--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"{config}:0:: ") and expected in err, err


def test_strict_regions_problem_through_the_cli(tmp_path, capsys):
    supply, demand, config = tmp_path / "s.csv", tmp_path / "d.csv", tmp_path / "c.json"
    supply.write_text(csv_text({**SUPPLY, "province": "", "regency": "Atlantis"}))
    demand.write_text(csv_text(DEMAND))
    config.write_text('{"strict_regions": true}')
    assert main(["match", str(supply), str(demand), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{supply}:2:regency: regency not recognised: 'Atlantis'"), err


def test_a_real_process_prints_no_traceback(tmp_path):
    """The in-process cases above share one interpreter; this one runs the installed
    entry point the way a user does, on a file with several problems."""
    supply = tmp_path / "s.json"
    supply.write_text('[{"supplier_id": "A\\ud800", "product": [1], "quantity": '
                      + "9" * 400 + "}, 5]")
    demand = tmp_path / "d.csv"
    demand.write_text("buyer_id,product,quantity,quantity\nB,crab,1,2\n")
    result = subprocess.run([sys.executable, "-m", "matching._cli", "match", str(supply),
                             str(demand), "--out", str(tmp_path / "p.json")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.replace(f"{tmp_path}/", "").splitlines()
    assert lines == [
        "s.json:2:: expected an object, got int",
        "d.csv:1:quantity: column named twice in the header (fields 3 and 4)",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "s.json"]
