"""One self-contained HTML page of a plan: summary, pictures (inline PNG), tables and every
buyer's story. No scripts, no external files: it opens offline and mails as one file."""

from __future__ import annotations

import base64
import html
import importlib.util
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._plan import Plan

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["report_html"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2731;
background:#f6f7f9;line-height:1.45}
header{background:#1f4e5f;color:#fff;padding:1.2rem 2rem}
header h1{margin:0;font-size:1.5rem}header p{margin:.3rem 0 0;opacity:.85}
main{max-width:1200px;margin:0 auto;padding:1rem 2rem 3rem}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);
padding:1rem 1.4rem;margin:1rem 0}
h2{font-size:1.15rem;margin:.2rem 0 .8rem;color:#1f4e5f}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:.8rem}
.card{background:#eef4f6;border-radius:6px;padding:.6rem .8rem}
.card b{display:block;font-size:1.25rem}.card span{font-size:.8rem;color:#4a5b68}
img{max-width:100%;height:auto;display:block;margin:.4rem auto}
table{border-collapse:collapse;width:100%;font-size:.82rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e7ea;text-align:left;vertical-align:top}
th{background:#f0f3f5;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{max-height:420px;overflow:auto}
details{margin:.3rem 0}summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.6rem;border-radius:4px;font-size:.8rem}
.status-optimal{color:#1e7b34}.status-other{color:#a3470b}
"""


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="n">{value:,.2f}</td>' if abs(value) < 10 else \
            f'<td class="n">{value:,.0f}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(rows: Sequence[dict[str, Any]], *, empty: str = "(none)",
           columns: Sequence[str] | None = None) -> str:
    if not rows:
        return f"<p>{html.escape(empty)}</p>"
    names = list(columns or rows[0])
    head = "".join(f"<th>{html.escape(n.replace('_', ' '))}</th>" for n in names)
    body = "".join("<tr>" + "".join(_cell(r.get(n, "")) for n in names) + "</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table></div>"


def _pictures(plan: Plan, buyers: Sequence[str]) -> str:
    if importlib.util.find_spec("matplotlib") is None:
        return ("<section><h2>Pictures</h2><p>Install the plot extra for maps and charts: "
                "<code>pip install 'bumdes-match[plot]'</code></p></section>")
    from ._plot import plot_flows, plot_map, plot_scores

    out = ['<section><h2>Where the lots are and how they ship</h2>',
           f'<img alt="map of lots, ports and flows" src="data:image/png;base64,'
           f'{_png(plot_map(plan))}">', "</section>",
           '<section><h2>From province to buyer country</h2>',
           f'<img alt="flows from province to buyer country" src="data:image/png;base64,'
           f'{_png(plot_flows(plan))}">', "</section>"]
    if buyers:
        out.append("<section><h2>Why these lots: score breakdown of the largest buyers</h2>")
        for buyer in buyers:
            out.append(f'<img alt="score breakdown of {html.escape(buyer)}" '
                       f'src="data:image/png;base64,{_png(plot_scores(plan, buyer))}">')
        out.append("</section>")
    return "".join(out)


def report_html(plan: Plan, *, title: str = "bumdes-match plan", buyers: int = 3) -> str:
    """The plan as one self-contained HTML page.

    Summary figures, a map of lots, ports and flows, flows from province to buyer
    country and the score breakdown of the ``buyers`` largest buyers (pictures need the
    ``plot`` extra; without it the page says so), then the tables of allocations,
    provinces, products, lots and unmatched rows, and every buyer's story. Every text
    from the input is HTML-escaped.

    Parameters
    ----------
    plan : Plan
    title : str
    buyers : int, default 3
        How many buyers (by allocated kg) get a score-breakdown picture.

    Returns
    -------
    str
        The page, UTF-8 text starting with ``<!DOCTYPE html>``.

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> page = matching.report_html(plan, buyers=0)
    >>> page.startswith("<!DOCTYPE html>") and "RFQ-HK-01" in page
    True
    """
    s = plan.summary
    kg_by_buyer: dict[str, float] = {}
    for a in plan.allocations:
        kg_by_buyer[a.buyer_id] = kg_by_buyer.get(a.buyer_id, 0.0) + a.quantity_kg
    top = sorted(kg_by_buyer, key=lambda b: (-kg_by_buyer[b], b))[:max(buyers, 0)]
    status = "status-optimal" if s.status == "optimal" else "status-other"
    cards = [
        (f'<span class="{status}">{html.escape(s.status)}</span>', "solver status"),
        (f"{s.allocated_kg:,.0f} kg", "allocated"),
        (f"{s.supply_kg:,.0f} kg", "supply offered"),
        (f"{s.demand_kg:,.0f} kg", "demand requested"),
        (f"{len(plan.allocations):,}", "allocations"),
        (f"{len({a.lot_id for a in plan.allocations}):,} of {len(plan.lots):,}", "lots used"),
        (f"{len(kg_by_buyer):,}", "buyers served"),
        (f"{s.objective:,.1f}", f"objective (gap {s.gap:.2%})"),
    ]
    weights = ", ".join(f"{k} {v:g}" for k, v in s.weights.items()) or "defaults"
    allocations = plan.records("allocations")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(s.message)}; weights: "
        f"{html.escape(weights)}; solved in {s.seconds:.2f} s</p></header><main>",
        '<section><h2>Summary</h2><div class="cards">',
        "".join(f"<div class=\"card\"><b>{value}</b><span>{html.escape(label)}</span></div>"
                for value, label in cards),
        "</div></section>",
        _pictures(plan, top),
        "<section><h2>Allocations</h2>",
        _table(allocations, empty="Nothing was allocated.", columns=[
            "buyer_id", "lot_id", "product_id", "hs_code", "quantity_kg", "score",
            "origin_port", "first_leg", "destination_port", "landed_cost_usd_per_kg",
            "transit_days", "members"] if allocations else None),
        "</section><section><h2>By province</h2>", _table(plan.records("by_province")),
        "</section><section><h2>By product</h2>", _table(plan.records("by_product")),
        "</section><section><h2>Unmatched demand</h2>",
        _table(plan.records("unmatched_demand"), empty="Every request was served in full."),
        "</section><section><h2>Unmatched supply</h2>",
        _table(plan.records("unmatched_supply"), empty="Every offer was allocated in full."),
        "</section><section><h2>Lots</h2>",
        _table(plan.records("lots"), columns=["lot_id", "product_id", "hub", "province",
                                              "quantity_kg", "members"]),
        "</section><section><h2>Every buyer, explained</h2>",
        "".join(f"<details><summary>{html.escape(b)}</summary><pre>"
                f"{html.escape(plan.explain(b))}</pre></details>" for b in plan.buyer_story),
        "</section></main></body></html>",
    ]
    return "\n".join(parts) + "\n"
