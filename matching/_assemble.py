"""Building the plan's records from the solver's flows.

What depends on neither the weights nor the flows (the lot records, each member's share of
its lot, row and buyer orders, per-province and per-product supply, the pair indexes of
the explanations, the unmatched records of rows and buyers without candidate pairs) is a
:class:`PlanBasis`, made once by ``prepare()``; a solve only does the flow-dependent
part, with array operations and no loop over lots or supply rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ._candidates import Buyers, Candidates
from ._consolidate import Lots
from ._explain import (
    ROUNDING_KG,
    PairIndex,
    pairless_demand_reasons,
    pairless_lot_reasons,
    ranges,
)
from ._logistics import FIRST_LEGS, PortNetwork
from ._plan import (
    ALLOCATION_FIELDS,
    Allocation,
    LotRecord,
    Member,
    UnmatchedDemand,
    UnmatchedSupply,
    unmatched_kg,
)
from ._product_match import ProductMatch
from ._taxonomy import Taxonomy
from ._weights import FEATURES

__all__ = ["PlanBasis", "allocated_pairs", "allocated_per_row", "allocation_columns",
           "allocations", "by_product", "by_province", "plan_basis", "unmatched_demand",
           "unmatched_supply"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]

#: The by-province name of supply whose province is unknown.
UNKNOWN_PROVINCE = "(unknown)"


@dataclass(frozen=True, slots=True)
class PlanBasis:
    """The parts of a plan that depend on neither the weights nor the flows."""

    #: Buyer ids in buyer order (sorted).
    buyer_ids: tuple[str, ...]
    #: One record per lot, members with their whole offer; lot position by lot id.
    lot_records: tuple[LotRecord, ...]
    lot_of_id: dict[str, int]
    #: Per member position (``Lots.member_row`` order): its lot, its share of the lot's
    #: kg (0 for an empty lot) and its supplier id.
    member_lot: IntArray
    member_share: FloatArray
    member_supplier: tuple[str, ...]
    #: Per supply row: the lot it is in (-1 for none) and whether it has an input issue.
    lot_of_row: IntArray
    row_has_issue: BoolArray
    #: Per buyer: why its request cannot be matched (empty when it can), and whether.
    buyer_issue: tuple[str, ...]
    buyer_has_issue: BoolArray
    #: Supply rows by supplier id.
    supplier_order: IntArray
    #: ``by_province`` groups (sorted names), each supply row's group, suppliers and kg.
    province_names: tuple[str, ...]
    province_of_row: IntArray
    province_suppliers: tuple[int, ...]
    province_supply_kg: tuple[float, ...]
    #: kg offered and asked per product id (recognised products only, in row order).
    product_supply_kg: dict[str, float]
    product_demand_kg: dict[str, float]
    supply_kg: float
    demand_kg: float
    #: Candidate and rejected pairs by lot and by buyer.
    pairs: PairIndex
    #: Product id and HS code per taxonomy position.
    product_ids: tuple[str, ...]
    hs_codes: tuple[str, ...]
    #: Per supply row, whether its unmatched record is the same in every plan (an input
    #: issue and no lot, or a lot without candidate pairs), and that record (None where
    #: it is not settled; used where the row has kg left or an issue).
    row_settled: BoolArray
    row_record: ObjectArray
    #: Per buyer, the same for buyers without candidate pairs.
    buyer_settled: BoolArray
    buyer_record: ObjectArray


def plan_basis(*, lots: Lots, candidates: Candidates, buyers: Buyers, buyer_ids: Sequence[str],
               supplier_ids: Sequence[str], supply_kg: FloatArray, demand_kg: FloatArray,
               supply_issue: Sequence[str], buyer_issue: Sequence[str], supply_province: IntArray,
               supply_products: Sequence[ProductMatch], demand_products: Sequence[ProductMatch],
               province_names: Sequence[str], lot_hub: Sequence[str],
               taxonomy: Taxonomy) -> PlanBasis:
    """Everything of :class:`PlanBasis`, once per ``prepare()``."""
    n_lots, n_rows, n_buyers = len(lots), len(supplier_ids), len(buyer_ids)
    member_lot = np.repeat(np.arange(n_lots, dtype=np.int64), np.diff(lots.member_ptr))
    total = lots.quantity_kg[member_lot]
    with np.errstate(divide="ignore", invalid="ignore"):
        member_share = np.where(total > 0, lots.member_kg / total, 0.0)
    member_supplier = tuple(map(supplier_ids.__getitem__, lots.member_row.tolist()))
    product_ids = [p.product_id for p in taxonomy.products]
    lot_records = tuple(map(
        LotRecord, lots.lot_id, [product_ids[p] for p in lots.product.tolist()], lot_hub,
        [province_names[p] if p >= 0 else "" for p in lots.province.tolist()],
        lots.quantity_kg.tolist(), _member_tuples(lots.member_ptr, member_supplier,
                                                  np.arange(n_lots), lots.quantity_kg,
                                                  member_share),
        lots.hub_lat.tolist(), lots.hub_lon.tolist()))
    lot_of_row = np.full(n_rows, -1, dtype=np.int64)
    lot_of_row[lots.member_row] = member_lot
    order = np.array(sorted(range(n_rows), key=supplier_ids.__getitem__), dtype=np.int64)

    name_of = [*province_names, UNKNOWN_PROVINCE]  # index -1: unknown
    groups = sorted({name_of[g] for g in supply_province.tolist()})
    group_of_name = {name: k for k, name in enumerate(groups)}
    group_of_province = np.array([group_of_name.get(name, -1) for name in name_of],
                                 dtype=np.int64)
    province_of_row = group_of_province[supply_province]
    pairs = PairIndex.build(candidates, n_lots=n_lots, n_buyers=n_buyers)
    row_has_issue = np.array([bool(x) for x in supply_issue], dtype=bool)
    buyer_has_issue = np.array([bool(x) for x in buyer_issue], dtype=bool)

    # Rows and buyers without candidate pairs get no flow: their records (what is left,
    # and why) are those of every plan, made here as a solve would make them.
    row_settled = row_has_issue & (lot_of_row < 0)
    row_settled[lots.member_row] = (np.diff(pairs.lot_ptr) == 0)[member_lot]
    rows = np.flatnonzero(row_settled)
    rest_of_row = supply_kg[rows] - 0.0  # as a solve subtracts its 0 kg allocated
    row_record = np.full(n_rows, None, dtype=object)
    row_record[rows] = unmatched_supply(
        rows, rest_of_row, supplier_ids=supplier_ids, supply_issue=supply_issue,
        row_has_issue=row_has_issue, lot_of_row=lot_of_row,
        reasons=lambda selected: pairless_lot_reasons(selected, lots=lots,
                                                      candidates=candidates,
                                                      taxonomy=taxonomy))
    buyer_settled = np.diff(pairs.buyer_ptr) == 0
    alone = np.flatnonzero(buyer_settled)
    buyer_record = np.full(n_buyers, None, dtype=object)
    buyer_record[alone] = unmatched_demand(
        alone, buyers.quantity_kg[alone] - 0.0, buyer_ids=buyer_ids, buyer_issue=buyer_issue,
        buyer_has_issue=buyer_has_issue,
        reasons=lambda selected: pairless_demand_reasons(selected, buyers=buyers,
                                                         candidates=candidates,
                                                         taxonomy=taxonomy))
    return PlanBasis(
        buyer_ids=tuple(buyer_ids), lot_records=lot_records,
        lot_of_id={lot_id: i for i, lot_id in enumerate(lots.lot_id)}, member_lot=member_lot,
        member_share=member_share, member_supplier=member_supplier, lot_of_row=lot_of_row,
        row_has_issue=row_has_issue, buyer_issue=tuple(buyer_issue),
        buyer_has_issue=buyer_has_issue,
        supplier_order=order, province_names=tuple(groups), province_of_row=province_of_row,
        province_suppliers=tuple(np.bincount(province_of_row, minlength=len(groups)).tolist()),
        province_supply_kg=tuple(np.bincount(province_of_row, weights=supply_kg,
                                             minlength=len(groups)).tolist()),
        product_supply_kg=_kg_by_product(supply_products, supply_kg),
        product_demand_kg=_kg_by_product(demand_products, demand_kg),
        supply_kg=float(supply_kg.sum()), demand_kg=float(demand_kg.sum()), pairs=pairs,
        product_ids=tuple(p.product_id for p in taxonomy.products),
        hs_codes=tuple(p.hs_code for p in taxonomy.products), row_settled=row_settled,
        row_record=row_record, buyer_settled=buyer_settled, buyer_record=buyer_record)


def _kg_by_product(products: Sequence[ProductMatch], kg: FloatArray) -> dict[str, float]:
    # bincount adds each bin's weights in row order, as a running sum per product would.
    index: dict[str, int] = {}
    code = np.array([index.setdefault(m.product_id, len(index)) if m.product_id else -1
                     for m in products], dtype=np.int64)
    known = code >= 0
    return dict(zip(index, np.bincount(code[known], weights=kg[known],
                                       minlength=len(index)).tolist(), strict=True))


def _member_tuples(ptr: IntArray, supplier: Sequence[str], lots: IntArray,
                   lot_kg: FloatArray, share: FloatArray) -> list[tuple[Member, ...]]:
    """Per lot of ``lots``, its members, each with its ``share`` (per member position) of
    that lot's ``lot_kg`` (one value per entry of ``lots``)."""
    counts = ptr[lots + 1] - ptr[lots]
    positions = ranges(ptr[lots], ptr[lots + 1])
    kg = np.repeat(lot_kg, counts) * share[positions]
    made = iter(list(map(Member, map(supplier.__getitem__, positions.tolist()), kg.tolist())))
    return [tuple(itertools.islice(made, n)) for n in counts.tolist()]


