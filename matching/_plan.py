"""The plan: allocations, lots, candidates, unmatched supply and demand, and a summary."""

from __future__ import annotations

import copy
import io
import itertools
import os
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, get_args, overload

import numpy as np
import numpy.typing as npt

from ._files import csv_field, csv_text, write_many_atomic
from ._gc import gc_paused
from ._optional import require
from ._plan_json import candidates_csv, field_names, plan_json_bytes, plan_json_chunks
from ._weights import FEATURES

if TYPE_CHECKING:
    from ._assemble import PlanBasis
    from ._candidates import Candidates
    from ._consolidate import Lots
    from ._logistics import PortNetwork

__all__ = ["ALLOCATION_FIELDS", "Allocation", "AllocationTable", "Candidate", "CandidateTable",
           "LotRecord", "Member", "Plan", "Summary", "UnmatchedDemand", "UnmatchedDemandTable",
           "UnmatchedSupply", "UnmatchedSupplyTable", "allocation_column", "csv_files",
           "unmatched_kg"]

R = TypeVar("R")

Table = Literal["allocations", "lots", "candidates", "unmatched_supply", "unmatched_demand",
                "by_province", "by_product"]
TABLES: tuple[Table, ...] = get_args(Table)


@dataclass(frozen=True, slots=True)
class Member:
    """One BUMDes' share of a lot or an allocation."""

    supplier_id: str
    quantity_kg: float


@dataclass(frozen=True, slots=True)
class Allocation:
    """Kilograms of one lot sent to one buyer, with the score per kg and its breakdown.

    The lot leaves from ``origin_port``, which its hub reaches by ``first_leg``:
    ``truck``, ``feeder`` (ship from a hub on another island) or ``flight`` (domestic
    flight, for air cargo from a hub without an export airport on its island).
    """

    buyer_id: str
    lot_id: str
    product_id: str
    hs_code: str
    quantity_kg: float
    score: float
    score_breakdown: dict[str, float]
    origin_port: str
    destination_port: str
    landed_cost_usd_per_kg: float
    transit_days: float
    first_leg: str
    members: tuple[Member, ...]


#: The fields of :class:`Allocation`, in order.
ALLOCATION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Allocation))


