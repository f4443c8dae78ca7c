"""The whole job: validate, normalise, consolidate, build candidates (``prepare``), then
score and solve (``Prepared.solve``); ``match`` does both."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _assemble
from ._assemble import PlanBasis
from ._candidates import REJECTIONS, Buyers, Candidates, build_candidates
from ._config import Config
from ._consolidate import Lots, consolidate, smallest_moq_in_reach
from ._exceptions import InputError, Problem
from ._explain import Outcome, demand_reasons, lot_reasons
from ._flow import flow_available
from ._gc import gc_paused
from ._logistics import PortNetwork, default_network
from ._parallel import check_executor, map_chunks
from ._plan import (
    Allocation,
    AllocationTable,
    CandidateTable,
    Plan,
    Summary,
    UnmatchedDemand,
    UnmatchedDemandTable,
    UnmatchedSupply,
    UnmatchedSupplyTable,
)
from ._products import ProductMatch, normalize_products
from ._progress import Stages, observe
from ._quality import GRADE_NAMES
from ._regions import Gazetteer, RegionMatch, default_gazetteer, locate_rows, region_problems
from ._schema import DemandTable, SupplyTable, locate, read_demand, read_supply
from ._sensitivity import Sensitivity, sensitivity
from ._solve import LP_METHOD, LpMethod, PartLayout, Solution, part_layout, solve_assignment
from ._sources import Source
from ._stories import Stories
from ._taxonomy import Taxonomy, default_taxonomy, read_products
from ._weights import Weights

__all__ = ["Prepared", "match", "prepare"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Product texts per task when normalisation is mapped over an executor.
NORMALISE_CHUNK = 4_000


def _config(config: Config | Mapping[str, Any] | None) -> Config:
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return Config.from_mapping(config)
    raise TypeError(f"The 'config' parameter must be a Config or a mapping; got "
                    f"{type(config).__name__} instead.")


def _weights(weights: Weights | Mapping[str, float] | None) -> Weights:
    if weights is None:
        return Weights()
    if isinstance(weights, Weights):
        return weights
    if isinstance(weights, Mapping):
        return Weights.from_mapping(weights)
    raise TypeError(f"The 'weights' parameter must be Weights or a mapping; got "
                    f"{type(weights).__name__} instead.")


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything that does not depend on the weights; :meth:`solve` does the rest.

    ``supply_issue`` and ``demand_issue`` give per input row why it cannot be matched
    (empty when it can); ``buyer_rows`` are the demand rows in buyer order.
    """

    config: Config
    supply: SupplyTable
    demand: DemandTable
    supply_products: tuple[ProductMatch, ...]
    demand_products: tuple[ProductMatch, ...]
    regions: RegionMatch
    supply_issue: tuple[str, ...]
    demand_issue: tuple[str, ...]
    lots: Lots
    lot_hub: tuple[str, ...]
    buyer_rows: IntArray
    buyers: Buyers
    candidates: Candidates
    taxonomy: Taxonomy
    gazetteer: Gazetteer
    network: PortNetwork
    seconds: float
    #: What a plan needs that depends on neither the weights nor the flows.
    basis: PlanBasis
    #: The solver's independent parts (they do not depend on the weights), laid out by
    #: the first solve and kept for the next (:meth:`layout`).
    _layouts: list[PartLayout] = field(default_factory=list, repr=False, compare=False)

    def solve(self, weights: Weights | Mapping[str, float] | None = None, *,
              executor: Executor | None = None, progress: bool = False) -> Plan:
        """Score the candidates with ``weights`` and solve the assignment.

        ``executor`` solves independent parts in parallel (the plan is the same);
        ``progress`` shows progress bars on stderr (needs tqdm).
        """
        weights = _weights(weights)
        executor = check_executor(executor)
        with observe(progress), Stages() as stages:
            return _solve(self, weights, executor=executor, stages=stages)

    def layout(self) -> PartLayout:
        """The solver's independent parts of these candidates (made on first need)."""
        if not self._layouts:
            c = self.candidates
            self._layouts.append(part_layout(c.lot, c.buyer, capacity=self.lots.quantity_kg,
                                             demand=self.buyers.quantity_kg,
                                             moq=self.buyers.moq_kg))
        return self._layouts[0]

    def sensitivity(self, settings: Sequence[Weights | Mapping[str, float]] | None = None, *,
                    grid: Mapping[str, Iterable[float]] | None = None,
                    baseline: Weights | Mapping[str, float] | None = None,
                    executor: Executor | None = None) -> Sensitivity:
        """Solve once per weight setting (or ``grid`` point) and compare with ``baseline``;
        see :func:`matching.sensitivity`."""
        return sensitivity(self, settings, grid=grid, baseline=baseline, executor=executor)


