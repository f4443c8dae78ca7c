"""The embedded product taxonomy: products, HS 2022 codes, synonyms, substitutes."""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

__all__ = ["Product", "Taxonomy", "default_taxonomy"]

TransportClass = Literal["air", "reefer", "dry"]


@dataclass(frozen=True, slots=True)
class Product:
    """One product of the taxonomy."""

    product_id: str
    hs_code: str
    name_en: str
    name_id: str
    category: str
    form: str
    transport_class: TransportClass
    max_transit_days: float | None
    synonyms: tuple[str, ...]
    substitutes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """An ordered set of products, indexable by position or ``product_id``.

    Examples
    --------
    >>> taxonomy = default_taxonomy()
    >>> taxonomy["mud_crab_live"].hs_code
    '030633'
    """

    products: tuple[Product, ...]
    _position: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        position = {p.product_id: i for i, p in enumerate(self.products)}
        if len(position) != len(self.products):
            raise ValueError("product ids must be unique")
        object.__setattr__(self, "_position", position)

    def __len__(self) -> int:
        return len(self.products)

    def __iter__(self) -> Iterator[Product]:
        return iter(self.products)

    def __getitem__(self, product_id: str) -> Product:
        return self.products[self._position[product_id]]

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._position

    def position(self, product_id: str) -> int:
        """Index of ``product_id`` in :attr:`products`."""
        return self._position[product_id]

    @classmethod
    def from_csv_text(cls, text: str) -> Taxonomy:
        """Read the ``products.csv`` format (see ``docs/data.md``)."""
        products = []
        for row in csv.DictReader(text.splitlines()):
            days = row["max_transit_days"].strip()
            products.append(Product(
                product_id=row["product_id"].strip(),
                hs_code=row["hs_code"].strip(),
                name_en=row["name_en"].strip(),
                name_id=row["name_id"].strip(),
                category=row["category"].strip(),
                form=row["form"].strip(),
                transport_class=_transport(row["transport_class"].strip()),
                max_transit_days=float(days) if days else None,
                synonyms=tuple(s.strip() for s in row["synonyms"].split("|") if s.strip()),
                substitutes=tuple(s.strip() for s in row["substitutes"].split("|") if s.strip()),
            ))
        return cls(tuple(products))


def _transport(text: str) -> TransportClass:
    if text == "air":
        return "air"
    if text == "reefer":
        return "reefer"
    if text == "dry":
        return "dry"
    raise ValueError(f"unknown transport class {text!r}")


# A Taxonomy is immutable, so caching it on the function is safe.
@functools.cache
def default_taxonomy() -> Taxonomy:
    """The embedded taxonomy (``matching/data/products.csv``)."""
    text = resources.files("matching").joinpath("data/products.csv").read_text("utf-8")
    return Taxonomy.from_csv_text(text)