@dataclass(frozen=True, slots=True)
class LotRecord:
    """A consolidated lot: one product from one region, shipped from one hub (its
    kg-weighted centre at ``hub_lat``, ``hub_lon``)."""

    lot_id: str
    product_id: str
    hub: str
    province: str
    quantity_kg: float
    members: tuple[Member, ...]
    hub_lat: float = float("nan")
    hub_lon: float = float("nan")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A feasible lot-buyer pair the solver saw, with its score per kg."""

    lot_id: str
    buyer_id: str
    score: float


class _RecordTable(Sequence[R]):
    """A read-only sequence of records kept as arrays, made into records only when read,
    that compares, hashes and pickles like the tuple of records it stands for (what
    :class:`CandidateTable` and :class:`AllocationTable` share)."""

    __slots__ = ()

    @abstractmethod
    def _one(self, k: int) -> R:
        """The record at position ``k`` (``0 <= k < len(self)``)."""

    @abstractmethod
    def _slice(self, part: slice) -> tuple[R, ...]:
        """The records of ``part``."""

    @overload
    def __getitem__(self, index: int) -> R: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[R, ...]: ...

    def __getitem__(self, index: int | slice) -> R | tuple[R, ...]:
        if isinstance(index, slice):
            return self._slice(index)
        return self._one(range(len(self))[index])  # IndexError, negative indices: as a tuple

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _RecordTable | tuple):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, (tuple(self),))


class CandidateTable(_RecordTable[Candidate]):
    """The candidate pairs of a plan as a read-only sequence of :class:`Candidate`, kept as
    arrays (lot index, buyer index, score) and made into records only when read: one
    record per pair costs seconds and gigabytes at national scale.

    It compares, hashes and pickles like the tuple of records it stands for.

    Examples
    --------
    >>> table = CandidateTable(["L1", "L2"], ["B1"], np.array([1, 0]), np.array([0, 0]),
    ...                        np.array([0.5, 0.25]))
    >>> table[0], len(table)
    (Candidate(lot_id='L2', buyer_id='B1', score=0.5), 2)
    >>> table == (Candidate("L2", "B1", 0.5), Candidate("L1", "B1", 0.25))
    True
    >>> table.dicts()[1]
    {'lot_id': 'L1', 'buyer_id': 'B1', 'score': 0.25}
    """

    __slots__ = ("_buyer", "_buyer_ids", "_lot", "_lot_ids", "_score")

    def __init__(self, lot_ids: Sequence[str], buyer_ids: Sequence[str],
                 lot: npt.NDArray[np.int64], buyer: npt.NDArray[np.int64],
                 score: npt.NDArray[np.float64]) -> None:
        if not len(lot) == len(buyer) == len(score):
            raise ValueError(f"CandidateTable needs as many lots, buyers and scores; got "
                             f"{len(lot)}, {len(buyer)} and {len(score)} instead.")
        self._lot_ids, self._buyer_ids = lot_ids, buyer_ids
        self._lot, self._buyer, self._score = lot, buyer, score

    def __len__(self) -> int:
        return len(self._lot)

    def _one(self, k: int) -> Candidate:
        return Candidate(self._lot_ids[int(self._lot[k])], self._buyer_ids[int(self._buyer[k])],
                         float(self._score[k]))

    def _slice(self, part: slice) -> tuple[Candidate, ...]:
        return tuple(self._records(part))

    def _records(self, part: slice = slice(None)) -> Iterator[Candidate]:
        lot_ids, buyer_ids = self._lot_ids, self._buyer_ids
        for lot, buyer, score in zip(self._lot[part].tolist(), self._buyer[part].tolist(),
                                     self._score[part].tolist(), strict=True):
            yield Candidate(lot_ids[lot], buyer_ids[buyer], score)

    def __iter__(self) -> Iterator[Candidate]:
        return self._records()

    def __repr__(self) -> str:
        return f"CandidateTable({len(self)} pairs)"

    def arrays(self) -> tuple[Sequence[str], Sequence[str], npt.NDArray[np.int64],
                              npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Lot ids, buyer ids, and per pair the lot index, buyer index and score."""
        return self._lot_ids, self._buyer_ids, self._lot, self._buyer, self._score

    def dicts(self) -> list[dict[str, Any]]:
        """The pairs as plan JSON records (``lot_id``, ``buyer_id``, ``score`` rounded to
        6 decimals), without making a record object per pair."""
        lot_ids, buyer_ids = self._lot_ids, self._buyer_ids
        return [{"lot_id": lot_ids[lot], "buyer_id": buyer_ids[buyer], "score": round(score, 6)}
                for lot, buyer, score in zip(self._lot.tolist(), self._buyer.tolist(),
                                             self._score.tolist(), strict=True)]


class _BatchTable(_RecordTable[R]):
    """A :class:`_RecordTable` whose records are made in one batch (array operations) on
    the first read of one record or of the whole table, and kept, so later reads cost
    nothing; the first ``_PART_READS`` slices of part of it read before that make only
    their own records (a few buyers' stories), later ones the whole table (every buyer's
    story then costs one batch, not one per buyer). What :class:`AllocationTable` and the
    unmatched tables share."""

    __slots__ = ("_built", "_parts")

    #: How many slices of part of the table make only their own records.
    _PART_READS: ClassVar[int] = 8

    def __init__(self) -> None:
        self._built: tuple[R, ...] | None = None
        self._parts = 0

    @abstractmethod
    def _make(self, part: slice) -> tuple[R, ...]:
        """The records of the positions of ``part``, made in one batch."""

    def _all(self) -> tuple[R, ...]:
        """Every record, made on the first read and kept."""
        if self._built is None:
            self._built = self._make(slice(None))
        return self._built

    def _one(self, k: int) -> R:
        return self._all()[k]

    def _slice(self, part: slice) -> tuple[R, ...]:
        positions = range(len(self))[part]
        if self._built is None and not positions:
            return ()
        if self._built is None and positions != range(len(self)) and self._parts < self._PART_READS:
            self._parts += 1
            return self._make(part)
        return self._all()[part]

    def __iter__(self) -> Iterator[R]:
        return iter(self._all())

    def __reversed__(self) -> Iterator[R]:
        return reversed(self._all())


