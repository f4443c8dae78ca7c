"""Ports, routes and a freight cost model: what it costs per kg, and how many days it
takes, to bring a lot from its hub to a buyer's port."""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._geo import haversine_km
from ._text import clean_text

__all__ = ["FreightRates", "PortNetwork", "default_network", "route_costs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Mode = Literal["sea", "air"]
KM_PER_NM = 1.852


@dataclass(frozen=True, slots=True)
class FreightRates:
    """Freight rates in USD per kg, per kg-km (land, air) or per kg-nm (sea), and speeds.

    Defaults are round figures for consolidated LCL / air cargo out of Indonesia; see
    ``docs/scoring.md``. Override any of them through ``Config(freight=...)``.
    """

    land_per_kg_km: float = 0.00012
    land_circuity: float = 1.3
    land_km_per_day: float = 400.0
    dry_per_kg: float = 0.04
    dry_per_kg_nm: float = 0.000012
    reefer_per_kg: float = 0.10
    reefer_per_kg_nm: float = 0.00003
    air_per_kg: float = 0.35
    air_per_kg_km: float = 0.0008
    sea_circuity: float = 1.25
    sea_knots: float = 14.0
    port_days: float = 4.0
    air_km_per_day: float = 12_000.0
    air_handling_days: float = 1.5

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> FreightRates:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown freight rate(s) {unknown}; known: {sorted(known)}")
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"freight rate {key!r} must be a non-negative number, "
                                 f"got {value!r}")
        return cls(**{k: float(v) for k, v in values.items()})


@dataclass(frozen=True, slots=True)
class PortNetwork:
    """Origin ports in Indonesia, destination ports abroad, and distances between them."""

    name: tuple[str, ...]
    locode: tuple[str, ...]
    country_code: tuple[str, ...]
    kind: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    origin: npt.NDArray[np.bool_]
    sea_nm: FloatArray = field(repr=False)
    countries: dict[str, str] = field(repr=False)
    country_default: dict[tuple[str, str], int] = field(repr=False)
    _names: dict[str, int] = field(repr=False)

    def country(self, text: str) -> str | None:
        """ISO code of the country ``text`` names (English, Indonesian, or ISO code)."""
        return self.countries.get(clean_text(text))

    def destination(self, country: str, port: str, mode: Mode) -> int:
        """Index of the buyer's port for ``mode``, or -1 when it cannot be placed."""
        if port:
            hit = self._names.get(clean_text(port))
            if hit is not None and not self.origin[hit]:
                if self.kind[hit] == mode:
                    return hit
                country = country or self.country_code[hit]
        code = self.country(country) if country else None
        if code is None:
            return -1
        return self.country_default.get((code, mode), -1)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def default_network() -> PortNetwork:
    """The embedded ports, countries and sea distances."""
    ports = _rows("ports.csv")
    position = {p["locode"]: i for i, p in enumerate(ports)}
    names: dict[str, int] = {}
    for i, p in enumerate(ports):
        for text in (p["locode"], p["locode"].removeprefix("IATA:"), p["name"]):
            names.setdefault(clean_text(text), i)
    countries: dict[str, str] = {}
    for c in _rows("country_names.csv"):
        for text in (c["country_code"], c["name"], *c["aliases"].split("|")):
            if clean_text(text):
                countries.setdefault(clean_text(text), c["country_code"])
    defaults = {(p["country_code"], p["kind"]): i for i, p in enumerate(ports)
                if p["default_for_country"] == "1" and p["role"] == "destination"}
    sea = np.full((len(ports), len(ports)), np.nan)
    for d in _rows("sea_distances.csv"):
        if d["origin"] in position and d["destination"] in position:
            i, j = position[d["origin"]], position[d["destination"]]
            sea[i, j] = sea[j, i] = float(d["distance_nm"])
    return PortNetwork(
        name=tuple(p["name"] for p in ports), locode=tuple(p["locode"] for p in ports),
        country_code=tuple(p["country_code"] for p in ports),
        kind=tuple(p["kind"] for p in ports),
        lat=np.array([float(p["lat"]) for p in ports]),
        lon=np.array([float(p["lon"]) for p in ports]),
        origin=np.array([p["role"] == "origin" for p in ports]),
        sea_nm=sea, countries=countries, country_default=defaults, _names=names,
    )


def nearest_origin(network: PortNetwork, lat: FloatArray, lon: FloatArray,
                   mode: Mode) -> tuple[IntArray, FloatArray]:
    """Nearest Indonesian port of ``mode`` for each point, and the land distance in km."""
    candidates = np.flatnonzero(network.origin & (np.array(network.kind) == mode))
    km = haversine_km(lat[:, None], lon[:, None], network.lat[candidates],
                      network.lon[candidates])
    best = np.argmin(km, axis=1)
    return candidates[best], km[np.arange(len(best)), best]


def route_costs(
    network: PortNetwork, rates: FreightRates, *, transport: Sequence[str],
    origin: IntArray, land_km: FloatArray, destination: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Cost in USD per kg and transit days for each route.

    Each route is a land leg (``land_km`` great-circle, times the circuity) to its
    ``origin`` port and a sea or air leg to its ``destination`` port; ``transport`` is
    the product's class (``air`` flies, ``reefer`` and ``dry`` sail). Destinations of
    -1 give infinite cost.
    """
    n = len(origin)
    cost = np.full(n, np.inf)
    days = np.full(n, np.inf)
    ok = destination >= 0
    land = land_km * rates.land_circuity
    transport_arr = np.asarray(transport)
    leg_km = haversine_km(network.lat[origin], network.lon[origin],
                          network.lat[np.maximum(destination, 0)],
                          network.lon[np.maximum(destination, 0)])
    sea_nm = network.sea_nm[origin, np.maximum(destination, 0)]
    sea_nm = np.where(np.isnan(sea_nm), leg_km / KM_PER_NM * rates.sea_circuity, sea_nm)
    air = transport_arr == "air"
    reefer = transport_arr == "reefer"
    base = np.where(air, rates.air_per_kg, np.where(reefer, rates.reefer_per_kg,
                                                    rates.dry_per_kg))
    leg = np.where(air, rates.air_per_kg_km * leg_km,
                   np.where(reefer, rates.reefer_per_kg_nm, rates.dry_per_kg_nm) * sea_nm)
    leg_days = np.where(air, rates.air_handling_days + leg_km / rates.air_km_per_day,
                        rates.port_days + sea_nm / (rates.sea_knots * 24))
    cost[ok] = (land * rates.land_per_kg_km + base + leg)[ok]
    days[ok] = (land / rates.land_km_per_day + leg_days)[ok]
    return cost, days
