"""Output files: atomic (no half-written plan after a failure or Ctrl-C) and CSV safe from
spreadsheet formula injection."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

import matching
import matching._files as files_module
from matching._cli import main
from matching._files import csv_cell, csv_text, write_atomic, write_many_atomic


@pytest.fixture(scope="module")
def plan():
    return matching.match(matching.demo_supply(), matching.demo_demand())


def is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces_the_whole_file(tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    write_atomic(tmp_path / "fresh.json", "x")
    assert (tmp_path / "fresh.json").stat().st_mode & 0o777 == 0o644
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_writing_keeps_the_old_file(tmp_path, monkeypatch, failure):
    target = tmp_path / "plan.json"
    target.write_text("old")

    def fail(fd):
        raise failure

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(type(failure)):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_pieces_are_written_in_order(tmp_path):
    """Pieces (text and bytes) written by the writer thread come out in order."""
    pieces = [f"{i:04d}," if i % 2 else f"{i:04d},".encode() for i in range(500)]
    write_many_atomic([(tmp_path / "a.txt", iter(pieces))])
    want = "".join(p if isinstance(p, str) else p.decode() for p in pieces)
    assert (tmp_path / "a.txt").read_text() == want


@pytest.mark.parametrize("where", ["writer", "maker"])
def test_a_failure_while_writing_pieces_keeps_the_old_file(tmp_path, monkeypatch, where):
    """An error of the writer thread (here the disk) or of what makes the pieces is
    raised, the old file kept and no temporary file left."""
    target = tmp_path / "plan.json"
    target.write_text("old")
    real_write = files_module._write_pieces

    def disk_full(handle, pieces):
        class Full:
            def write(self, piece):
                raise OSError(28, "No space left on device")
        real_write(Full(), pieces)

    def pieces():
        for i in range(1000):
            if where == "maker" and i == 500:
                raise ValueError("no more")
            yield b"x" * 10

    if where == "writer":
        monkeypatch.setattr(files_module, "_write_pieces", disk_full)
    with pytest.raises(OSError if where == "writer" else ValueError):
        write_many_atomic([(target, pieces())])
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_several_files_are_all_replaced_or_none(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a")
    real_replace = os.replace
    calls = []

    def replace_then_fail(src, dst):
        calls.append(dst)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(OSError):
        write_many_atomic([(a, "new a"), (b, "new b")])
    assert a.read_text() == "old a" and not b.exists()
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(os, "replace", real_replace)
    write_many_atomic([(a, "new a"), (b, "new b")])
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    # A missing folder fails before any file is touched, naming the file it was for.
    with pytest.raises(OSError) as exc_info:
        write_many_atomic([(a, "newer"), (tmp_path / "missing" / "c.csv", "c")])
    assert exc_info.value.filename == str(tmp_path / "missing" / "c.csv")
    assert a.read_text() == "new a"
    assert leftovers(tmp_path) == []


def test_ctrl_c_while_the_cli_writes_leaves_no_plan(tmp_path):
    """A real SIGINT, delivered while the plan is being written: exit 130, the old plan
    untouched, no temporary file left."""
    out = tmp_path / "plan.json"
    out.write_text('{"old": true}\n')
    script = textwrap.dedent(f"""
        import os, signal, sys
        import matching._files as files
        real_fsync = os.fsync
        def fsync_then_interrupt(fd):
            real_fsync(fd)
            os.kill(os.getpid(), signal.SIGINT)
        files.os.fsync = fsync_then_interrupt
        from matching._cli import main
        sys.exit(main(["match", {matching.demo_supply()!r}, {matching.demo_demand()!r},
                       "--out", {str(out)!r}, "--csv", {str(tmp_path / "tables")!r}]))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 128 + signal.SIGINT, result.stderr
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr
    assert json.loads(out.read_text()) == {"old": True}
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "tables") == []
    assert list((tmp_path / "tables").iterdir()) == []


