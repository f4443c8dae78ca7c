"""Run configuration: planning horizon, currencies, freight rates, solver options."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from ._currency import DEFAULT_RATES
from ._flow import flow_available
from ._logistics import FreightRates

__all__ = ["Config"]

MinShipmentMethod = Literal["auto", "exact", "repair"]
_REGIONS = ("regency", "province")
_METHODS = ("auto", "exact", "repair")
Solver = Literal["auto", "highs", "ortools"]
_SOLVERS = ("auto", "highs", "ortools")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything about a run that is not a weight.

    Parameters
    ----------
    horizon_months : float, default 1
        Planning horizon; quantities per week / month / year are converted to kg over it.
    supply_currency, demand_currency : str
        Currency of prices given without a ``currency`` column (IDR for BUMDes offers,
        USD for buyer requests).
    rates : mapping, optional
        Units of each currency per US dollar; defaults to the embedded dated table.
    freight : FreightRates
        Freight cost model.
    consolidation : "regency", "province" or float, default "regency"
        Consolidation region: one lot per product, grade and certification profile per
        regency (small regency pools merge with neighbours in their province when alone
        they cannot reach the smallest MOQ in reach), per province, or per circle of
        that many km around a hub (the largest offer not yet pooled).
    min_shipment_kg : float, default 0
        Smallest quantity on any allocation (0 = no minimum).
    min_shipment_method : "auto", "exact" or "repair", default "auto"
        How minimum shipments are solved: ``repair`` (LP relaxation with repair, fast,
        gap reported), ``exact`` (MILP), ``auto`` (repair, then the exact MILP on parts
        of at most ``exact_max_pairs`` candidate pairs).
    exact_max_pairs : int, default 2000
        Largest independent part that ``auto`` hands to the exact MILP.
    province_coverage : bool, default False
        Require a served lot in every province with candidates (the ministry's target
        of an exporting BUMDes in every province).
    coverage_min_kg : float, default 1000
        A lot counts as served for coverage when it ships this much (or all it has).
    solver : "auto", "highs" or "ortools", default "auto"
        Backend for parts that are plain transportation LPs (no MOQ, minimum shipment or
        coverage): OR-Tools min-cost flow (the ``ortools`` extra) or HiGHS; ``auto``
        takes OR-Tools when it is installed. MILP parts always go to HiGHS.
    time_limit : float, default 60
        Seconds the solver may take; the best plan found by then is returned.
    mip_gap : float, default 1e-4
        Relative gap between a plan and the proven bound at which the solver stops and
        calls the plan optimal (0.01%, the usual default of MILP solvers). 0 asks for the
        exact optimum, which can take far longer on instances with MOQs.
    strict_regions : bool, default False
        When False, a supply row whose region cannot be resolved is kept (placed by its
        province or coordinates when possible, else listed as unmatched with the reason
        "location unknown"). When True, every regency or province text that does not
        resolve, and every row that cannot be placed, is an :class:`InputError` naming
        ``file:row:column``.
    products : str, optional
        Path of a CSV of extra products and synonyms (the columns of ``products.csv``,
        see :func:`matching.read_products`), added to the embedded taxonomy when inputs are
        normalised; its problems are an :class:`InputError`.

    Examples
    --------
    >>> Config(horizon_months=3).horizon_months
    3.0
    >>> Config.from_mapping({"min_shipment_kg": 500}).min_shipment_kg
    500.0
    >>> Config(consolidation=50).consolidation
    50.0
    """

    horizon_months: float = 1.0
    supply_currency: str = "IDR"
    demand_currency: str = "USD"
    rates: Mapping[str, float] = field(default_factory=lambda: DEFAULT_RATES)
    freight: FreightRates = field(default_factory=FreightRates)
    consolidation: str | float = "regency"
    min_shipment_kg: float = 0.0
    min_shipment_method: MinShipmentMethod = "auto"
    exact_max_pairs: int = 2000
    province_coverage: bool = False
    coverage_min_kg: float = 1000.0
    time_limit: float = 60.0
    mip_gap: float = 1e-4
    strict_regions: bool = False
    solver: Solver = "auto"
    products: str | None = None

    def __post_init__(self) -> None:
        if self.products is not None:
            if not isinstance(self.products, str | os.PathLike):
                raise ValueError(f"The 'products' option must be the path of a CSV file; got "
                                 f"{self.products!r} instead.")
            object.__setattr__(self, "products", os.fspath(self.products))
        if not isinstance(self.strict_regions, bool):
            raise ValueError(f"The 'strict_regions' option must be true or false; got "
                             f"{self.strict_regions!r} instead.")
        region = self.consolidation
        if isinstance(region, str):
            if region not in _REGIONS:
                raise ValueError(f"The 'consolidation' option must be 'regency', 'province' or "
                                 f"a radius in km; got {region!r} instead.")
        elif isinstance(region, bool) or not isinstance(region, int | float) or \
                not math.isfinite(region) or region <= 0:
            raise ValueError(f"The 'consolidation' option must be 'regency', 'province' or a "
                             f"positive radius in km; got {region!r} instead.")
        else:
            object.__setattr__(self, "consolidation", float(region))
        if self.solver not in _SOLVERS:
            raise ValueError(f"The 'solver' option must be one of {', '.join(_SOLVERS)}; got "
                             f"{self.solver!r} instead.")
        if self.solver == "ortools" and not flow_available():
            raise ValueError("The 'solver' option 'ortools' needs OR-Tools: pip install "
                             "'bumdes-match[ortools]'.")
        if self.min_shipment_method not in _METHODS:
            raise ValueError(f"The 'min_shipment_method' option must be one of "
                             f"{', '.join(_METHODS)}; got {self.min_shipment_method!r} instead.")
        if isinstance(self.exact_max_pairs, bool) or not isinstance(self.exact_max_pairs, int) \
                or self.exact_max_pairs < 0:
            raise ValueError(f"The 'exact_max_pairs' option must be a non-negative integer; "
                             f"got {self.exact_max_pairs!r} instead.")
        if not isinstance(self.province_coverage, bool):
            raise ValueError(f"The 'province_coverage' option must be true or false; got "
                             f"{self.province_coverage!r} instead.")
        for name in ("horizon_months", "min_shipment_kg", "coverage_min_kg", "time_limit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not math.isfinite(value) or value < 0:
                raise ValueError(f"The {name!r} option must be a non-negative number; "
                                 f"got {value!r} instead.")
            object.__setattr__(self, name, float(value))
        if isinstance(self.mip_gap, bool) or not isinstance(self.mip_gap, int | float) or \
                not 0 <= self.mip_gap < 1:
            raise ValueError(f"The 'mip_gap' option must be a number from 0 to below 1; got "
                             f"{self.mip_gap!r} instead.")
        object.__setattr__(self, "mip_gap", float(self.mip_gap))
        if self.horizon_months <= 0 or self.time_limit <= 0:
            raise ValueError("The 'horizon_months' and 'time_limit' options must be positive.")
        rates = {str(k).upper(): v for k, v in self.rates.items()}
        for code, rate in rates.items():
            if isinstance(rate, bool) or not isinstance(rate, int | float) or \
                    not math.isfinite(rate) or rate <= 0:
                raise ValueError(f"The rate of {code!r} must be a positive number; "
                                 f"got {rate!r} instead.")
        for name in ("supply_currency", "demand_currency"):
            code = str(getattr(self, name)).upper()
            if code not in rates:
                raise ValueError(f"The {name!r} option {code!r} is not in the rate table.")
            object.__setattr__(self, name, code)
        object.__setattr__(self, "rates", MappingProxyType(rates))

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only rates view does not pickle; process pools and Dask need to.
        return (_from_dict, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``--config`` format)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rates"] = dict(self.rates)
        out["freight"] = asdict(self.freight)
        return out

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Config:
        """A config from a mapping; missing options keep their defaults."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(map(repr, unknown))}; the options "
                             f"are {', '.join(sorted(known))}")
        data = dict(values)
        if "freight" in data and not isinstance(data["freight"], FreightRates):
            if not isinstance(data["freight"], Mapping):
                raise ValueError("The 'freight' option must be an object of rates.")
            data["freight"] = FreightRates.from_mapping(data["freight"])
        if "rates" in data:
            if not isinstance(data["rates"], Mapping):
                raise ValueError("The 'rates' option must be an object of currency: rate.")
            data["rates"] = {**DEFAULT_RATES, **data["rates"]}
        return cls(**data)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Config:
        """A config from a JSON file holding one object."""
        data = json.loads(Path(path).read_text("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the config file must hold one JSON object")
        return cls.from_mapping(data)


def _from_dict(values: dict[str, Any]) -> Config:
    return Config(**{**values, "freight": FreightRates.from_mapping(values["freight"])})