def prepare(supply: Source, demand: Source, *, config: Config | Mapping[str, Any] | None = None,
            executor: Executor | None = None, progress: bool = False) -> Prepared:
    """Validate, normalise, consolidate and build the candidate pairs once.

    Parameters
    ----------
    supply, demand : path, list of dicts, or pandas DataFrame
        BUMDes offers and buyer requests, with the columns of ``docs/input.md``.
    config : Config or mapping, optional
        Run options; defaults to ``Config()``.
    executor : concurrent.futures.Executor, optional
        Normalises product texts in chunks on it (``ThreadPoolExecutor``,
        ``ProcessPoolExecutor``, or ``distributed.Client(...).get_executor()`` to use a
        Dask cluster); the result is the same with or without it.
    progress : bool, default False
        Show a progress bar per stage on stderr (needs tqdm: the ``progress`` extra).

    Raises
    ------
    InputError
        Listing every problem of both inputs.

    Examples
    --------
    >>> import matching
    >>> prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
    >>> plan = prepared.solve(weights={"priority": 2.0})
    >>> plan.summary.status
    'optimal'
    """
    executor = check_executor(executor)
    with observe(progress), Stages() as stages:
        return _prepare(supply, demand, _config(config), executor=executor, stages=stages)


def _normalise(texts: tuple[str, ...], taxonomy: Taxonomy, executor: Executor | None,
               advance: Callable[[int], None]) -> tuple[ProductMatch, ...]:
    # Each text resolves on its own, so chunks give the same matches as one call.
    resolve = functools.partial(normalize_products, taxonomy=taxonomy)
    return tuple(map_chunks(resolve, texts, executor=executor, chunk_size=NORMALISE_CHUNK,
                            advance=advance))


