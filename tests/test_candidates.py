"""build_candidates against a simple reference that checks every pair at once and keeps
each rejected pair, as the stage did before it worked in blocks: the same feasible pairs
byte for byte, and the same reasons for every lot and buyer explained by its rejections."""

from collections import Counter
from dataclasses import fields, replace

import numpy as np
import pytest

import matching
import matching._candidates as candidates_module
from matching._candidates import (
    BLOCK_PAIRS,
    LOGISTICS_SCALE_USD,
    MARKET_CERTS,
    REJECTIONS,
    ROOM_PAIRS,
    SAFETY_CERTS,
    SUBSTITUTE_FIT,
    build_candidates,
)
from matching._explain import Outcome, _rejection, demand_reasons, lot_reasons
from matching._logistics import hub_islands, plan_routes

from .helpers import national

FIELDS = ("lot", "buyer", "features", "freight_usd", "transit_days", "landed_usd",
          "origin_port", "destination_port", "first_leg")


def reference(lots, buyers, taxonomy, network, rates):
    """Every same-product (or substitute) pair, all filters on all pairs, rejected pairs
    kept one by one with their first failed filter and its value."""
    lot_parts, buyer_parts, fit_parts = [], [], []
    for p in np.unique(buyers.product[buyers.product >= 0]).tolist():
        bs = np.flatnonzero(buyers.product == p)
        accepted = [(p, 1.0)] + [(taxonomy.position(s), SUBSTITUTE_FIT)
                                 for s in taxonomy.products[p].substitutes if s in taxonomy]
        for q, fit in accepted:
            ls = np.flatnonzero(lots.product == q)
            lot_parts.append(np.repeat(ls, len(bs)))
            buyer_parts.append(np.tile(bs, len(ls)))
            fit_parts.append(np.full(len(ls) * len(bs), fit))
    lot, buyer, fit = (np.concatenate(x) for x in (lot_parts, buyer_parts, fit_parts))
    order = np.lexsort((buyer, lot))
    lot, buyer, fit = lot[order], buyer[order], fit[order]
    transport = [taxonomy.products[p].transport_class for p in lots.product.tolist()]
    max_days = np.array([taxonomy.products[p].max_transit_days or np.inf
                         for p in lots.product.tolist()])
    air = np.array(transport) == "air"
    destination = np.where(air[lot], buyers.destination_air[buyer],
                           buyers.destination_sea[buyer])
    routes = plan_routes(network, rates, hub_lat=lots.hub_lat, hub_lon=lots.hub_lon,
                         hub_island=hub_islands(lots.hub_lat, lots.hub_lon, lots.regency),
                         transport=transport, max_days=max_days, hub=lot,
                         destination=destination)
    freight, days = routes.cost_usd_per_kg, routes.transit_days
    price, ceiling = lots.price_usd[lot], buyers.max_price_usd[buyer]
    landed = np.where(np.isnan(price), freight, price + freight)
    certs_ok = np.array([buyers.certifications_required[b] <= lots.certifications[i]
                         for i, b in zip(lot.tolist(), buyer.tolist(), strict=True)])
    checks = [(destination >= 0, np.zeros(len(lot))),
              (lots.grade[lot] >= buyers.grade_min[buyer], lots.grade[lot].astype(float)),
              (certs_ok, np.zeros(len(lot))), (days <= max_days[lot], days),
              (np.isnan(ceiling) | (landed <= ceiling + 1e-9), landed)]
    reason, value = np.full(len(lot), -1), np.zeros(len(lot))
    for code, (ok, detail) in reversed(list(enumerate(checks))):
        reason, value = np.where(ok, reason, code), np.where(ok, value, detail)
    keep = reason < 0
    readiness = np.array([0.5 * bool(c & SAFETY_CERTS) + 0.5 * bool(c & MARKET_CERTS)
                          for c in lots.certifications])
    features = np.column_stack([
        fit * np.minimum(lots.confidence[lot], buyers.confidence[buyer]),
        np.where(np.isnan(ceiling) | np.isnan(price), 0.5,
                 np.clip((ceiling - landed) / np.where(ceiling > 0, ceiling, 1.0), 0, 1)),
        np.exp(-np.where(np.isfinite(freight), freight, 0.0) / LOGISTICS_SCALE_USD),
        lots.grade[lot] / 3.0, readiness[lot], lots.priority[lot]])
    out = dict(zip(FIELDS, (lot, buyer, features, freight, days, landed, routes.origin_port,
                            destination, routes.first_leg), strict=True))
    out = {k: v[keep] for k, v in out.items()}
    out.update(rejected_lot=lot[~keep], rejected_buyer=buyer[~keep],
               rejected_reason=reason[~keep], rejected_value=value[~keep])
    return out


def commonest(pairs, ref):
    """The most common reason of these rejected pairs (the first met on a tie), and its
    pairs: what the explanations said when they scanned the pairs."""
    codes = ref["rejected_reason"][pairs]
    code = Counter(codes.tolist()).most_common(1)[0][0]
    chosen = pairs[codes == code]
    values = ref["rejected_value"][chosen]
    best = values.max() if REJECTIONS[code] == "grade" else values.min()
    return code, chosen, float(best)


