"""Ports, routes and a freight cost model: what it costs per kg, and how many days it
takes, to bring a lot from its hub to a buyer's port."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ._geo import haversine_km
from ._regions import default_gazetteer
from ._text import clean_text

__all__ = ["FIRST_LEGS", "FreightQuote", "FreightRates", "PortNetwork", "Routes",
           "cheapest_routes", "default_network", "hub_islands", "plan_routes", "quote_freight"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Mode = Literal["sea", "air"]
KM_PER_NM = 1.852


@dataclass(frozen=True, slots=True)
class FreightRates:
    """The logistics cost model: rates in USD per kg, per kg-km (land, air) or per kg-nm
    (sea), speeds and fixed days, per transport class (``air`` for live seafood, ``reefer``
    for frozen and chilled goods, ``dry`` for shelf-stable goods).

    A route is a first leg from the hub to an Indonesian export port or airport (a truck
    on the same island; an inter-island feeder ship, or for air cargo a domestic flight,
    when the hub is on another island) and a main leg from there to the buyer's port.
    Defaults are round planning figures, not quotes; ``docs/logistics.md`` gives their
    basis. Override any of them through ``Config(freight={...})``.

    Examples
    --------
    >>> FreightRates().reefer_per_kg
    0.1
    >>> FreightRates.from_mapping({"air_per_kg": 0.5}).air_per_kg
    0.5
    """

    land_per_kg_km: float = 0.00012
    land_reefer_per_kg_km: float = 0.0002
    land_circuity: float = 1.3
    land_km_per_day: float = 400.0
    feeder_dry_per_kg: float = 0.03
    feeder_dry_per_kg_nm: float = 0.00006
    feeder_reefer_per_kg: float = 0.06
    feeder_reefer_per_kg_nm: float = 0.00012
    feeder_knots: float = 10.0
    feeder_port_days: float = 3.0
    dry_per_kg: float = 0.04
    dry_per_kg_nm: float = 0.000012
    reefer_per_kg: float = 0.10
    reefer_per_kg_nm: float = 0.00003
    sea_circuity: float = 1.25
    sea_knots: float = 14.0
    port_days: float = 4.0
    air_domestic_per_kg: float = 0.25
    air_domestic_per_kg_km: float = 0.001
    air_domestic_days: float = 1.0
    air_per_kg: float = 0.35
    air_per_kg_km: float = 0.0008
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


#: Words around a port's name that do not identify it.
_PORT_FILLER = frozenset({"port", "of", "pelabuhan", "airport", "bandara", "bandar", "udara",
                          "international", "internasional", "intl", "seaport", "harbour",
                          "harbor", "terminal", "container", "cargo", "kargo", "the", "int",
                          "airfield", "laut"})
COUNTRY_CUTOFF = 88.0
PORT_CUTOFF = 86.0


def _port_key(text: str) -> str:
    return " ".join(w for w in clean_text(text).split() if w not in _PORT_FILLER)


@dataclass(frozen=True, slots=True)
class PortNetwork:
    """Origin ports in Indonesia, destination ports abroad, and distances between them.

    ``island`` names the island of each Indonesian port (``""`` abroad);
    ``sea_nm[i, j]`` is the searoute distance in nautical miles (NaN when not tabled).
    """

    name: tuple[str, ...]
    locode: tuple[str, ...]
    country_code: tuple[str, ...]
    kind: tuple[str, ...]
    lat: FloatArray
    lon: FloatArray
    origin: npt.NDArray[np.bool_]
    island: tuple[str, ...]
    sea_nm: FloatArray = field(repr=False)
    countries: dict[str, str] = field(repr=False)
    country_default: dict[tuple[str, str], int] = field(repr=False)
    _names: dict[str, tuple[int, ...]] = field(repr=False)

    def country(self, text: str) -> str | None:
        """ISO code of the country ``text`` names (English or Indonesian name, alias, ISO
        code, or a near spelling), or None.

        Examples
        --------
        >>> net = default_network()
        >>> [net.country(t) for t in ("Belanda", "NL", "the Netherlands", "Netherland")]
        ['NL', 'NL', 'NL', 'NL']
        """
        key = clean_text(text)
        hit = self.countries.get(key) or self.countries.get(key.removeprefix("the "))
        if hit is None and len(key) >= 5:
            best = process.extractOne(key, list(self.countries), scorer=fuzz.ratio,
                                      score_cutoff=COUNTRY_CUTOFF)
            hit = self.countries[best[0]] if best else None
        return hit

    def port(self, text: str) -> tuple[int, ...]:
        """Destination ports ``text`` names (LOCODE, IATA code, name, city), or ``()``."""
        key = _port_key(text)
        for variant in (key, key.replace(" ", "")):
            hits = self._names.get(variant)
            if hits:
                return hits
        if len(key) >= 5:
            best = process.extractOne(key, list(self._names), scorer=fuzz.ratio,
                                      score_cutoff=PORT_CUTOFF)
            if best:
                return self._names[best[0]]
        return ()

    def destination(self, country: str, port: str, mode: Mode) -> int:
        """Index of the buyer's port for ``mode``, or -1 when it cannot be placed.

        A named port of the mode wins (when it is in the named country, or no country is
        named); a named port of the other mode stands for the nearest port of ``mode`` in
        its country (a buyer in Rotterdam flying live crab gets Amsterdam Schiphol); else
        the country's default port of the mode.

        Examples
        --------
        >>> net = default_network()
        >>> [net.locode[net.destination(c, p, "sea")] for c, p in
        ...  [("Belanda", ""), ("", "Rotterdam"), ("US", "New York"), ("", "USNYC")]]
        ['NLRTM', 'NLRTM', 'USNYC', 'USNYC']
        >>> [net.locode[net.destination(c, p, "air")] for c, p in
        ...  [("Hong Kong", ""), ("", "HKG"), ("Jepang", "Osaka"), ("NL", "Rotterdam")]]
        ['IATA:HKG', 'IATA:HKG', 'IATA:KIX', 'IATA:AMS']
        """
        code = self.country(country) if country else None
        if country and code is None:
            return -1
        hits = [h for h in self.port(port) if code is None or self.country_code[h] == code] \
            if port else []
        same = [h for h in hits if self.kind[h] == mode]
        if same:
            return same[0]
        if hits:
            h = hits[0]
            pool = [i for i in range(len(self.name)) if not self.origin[i]
                    and self.kind[i] == mode and self.country_code[i] == self.country_code[h]]
            if pool:
                km = haversine_km(self.lat[h], self.lon[h], self.lat[pool], self.lon[pool])
                return pool[int(np.argmin(km))]
            code = self.country_code[h]
        if code is None:
            return -1
        return self.country_default.get((code, mode), -1)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _port_names(port: Mapping[str, str]) -> set[str]:
    """Keys a destination port is known by: its code, its name, the parts of a name like
    ``Dubai (Jebel Ali)`` or ``New York / Newark``, an airport's city and its own name."""
    code = port["locode"]
    names = {code, code.removeprefix("IATA:"), port["name"]}
    if not code.startswith("IATA:"):
        names.add(f"{code[:2]} {code[2:]}")
    for part in re.split(r"[()/]", port["name"]):
        names.add(part)
    if port["kind"] == "air":
        words = _port_key(port["name"]).split()
        names.update({words[0], " ".join(words[1:])} if len(words) > 1 else set())
    return {k for k in map(_port_key, names) if k}


