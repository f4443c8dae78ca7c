"""The HTML report: one self-contained page, escaped, written by the CLI, and rendered by
headless Chromium."""

import base64
import re
import shutil
import subprocess
import sys

import pytest

import matching
from matching._cli import main

from .conftest import DEMAND_HEADER, SUPPLY_HEADER

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")
SECTIONS = ("Summary", "Where the lots are and how they ship", "From province to buyer country",
            "Allocations", "By province", "By product", "Unmatched demand", "Unmatched supply",
            "Lots", "Every buyer, explained")


@pytest.fixture(scope="module")
def plan():
    return matching.match(matching.demo_supply(), matching.demo_demand())


@pytest.fixture(scope="module")
def page(plan):
    pytest.importorskip("matplotlib")
    return matching.report_html(plan)


def test_page_is_self_contained(page, plan):
    assert page.startswith("<!DOCTYPE html>")
    for title in SECTIONS:
        assert f"<h2>{title}</h2>" in page
    assert not re.search(r"""(src|href)=["'](?!data:)""", page), "no external resources"
    assert "<script" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 + 3  # map, flows, three buyers' score breakdowns
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    for a in plan.allocations:
        assert a.lot_id in page
    for buyer in plan.buyer_story:
        assert f"<summary>{buyer}</summary>" in page


def test_input_text_is_escaped(write):
    supply = write("s.csv", f"{SUPPLY_HEADER}\nS<i>1,kepiting bakau hidup,800,115.000,"
                            "Sulawesi Tenggara,Konawe\n")
    demand = write("d.csv", f"{DEMAND_HEADER}\n<script>alert(1)</script>,live mud crab,500,,"
                            "20,Hong Kong\n")
    page = matching.report_html(matching.match(supply, demand), buyers=0)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "S<i>1" not in page and "S&lt;i&gt;1" in page


def test_without_matplotlib_the_page_says_how_to_get_pictures(plan, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    page = matching.report_html(plan)
    assert "pip install 'bumdes-match[plot]'" in page
    assert "data:image/png" not in page


def test_cli_writes_the_report(tmp_path, capsys):
    report = tmp_path / "report.html"
    assert main(["match", matching.demo_supply(), matching.demo_demand(),
                 "--out", str(tmp_path / "plan.json"), "--report", str(report)]) == 0
    page = report.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "RFQ-HK-01" in page
    assert "Plan:" in capsys.readouterr().out


def test_cli_bad_input_writes_no_report(write, tmp_path, capsys):
    supply = write("s.csv", f"{SUPPLY_HEADER}\nS1,kepiting,lots,1,Sultra,Konawe\n")
    demand = write("d.csv", f"{DEMAND_HEADER}\nB1,crab,1 MT,,,HK\n")
    report = tmp_path / "report.html"
    assert main(["match", str(supply), str(demand), "--report", str(report)]) == 2
    assert not report.exists()
    assert "s.csv:2:quantity" in capsys.readouterr().err


def chromium(*args, tmp_path):
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed (make test installs it)")
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           *args], capture_output=True, text=True, timeout=120, check=True)


def test_chromium_renders_the_report(tmp_path):
    pytest.importorskip("matplotlib")
    report = tmp_path / "report.html"
    assert main(["demo", "--report", str(report)]) == 0
    dom = chromium("--dump-dom", report.as_uri(), tmp_path=tmp_path).stdout
    for title in SECTIONS:
        assert title in dom
    assert dom.count("<img") == 5
    shot = tmp_path / "shot.png"
    chromium("--window-size=1280,1800", f"--screenshot={shot}", report.as_uri(),
             tmp_path=tmp_path)
    from matplotlib import image

    pixels = (image.imread(shot)[..., :3] * 255).round().astype(int)
    assert pixels.shape[:2] == (1800, 1280)
    # The header bar (#1f4e5f) and the sea of the map picture (#eaf2f8) are on screen:
    # the CSS applied and the inline PNG decoded.
    assert ((pixels == (0x1F, 0x4E, 0x5F)).all(axis=-1)).sum() > 10_000
    assert ((abs(pixels - (0xEA, 0xF2, 0xF8)) <= 2).all(axis=-1)).sum() > 50_000


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))