def unmatched_supply(rows: IntArray, rest: FloatArray, *, supplier_ids: Sequence[str],
                     supply_issue: Sequence[str], row_has_issue: BoolArray,
                     lot_of_row: IntArray, reasons: Callable[[IntArray], Sequence[str]]
                     ) -> list[UnmatchedSupply]:
    """The record of each supply row of ``rows`` with ``rest`` kg left: its input issue,
    solver rounding, or why its lot was not (all) allocated, ``reasons(lots)`` (the lots
    in order, each once)."""
    issue = row_has_issue[rows]
    lot = lot_of_row[rows[~issue & ~(rest < ROUNDING_KG)]]
    selected = np.flatnonzero(np.bincount(lot))  # each lot once, in order
    texts = np.array(reasons(selected), dtype=object)[np.searchsorted(selected, lot)]
    return list(map(UnmatchedSupply, map(supplier_ids.__getitem__, rows.tolist()),
                    *_unmatched(rest, issue, texts, [supply_issue[i] for i in
                                                     rows[issue].tolist()])))


def unmatched_demand(buyers: IntArray, rest: FloatArray, *, buyer_ids: Sequence[str],
                     buyer_issue: Sequence[str], buyer_has_issue: BoolArray,
                     reasons: Callable[[IntArray], Sequence[str]]) -> list[UnmatchedDemand]:
    """The record of each buyer of ``buyers`` with ``rest`` kg not served: its input
    issue, solver rounding, or why the rest was not served, ``reasons(buyers)`` (in
    order)."""
    issue = buyer_has_issue[buyers]
    texts = reasons(buyers[~issue & ~(rest < ROUNDING_KG)])
    return list(map(UnmatchedDemand, map(buyer_ids.__getitem__, buyers.tolist()),
                    *_unmatched(rest, issue, texts, [buyer_issue[b] for b in
                                                     buyers[issue].tolist()])))


