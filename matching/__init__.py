"""bumdes-match: turn what Indonesian village-owned enterprises (BUMDes) sell into export
deals.

Normalise messy product, quantity and region text; consolidate village supply into
export lots; score every lot-buyer pair with tunable weights; solve the weighted
assignment under capacities and minimum order quantities; explain every match and
non-match.

Examples
--------
>>> import matching
>>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
>>> plan.summary.status
'optimal'
"""

from ._config import Config
from ._demo import demo_demand, demo_supply
from ._exceptions import InputError, MatchingError, MatchingWarning, Problem
from ._html_report import report_html
from ._logistics import FreightQuote, FreightRates, quote_freight
from ._pipeline import Prepared, match, prepare
from ._plan import (
                    Allocation,
                    Candidate,
                    LotRecord,
                    Member,
                    Plan,
                    Summary,
                    UnmatchedDemand,
                    UnmatchedSupply,
)
from ._plot import plot_flows, plot_map, plot_scores, plot_sensitivity
from ._product_match import ProductMatch
from ._product_resolver import ProductResolver
from ._products import normalize_products
from ._regions import RegionResult, resolve_regions
from ._sensitivity import Sensitivity, sensitivity
from ._taxonomy import Product, Taxonomy, default_taxonomy, read_products
from ._weights import Weights

__all__ = [
    "Allocation",
    "Candidate",
    "Config",
    "FreightQuote",
    "FreightRates",
    "InputError",
    "LotRecord",
    "MatchingError",
    "MatchingWarning",
    "Member",
    "Plan",
    "Prepared",
    "Problem",
    "Product",
    "ProductMatch",
    "ProductResolver",
    "RegionResult",
    "Sensitivity",
    "Summary",
    "Taxonomy",
    "UnmatchedDemand",
    "UnmatchedSupply",
    "Weights",
    "default_taxonomy",
    "demo_demand",
    "demo_supply",
    "match",
    "normalize_products",
    "plot_flows",
    "plot_map",
    "plot_scores",
    "plot_sensitivity",
    "prepare",
    "quote_freight",
    "read_products",
    "report_html",
    "resolve_regions",
    "sensitivity",
]

__version__ = "0.1.0"