@functools.cache
def default_network() -> PortNetwork:
    """The embedded ports, countries, islands and sea distances."""
    ports = _rows("ports.csv")
    islands = {r["code"]: r["island"] for r in _rows("islands.csv")}
    position = {p["locode"]: i for i, p in enumerate(ports)}
    names: dict[str, list[int]] = {}
    for i, p in enumerate(ports):
        if p["role"] == "destination":
            for key in _port_names(p):
                for variant in (key, key.replace(" ", "")):
                    names.setdefault(variant, []).append(i)
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
        island=tuple(islands.get(p["locode"], "") for p in ports),
        sea_nm=sea, countries=countries, country_default=defaults,
        _names={k: tuple(v) for k, v in names.items()},
    )


@functools.cache
def _regency_islands() -> tuple[str, ...]:
    g = default_gazetteer()
    islands = {r["code"]: r["island"] for r in _rows("islands.csv")}
    out = []
    for code, p in zip(g.regency_code, g.regency_province.tolist(), strict=True):
        island = islands.get(code, islands[g.province_code[p]])
        out.append(code if island == "*" else island)  # "*": no road to any neighbour
    return tuple(out)


def hub_islands(lat: FloatArray, lon: FloatArray, regency: IntArray) -> tuple[str, ...]:
    """The island of each hub: its regency's (``matching/data/islands.csv``), or that of
    the regency whose seat is nearest when the hub spans several regencies (-1)."""
    g = default_gazetteer()
    regency = np.asarray(regency, dtype=np.int64).copy()
    unknown = np.flatnonzero(regency < 0)
    if len(unknown):
        regency[unknown] = g.nearest_regency(lat[unknown], lon[unknown])[0]
    table = _regency_islands()
    return tuple(table[r] for r in regency.tolist())


