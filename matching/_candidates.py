"""Candidate lot-buyer pairs: hard filters and the weight-independent score features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._consolidate import Lots
from ._logistics import FreightRates, PortNetwork, cheapest_routes, hub_islands
from ._pages import small_pages
from ._taxonomy import Taxonomy
from ._weights import FEATURES

__all__ = ["REJECTIONS", "Buyers", "Candidates", "Rejections", "build_candidates"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Hard filters, in the order they are checked; a rejected pair records the first it fails.
REJECTIONS: tuple[str, ...] = ("destination", "grade", "certification", "transit", "price")

#: Certifications that show food-safety or legal export readiness.
SAFETY_CERTS = frozenset({"HACCP", "ISO22000", "FSSC22000", "GMP", "BPOM", "SNI", "GLOBALGAP",
                          "GAP", "SVLK", "BRC", "IFS", "PIRT"})
#: Certifications that open premium markets.
MARKET_CERTS = frozenset({"HALAL", "ORGANIC", "FAIRTRADE", "RAINFOREST", "KOSHER", "EUORGANIC",
                          "USDAORGANIC", "JAS"})
SUBSTITUTE_FIT = 0.8
LOGISTICS_SCALE_USD = 2.0
#: Lot-buyer pairs checked per step of :func:`build_candidates`: bounds its work arrays to
#: about 1 MB each whatever the number of pairs (small enough for the allocator to reuse
#: them from block to block: larger blocks fault in fresh pages each time).
BLOCK_PAIRS = 1 << 16


@dataclass(frozen=True, slots=True)
class Buyers:
    """Validated, normalised buyers in ``buyer_id`` order."""

    product: IntArray
    confidence: FloatArray
    quantity_kg: FloatArray
    moq_kg: FloatArray
    max_price_usd: FloatArray
    grade_min: IntArray
    certifications_required: tuple[frozenset[str], ...]
    destination_sea: IntArray
    destination_air: IntArray


@dataclass(frozen=True, slots=True)
class Rejections:
    """The pairs of matching products that a hard filter rejected, summarised per lot and
    per buyer for the explanations instead of kept pair by pair (a national instance has
    millions of them). Reasons are indexes in :data:`REJECTIONS`.

    ``lot_count[i, r]`` counts the pairs of lot ``i`` rejected for reason ``r`` and
    ``lot_first[i, r]`` is the buyer of the first of them in (lot, buyer) order (-1 when
    none); ``buyer_count`` and ``buyer_first`` (a lot) are the same per buyer. Over the
    pairs of one lot rejected for one reason: the lowest minimum grade of the buyers
    (``grade``), the certifications they require (``certification``, bit masks over
    ``certifications``), the fastest transit (``transit``), the lowest landed cost and the
    highest price ceiling (``price``). Over the pairs of one buyer: the best lot grade,
    the fastest transit and the lowest landed cost, for the same reasons.
    """

    lot_count: IntArray
    lot_first: IntArray
    lot_grade_min: IntArray
    lot_certifications: npt.NDArray[np.uint64]
    lot_fastest_days: FloatArray
    lot_lowest_landed_usd: FloatArray
    lot_highest_ceiling_usd: FloatArray
    buyer_count: IntArray
    buyer_first: IntArray
    buyer_best_grade: IntArray
    buyer_fastest_days: FloatArray
    buyer_lowest_landed_usd: FloatArray
    certifications: tuple[str, ...]

    @classmethod
    def empty(cls, n_lots: int, n_buyers: int, certifications: tuple[str, ...] = ()
              ) -> Rejections:
        """No rejected pair yet."""
        k, words = len(REJECTIONS), max(1, -(-len(certifications) // 64))
        return cls(
            lot_count=np.zeros((n_lots, k), dtype=np.int64),
            lot_first=np.full((n_lots, k), -1, dtype=np.int64),
            lot_grade_min=np.zeros(n_lots, dtype=np.int64),
            lot_certifications=np.zeros((n_lots, words), dtype=np.uint64),
            lot_fastest_days=np.full(n_lots, np.inf),
            lot_lowest_landed_usd=np.full(n_lots, np.inf),
            lot_highest_ceiling_usd=np.full(n_lots, np.nan),
            buyer_count=np.zeros((n_buyers, k), dtype=np.int64),
            buyer_first=np.full((n_buyers, k), -1, dtype=np.int64),
            buyer_best_grade=np.full(n_buyers, -1, dtype=np.int64),
            buyer_fastest_days=np.full(n_buyers, np.inf),
            buyer_lowest_landed_usd=np.full(n_buyers, np.inf), certifications=certifications)

    def commonest_of_lots(self, lots: IntArray) -> IntArray:
        """Per lot of ``lots``, the reason that rejected most of its pairs (on a tie, the
        one that rejected the earliest pair), or -1 when none was rejected."""
        return _commonest(self.lot_count[lots], self.lot_first[lots])

    def commonest_of_buyers(self, buyers: IntArray) -> IntArray:
        """Per buyer of ``buyers``, the reason that rejected most of its pairs, as for lots."""
        return _commonest(self.buyer_count[buyers], self.buyer_first[buyers])

    def required_of_lots(self, lots: IntArray) -> list[frozenset[str]]:
        """Per lot of ``lots``, the certifications required by the buyers that reject it on
        certification (each distinct set read once)."""
        masks, inverse = np.unique(self.lot_certifications[lots], axis=0, return_inverse=True)
        sets = [frozenset(c for i, c in enumerate(self.certifications)
                          if int(words[i // 64]) >> (i % 64) & 1) for words in masks.tolist()]
        return [sets[k] for k in inverse.reshape(-1).tolist()]


def _commonest(count: IntArray, first: IntArray) -> IntArray:
    """Per row of ``count`` (pairs rejected per reason), the reason with the most, the one
    whose ``first`` pair is earliest among those tied; -1 for a row without any."""
    most = count.max(axis=1, initial=0)
    tied_first = np.where(count == most[:, None], first, np.iinfo(np.int64).max)
    return np.where(most > 0, np.argmin(tied_first, axis=1), -1).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Candidates:
    """Feasible pairs sorted by (lot, buyer), with features in :data:`FEATURES` order, and
    a summary of the pairs of matching products that a hard filter rejected (for
    explanations)."""

    lot: IntArray
    buyer: IntArray
    features: FloatArray
    freight_usd: FloatArray
    transit_days: FloatArray
    landed_usd: FloatArray
    origin_port: IntArray
    destination_port: IntArray
    rejections: Rejections
    first_leg: IntArray  # how the hub reaches the export port: index in FIRST_LEGS

    def __len__(self) -> int:
        return len(self.lot)


@dataclass(frozen=True, slots=True)
class _Product:
    """The lots of one product (ascending) and the buyers that accept it (ascending; a
    buyer listed twice keeps the order in which its products and substitutes come), with
    whether as a substitute and the buyers' port for the product's transport class."""

    lots: IntArray
    buyers: IntArray
    substitute: npt.NDArray[np.bool_]
    destination: IntArray
    max_days: float


def _products(lots: Lots, buyers: Buyers, taxonomy: Taxonomy) -> list[_Product]:
    order = np.argsort(buyers.product, kind="stable")
    keys = buyers.product[order]
    parts: dict[int, list[tuple[IntArray, bool]]] = {}
    lot_products = set(np.unique(lots.product).tolist())
    for p in np.unique(keys[keys >= 0]).tolist():
        bs = order[np.searchsorted(keys, p):np.searchsorted(keys, p, side="right")]
        product = taxonomy.products[p]
        accepted = [(p, False)] + [(taxonomy.position(s), True)
                                   for s in product.substitutes if s in taxonomy]
        for q, substitute in accepted:
            if q in lot_products:
                parts.setdefault(q, []).append((bs, substitute))
    lot_order = np.argsort(lots.product, kind="stable")
    lot_keys = lots.product[lot_order]
    out = []
    for q in sorted(parts):
        bs = np.concatenate([b for b, _ in parts[q]])
        sub = np.concatenate([np.full(len(b), s) for b, s in parts[q]])
        first = np.argsort(bs, kind="stable")
        bs = bs[first].astype(np.int64)
        product = taxonomy.products[q]
        port = buyers.destination_air if product.transport_class == "air" else \
            buyers.destination_sea
        out.append(_Product(
            np.sort(lot_order[np.searchsorted(lot_keys, q):
                              np.searchsorted(lot_keys, q, side="right")]).astype(np.int64),
            bs, sub[first], port[bs], float(product.max_transit_days or np.inf)))
    return out


def _cert_masks(have: Sequence[frozenset[str]], need: Sequence[frozenset[str]]
                ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], tuple[str, ...]]:
    vocabulary = sorted(set().union(*have, *need))
    bit = {c: i for i, c in enumerate(vocabulary)}
    words = max(1, -(-len(vocabulary) // 64))

    def masks(sets: Sequence[frozenset[str]]) -> npt.NDArray[np.uint64]:
        # Few distinct sets: each is made once, then gathered.
        distinct: dict[frozenset[str], int] = {}
        which = np.array([distinct.setdefault(s, len(distinct)) for s in sets], dtype=np.int64)
        table = np.zeros((len(distinct), words), dtype=np.uint64)
        for i, s in enumerate(distinct):
            for c in s:
                table[i, bit[c] // 64] |= np.uint64(1) << np.uint64(bit[c] % 64)
        return table[which]

    return masks(have), masks(need), tuple(vocabulary)


@dataclass(frozen=True, slots=True)
class _RouteTable:
    """The route of every (hub, destination column) the pairs need: hubs are the lots'
    distinct (place, island, transport class, transit limit); the last column stands for
    an unknown destination (infinite cost, no port)."""

    hub: IntArray  # per lot
    column: IntArray  # per port, -1 when no buyer goes there
    unknown: int
    cost: FloatArray
    days: FloatArray
    origin: npt.NDArray[np.int16]
    first: npt.NDArray[np.int8]


def _route_table(lots: Lots, buyers: Buyers, products: list[_Product], *,
                 transport: list[str], max_days: FloatArray, network: PortNetwork,
                 rates: FreightRates) -> _RouteTable:
    """Routes priced once per (hub, port) that some lot of a product and some buyer of it
    make, as :func:`~matching._logistics.plan_routes` prices them per pair."""
    island = hub_islands(lots.hub_lat, lots.hub_lon, lots.regency)
    index: dict[tuple[float, float, str, str, float], int] = {}
    hub = np.array([index.setdefault(key, len(index)) for key in zip(
        lots.hub_lat.tolist(), lots.hub_lon.tolist(), island, transport, max_days.tolist(),
        strict=True)], dtype=np.int64)
    keys = list(index)
    key_lat, key_lon = np.array([k[0] for k in keys]), np.array([k[1] for k in keys])
    key_island = [k[2] for k in keys]
    key_transport = np.array([k[3] for k in keys], dtype=object)
    key_days = np.array([k[4] for k in keys])
    ports = np.unique(np.r_[buyers.destination_sea, buyers.destination_air])
    ports = ports[ports >= 0]
    column = np.full(len(network.name), -1, dtype=np.int64)
    column[ports] = np.arange(len(ports))
    needed = np.zeros((len(keys), len(ports) + 1), dtype=bool)
    for p in products:
        needed[np.ix_(np.unique(hub[p.lots]),
                      column[np.unique(p.destination[p.destination >= 0])])] = True
    shape = needed.shape
    cost, days = np.full(shape, np.inf), np.full(shape, np.inf)
    origin, first = np.full(shape, -1, dtype=np.int16), np.zeros(shape, dtype=np.int8)
    combo = np.flatnonzero(needed)
    k, c = np.divmod(combo, shape[1])
    for air in (False, True):
        sel = (key_transport[k] == "air") == air
        if not sel.any():
            continue
        routes = cheapest_routes(network, rates, air=air, hub_lat=key_lat, hub_lon=key_lon,
                                 hub_island=key_island, transport=key_transport,
                                 max_days=key_days, hub=k[sel], destination=ports[c[sel]])
        cost.flat[combo[sel]] = routes.cost_usd_per_kg
        days.flat[combo[sel]] = routes.transit_days
        origin.flat[combo[sel]] = routes.origin_port
        first.flat[combo[sel]] = routes.first_leg
    return _RouteTable(hub, column, len(ports), cost, days, origin, first)


#: The feasible pairs' arrays and their types, as :class:`Candidates` holds them.
_PAIR_FIELDS: dict[str, type] = {
    "lot": np.int64, "buyer": np.int64, "freight": np.float64, "days": np.float64,
    "landed": np.float64, "origin": np.int64, "destination": np.int64, "first": np.int64}


#: Most pairs the feasible pairs' arrays make room for at first (address space, 112 bytes a
#: pair: 3.5 GiB at most); they grow if more pairs are feasible.
ROOM_PAIRS = 1 << 25


@dataclass(slots=True)
class _Found:
    """What the blocks found: the feasible pairs, written as they come into arrays with
    room for every pair checked, up to :data:`ROOM_PAIRS` (address space only: pages are
    touched as they are written, and the arrays shrink in place to the pairs found), with
    their features; and the rejections summarised as they come."""

    rejections: Rejections
    pairs: dict[str, npt.NDArray[Any]]
    features: FloatArray
    readiness: FloatArray
    n: int = 0

    def _resize(self, size: int) -> None:
        # ``realloc``: large arrays move their pages, they are not copied.
        for values in (*self.pairs.values(), self.features):
            values.resize((size, *values.shape[1:]), refcheck=False)

    def room_for(self, k: int) -> slice:
        """Where the next ``k`` feasible pairs go, growing the arrays when they are full."""
        if self.n + k > len(self.features):
            self._resize(max(2 * len(self.features), self.n + k))
        return slice(self.n, self.n + k)

    def shrink(self) -> None:
        """Give back the room not used."""
        self._resize(self.n)


def _new_found(lots: Lots, n_buyers: int, vocabulary: tuple[str, ...], room: int) -> _Found:
    rejections = Rejections.empty(len(lots), n_buyers, vocabulary)
    rejections.buyer_first[:] = len(lots)  # after every lot until a block finds one
    ready = {c: 0.5 * bool(c & SAFETY_CERTS) + 0.5 * bool(c & MARKET_CERTS)
             for c in set(lots.certifications)}
    readiness = np.array([ready[c] for c in lots.certifications], dtype=float)
    with small_pages():  # written once: huge pages would cost more than they save
        return _Found(rejections, {name: np.empty(room, dtype=dtype)
                                   for name, dtype in _PAIR_FIELDS.items()},
                      np.empty((room, len(FEATURES))), readiness)


_GRADE, _CERTIFICATION, _TRANSIT, _PRICE = (REJECTIONS.index(r) for r in
                                            ("grade", "certification", "transit", "price"))


def _check_block(ls: IntArray, product: _Product, *, lots: Lots, buyers: Buyers,
                 table: _RouteTable, have: npt.NDArray[np.uint64],
                 need: npt.NDArray[np.uint64], found: _Found) -> None:
    """The hard filters on every pair of the lots ``ls`` (one product) and the buyers that
    accept it, as a (lot, buyer) matrix; keeps the feasible pairs and summarises the
    rejected ones."""
    bs, dest = product.buyers, product.destination
    cell = table.hub[ls][:, None] * table.cost.shape[1] + \
        np.where(dest >= 0, table.column[dest], table.unknown)[None, :]
    freight, days = np.take(table.cost, cell), np.take(table.days, cell)
    price = lots.price_usd[ls][:, None]
    landed = np.where(np.isnan(price), freight, price + freight)
    ceiling = buyers.max_price_usd[bs]
    grade = lots.grade[ls]
    certs_ok = np.ones(cell.shape, dtype=bool)
    for w in range(have.shape[1]):
        certs_ok &= (need[bs, w][None, :] & ~have[ls, w][:, None]) == 0
    checks = [(dest >= 0)[None, :], grade[:, None] >= buyers.grade_min[bs][None, :], certs_ok,
              days <= product.max_days, np.isnan(ceiling)[None, :] |
              (landed <= ceiling[None, :] + 1e-9)]
    reason = np.full(cell.shape, -1, dtype=np.int8)
    for code, ok in reversed(list(enumerate(checks))):
        reason = np.where(ok, reason, np.int8(code))
    feasible = np.flatnonzero(reason < 0)
    rows, cols = np.divmod(feasible, len(bs))
    cells = cell.ravel()[feasible]
    lot, buyer = ls[rows], bs[cols]
    new = found.room_for(len(feasible))
    for name, values in zip(_PAIR_FIELDS, (
            lot, buyer, freight.ravel()[feasible], days.ravel()[feasible],
            landed.ravel()[feasible], np.take(table.origin, cells), dest[cols],
            np.take(table.first, cells)), strict=True):
        found.pairs[name][new] = values
    _features(found.features[new], lot, buyer, product.substitute[cols],
              found.pairs["freight"][new], found.pairs["landed"][new], lots=lots,
              buyers=buyers, readiness=found.readiness)
    found.n += len(feasible)
    if len(feasible) < reason.size:
        _summarise(reason, ls, product, grade=grade, days=days, landed=landed,
                   ceiling=ceiling, buyers=buyers, need=need, r=found.rejections)


def _summarise(reason: npt.NDArray[np.int8], ls: IntArray, product: _Product, *,
               grade: IntArray, days: FloatArray, landed: FloatArray, ceiling: FloatArray,
               buyers: Buyers, need: npt.NDArray[np.uint64], r: Rejections) -> None:
    """Fold one block's rejected pairs into the per-lot and per-buyer summaries."""
    bs = product.buyers
    for code in range(len(REJECTIONS)):
        m = reason == code
        per_buyer = np.count_nonzero(m, axis=0)
        if not per_buyer.any():
            continue
        per_lot = np.count_nonzero(m, axis=1)
        r.lot_count[ls, code] = per_lot
        rows, cols = per_lot > 0, per_buyer > 0
        lot_rows, buyer_cols = ls[rows], bs[cols]
        r.lot_first[lot_rows, code] = bs[np.argmax(m[rows], axis=1)]
        np.add.at(r.buyer_count[:, code], bs, per_buyer)
        np.minimum.at(r.buyer_first[:, code], buyer_cols, ls[np.argmax(m[:, cols], axis=0)])
        if code == _GRADE:
            r.lot_grade_min[lot_rows] = np.where(m, buyers.grade_min[bs][None, :],
                                                 np.iinfo(np.int64).max).min(axis=1)[rows]
            np.maximum.at(r.buyer_best_grade, buyer_cols,
                          np.where(m, grade[:, None], -1).max(axis=0)[cols])
        elif code == _CERTIFICATION:
            for w in range(need.shape[1]):
                r.lot_certifications[lot_rows, w] = np.bitwise_or.reduce(
                    np.where(m, need[bs, w][None, :], np.uint64(0)), axis=1)[rows]
        elif code == _TRANSIT:
            fastest = np.where(m, days, np.inf)
            r.lot_fastest_days[lot_rows] = fastest.min(axis=1)[rows]
            np.minimum.at(r.buyer_fastest_days, buyer_cols, fastest.min(axis=0)[cols])
        elif code == _PRICE:
            lowest = np.where(m, landed, np.inf)
            r.lot_lowest_landed_usd[lot_rows] = lowest.min(axis=1)[rows]
            r.lot_highest_ceiling_usd[lot_rows] = np.fmax.reduce(
                np.where(m, ceiling[None, :], np.nan), axis=1)[rows]
            np.minimum.at(r.buyer_lowest_landed_usd, buyer_cols, lowest.min(axis=0)[cols])


