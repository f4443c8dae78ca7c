"""The embedded product taxonomy: products, HS 2022 codes, synonyms, substitutes."""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from ._exceptions import InputError, Problem

__all__ = ["Product", "Taxonomy", "default_taxonomy", "read_products"]

COLUMNS = ("product_id", "hs_code", "name_en", "name_id", "category", "form",
           "transport_class", "max_transit_days", "synonyms", "substitutes")

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


def read_products(path: str | os.PathLike[str], *, base: Taxonomy | None = None) -> Taxonomy:
    r"""``base`` extended with the products and synonyms of a CSV file.

    The file has the columns of ``products.csv`` (``docs/data.md``); only ``product_id`` is
    required. A row whose id is already in ``base`` adds its ``synonyms`` and
    ``substitutes`` to that product and replaces any other column it fills in. A row with a
    new id adds a product and needs ``hs_code`` (six digits) and ``name_en``; ``name_id``
    defaults to ``name_en``, ``category`` to ``other``, ``form`` to ``whole`` and
    ``transport_class`` to ``dry``.

    Parameters
    ----------
    path : path-like
        The CSV file (UTF-8, comma-separated, header row).
    base : Taxonomy, optional
        Defaults to the embedded taxonomy; never modified.

    Returns
    -------
    Taxonomy
        A new taxonomy: the products of ``base`` in order, then the new ones.

    Raises
    ------
    InputError
        Listing every problem in the file (``file:row:column: message``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> extra = pathlib.Path(tempfile.mkdtemp()) / "extra.csv"
    >>> _ = extra.write_text("product_id,hs_code,name_en,synonyms\n"
    ...                      "mud_crab_live,,,kepiting super\n"
    ...                      "kratom_powder,121190,Kratom leaf powder,kratom|mitragyna\n")
    >>> taxonomy = read_products(extra)
    >>> "kepiting super" in taxonomy["mud_crab_live"].synonyms, taxonomy["kratom_powder"].hs_code
    (True, '121190')
    """
    base = base if base is not None else default_taxonomy()
    name = str(path)
    try:
        text = Path(path).read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, 0, "", f"cannot read the file: {exc}")]) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    problems = [Problem(name, 1, h, "unknown column") for h in header if h not in COLUMNS]
    if "product_id" not in header:
        problems.append(Problem(name, 0, "product_id", "required column missing"))
    if problems:
        raise InputError(problems)
    products = list(base.products)
    position = {p.product_id: i for i, p in enumerate(products)}
    pending: list[tuple[int, str, tuple[str, ...]]] = []
    for row_number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        pid = row.get("product_id", "")
        if not re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", pid):
            problems.append(Problem(name, row_number, "product_id",
                                    f"not a snake_case id: {pid!r}"))
            continue
        old = products[position[pid]] if pid in position else None
        product, row_problems = _product(pid, row, old, name, row_number)
        problems += row_problems
        if row_problems:
            continue
        if old is None:
            position[pid] = len(products)
            products.append(product)
        else:
            products[position[pid]] = product
        pending.append((row_number, pid, product.substitutes))
    for row_number, pid, substitutes in pending:
        problems += [Problem(name, row_number, "substitutes", f"unknown product {s!r}")
                     for s in substitutes if s not in position or s == pid]
    if problems:
        raise InputError(problems)
    return Taxonomy(tuple(products))


def _product(pid: str, row: dict[str, str], old: Product | None, source: str, row_number: int
             ) -> tuple[Product, list[Problem]]:
    """The product a CSV row describes (new, or ``old`` updated), and what is wrong with it."""
    problems: list[Problem] = []

    def pick(column: str, default: str) -> str:
        value = row.get(column, "")
        if value:
            return value
        if old is not None:
            return str(getattr(old, column) or "")
        if not default:
            problems.append(Problem(source, row_number, column, "required for a new product"))
        return default

    hs_code = pick("hs_code", "")
    if hs_code and not re.fullmatch(r"\d{6}", hs_code):
        problems.append(Problem(source, row_number, "hs_code",
                                f"not a six-digit HS code: {hs_code!r}"))
    name_en = pick("name_en", "")
    transport = pick("transport_class", "dry")
    if transport not in ("air", "reefer", "dry"):
        problems.append(Problem(source, row_number, "transport_class",
                                f"must be air, reefer or dry: {transport!r}"))
    days_text = row.get("max_transit_days", "")
    days = old.max_transit_days if old is not None else None
    if days_text:
        try:
            days = float(days_text)
            if not days > 0:
                raise ValueError
        except ValueError:
            problems.append(Problem(source, row_number, "max_transit_days",
                                    f"not a positive number: {days_text!r}"))
    synonyms = [s.strip().lower() for s in row.get("synonyms", "").split("|") if s.strip()]
    substitutes = [s.strip() for s in row.get("substitutes", "").split("|") if s.strip()]
    if old is not None:
        synonyms = [*old.synonyms, *synonyms]
        substitutes = [*old.substitutes, *substitutes]
    product = Product(
        product_id=pid, hs_code=hs_code, name_en=name_en, name_id=pick("name_id", name_en or "?"),
        category=pick("category", "other"), form=pick("form", "whole"),
        transport_class=_transport(transport) if transport in ("air", "reefer", "dry")
        else "dry",
        max_transit_days=days, synonyms=tuple(dict.fromkeys(synonyms)),
        substitutes=tuple(dict.fromkeys(substitutes)))
    return product, problems