class AllocationTable(_BatchTable[Allocation]):
    """The allocations of a plan as a read-only sequence of :class:`Allocation`, kept as
    arrays (the allocated pairs in plan order, their kg and score) with references to
    what their records are made of (the candidate pairs, lots, plan basis and port
    network), and made into records only when read: a re-solve whose allocations nobody
    reads, or of which a weight sweep only counts kg per lot and buyer
    (:meth:`column`), makes none.

    Reading one record or iterating makes all of them at once (array operations, as a
    plan used to make them) and keeps them, so later reads cost nothing; the first 8
    slices read before that make only their own records (a buyer's story reads its
    buyer's slice), the next makes all of them. It compares, hashes and pickles like
    the tuple of records it stands for (a pickled plan's allocations are that tuple).

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> table = plan.allocations
    >>> table
    AllocationTable(24 allocations, 321,033 kg)
    >>> table.column("buyer_id")[:3], table.column("quantity_kg")[:3]
    (['RFQ-AE-05', 'RFQ-AE-05', 'RFQ-CN-02'], [750.0, 600.0, 700.0])
    >>> [a.product_id for a in table[:2]], table[-1].first_leg
    (['avocado_oil', 'avocado_oil'], 'truck')
    >>> table == tuple(table), len(table), table[0] is table[0]
    (True, 24, True)
    """

    __slots__ = ("_basis", "_candidates", "_kg", "_lots", "_network", "_score", "_used")

    def __init__(self, used: npt.NDArray[np.int64], kg: npt.NDArray[np.float64],
                 score: npt.NDArray[np.float64], *, basis: PlanBasis, lots: Lots,
                 candidates: Candidates, network: PortNetwork) -> None:
        if not len(used) == len(kg) == len(score):
            raise ValueError(f"AllocationTable needs as many pairs, kg and scores; got "
                             f"{len(used)}, {len(kg)} and {len(score)} instead.")
        super().__init__()
        self._used, self._kg, self._score = used, kg, score
        self._basis, self._lots, self._candidates, self._network = (basis, lots, candidates,
                                                                    network)

    def __len__(self) -> int:
        return len(self._used)

    def _make(self, part: slice) -> tuple[Allocation, ...]:
        from ._assemble import allocations

        with gc_paused():  # many small objects, no cycles
            return tuple(allocations(self._basis, self._used[part], self._kg[part],
                                     self._score[part], lots=self._lots,
                                     candidates=self._candidates, network=self._network))

    def __repr__(self) -> str:
        return f"AllocationTable({len(self):,} allocations, {float(self._kg.sum()):,.0f} kg)"

    def column(self, name: str) -> list[Any]:
        """The value of the field ``name`` of :class:`Allocation` for every allocation, in
        order, without making the records (or from them, once made).

        Raises
        ------
        ValueError
            When ``name`` is not a field of :class:`Allocation`.
        """
        if name not in ALLOCATION_FIELDS:
            raise ValueError(f"The 'name' parameter of AllocationTable.column must be one of "
                             f"{', '.join(ALLOCATION_FIELDS)}; got {name!r} instead.")
        if self._built is not None:
            return list(map(attrgetter(name), self._built))
        from ._assemble import allocation_columns

        return allocation_columns(self._basis, self._used, self._kg, self._score,
                                  lots=self._lots, candidates=self._candidates,
                                  network=self._network, names=(name,))[0]


def allocation_column(allocations: Sequence[Allocation], name: str) -> list[Any]:
    """The field ``name`` of every allocation: :meth:`AllocationTable.column`, or read from
    the records of any other sequence (a pickled plan's tuple)."""
    if isinstance(allocations, AllocationTable):
        return allocations.column(name)
    return list(map(attrgetter(name), allocations))