def _prepare(supply: Source, demand: Source, cfg: Config, *, executor: Executor | None,
             stages: Stages) -> Prepared:
    start = time.perf_counter()
    stages.next("parse")
    supply_table, demand_table = _read(supply, demand, cfg)
    taxonomy = default_taxonomy() if cfg.products is None else read_products(cfg.products)
    gazetteer, network = default_gazetteer(), default_network()
    advance = stages.next("normalise", total=len(supply_table) + len(demand_table))
    supply_products = _normalise(supply_table.product, taxonomy, executor, advance)
    demand_products = _normalise(demand_table.product, taxonomy, executor, advance)
    stages.next("regions")
    regions = locate_rows(supply_table.province, supply_table.regency, supply_table.lat,
                          supply_table.lon, gazetteer=gazetteer)
    if cfg.strict_regions:
        problems = locate(supply_table, region_problems(
            regions, source=supply_table.source, rows=range(len(supply_table)),
            columns=supply_table.columns))
        if problems:
            raise InputError(problems)
    stages.next("consolidate")
    supply_issue = tuple(_supply_issue(supply_table, i, supply_products[i], regions)
                         for i in range(len(supply_table)))
    product_pos = np.array([-1 if m.product_id is None else taxonomy.position(m.product_id)
                            for m in supply_products], dtype=np.int64)
    confidence = np.array([m.confidence for m in supply_products])
    order = np.array(sorted(range(len(supply_table)), key=supply_table.supplier_id.__getitem__),
                     dtype=np.int64)
    usable = order[[not supply_issue[i] for i in order.tolist()]]
    region_code = [gazetteer.regency_code[r] if r >= 0 else
                   (gazetteer.province_code[p] if p >= 0 else "?")
                   for r, p in zip(regions.regency.tolist(), regions.province.tolist(),
                                   strict=True)]
    disadvantaged = np.where(regions.regency >= 0,
                             gazetteer.disadvantaged[np.maximum(regions.regency, 0)], False)
    buyer_rows = np.array(sorted(range(len(demand_table)),
                                 key=demand_table.buyer_id.__getitem__), dtype=np.int64)
    buyers, buyer_issue = _buyers(demand_table, demand_products, buyer_rows, taxonomy, network)
    demand_issue = tuple(buyer_issue[k] for k in np.argsort(buyer_rows).tolist())  # per row
    merge_below = None
    if cfg.consolidation == "regency":
        accepts = [frozenset() if p < 0 else frozenset(
            [p, *(taxonomy.position(s) for s in taxonomy.products[p].substitutes
                  if s in taxonomy)]) for p in buyers.product.tolist()]
        merge_below = smallest_moq_in_reach(
            product_pos, supply_table.grade, supply_table.certifications, accepts=accepts,
            grade_min=buyers.grade_min, certifications_required=buyers.certifications_required,
            moq=buyers.moq_kg)
        # A pool below the minimum shipment cannot ship at all: it merges too.
        merge_below = np.where(merge_below > 0, np.maximum(merge_below, cfg.min_shipment_kg),
                               cfg.min_shipment_kg)
    lots = consolidate(
        usable, product_ids=[p.product_id for p in taxonomy], product=product_pos,
        region_code=region_code, province=regions.province, regency=regions.regency,
        grade=supply_table.grade, certifications=supply_table.certifications,
        quantity_kg=supply_table.quantity_kg, price_usd=supply_table.price_usd,
        confidence=confidence, disadvantaged=disadvantaged, lat=regions.lat, lon=regions.lon,
        region=cfg.consolidation, province_code=gazetteer.province_code,
        supplier_id=supply_table.supplier_id, merge_below=merge_below)
    lot_hub = tuple(_hub_name(lots, i, gazetteer) for i in range(len(lots)))
    stages.next("candidates")
    candidates = build_candidates(lots, buyers, taxonomy=taxonomy, network=network,
                                  rates=cfg.freight)
    stages.next("index")
    with gc_paused():
        basis = _assemble.plan_basis(
            lots=lots, candidates=candidates, buyers=buyers,
            buyer_ids=[demand_table.buyer_id[i] for i in buyer_rows.tolist()],
            supplier_ids=supply_table.supplier_id, supply_kg=supply_table.quantity_kg,
            demand_kg=demand_table.quantity_kg, supply_issue=supply_issue,
            buyer_issue=buyer_issue, supply_province=regions.province,
            supply_products=supply_products, demand_products=demand_products,
            province_names=gazetteer.province, lot_hub=lot_hub, taxonomy=taxonomy)
    return Prepared(cfg, supply_table, demand_table, supply_products, demand_products, regions,
                    supply_issue, demand_issue, lots, lot_hub, buyer_rows, buyers, candidates,
                    taxonomy, gazetteer, network, time.perf_counter() - start, basis)


