"""The result of resolving one product text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ProductMatch"]


@dataclass(frozen=True, slots=True)
class ProductMatch:
    """The product a text names, or ``product_id`` None when it names none we know.

    ``confidence`` is the calibrated probability that ``hs_code`` is right (0 when the
    resolver abstains); ``alternatives`` lists the best candidates as ``(product_id,
    confidence)``, best first, also when abstaining; ``attributes`` holds the sizes,
    counts and quantities found in the text (``"300-500 g"``, ``"16/20"``).
    """

    text: str
    product_id: str | None
    name: str | None
    hs_code: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]
    attributes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``normalize`` CLI prints one per line)."""
        return {
            "text": self.text,
            "product_id": self.product_id,
            "name": self.name,
            "hs_code": self.hs_code,
            "confidence": self.confidence,
            "alternatives": [{"product_id": p, "confidence": c} for p, c in self.alternatives],
            "attributes": list(self.attributes),
        }