def test_unwritable_output_is_an_input_error_and_writes_nothing(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = tmp_path / "plan.json"
    code = main(["match", matching.demo_supply(), matching.demo_demand(), "--out", str(out),
                 "--csv", str(blocker / "tables")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{blocker / 'tables'}:0:: cannot write: ") and "no output file" in err
    assert not out.exists()


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+62 812", "'+62 812"), ("-SUM(A1)", "'-SUM(A1)"),
    ("@cmd", "'@cmd"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("kopi", "kopi"),
    ("1=1", "1=1"), ("", ""), (-2.5, -2.5), (3, 3), (None, None),
])
def test_csv_cell(value, safe):
    assert csv_cell(value) == safe


def test_csv_text_round_trips_through_a_reader():
    rows = [{"id": '=HYPERLINK("http://evil","x")', "note": 'a,"b"\nc', "kg": -1.5}]
    text = csv_text(["id", "note", "kg"], rows)
    (back,) = list(csv.DictReader(io.StringIO(text, newline="")))
    assert back == {"id": "'" + rows[0]["id"], "note": 'a,"b"\nc', "kg": "-1.5"}


def test_plan_to_csv_writes_every_table(tmp_path, plan):
    paths = plan.to_csv(tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == sorted(["allocations.csv", "lots.csv", "candidates.csv",
                            "unmatched_supply.csv", "unmatched_demand.csv", "by_province.csv",
                            "by_product.csv", "allocation_members.csv"])
    with open(tmp_path / "out" / "allocations.csv", newline="", encoding="utf-8") as f:
        allocations = list(csv.DictReader(f))
    assert len(allocations) == len(plan.allocations)
    assert sum(float(a["quantity_kg"]) for a in allocations) == pytest.approx(
        plan.summary.allocated_kg, abs=1e-3)
    with open(tmp_path / "out" / "allocation_members.csv", newline="", encoding="utf-8") as f:
        members = list(csv.DictReader(f))
    assert sum(float(m["quantity_kg"]) for m in members) == pytest.approx(
        plan.summary.allocated_kg, abs=1e-3)


def test_ids_that_look_like_formulas_are_escaped_in_the_plan_csv(tmp_path):
    supply = [{"supplier_id": "=cmd|' /C calc'!A0", "product": "kepiting bakau hidup",
               "quantity": "2 ton", "regency": "Konawe", "province": "Sulawesi Tenggara"},
              {"supplier_id": "@SUM(1+1)", "product": "gaplek xyz", "quantity": "1 ton",
               "regency": "Konawe"}]
    demand = [{"buyer_id": "+RFQ-1", "product": "live mud crab", "quantity": "1 MT",
               "country": "Hong Kong"},
              {"buyer_id": "-RFQ-2", "product": "batu bara", "quantity": "1 MT",
               "country": "Japan"}]
    plan = matching.match(supply, demand)
    plan.to_csv(tmp_path)
    cells = [cell for path in tmp_path.glob("*.csv")
             for row in csv.reader(io.StringIO(path.read_text("utf-8"), newline=""))
             for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
                and not is_number(c)]  # negative numbers (hub latitudes) are numbers
    assert "'=cmd|' /C calc'!A0" in cells and "'+RFQ-1" in cells and "'-RFQ-2" in cells
    assert "'@SUM(1+1)" in cells


def test_cli_csv_option(tmp_path, capsys):
    out = tmp_path / "plan.json"
    assert main(["match", matching.demo_supply(), matching.demo_demand(), "--out", str(out),
                 "--csv", str(tmp_path / "tables")]) == 0
    capsys.readouterr()
    plan = json.loads(out.read_text())
    with open(tmp_path / "tables" / "unmatched_demand.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["buyer_id"] for r in rows] == [u["buyer_id"] for u in plan["unmatched_demand"]]


def test_out_in_a_missing_folder_names_the_output(tmp_path, capsys):
    out = tmp_path / "missing" / "plan.json"
    report = tmp_path / "report.html"
    code = main(["match", matching.demo_supply(), matching.demo_demand(), "--report",
                 str(report), "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err == (f"{out}:0:: cannot write: No such file or directory; "
                                       "no output file was written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