def match(supply: Source, demand: Source, *, weights: Weights | Mapping[str, float] | None = None,
          config: Config | Mapping[str, Any] | None = None,
          executor: Executor | None = None, progress: bool = False) -> Plan:
    """Match BUMDes supply to buyer demand and explain the plan.

    Parameters
    ----------
    supply, demand : path, list of dicts, or pandas DataFrame
        BUMDes offers and buyer requests (columns in ``docs/input.md``).
    weights : Weights or mapping, optional
        Feature weights of the score; defaults to ``Weights()``.
    config : Config or mapping, optional
        Run options; defaults to ``Config()``.
    executor : concurrent.futures.Executor, optional
        Maps product normalisation chunks and independent solver parts over it
        (``ThreadPoolExecutor``, ``ProcessPoolExecutor``, or a Dask cluster's
        ``client.get_executor()``); the plan is the same with or without it.
    progress : bool, default False
        Show a progress bar per stage on stderr (needs tqdm: the ``progress`` extra).

    Returns
    -------
    Plan

    Raises
    ------
    InputError
        Listing every problem of both inputs (``file:row:column: message``).

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> plan.summary.allocated_kg > 0
    True
    """
    weights = _weights(weights)
    with observe(progress):
        prepared = prepare(supply, demand, config=config, executor=executor)
        return prepared.solve(weights, executor=executor)


def _read(supply: Source, demand: Source, cfg: Config) -> tuple[SupplyTable, DemandTable]:
    problems: list[Problem] = []
    supply_table = demand_table = None
    try:
        supply_table = read_supply(supply, horizon_months=cfg.horizon_months, rates=cfg.rates,
                                   currency=cfg.supply_currency)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        demand_table = read_demand(demand, horizon_months=cfg.horizon_months, rates=cfg.rates,
                                   currency=cfg.demand_currency)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems or supply_table is None or demand_table is None:
        raise InputError(problems)
    return supply_table, demand_table


def _supply_issue(table: SupplyTable, i: int, product: ProductMatch, regions: RegionMatch) -> str:
    if product.product_id is None:
        return f"product not recognised: {table.product[i]!r}"
    if regions.regency[i] < 0 and regions.province[i] < 0:
        return f"location unknown: {regions.resolved.reason[i]}"
    if table.quantity_kg[i] <= 0:
        return "nothing offered (0 kg)"
    return ""


def _hub_name(lots: Lots, lot: int, gazetteer: Gazetteer) -> str:
    """The regency of a one-regency lot; else the regency whose seat is nearest the hub."""
    if lots.regency[lot] >= 0:
        return str(gazetteer.regency[lots.regency[lot]])
    rows, _ = lots.members(lot)
    if not np.isfinite(lots.hub_lat[lot]):
        return "(hub unknown)"
    near, _ = gazetteer.nearest_regency(lots.hub_lat[lot:lot + 1], lots.hub_lon[lot:lot + 1],
                                        lots.province[lot:lot + 1])
    return f"{gazetteer.regency[int(near[0])]} (hub for {len(rows)} BUMDes)"


def _buyers(table: DemandTable, products: tuple[ProductMatch, ...], rows: IntArray,
            taxonomy: Taxonomy, network: PortNetwork) -> tuple[Buyers, tuple[str, ...]]:
    issues = []
    sea, air = [], []
    for i in rows.tolist():
        s = network.destination(table.country[i], table.port[i], "sea")
        a = network.destination(table.country[i], table.port[i], "air")
        sea.append(s)
        air.append(a)
        if products[i].product_id is None:
            issues.append(f"product not recognised: {table.product[i]!r}")
        elif s < 0 and a < 0:
            given = ", ".join(repr(x) for x in (table.country[i], table.port[i]) if x)
            issues.append(f"destination unknown: {given or 'no country or port given'}")
        elif table.quantity_kg[i] <= 0:
            issues.append("nothing requested (0 kg)")
        else:
            issues.append("")
    usable = np.array([not x for x in issues], dtype=bool)
    product = np.array([taxonomy.position(products[i].product_id or "") if usable[k] else -1
                        for k, i in enumerate(rows.tolist())], dtype=np.int64)
    buyers = Buyers(
        product=product,
        confidence=np.array([products[i].confidence for i in rows.tolist()]),
        quantity_kg=table.quantity_kg[rows], moq_kg=table.moq_kg[rows],
        max_price_usd=table.max_price_usd[rows], grade_min=table.grade_min[rows],
        certifications_required=tuple(table.certifications_required[i] for i in rows.tolist()),
        destination_sea=np.array(sea, dtype=np.int64),
        destination_air=np.array(air, dtype=np.int64),
    )
    return buyers, tuple(issues)