def _in_lot_order(found: _Found, n_lots: int) -> None:
    """Put the pairs in (lot, buyer) order. Each lot's pairs came in one block, by buyer:
    when the blocks came in lot order (each product's lots are consecutive, as lot ids sort
    them) nothing moves; otherwise a pair goes to its lot's start plus its rank within the
    lot (no sort either way)."""
    lot, n = found.pairs["lot"], found.n
    if n == 0 or (lot[1:] >= lot[:-1]).all():
        return
    count = np.bincount(lot, minlength=n_lots)
    runs = np.flatnonzero(np.r_[True, lot[1:] != lot[:-1]])
    position = np.r_[0, np.cumsum(count)[:-1]][lot] + np.arange(n) - np.repeat(
        runs, np.diff(np.r_[runs, n]))
    for values in (*found.pairs.values(), found.features):
        values[position] = values.copy()


def _features(out: FloatArray, lot: IntArray, buyer: IntArray,
              substitute: npt.NDArray[np.bool_], freight: FloatArray, landed: FloatArray, *,
              lots: Lots, buyers: Buyers, readiness: FloatArray) -> None:
    """The score features of feasible pairs, in :data:`FEATURES` order, into ``out``."""
    price, ceiling = lots.price_usd[lot], buyers.max_price_usd[buyer]
    out[:, 0] = np.where(substitute, SUBSTITUTE_FIT, 1.0) * np.minimum(
        lots.confidence[lot], buyers.confidence[buyer])
    out[:, 1] = np.where(np.isnan(ceiling) | np.isnan(price), 0.5, np.clip(
        (ceiling - landed) / np.where(ceiling > 0, ceiling, 1.0), 0, 1))
    out[:, 2] = np.exp(-np.where(np.isfinite(freight), freight, 0.0) / LOGISTICS_SCALE_USD)
    out[:, 3] = lots.grade[lot] / 3.0
    out[:, 4] = readiness[lot]
    out[:, 5] = lots.priority[lot]