def _unmatched(rest: FloatArray, issue: BoolArray, texts: Sequence[str] | ObjectArray,
               issues: Sequence[str]) -> tuple[list[float], list[str]]:
    """The kg (never below 0) and reason of each unmatched record: its input issue where
    ``issue`` (``issues``, in order), solver rounding for less than a gram, else its
    explanation (``texts``, in order)."""
    reasons = np.full(len(rest), "less than a gram left by solver rounding", dtype=object)
    reasons[issue] = issues
    reasons[~issue & ~(rest < ROUNDING_KG)] = texts
    return unmatched_kg(rest).tolist(), reasons.tolist()


def allocated_pairs(candidates: Candidates, flow: FloatArray) -> IntArray:
    """The pairs with flow in the order of the plan's allocations: by buyer id, then lot id
    (ids are unique and sort like their indexes)."""
    used = np.flatnonzero(flow > 0)
    return used[np.lexsort((candidates.lot[used], candidates.buyer[used]))]


def allocation_columns(basis: PlanBasis, used: IntArray, kg: FloatArray, score: FloatArray, *,
                       lots: Lots, candidates: Candidates, network: PortNetwork,
                       names: Sequence[str] = ALLOCATION_FIELDS) -> list[list[Any]]:
    """The values of the fields ``names`` (of :class:`Allocation`) of the allocation of
    each pair of ``used`` (:func:`allocated_pairs`, or a part of them) with ``kg`` and
    ``score`` (one per pair of ``used``): one list per name, made with array operations;
    members share the kg in proportion to their offers.

    Raises
    ------
    KeyError
        For a name that is not a field of :class:`Allocation`.
    """
    c = candidates

    def members() -> list[Any]:
        lot = c.lot[used]
        # A lot shipped whole to one buyer has the members of its lot record (same kg).
        whole = kg == lots.quantity_kg[lot]
        part = iter(_member_tuples(lots.member_ptr, basis.member_supplier, lot[~whole],
                                   kg[~whole], basis.member_share))
        records = basis.lot_records
        return [records[i].members if w else next(part)
                for i, w in zip(lot.tolist(), whole.tolist(), strict=True)]

    def of_product(texts: Sequence[str]) -> list[Any]:
        return list(map(texts.__getitem__, lots.product[c.lot[used]].tolist()))

    def of_port(port: IntArray) -> list[Any]:
        return list(map(network.locode.__getitem__, port[used].tolist()))

    column: dict[str, Callable[[], list[Any]]] = {
        "buyer_id": lambda: list(map(basis.buyer_ids.__getitem__, c.buyer[used].tolist())),
        "lot_id": lambda: list(map(lots.lot_id.__getitem__, c.lot[used].tolist())),
        "product_id": lambda: of_product(basis.product_ids),
        "hs_code": lambda: of_product(basis.hs_codes),
        "quantity_kg": kg.tolist,
        "score": score.tolist,
        "score_breakdown": lambda: list(map(dict, map(zip, itertools.repeat(FEATURES),
                                                      c.features[used].tolist()))),
        "origin_port": lambda: of_port(c.origin_port),
        "destination_port": lambda: of_port(c.destination_port),
        "landed_cost_usd_per_kg": lambda: c.landed_usd[used].tolist(),
        "transit_days": lambda: c.transit_days[used].tolist(),
        "first_leg": lambda: list(map(FIRST_LEGS.__getitem__, c.first_leg[used].tolist())),
        "members": members,
    }
    return [column[name]() for name in names]