@dataclass(frozen=True, slots=True)
class UnmatchedSupply:
    """Kilograms of one supplier's offer not allocated, and why."""

    supplier_id: str
    quantity_kg: float
    reason: str


@dataclass(frozen=True, slots=True)
class UnmatchedDemand:
    """Kilograms of one buyer's request not served, and why."""

    buyer_id: str
    quantity_kg: float
    reason: str


def unmatched_kg(rest: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The kg of the unmatched records of rows or buyers with ``rest`` kg left: never
    below 0 (a solve may leave a rounding error below)."""
    return np.where(rest < 0.0, 0.0, rest)


class _UnmatchedTable(_BatchTable[R]):
    """Unmatched records kept as arrays: per record, the supply row or buyer (in plan
    order) and the kg it has left; ``records(index, rest)`` makes the records of some of
    them, reasons included, in one batch (see :class:`UnmatchedSupplyTable`)."""

    __slots__ = ("_ids", "_index", "_records", "_rest")

    #: The fields of the records (the id first) and what one record is of.
    _FIELDS: ClassVar[tuple[str, ...]]
    _OF: ClassVar[str]

    def __init__(self, index: npt.NDArray[np.int64], rest: npt.NDArray[np.float64], *,
                 ids: Sequence[str], records: Callable[[npt.NDArray[np.int64],
                                                        npt.NDArray[np.float64]], Sequence[R]]
                 ) -> None:
        if len(index) != len(rest):
            raise ValueError(f"{type(self).__name__} needs as many {self._OF} as kg left; "
                             f"got {len(index)} and {len(rest)} instead.")
        super().__init__()
        self._index, self._rest, self._ids, self._records = index, rest, ids, records

    def __len__(self) -> int:
        return len(self._index)

    def _make(self, part: slice) -> tuple[R, ...]:
        with gc_paused():  # many small objects, no cycles
            return tuple(self._records(self._index[part], self._rest[part]))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({len(self):,} {self._OF}, "
                f"{float(unmatched_kg(self._rest).sum()):,.0f} kg)")

    def column(self, name: str) -> list[Any]:
        """The value of the field ``name`` of every record, in order: the id and the kg
        without making the records, the reason from them (made, and kept, by this read).

        Raises
        ------
        ValueError
            When ``name`` is not a field of the records.
        """
        if name not in self._FIELDS:
            raise ValueError(f"The 'name' parameter of {type(self).__name__}.column must be "
                             f"one of {', '.join(self._FIELDS)}; got {name!r} instead.")
        if self._built is None and name == self._FIELDS[0]:
            return list(map(self._ids.__getitem__, self._index.tolist()))
        if self._built is None and name == "quantity_kg":
            return list(unmatched_kg(self._rest).tolist())
        return list(map(attrgetter(name), self._all()))


class UnmatchedSupplyTable(_UnmatchedTable[UnmatchedSupply]):
    """The unmatched supply of a plan as a read-only sequence of :class:`UnmatchedSupply`,
    kept as arrays (the supply rows with kg left or an input issue, by supplier id, and
    the kg each has left) and made into records only when read: their reasons are most of
    the cost of a re-solve's records, and a re-solve whose unmatched supply nobody reads
    makes none.

    Reading one record or iterating makes all of them at once (each lot's reason once)
    and keeps them; the first 8 slices read before that make only their own records,
    the next makes all of them. :meth:`column` reads the
    supplier ids or the kg without making records. It compares, hashes and pickles like
    the tuple of records it stands for.

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> table = plan.unmatched_supply
    >>> table
    UnmatchedSupplyTable(13 supply rows, 171,510 kg)
    >>> table.column("supplier_id")[:2], table.column("quantity_kg")[:2]
    (['DGL-001', 'DMP-002'], [350.0, 40000.0])
    >>> table[0].reason[:36]
    'MOQ larger than every lot in reach: '
    >>> table == tuple(table), table[0] is table[0]
    (True, True)
    """

    __slots__ = ()
    _FIELDS = tuple(f.name for f in fields(UnmatchedSupply))
    _OF = "supply rows"


class UnmatchedDemandTable(_UnmatchedTable[UnmatchedDemand]):
    """The unmatched demand of a plan as a read-only sequence of :class:`UnmatchedDemand`,
    kept as arrays (the buyers with kg not served or an input issue, in buyer order, and
    the kg not served) and made into records, reasons included, only when read, as
    :class:`UnmatchedSupplyTable` does for supply (the first stories told make only their
    own).

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> plan.unmatched_demand
    UnmatchedDemandTable(9 buyers, 20,300 kg)
    >>> plan.unmatched_demand.column("buyer_id")[:2]
    ['RFQ-AE-05', 'RFQ-DE-07']
    """

    __slots__ = ()
    _FIELDS = tuple(f.name for f in fields(UnmatchedDemand))
    _OF = "buyers"


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals, solver status and the per-province and per-product tables.

    ``status`` is ``optimal``, ``feasible`` (minimum shipments by LP relaxation with
    repair; ``gap`` is proven), ``time_limit`` (best plan found in time), ``infeasible``
    (province coverage impossible: the plan covers every province it can and
    ``uncovered_provinces`` lists the rest) or ``failed``.
    """

    objective: float
    status: str
    message: str
    gap: float
    seconds: float
    supply_kg: float
    demand_kg: float
    allocated_kg: float
    by_province: tuple[dict[str, Any], ...]
    by_product: tuple[dict[str, Any], ...]
    weights: dict[str, float] = field(default_factory=dict)
    uncovered_provinces: tuple[str, ...] = ()


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_round(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """``_round(dataclasses.asdict(value))`` for the plan's records, without the deep
    copies: records become dicts (fields in order), tuples lists, floats rounded to 6
    decimals; text, numbers and None stay as they are."""
    kind: type = type(value)
    if kind is float:
        return round(value, 6)
    if kind is str or value is None or kind is int or kind is bool:
        return value
    names = field_names(kind)
    if names is not None:
        return {name: _leaf(getattr(value, name)) for name in names}
    if kind is list or kind is tuple:
        return [_leaf(v) for v in value]
    if kind is dict:
        return {k: _leaf(v) for k, v in value.items()}
    return _round(copy.deepcopy(value))  # as asdict and _round treat anything else


def _leaf(value: Any) -> Any:
    """:func:`_plain`, with text and floats (most values) handled without a call."""
    kind = type(value)
    return value if kind is str else round(value, 6) if kind is float else _plain(value)



_SUMMARY_COLUMNS = {
    "by_province": ["province", "suppliers", "suppliers_served", "supply_kg", "allocated_kg"],
    "by_product": ["product_id", "hs_code", "supply_kg", "demand_kg", "allocated_kg"],
}


def csv_files(plan: Plan, folder: Path) -> list[tuple[Path, str | Iterable[bytes]]]:
    """``(path, CSV text)`` of every table of ``plan`` in ``folder`` (see
    :meth:`Plan.to_csv`); the candidate pairs as UTF-8 pieces made as they are written."""
    files: list[tuple[Path, str | Iterable[bytes]]] = []
    allocations = plan._part("allocations")  # for its table and its members' table
    for table in TABLES:
        path = folder / f"{table}.csv"
        if table == "candidates" and _fast_csv(plan.candidates):
            assert isinstance(plan.candidates, CandidateTable)
            header = csv_text(_columns(table), []).encode()
            rows = candidates_csv(*plan.candidates.arrays(), cell=csv_field)
            files.append((path, itertools.chain([header], rows)))
            continue
        records = _records({table: allocations}, table) if table == "allocations" else \
            plan.records(table)
        columns = list(records[0]) if records else _columns(table)
        files.append((path, csv_text(columns, records)))
    members = [{"buyer_id": a["buyer_id"], "lot_id": a["lot_id"], **m}
               for a in allocations for m in a["members"]]
    files.append((folder / "allocation_members.csv", csv_text(
        ["buyer_id", "lot_id", "supplier_id", "quantity_kg"], members)))
    return files


def _fast_csv(candidates: Sequence[Candidate]) -> bool:
    """Whether the candidates CSV can be made from arrays: a table of them, and no id with
    a NUL character (the array steps use NUL as padding; CSV, unlike JSON, keeps it)."""
    if not isinstance(candidates, CandidateTable):
        return False
    lot_ids, buyer_ids, *_ = candidates.arrays()
    return not any("\0" in text for text in (*lot_ids, *buyer_ids))


def _records(data: dict[str, Any], table: Table) -> list[dict[str, Any]]:
    """One table of the plan dict ``data`` as flat records."""
    if table in ("by_province", "by_product"):
        return list(data["summary"][table])
    if table not in data:
        raise ValueError(f"The 'table' parameter of Plan.records must be one of "
                         f"{', '.join(TABLES)}; got {table!r} instead.")
    rows = []
    for record in data[table]:
        flat = {k: v for k, v in record.items() if k not in ("members", "score_breakdown")}
        for feature, value in record.get("score_breakdown", {}).items():
            flat[f"score_{feature}"] = value
        if "members" in record:
            flat["members"] = len(record["members"])
        rows.append(flat)
    return rows


def _columns(table: str) -> list[str]:
    """Column names of an empty table, as :meth:`Plan.records` would flatten them."""
    if table in _SUMMARY_COLUMNS:
        return _SUMMARY_COLUMNS[table]
    kind = {"allocations": Allocation, "lots": LotRecord, "candidates": Candidate,
            "unmatched_supply": UnmatchedSupply, "unmatched_demand": UnmatchedDemand}[table]
    names = [f.name for f in fields(kind) if f.name not in ("score_breakdown", "members")]
    if kind is Allocation:
        names += [f"score_{f}" for f in FEATURES]
    return names + (["members"] if kind in (Allocation, LotRecord) else [])


#: The top-level keys of :meth:`Plan.to_dict`, in order.
_PARTS = ("allocations", "lots", "candidates", "unmatched_supply", "unmatched_demand", "summary")


@dataclass(frozen=True, slots=True)
class Plan:
    """The result of :func:`matching.match`: every kg in is allocated or explained.

    ``allocations``, ``candidates``, ``unmatched_supply`` and ``unmatched_demand`` are
    read-only sequences of records that make their records when first read
    (:class:`AllocationTable`, :class:`CandidateTable`, :class:`UnmatchedSupplyTable`,
    :class:`UnmatchedDemandTable`); they compare equal to, and pickle as, the tuples of
    those records. ``plan.allocations.column("buyer_id")`` reads one field of every
    allocation without making the records (``plan.unmatched_supply.column("quantity_kg")``
    the kg left per supply row).

    Examples
    --------
    >>> import matching
    >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
    >>> plan.summary.status
    'optimal'
    >>> sorted(plan.to_dict())
    ['allocations', 'candidates', 'lots', 'summary', 'unmatched_demand', 'unmatched_supply']
    """

    allocations: Sequence[Allocation]
    lots: tuple[LotRecord, ...]
    candidates: Sequence[Candidate]
    unmatched_supply: Sequence[UnmatchedSupply]
    unmatched_demand: Sequence[UnmatchedDemand]
    summary: Summary
    buyer_story: Mapping[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready data (the ``match --out`` format)."""
        return {name: self._part(name) for name in _PARTS}

    def _part(self, name: str) -> Any:
        """One top-level part of :meth:`to_dict`, floats rounded to 6 decimals."""
        if name == "summary":
            return _plain(self.summary)
        if name == "candidates" and isinstance(self.candidates, CandidateTable):
            return self.candidates.dicts()  # rounded as _round would
        with gc_paused():  # many small dicts and lists, no cycles
            return [_plain(record) for record in getattr(self, name)]

    def json_chunks(self, *, indent: int | None = 2) -> Iterator[str]:
        """The plan JSON in pieces, made as they are read: joined, they are exactly
        ``json.dumps(plan.to_dict(), ensure_ascii=False, indent=indent)``, without the
        dicts of :meth:`to_dict` or the whole text in memory."""
        return plan_json_chunks(self, indent=indent)

    def to_json(self, path: str | os.PathLike[str] | IO[Any] | None = None, *,
                indent: int | None = 2) -> str | None:
        """The plan JSON (the ``match --out`` format): returned as text; or written to
        ``path`` atomically, or to an open file (text or binary), followed by a line
        break as the command line writes it.

        The text is ``json.dumps(plan.to_dict(), ensure_ascii=False, indent=indent)``
        byte for byte, made a chunk at a time (the candidate pairs with array
        operations): fast and small in memory even with millions of pairs.

        Examples
        --------
        >>> import io, json, matching, pathlib, tempfile
        >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
        >>> plan.to_json() == json.dumps(plan.to_dict(), ensure_ascii=False, indent=2)
        True
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "plan.json"
        >>> plan.to_json(path)
        >>> json.loads(path.read_text("utf-8")) == json.loads(plan.to_json())
        True
        >>> out = io.StringIO()
        >>> plan.to_json(out)
        >>> out.getvalue() == plan.to_json() + "\\n"
        True
        """
        if path is None:
            return "".join(self.json_chunks(indent=indent))
        if isinstance(path, str | os.PathLike):
            write_many_atomic([(path, itertools.chain(plan_json_bytes(self, indent=indent),
                                                      [b"\n"]))])
        elif isinstance(path, io.TextIOBase):
            path.writelines(itertools.chain(self.json_chunks(indent=indent), ["\n"]))
        else:
            path.writelines(itertools.chain(plan_json_bytes(self, indent=indent), [b"\n"]))
        return None

    def records(self, table: Table) -> list[dict[str, Any]]:
        """One table of the plan as a list of flat records."""
        if table in _SUMMARY_COLUMNS:
            return _records({"summary": self._part("summary")}, table)
        if table in _PARTS:
            return _records({table: self._part(table)}, table)
        return _records(self.to_dict(), table)

    def to_csv(self, directory: str | os.PathLike[str]) -> tuple[Path, ...]:
        """Write every table of the plan as a CSV file in ``directory`` (created if needed).

        One file per table of :meth:`records` (``allocations.csv``, ``lots.csv``,
        ``candidates.csv``, ``unmatched_supply.csv``, ``unmatched_demand.csv``,
        ``by_province.csv``, ``by_product.csv``) and ``allocation_members.csv`` (the kg each
        BUMDes ships on each allocation). Cells a spreadsheet would run as formulas (text
        starting with ``=``, ``+``, ``-``, ``@``, tab or a line break) get a leading ``'``.
        Every file is written atomically, and none is replaced unless all could be written.

        Returns
        -------
        tuple of Path
            The files written.

        Examples
        --------
        >>> import matching, tempfile
        >>> plan = matching.match(matching.demo_supply(), matching.demo_demand())
        >>> [p.name for p in plan.to_csv(tempfile.mkdtemp())][:2]
        ['allocations.csv', 'lots.csv']
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        files = csv_files(self, folder)
        write_many_atomic(files)
        return tuple(path for path, _ in files)

    def to_frame(self, table: Table = "allocations") -> Any:
        """One table of the plan as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = require("pandas", extra="pandas", feature="Plan.to_frame")
        rows = self.records(table)
        return pd.DataFrame.from_records(rows, columns=None if rows else _columns(table))

    def explain(self, buyer_id: str) -> str:
        """The story of one buyer: what it asked for, what it got from where, and why.

        Raises
        ------
        KeyError
            When ``buyer_id`` is not a buyer of this plan.
        """
        if buyer_id not in self.buyer_story:
            raise KeyError(f"no buyer {buyer_id!r} in this plan")
        return "\n".join(self.buyer_story[buyer_id])

    def __repr__(self) -> str:
        s = self.summary
        return (f"Plan(status={s.status!r}, allocations={len(self.allocations)}, "
                f"allocated_kg={s.allocated_kg:,.0f}, objective={s.objective:,.1f})")