#: How a route's first leg reaches the export port: by truck, feeder ship or domestic flight.
FIRST_LEGS = ("truck", "feeder", "flight")


@dataclass(frozen=True, slots=True)
class Routes:
    """The cheapest route of each (hub, destination): cost in USD per kg, transit days, the
    Indonesian export port or airport (index in the network, -1 when unreachable), and the
    first leg (index in :data:`FIRST_LEGS`)."""

    cost_usd_per_kg: FloatArray
    transit_days: FloatArray
    origin_port: IntArray
    first_leg: IntArray


def _first_legs(network: PortNetwork, rates: FreightRates, origins: IntArray, *,
                hub_lat: FloatArray, hub_lon: FloatArray, island: Sequence[str],
                transport: npt.NDArray[np.object_]) -> tuple[FloatArray, FloatArray, IntArray]:
    """Cost, days and kind of every (hub, origin option): each origin port twice, once
    reached by truck (same island only) and once by feeder ship or domestic flight (a
    feeder only to another island)."""
    km = haversine_km(hub_lat[:, None], hub_lon[:, None], network.lat[origins][None, :],
                      network.lon[origins][None, :])
    same = np.asarray(island, dtype=object)[:, None] == \
        np.asarray([network.island[o] for o in origins], dtype=object)[None, :]
    dry = (transport == "dry")[:, None]
    air = (transport == "air")[:, None]
    road = km * rates.land_circuity
    truck_cost = np.where(dry, rates.land_per_kg_km, rates.land_reefer_per_kg_km) * road
    truck_days = road / rates.land_km_per_day
    nm = km / KM_PER_NM * rates.sea_circuity
    ship_cost = np.where(dry, rates.feeder_dry_per_kg + rates.feeder_dry_per_kg_nm * nm,
                         rates.feeder_reefer_per_kg + rates.feeder_reefer_per_kg_nm * nm)
    ship_days = rates.feeder_port_days + nm / (rates.feeder_knots * 24)
    fly_cost = rates.air_domestic_per_kg + rates.air_domestic_per_kg_km * km
    fly_days = rates.air_domestic_days + km / rates.air_km_per_day
    other_cost = np.where(air, fly_cost, np.where(same, np.inf, ship_cost))
    other_days = np.where(air, fly_days, ship_days)
    cost = np.concatenate([np.where(same, truck_cost, np.inf), other_cost], axis=1)
    days = np.concatenate([truck_days, other_days], axis=1)
    kind = np.concatenate([np.zeros_like(km, dtype=np.int64),
                           np.where(air, 2, 1) * np.ones_like(km, dtype=np.int64)], axis=1)
    return cost, days, kind


#: (hub, destination) combinations priced per step: bounds the (combinations x export
#: ports x 2) work arrays of :func:`cheapest_routes` to a few tens of MB.
ROUTE_CHUNK = 32_768