def build_candidates(lots: Lots, buyers: Buyers, *, taxonomy: Taxonomy, network: PortNetwork,
                     rates: FreightRates, block_pairs: int = BLOCK_PAIRS) -> Candidates:
    """All lot-buyer pairs of the same product (or a substitute the buyer accepts) that
    pass the hard filters, with their score features in [0, 1].

    Pairs are checked ``block_pairs`` at a time (at least one lot with all the buyers of
    its product), and only the feasible ones are kept, so memory grows with the feasible
    pairs; the result does not depend on ``block_pairs``.
    """
    n_lots, n_buyers = len(lots.product), len(buyers.product)
    transport = [taxonomy.products[p].transport_class for p in lots.product.tolist()]
    max_days = np.array([taxonomy.products[p].max_transit_days or np.inf
                         for p in lots.product.tolist()], dtype=float)
    products = sorted(_products(lots, buyers, taxonomy), key=lambda p: int(p.lots[0]))
    table = _route_table(lots, buyers, products, transport=transport, max_days=max_days,
                         network=network, rates=rates)
    have, need, vocabulary = _cert_masks(lots.certifications, buyers.certifications_required)
    room = min(sum(len(p.lots) * len(p.buyers) for p in products), ROOM_PAIRS)
    found = _new_found(lots, n_buyers, vocabulary, room)
    for product in products:
        step = max(1, block_pairs // len(product.buyers))
        for start in range(0, len(product.lots), step):
            _check_block(product.lots[start:start + step], product, lots=lots, buyers=buyers,
                         table=table, have=have, need=need, found=found)
    r = found.rejections
    r.buyer_first[r.buyer_count == 0] = -1
    found.shrink()
    _in_lot_order(found, n_lots)
    pairs, features = found.pairs, found.features
    lot, buyer, freight, landed = pairs["lot"], pairs["buyer"], pairs["freight"], pairs["landed"]
    return Candidates(
        lot=lot, buyer=buyer, features=features, freight_usd=freight,
        transit_days=pairs["days"], landed_usd=landed, origin_port=pairs["origin"],
        destination_port=pairs["destination"], rejections=r, first_leg=pairs["first"])
