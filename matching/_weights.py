"""Tunable weights of the score features."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FEATURES", "Weights"]

#: Score features, in the order of :class:`Weights` fields and of score columns.
FEATURES: tuple[str, ...] = ("product", "price", "logistics", "quality", "readiness",
                             "priority")


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score features; the score per kg is their weighted mean.

    Weights are non-negative, need not sum to one, and at least one is positive.

    Examples
    --------
    >>> Weights(price=2.0).price, Weights().logistics
    (2.0, 0.5)
    >>> Weights.from_mapping({"priority": 1}).priority
    1.0
    """

    product: float = 1.0
    price: float = 1.0
    logistics: float = 0.5
    quality: float = 0.5
    readiness: float = 0.5
    priority: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or \
                    not math.isfinite(value) or value < 0:
                raise ValueError(f"The {f.name!r} weight must be a non-negative finite number; "
                                 f"got {value!r} instead.")
            object.__setattr__(self, f.name, float(value))
        if not any(getattr(self, f) > 0 for f in FEATURES):
            raise ValueError("At least one weight must be positive; got all zero.")

    def as_array(self) -> tuple[float, ...]:
        """Weights in :data:`FEATURES` order."""
        return tuple(getattr(self, f) for f in FEATURES)

    def score(self, features: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Score per kg of pairs whose feature values are the rows of ``features`` (one
        column per :data:`FEATURES` name, in that order): their weighted mean.

        Summed in the same order on every machine (no BLAS call, whose last digits
        depend on its threads).

        Examples
        --------
        >>> Weights(price=3.0).score([[1.0, 0.5, 0.0, 0.0, 0.0, 0.0]]).round(4).tolist()
        [0.4167]
        """
        w = np.array(self.as_array())
        values = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURES))
        return np.asarray(np.einsum("ij,j->i", values, w / w.sum()), dtype=np.float64)

    def to_dict(self) -> dict[str, float]:
        """The weights as a plain dict (the ``--weights`` JSON format)."""
        return {f: getattr(self, f) for f in FEATURES}  # asdict's deep copies cost 5 us

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Weights:
        """Weights from a mapping; missing names keep their defaults."""
        unknown = sorted(set(values) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown weight(s) {', '.join(map(repr, unknown))}; the weights "
                             f"are {', '.join(FEATURES)}")
        return cls(**dict(values))

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Weights:
        """Weights from a JSON file holding one object."""
        data = json.loads(Path(path).read_text("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the weights file must hold one JSON object")
        return cls.from_mapping(data)