def cheapest_routes(
    network: PortNetwork, rates: FreightRates, *, air: bool, hub_lat: FloatArray,
    hub_lon: FloatArray, hub_island: Sequence[str], transport: npt.NDArray[np.object_],
    max_days: FloatArray, hub: IntArray, destination: IntArray,
) -> Routes:
    """The route :func:`plan_routes` keeps for each (``hub``, ``destination``) combination,
    all of one mode (``air`` cargo or not) and with a known destination; the per-hub
    arrays are as for :func:`plan_routes`. Combinations are priced in chunks of
    :data:`ROUTE_CHUNK`, each export port reached by its first leg, so a call on many
    combinations needs little memory; each combination's figures do not depend on the
    others."""
    n = len(hub)
    cost, days = np.empty(n), np.empty(n)
    origin, first = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    origins = np.flatnonzero(network.origin & (np.asarray(network.kind) == ("air" if air
                                                                           else "sea")))
    reefer_hub = transport == "reefer"
    for start in range(0, n, ROUTE_CHUNK):
        part = slice(start, start + ROUTE_CHUNK)
        u_hub, u_dest = hub[part], destination[part]
        hubs, hub_pos = np.unique(u_hub, return_inverse=True)
        leg_cost, leg_days, leg_kind = _first_legs(
            network, rates, origins, hub_lat=hub_lat[hubs], hub_lon=hub_lon[hubs],
            island=[hub_island[h] for h in hubs.tolist()], transport=transport[hubs])
        # The main leg per destination (and class), then per combination.
        dests, dest_pos = np.unique(u_dest, return_inverse=True)
        km = haversine_km(network.lat[origins][None, :], network.lon[origins][None, :],
                          network.lat[dests][:, None], network.lon[dests][:, None])
        # Rows: per destination (then, at sea, the same for reefer cargo), per option.
        if air:
            main_cost = np.tile(rates.air_per_kg + rates.air_per_kg_km * km, 2)
            main_days = rates.air_handling_days + km / rates.air_km_per_day
            main_row = dest_pos
        else:
            nm = network.sea_nm[np.ix_(dests, origins)]
            nm = np.where(np.isnan(nm), km / KM_PER_NM * rates.sea_circuity, nm)
            main_cost = np.tile(np.concatenate([rates.dry_per_kg + rates.dry_per_kg_nm * nm,
                                                rates.reefer_per_kg + rates.reefer_per_kg_nm * nm]),
                                2)
            main_days = rates.port_days + nm / (rates.sea_knots * 24)
            main_row = np.where(reefer_hub[u_hub], len(dests), 0) + dest_pos
        total_cost = leg_cost[hub_pos]
        total_cost += main_cost[main_row]
        total_days = leg_days[hub_pos]
        total_days += np.tile(main_days, 2)[dest_pos]
        total_days[~np.isfinite(total_cost)] = np.inf
        within = total_days <= max_days[u_hub][:, None]
        best = np.where(within.any(axis=1),
                        np.argmin(np.where(within, total_cost, np.inf), axis=1),
                        np.argmin(total_days, axis=1))
        rows = np.arange(len(u_hub))
        cost[part] = total_cost[rows, best]
        days[part] = total_days[rows, best]
        origin[part] = np.tile(origins, 2)[best]
        first[part] = leg_kind[hub_pos, best]
    return Routes(cost, days, origin, first)


