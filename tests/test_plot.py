"""Pictures render to non-empty PNGs (Agg), with the real coastline, and fail clearly
without the plot extra."""

import sys

import numpy as np
import pytest

import matching

from .helpers import national

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib import image  # noqa: E402

from matching._plot import coastline  # noqa: E402


@pytest.fixture(scope="module")
def plan():
    return matching.match(matching.demo_supply(), matching.demo_demand())


def render(fig, tmp_path, name="out.png", *, spread=0.05):
    path = tmp_path / name
    fig.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(path)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > spread, "the picture is blank"
    return pixels


def test_coastline_is_natural_earth():
    rings = coastline()
    codes = {code for code, _ in rings}
    assert {"ID", "MY", "PG", "TL"} <= codes
    indonesia = [r for code, r in rings if code == "ID"]
    assert len(indonesia) > 100  # islands
    lon = np.concatenate([r[:, 0] for r in indonesia])
    lat = np.concatenate([r[:, 1] for r in indonesia])
    assert 94 < lon.min() < 96 and 140 < lon.max() < 142
    assert -11.5 < lat.min() < -10 and 5 < lat.max() < 6.5


def test_map(plan, tmp_path):
    fig = matching.plot_map(plan)
    ax = fig.axes[0]
    assert ax.get_title().startswith("Lots, ports and flows")
    assert len(ax.collections) >= 4  # land, regencies, flows, lots, ports
    render(fig, tmp_path)


def test_flows(plan, tmp_path):
    fig = matching.plot_flows(plan)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("Hong Kong") for t in texts)
    assert any(t.startswith("Sulawesi Tenggara") for t in texts)
    render(fig, tmp_path)


def test_scores_add_up_to_the_score(plan, tmp_path):
    fig = matching.plot_scores(plan, "RFQ-HK-01")
    ax = fig.axes[0]
    mine = [a for a in plan.allocations if a.buyer_id == "RFQ-HK-01"]
    ends = {}
    for bar in ax.patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        ends[y] = max(ends.get(y, 0.0), bar.get_x() + bar.get_width())
    assert [ends[i] for i in range(len(mine))] == pytest.approx([a.score for a in mine])
    render(fig, tmp_path)


def test_sensitivity_picture(tmp_path):
    prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
    fig = matching.plot_sensitivity(prepared.sensitivity(grid={"price": [0.5, 3.0]}))
    render(fig, tmp_path)


def test_nothing_allocated_still_draws(tmp_path):
    plan = matching.match(
        [{"supplier_id": "S1", "product": "tepung pisang", "quantity": "2 ton",
          "province": "Lampung", "regency": "Lampung Selatan"}],
        [{"buyer_id": "B1", "product": "live mud crab", "quantity": "1 MT",
          "country": "Hong Kong"}])
    render(matching.plot_map(plan), tmp_path)
    for fig in (matching.plot_flows(plan), matching.plot_scores(plan, "B1")):
        render(fig, tmp_path, spread=0.01)  # a line of text
    assert "gets nothing" in matching.plot_scores(plan, "B1").axes[0].texts[0].get_text()
    with pytest.raises(KeyError, match="no buyer"):
        matching.plot_scores(plan, "B2")


def test_national_map(tmp_path):
    plan = matching.match(*national(600, 120, seed=5))
    render(matching.plot_map(plan), tmp_path)
    fig = matching.plot_flows(plan, top=6)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) <= 12 and any(t.startswith("other (") for t in labels)
    kg = sum(float(t.rsplit(" ", 2)[-2].replace(",", "")) for t in labels)
    assert kg == pytest.approx(2 * plan.summary.allocated_kg, rel=1e-3)
    render(fig, tmp_path)


def test_draws_on_given_axes(plan):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    assert matching.plot_flows(plan, ax=axes[1]) is fig
    assert axes[1].patches


def test_missing_matplotlib_names_the_extra(plan, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'bumdes-match\[plot\]'"):
        matching.plot_map(plan)