def lot_reference(lot, ref, p):
    rejected = np.flatnonzero(ref["rejected_lot"] == lot)
    if not len(rejected):
        return "no buyer for this product"
    code, chosen, best = commonest(rejected, ref)
    rejecting, buyers = ref["rejected_buyer"][chosen], p.buyers
    ceilings = buyers.max_price_usd[rejecting]
    limit = p.taxonomy.products[p.lots.product[lot]].max_transit_days or np.inf
    return "no buyer accepts this lot: " + _rejection(
        code, best, ceiling=float(np.nanmax(ceilings)) if np.any(~np.isnan(ceilings))
        else np.nan, grade_min=int(buyers.grade_min[rejecting].min()),
        required=frozenset().union(*(buyers.certifications_required[i] for i in rejecting)),
        limit=limit)


def demand_reference(b, ref, p):
    rejected = np.flatnonzero(ref["rejected_buyer"] == b)
    if not len(rejected):
        return "no supply of this product"
    code, _, best = commonest(rejected, ref)
    buyers = p.buyers
    return _rejection(code, best, ceiling=float(buyers.max_price_usd[b]),
                      grade_min=int(buyers.grade_min[b]),
                      required=buyers.certifications_required[b],
                      limit=p.taxonomy.products[buyers.product[b]].max_transit_days or np.inf)


@pytest.fixture(scope="module")
def generated():
    supply, demand = national(3000, 900, seed=3)
    p = matching.prepare(supply, demand)
    return p, reference(p.lots, p.buyers, p.taxonomy, p.network, p.config.freight)


@pytest.mark.parametrize(("block_pairs", "room"), [(1, 10), (97, ROOM_PAIRS), (5000, 1000),
                                                   (BLOCK_PAIRS, ROOM_PAIRS)])
def test_feasible_pairs_are_those_of_the_all_pairs_reference(generated, block_pairs, room,
                                                             monkeypatch):
    """Any block size gives the same pairs, and so does room for fewer feasible pairs than
    there are (the arrays grow)."""
    monkeypatch.setattr(candidates_module, "ROOM_PAIRS", room)
    p, ref = generated
    c = build_candidates(p.lots, p.buyers, taxonomy=p.taxonomy, network=p.network,
                         rates=p.config.freight, block_pairs=block_pairs)
    assert len(c) > 1000 and len(ref["rejected_lot"]) > len(c)
    for name in FIELDS:
        got, want = getattr(c, name), ref[name]
        assert got.dtype == want.dtype and got.shape == want.shape, name
        assert got.tobytes() == want.tobytes(), name
    counts = np.zeros((len(p.buyers.product), len(REJECTIONS)), dtype=np.int64)
    np.add.at(counts, (ref["rejected_buyer"], ref["rejected_reason"]), 1)
    assert np.array_equal(c.rejections.buyer_count, counts)
    counts = np.zeros((len(p.lots), len(REJECTIONS)), dtype=np.int64)
    np.add.at(counts, (ref["rejected_lot"], ref["rejected_reason"]), 1)
    assert np.array_equal(c.rejections.lot_count, counts)


def test_reasons_from_the_summary_are_those_from_every_rejected_pair(generated):
    p, ref = generated
    c = build_candidates(p.lots, p.buyers, taxonomy=p.taxonomy, network=p.network,
                         rates=p.config.freight, block_pairs=211)
    n_lots, n_buyers = len(p.lots), len(p.buyers.product)
    outcome = Outcome.build(c, np.zeros(len(c)), np.zeros(len(c)), n_lots=n_lots,
                            n_buyers=n_buyers)
    common = dict(lots=p.lots, buyers=p.buyers, candidates=c, outcome=outcome,
                  buyer_ids=[str(b) for b in range(n_buyers)], taxonomy=p.taxonomy)
    lots = np.setdiff1d(np.arange(n_lots), c.lot)
    buyers = np.setdiff1d(np.flatnonzero(p.buyers.product >= 0), c.buyer)
    texts = Counter()
    for lot, text in zip(lots.tolist(), lot_reasons(lots, **common), strict=True):
        assert text == lot_reference(lot, ref, p), lot
        texts[text.split(" (")[0].split(": ")[-1]] += 1
    for b, text in zip(buyers.tolist(), demand_reasons(buyers, **common), strict=True):
        assert text == demand_reference(b, ref, p), b
        texts[text.split(" (")[0]] += 1
    # Every reason is met, and ties between reasons (decided by the first pair) happen.
    assert len(texts) >= 5, texts
    counts = c.rejections.buyer_count[buyers]
    assert ((counts == counts.max(axis=1, keepdims=True)).sum(axis=1) > 1).any()


def test_lots_of_a_product_need_not_be_consecutive(generated):
    """Lot ids keep each product's lots together; in any other order the pairs are still
    put in (lot, buyer) order."""
    p, _ = generated
    order = np.random.default_rng(5).permutation(len(p.lots))
    per_lot = {f.name: getattr(p.lots, f.name) for f in fields(p.lots)
               if not f.name.startswith("member_")}
    lots = replace(p.lots, **{k: v[order] if isinstance(v, np.ndarray) else
                              tuple(v[i] for i in order.tolist()) for k, v in per_lot.items()})
    assert (np.diff(lots.product) != 0).sum() > 2 * len(np.unique(lots.product))
    ref = reference(lots, p.buyers, p.taxonomy, p.network, p.config.freight)
    c = build_candidates(lots, p.buyers, taxonomy=p.taxonomy, network=p.network,
                         rates=p.config.freight, block_pairs=3000)
    for name in FIELDS:
        assert getattr(c, name).tobytes() == ref[name].tobytes(), name
    counts = np.zeros((len(lots), len(REJECTIONS)), dtype=np.int64)
    np.add.at(counts, (ref["rejected_lot"], ref["rejected_reason"]), 1)
    assert np.array_equal(c.rejections.lot_count, counts)