def plan_routes(
    network: PortNetwork, rates: FreightRates, *, hub_lat: FloatArray, hub_lon: FloatArray,
    hub_island: Sequence[str], transport: Sequence[str], max_days: FloatArray,
    hub: IntArray, destination: IntArray,
) -> Routes:
    """Cost and transit days from each route's ``hub`` to its ``destination`` port.

    ``hub_lat``, ``hub_lon``, ``hub_island``, ``transport`` (``air``, ``reefer`` or
    ``dry``) and ``max_days`` are per hub; ``hub`` and ``destination`` per route. Air
    cargo leaves from an Indonesian airport, the rest from a seaport. Every export port
    of the mode is tried, reached by truck when it is on the hub's island, else by an
    inter-island feeder ship (sea cargo) or a domestic flight (air cargo, also allowed on
    the same island); the route kept is the cheapest one within ``max_days``, or the
    fastest when none is. A destination of -1 gives an infinite cost.

    Examples
    --------
    >>> import numpy as np
    >>> net, rates = default_network(), FreightRates()
    >>> wakatobi = (-5.3271, 123.5388)   # an island regency of Sulawesi Tenggara
    >>> r = plan_routes(net, rates, hub_lat=np.array([wakatobi[0]]),
    ...                 hub_lon=np.array([wakatobi[1]]), hub_island=["wangi_wangi"],
    ...                 transport=["dry"], max_days=np.array([np.inf]),
    ...                 hub=np.array([0]), destination=np.array([net.locode.index("JPTYO")]))
    >>> net.locode[r.origin_port[0]], FIRST_LEGS[r.first_leg[0]]
    ('IDKDI', 'feeder')
    """
    n = len(hub)
    cost = np.full(n, np.inf)
    days = np.full(n, np.inf)
    origin = np.full(n, -1, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    transport_arr = np.asarray(transport, dtype=object)
    air_hub = transport_arr == "air"
    ok = destination >= 0
    ports = len(network.name)
    for air in (False, True):
        routes = np.flatnonzero(ok & (air_hub[hub] == air))
        if not len(routes):
            continue
        unique, inverse = np.unique(hub[routes] * ports + destination[routes],
                                    return_inverse=True)
        best = cheapest_routes(network, rates, air=air, hub_lat=hub_lat, hub_lon=hub_lon,
                               hub_island=hub_island, transport=transport_arr,
                               max_days=max_days, hub=unique // ports,
                               destination=unique % ports)
        cost[routes] = best.cost_usd_per_kg[inverse]
        days[routes] = best.transit_days[inverse]
        origin[routes] = best.origin_port[inverse]
        first[routes] = best.first_leg[inverse]
    return Routes(cost, days, origin, first)


# --- the public quote ----------------------------------------------------------------------

Transport = Literal["air", "reefer", "dry"]


@dataclass(frozen=True, slots=True)
class FreightQuote:
    """Cost and transit time of the route :func:`quote_freight` found for each hub: the
    regency it was resolved to, the Indonesian export port or airport, the buyer's port
    (LOCODE, or ``IATA:XXX`` for an airport), the first leg (``truck``, ``feeder`` or
    ``flight``), USD per kg and days. None and NaN where the hub or the destination could
    not be resolved."""

    hub: tuple[str | None, ...]
    origin_port: tuple[str | None, ...]
    destination_port: tuple[str | None, ...]
    first_leg: tuple[str | None, ...]
    cost_usd_per_kg: FloatArray
    transit_days: FloatArray

    def __len__(self) -> int:
        return len(self.hub)

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per hub (None for NaN)."""
        return [{"hub": self.hub[i], "origin_port": self.origin_port[i],
                 "destination_port": self.destination_port[i], "first_leg": self.first_leg[i],
                 "cost_usd_per_kg": None if not np.isfinite(self.cost_usd_per_kg[i])
                 else round(float(self.cost_usd_per_kg[i]), 4),
                 "transit_days": None if not np.isfinite(self.transit_days[i])
                 else round(float(self.transit_days[i]), 2)}
                for i in range(len(self))]

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as JSON-ready lists."""
        records = self.records()
        return {key: [r[key] for r in records] for key in
                ("hub", "origin_port", "destination_port", "first_leg", "cost_usd_per_kg",
                 "transit_days")}


def _per_hub(value: str | Sequence[str], n: int, name: str) -> list[str]:
    values = [value] * n if isinstance(value, str) else list(value)
    if len(values) != n:
        raise ValueError(f"The {name!r} parameter must have one entry per hub ({n}); got "
                         f"{len(values)} instead.")
    return values


def quote_freight(
    hubs: str | Sequence[str], *, transport: Transport | Sequence[Transport],
    country: str | Sequence[str], port: str | Sequence[str] = "",
    max_days: float | Sequence[float] = np.inf,
    rates: FreightRates | Mapping[str, float] | None = None,
) -> FreightQuote:
    """What it costs per kg, and how many days it takes, to bring goods from each hub
    (a region text, placed at its regency seat) to a buyer's country or port.

    Parameters
    ----------
    hubs : str or sequence of str
        Where the goods are, as people write it (``"Kab. Konawe"``, ``"Wakatobi"``).
    transport : {"air", "reefer", "dry"} or a sequence of them
        The transport class: air for live seafood, reefer for frozen and chilled goods,
        dry for shelf-stable goods.
    country, port : str or sequence of str
        The buyer's country and optional port, resolved as for a demand row.
    max_days : float or sequence of float, default inf
        Transit limit: the cheapest route within it is kept (the fastest when none is).
    rates : FreightRates or mapping, optional
        The cost model; defaults to ``FreightRates()``.

    Returns
    -------
    FreightQuote

    Raises
    ------
    ValueError
        For an unknown transport class or rate, or a per-hub sequence of the wrong length.

    Examples
    --------
    >>> import matching
    >>> q = matching.quote_freight(["Kab. Konawe", "Wakatobi"], transport="dry",
    ...                            country="Jepang")
    >>> q.origin_port, q.first_leg
    (('IDKDI', 'IDKDI'), ('truck', 'feeder'))
    >>> bool(q.cost_usd_per_kg[0] < q.cost_usd_per_kg[1])
    True
    """
    texts = [hubs] if isinstance(hubs, str) else list(hubs)
    n = len(texts)
    classes = _per_hub(transport, n, "transport")
    bad = sorted({c for c in classes if c not in ("air", "reefer", "dry")})
    if bad:
        raise ValueError(f"The 'transport' parameter must be 'air', 'reefer' or 'dry'; got "
                         f"{bad[0]!r} instead.")
    countries, ports = _per_hub(country, n, "country"), _per_hub(port, n, "port")
    limit = np.broadcast_to(np.asarray(max_days, dtype=float), (n,)).copy() \
        if np.ndim(max_days) == 0 else np.asarray(max_days, dtype=float)
    if len(limit) != n:
        raise ValueError(f"The 'max_days' parameter must have one entry per hub ({n}); got "
                         f"{len(limit)} instead.")
    model = rates if isinstance(rates, FreightRates) else \
        FreightRates.from_mapping(rates or {})
    from ._regions import resolve_regions

    network, g = default_network(), default_gazetteer()
    placed = resolve_regions(texts)
    regency = placed.regency_index
    destination = np.array([network.destination(c, p, "air" if t == "air" else "sea")
                            for c, p, t in zip(countries, ports, classes, strict=True)],
                           dtype=np.int64)
    usable = np.flatnonzero((regency >= 0) & (destination >= 0))
    cost, days = np.full(n, np.nan), np.full(n, np.nan)
    origin: list[str | None] = [None] * n
    first: list[str | None] = [None] * n
    if len(usable):
        lat, lon = g.regency_lat[regency[usable]], g.regency_lon[regency[usable]]
        routes = plan_routes(network, model, hub_lat=lat, hub_lon=lon,
                             hub_island=hub_islands(lat, lon, regency[usable]),
                             transport=[classes[i] for i in usable.tolist()],
                             max_days=limit[usable], hub=np.arange(len(usable)),
                             destination=destination[usable])
        cost[usable], days[usable] = routes.cost_usd_per_kg, routes.transit_days
        for k, i in enumerate(usable.tolist()):
            origin[i] = network.locode[routes.origin_port[k]]
            first[i] = FIRST_LEGS[routes.first_leg[k]]
    return FreightQuote(
        hub=placed.regency,
        origin_port=tuple(origin),
        destination_port=tuple(network.locode[d] if d >= 0 else None
                               for d in destination.tolist()),
        first_leg=tuple(first), cost_usd_per_kg=cost, transit_days=days)
