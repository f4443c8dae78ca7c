"""How the plan responds to the weights: one solve per setting, compared with a baseline."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from ._optional import require
from ._plan import Plan, allocation_column
from ._weights import FEATURES, Weights

if TYPE_CHECKING:
    from ._pipeline import Prepared

__all__ = ["Sensitivity", "sensitivity"]

SensitivityTable = Literal["settings", "changes"]
WeightsLike = Weights | Mapping[str, float]

#: Flows closer than this (kg) count as unchanged.
TOLERANCE_KG = 1e-3


def _as_weights(value: WeightsLike, *, base: Weights) -> Weights:
    if isinstance(value, Weights):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown weight(s) {', '.join(map(repr, unknown))}; the weights "
                             f"are {', '.join(FEATURES)}")
        return replace(base, **{k: float(v) for k, v in value.items()})
    raise TypeError(f"A weight setting must be Weights or a mapping; got "
                    f"{type(value).__name__} instead.")


def _grid(grid: Mapping[str, Iterable[float]], base: Weights) -> list[Weights]:
    names = list(grid)
    values = [list(grid[n]) for n in names]
    if any(not v for v in values):
        raise ValueError("Every weight in 'grid' needs at least one value.")
    return [_as_weights(dict(zip(names, combo, strict=True)), base=base)
            for combo in itertools.product(*values)]


def _flows(plan: Plan) -> dict[tuple[str, str], float]:
    """kg per buyer and lot of ``plan``'s allocations, read without their records."""
    a = plan.allocations
    return dict(zip(zip(allocation_column(a, "buyer_id"), allocation_column(a, "lot_id"),
                        strict=True), allocation_column(a, "quantity_kg"), strict=True))


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """Plans for several weight settings and what changed against a baseline.

    Attributes
    ----------
    baseline : Weights
        The weights every setting is compared with.
    baseline_plan : Plan
        The plan with the baseline weights.
    settings : tuple of Weights
        The weight settings, in the order given (or of the grid, last name fastest).
    plans : tuple of Plan
        One plan per setting.
    seconds : tuple of float
        Wall time of each setting's solve.
    """

    baseline: Weights
    baseline_plan: Plan
    settings: tuple[Weights, ...]
    plans: tuple[Plan, ...]
    seconds: tuple[float, ...]

    def records(self, table: SensitivityTable = "settings") -> list[dict[str, Any]]:
        """One table as a list of flat records.

        ``"settings"``: one row per setting with its weights (``weight_<feature>``), solver
        status, objective, allocated kg, number of allocations and buyers served, and how
        many allocations (``changed``) and kg (``changed_kg``, the sum of absolute
        differences per lot-buyer pair) differ from the baseline plan.

        ``"changes"``: one row per setting and lot-buyer pair whose kg differs from the
        baseline: ``setting, buyer_id, lot_id, baseline_kg, quantity_kg, delta_kg``.
        """
        base = _flows(self.baseline_plan)
        settings: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for i, (w, plan, sec) in enumerate(zip(self.settings, self.plans, self.seconds,
                                               strict=True)):
            mine = _flows(plan)
            changed = 0
            changed_kg = 0.0
            for key in sorted(base.keys() | mine.keys()):
                before, after = base.get(key, 0.0), mine.get(key, 0.0)
                if abs(after - before) <= TOLERANCE_KG:
                    continue
                changed += 1
                changed_kg += abs(after - before)
                changes.append({"setting": i, "buyer_id": key[0], "lot_id": key[1],
                                "baseline_kg": round(before, 6), "quantity_kg": round(after, 6),
                                "delta_kg": round(after - before, 6)})
            s = plan.summary
            settings.append({
                "setting": i, **{f"weight_{k}": v for k, v in w.to_dict().items()},
                "status": s.status, "objective": round(s.objective, 6),
                "allocated_kg": round(s.allocated_kg, 6), "allocations": len(plan.allocations),
                "buyers_served": len({buyer for buyer, _ in mine}),
                "changed": changed, "changed_kg": round(changed_kg, 6),
                "seconds": round(sec, 6)})
        if table == "settings":
            return settings
        if table == "changes":
            return changes
        raise ValueError(f"The 'table' parameter of Sensitivity.records must be 'settings' or "
                         f"'changes'; got {table!r} instead.")

    def to_dict(self) -> dict[str, Any]:
        """Both tables and the baseline weights as plain JSON-ready data."""
        return {"baseline": self.baseline.to_dict(), "settings": self.records("settings"),
                "changes": self.records("changes")}

    def to_frame(self, table: SensitivityTable = "settings") -> Any:
        """One table as a pandas DataFrame (needs the ``pandas`` extra)."""
        pd = require("pandas", extra="pandas", feature="Sensitivity.to_frame")
        rows = self.records(table)
        columns = None if rows else (
            ["setting", "buyer_id", "lot_id", "baseline_kg", "quantity_kg", "delta_kg"]
            if table == "changes" else None)
        return pd.DataFrame.from_records(rows, columns=columns)

    def __repr__(self) -> str:
        return f"Sensitivity(settings={len(self.settings)}, baseline={self.baseline!r})"


def _solve_timed(prepared: Prepared, weights: Weights) -> tuple[Plan, float]:
    """One setting's plan and wall time (module level, so process pools can pickle it)."""
    start = time.perf_counter()
    plan = prepared.solve(weights)
    return plan, time.perf_counter() - start


def sensitivity(prepared: Prepared, settings: Sequence[WeightsLike] | None = None, *,
                grid: Mapping[str, Iterable[float]] | None = None,
                baseline: WeightsLike | None = None,
                executor: Executor | None = None) -> Sensitivity:
    """Solve ``prepared`` once per weight setting and compare each plan with a baseline.

    Parameters
    ----------
    prepared : Prepared
        The output of :func:`matching.prepare`.
    settings : sequence of Weights or mappings, optional
        Weight settings to try; a mapping changes only the weights it names (the others
        keep the baseline's values).
    grid : mapping of weight name to values, optional
        Instead of ``settings``: every combination of these values, the other weights at
        the baseline's values.
    baseline : Weights or mapping, optional
        What each setting is compared with; defaults to ``Weights()``.
    executor : concurrent.futures.Executor, optional
        Solves the settings through ``executor.map``; the result is the same without it.

    Returns
    -------
    Sensitivity

    Raises
    ------
    ValueError
        When neither or both of ``settings`` and ``grid`` are given, or a weight is invalid.

    Examples
    --------
    >>> import matching
    >>> prepared = matching.prepare(matching.demo_supply(), matching.demo_demand())
    >>> result = prepared.sensitivity(grid={"price": [0.5, 2.0], "priority": [0.0, 2.0]})
    >>> len(result.settings), result.records()[0]["weight_price"]
    (4, 0.5)
    """
    base = Weights() if baseline is None else _as_weights(baseline, base=Weights())
    if (settings is None) == (grid is None):
        raise ValueError("Give exactly one of 'settings' (a list of weights) and 'grid' "
                         "(weight name -> values).")
    chosen = _grid(grid, base) if grid is not None else \
        [_as_weights(s, base=base) for s in settings or ()]

    timed = functools.partial(_solve_timed, prepared)
    todo = list(dict.fromkeys([base, *chosen]))
    done = dict(zip(todo, executor.map(timed, todo) if executor is not None else
                    map(timed, todo), strict=True))
    return Sensitivity(base, done[base][0], tuple(chosen), tuple(done[w][0] for w in chosen),
                       tuple(done[w][1] for w in chosen))