def _lp_method(solver: str) -> LpMethod:
    """The method for plain LP parts that the ``solver`` option asks for."""
    if solver == "ortools" or (solver == "auto" and flow_available()):
        return "ortools"
    return LP_METHOD


def _solve(p: Prepared, weights: Weights, *, executor: Executor | None,
           stages: Stages) -> Plan:
    start = time.perf_counter()
    stages.next("solve")
    c, lots, buyers = p.candidates, p.lots, p.buyers
    scores = weights.score(c.features)
    cfg = p.config
    solution = solve_assignment(
        scores, c.lot, c.buyer, capacity=lots.quantity_kg, demand=buyers.quantity_kg,
        moq=buyers.moq_kg, min_shipment=cfg.min_shipment_kg,
        min_shipment_method=cfg.min_shipment_method, exact_max_pairs=cfg.exact_max_pairs,
        lot_group=lots.province if cfg.province_coverage else None,
        coverage_kg=cfg.coverage_min_kg, time_limit=cfg.time_limit, mip_gap=cfg.mip_gap,
        lp_method=_lp_method(cfg.solver), executor=executor, layout=p.layout())
    stages.next("plan")
    with gc_paused():
        return _plan(p, weights, solution, scores, start)


def _plan(p: Prepared, weights: Weights, solution: Solution, scores: FloatArray,
          start: float) -> Plan:
    """The plan's records from the solver's flows (``start``: when the solve began)."""
    c, lots, tax, cfg = p.candidates, p.lots, p.taxonomy, p.config
    flow, basis = solution.flow, p.basis
    buyer_ids = list(basis.buyer_ids)
    outcome = Outcome.build(c, flow, scores, n_lots=len(lots), n_buyers=len(buyer_ids),
                            min_shipment=cfg.min_shipment_kg, index=basis.pairs)
    used = _assemble.allocated_pairs(c, flow)
    allocations = AllocationTable(used, flow[used], scores[used], basis=basis, lots=lots,
                                  candidates=c, network=p.network)
    candidate_records = CandidateTable(lots.lot_id, buyer_ids, c.lot, c.buyer, scores)
    allocated = _assemble.allocated_per_row(basis, lots=lots, lot_used=outcome.lot_used,
                                            n_rows=len(p.supply))

    rest_of_row = p.supply.quantity_kg - allocated
    unmatched_supply = _unmatched_supply(p, outcome, rest_of_row)
    unserved, unmatched_demand = _unmatched_demand(p, outcome)

    uncovered = tuple(sorted(p.gazetteer.province[g] for g in solution.uncovered.tolist()))
    message = solution.message
    if uncovered:
        message += f"; no lot can be served in {', '.join(uncovered)}"
    summary = Summary(
        objective=solution.objective, status=solution.status, message=message,
        gap=solution.gap, seconds=p.seconds + time.perf_counter() - start,
        supply_kg=basis.supply_kg, demand_kg=basis.demand_kg, allocated_kg=float(flow.sum()),
        by_province=_assemble.by_province(basis, allocated),
        by_product=_assemble.by_product(basis, product=lots.product[c.lot[used]],
                                        kg=flow[used], taxonomy=tax),
        weights=weights.to_dict(),
        uncovered_provinces=uncovered)
    in_plan = np.zeros(len(lots), dtype=bool)  # per lot: shipped to some buyer
    in_plan[c.lot[used]] = True
    # Allocations run by buyer: each buyer's are a slice.
    of_buyer = np.searchsorted(c.buyer[used], np.arange(len(buyer_ids) + 1)).tolist()
    # Unmatched demand runs by buyer too, one record per buyer at most.
    of_unserved = np.searchsorted(unserved, np.arange(len(buyer_ids) + 1)).tolist()
    stories = Stories(buyer_ids, lambda b: _story(
        p, b, buyer_ids, allocations[of_buyer[b]:of_buyer[b + 1]],
        unmatched_demand[of_unserved[b]:of_unserved[b + 1]], scores, in_plan, outcome))
    return Plan(allocations, basis.lot_records, candidate_records, unmatched_supply,
                unmatched_demand, summary, stories)