def allocations(basis: PlanBasis, used: IntArray, kg: FloatArray, score: FloatArray, *,
                lots: Lots, candidates: Candidates, network: PortNetwork) -> list[Allocation]:
    """One record per pair of ``used`` (:func:`allocated_pairs`, or a part of them) with
    ``kg`` and ``score`` (one per pair of ``used``), from :func:`allocation_columns`."""
    return list(map(Allocation, *allocation_columns(basis, used, kg, score, lots=lots,
                                                    candidates=candidates, network=network)))


def allocated_per_row(basis: PlanBasis, *, lots: Lots, lot_used: FloatArray,
                      n_rows: int) -> FloatArray:
    """kg allocated per supply row: its lot's kg used, shared in proportion to offers."""
    allocated = np.zeros(n_rows)
    lot = basis.member_lot
    nonempty = lots.quantity_kg[lot] > 0
    lot = lot[nonempty]
    np.add.at(allocated, lots.member_row[nonempty],
              lot_used[lot] * lots.member_kg[nonempty] / lots.quantity_kg[lot])
    return allocated


def by_province(basis: PlanBasis, allocated: FloatArray) -> tuple[dict[str, Any], ...]:
    """Suppliers, suppliers served, kg offered and kg allocated per province (by name)."""
    n = len(basis.province_names)
    group = basis.province_of_row
    served = np.bincount(group[allocated > 1e-6], minlength=n).tolist()
    kg = np.bincount(group, weights=allocated, minlength=n).tolist()
    return tuple({"province": name, "suppliers": suppliers, "suppliers_served": s,
                  "supply_kg": supply, "allocated_kg": a}
                 for name, suppliers, s, supply, a in zip(
                     basis.province_names, basis.province_suppliers, served,
                     basis.province_supply_kg, kg, strict=True))


def by_product(basis: PlanBasis, *, product: IntArray, kg: FloatArray,
               taxonomy: Taxonomy) -> tuple[dict[str, Any], ...]:
    """kg offered, asked and allocated per product; ``product`` and ``kg``: the taxonomy
    position and kg of each allocation, in order (each product's kg summed in that order)."""
    present = np.unique(product)
    total = np.bincount(product, weights=kg, minlength=len(taxonomy.products))
    allocated = {taxonomy.products[p].product_id: q for p, q in zip(
        present.tolist(), total[present].tolist(), strict=True)}
    names = {*basis.product_supply_kg, *basis.product_demand_kg, *allocated}
    return tuple({"product_id": name, "hs_code": taxonomy[name].hs_code,
                  "supply_kg": basis.product_supply_kg.get(name, 0.0),
                  "demand_kg": basis.product_demand_kg.get(name, 0.0),
                  "allocated_kg": allocated.get(name, 0.0)} for name in sorted(names))