def _unmatched_supply(p: Prepared, outcome: Outcome, rest_of_row: FloatArray
                      ) -> UnmatchedSupplyTable:
    """The unmatched supply: the supply rows with kg left or an input issue, by supplier
    id, and their kg left; their records are made when read (:func:`_supply_records`)."""
    basis = p.basis
    left = basis.supplier_order[(~(rest_of_row <= 1e-6) | basis.row_has_issue)[
        basis.supplier_order]]
    return UnmatchedSupplyTable(left, rest_of_row[left], ids=p.supply.supplier_id,
                                records=functools.partial(_supply_records, p, outcome))


def _supply_records(p: Prepared, outcome: Outcome, rows: IntArray, rest: FloatArray
                    ) -> list[UnmatchedSupply]:
    """The record of each supply row of ``rows`` with ``rest`` kg left: its input issue,
    solver rounding, or why its lot was not (all) allocated (explained once per lot);
    rows without candidate pairs have theirs from ``prepare()``."""
    basis = p.basis
    records = basis.row_record[rows]
    new = np.flatnonzero(~basis.row_settled[rows])
    records[new] = _assemble.unmatched_supply(
        rows[new], rest[new], supplier_ids=p.supply.supplier_id,
        supply_issue=p.supply_issue, row_has_issue=basis.row_has_issue,
        lot_of_row=basis.lot_of_row,
        reasons=lambda selected: lot_reasons(
            selected, lots=p.lots, buyers=p.buyers, candidates=p.candidates,
            outcome=outcome, buyer_ids=basis.buyer_ids, taxonomy=p.taxonomy))
    return list(records.tolist())


def _unmatched_demand(p: Prepared, outcome: Outcome) -> tuple[IntArray, UnmatchedDemandTable]:
    """The buyers with kg not served or an input issue (in buyer order), and the unmatched
    demand: those buyers and the kg not served; their records are made when read
    (:func:`_demand_records`)."""
    rest_of_buyer = p.buyers.quantity_kg - outcome.served
    left = np.flatnonzero(~(rest_of_buyer <= 1e-6) | p.basis.buyer_has_issue)
    return left, UnmatchedDemandTable(left, rest_of_buyer[left], ids=p.basis.buyer_ids,
                                      records=functools.partial(_demand_records, p, outcome))


def _demand_records(p: Prepared, outcome: Outcome, buyers: IntArray, rest: FloatArray
                    ) -> list[UnmatchedDemand]:
    """The record of each buyer of ``buyers`` with ``rest`` kg not served: its input
    issue, solver rounding, or why the rest was not served; buyers without candidate
    pairs have theirs from ``prepare()``."""
    basis = p.basis
    records = basis.buyer_record[buyers]
    new = np.flatnonzero(~basis.buyer_settled[buyers])
    records[new] = _assemble.unmatched_demand(
        buyers[new], rest[new], buyer_ids=basis.buyer_ids,
        buyer_issue=basis.buyer_issue, buyer_has_issue=basis.buyer_has_issue,
        reasons=lambda selected: demand_reasons(
            selected, lots=p.lots, buyers=p.buyers, candidates=p.candidates,
            outcome=outcome, buyer_ids=basis.buyer_ids, taxonomy=p.taxonomy))
    return list(records.tolist())


#: How the story says a lot reached its export port (by ``Allocation.first_leg``).
_FIRST_LEG_NOTE = {"truck": "", "feeder": " (feeder ship from the hub)",
                   "flight": " (domestic flight from the hub)"}


def _story(p: Prepared, b: int, buyer_ids: list[str], mine: Sequence[Allocation],
           unmatched: Sequence[UnmatchedDemand], scores: FloatArray,
           in_plan: npt.NDArray[np.bool_], outcome: Outcome) -> tuple[str, ...]:
    """The story of buyer ``b``; ``mine`` and ``unmatched`` hold its allocations and its
    unmatched demand records, ``in_plan`` says per lot whether it ships, and ``outcome``
    indexes the pairs by buyer (a story never scans all pairs)."""
    row = int(p.buyer_rows[b])
    d = p.demand
    match_ = p.demand_products[row]
    what = f"{match_.name} (HS {match_.hs_code})" if match_.product_id else \
        f"{d.product[row]!r} (not a known product)"
    where = ", ".join(x for x in (d.country[row], d.port[row]) if x) or "no destination"
    terms = [f"MOQ {d.moq_kg[row]:,.0f} kg" if d.moq_kg[row] > 0 else "no MOQ"]
    if not np.isnan(d.max_price_usd[row]):
        terms.append(f"max {d.max_price_usd[row]:.2f} USD/kg landed")
    if d.grade_min[row] > 0:
        terms.append(f"grade {GRADE_NAMES[d.grade_min[row]]} or better")
    if d.certifications_required[row]:
        terms.append("needs " + ", ".join(sorted(d.certifications_required[row])))
    name = f" ({d.name[row]})" if d.name[row] else ""
    lines = [f"{buyer_ids[b]}{name} wants {d.quantity_kg[row]:,.0f} kg of {what} "
             f"delivered to {where}; {'; '.join(terms)}."]
    c = p.candidates
    others = outcome.of_buyer(b)  # this buyer's pairs; those of its allocated lots:
    in_mine = np.isin(c.lot[others], [p.basis.lot_of_id[a.lot_id] for a in mine])
    if mine:
        total = sum(a.quantity_kg for a in mine)
        lines.append(f"It gets {total:,.0f} kg from {len(mine)} lot(s):")
        for a in mine:
            parts = ", ".join(f"{k} {v:.2f}" for k, v in a.score_breakdown.items())
            lines.append(f"  - {a.quantity_kg:,.0f} kg from {a.lot_id} ({len(a.members)} BUMDes) "
                         f"via {a.origin_port}{_FIRST_LEG_NOTE[a.first_leg]} -> "
                         f"{a.destination_port}, landed "
                         f"{a.landed_cost_usd_per_kg:.2f} USD/kg in {a.transit_days:.1f} days; "
                         f"score {a.score:.3f} ({parts})")
    else:
        lines.append("It gets nothing.")
    unused = others[~in_mine]
    if len(unused):
        best = unused[np.argsort(-scores[unused], kind="stable")[:3]].tolist()
        lines.append("Other feasible lots: " + "; ".join(
            f"{p.lots.lot_id[c.lot[k]]} score {scores[k]:.3f}"
            + (" (used by other buyers)" if in_plan[c.lot[k]] else "")
            for k in best) + ".")
    rejected = c.rejections.buyer_count[b]
    if rejected.any():
        counts = ", ".join(f"{int(rejected[code])} on {REJECTIONS[code]}"
                           for code in np.flatnonzero(rejected).tolist())
        lines.append(f"Lots of this product ruled out: {counts}.")
    for u in unmatched:
        lines.append(f"Unserved {u.quantity_kg:,.0f} kg: {u.reason}.")
    return tuple(lines)


