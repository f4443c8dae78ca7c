"""Product normalisation: free text -> a taxonomy product with its HS 2022 code.

The resolver runs, in order, an exact synonym lookup, the longest synonym phrase
contained in the text, and fuzzy token matching (rapidfuzz) for typos; text that
matches nothing well enough abstains (``product_id`` None) instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from ._taxonomy import Taxonomy, default_taxonomy
from ._text import clean_text

__all__ = ["ProductMatch", "normalize_products"]

#: Words that describe quality, packing or marketing, never the product itself.
_FILLER = re.compile(
    r"\b(?:kualitas|quality|grade|mutu|kelas|export|ekspor|eksport|premium|super|terbaik|best"
    r"|high|tinggi|asli|original|pure|murni|100|natural|alami|organik|organic|a|b|c|aa|aaa"
    r"|for|untuk|siap|ready|stock|stok|supply|supplier|jual|sell|selling|buy|buying|beli"
    r"|wanted|need|needed|request|rfq|dari|from|desa|village|bumdes|kg|ton|tons|mt|gram|gr"
    r"|g|per|bulan|month|week|minggu|size|ukuran)\b"
)
_NUMBERS = re.compile(r"\b\d+(?:\s*(?:-|to|sampai|s d)\s*\d+)?\b")
_MAX_PHRASE_WORDS = 6
FUZZY_CUTOFF = 86.0


@dataclass(frozen=True, slots=True)
class ProductMatch:
    """The product a text names, or ``product_id`` None when it names none we know."""

    text: str
    product_id: str | None
    name: str | None
    hs_code: str | None
    confidence: float
    alternatives: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the ``normalize`` CLI prints one per line)."""
        out = asdict(self)
        out["alternatives"] = [{"product_id": p, "confidence": c} for p, c in self.alternatives]
        return out


def _core(text: str) -> str:
    cleaned = _NUMBERS.sub(" ", clean_text(text))
    return " ".join(_FILLER.sub(" ", cleaned).split())


@dataclass(frozen=True, slots=True)
class _Index:
    phrases: dict[str, int]
    choices: tuple[str, ...]
    owners: np.ndarray


_INDEX_CACHE: dict[int, tuple[Taxonomy, _Index]] = {}


def _index(taxonomy: Taxonomy) -> _Index:
    cached = _INDEX_CACHE.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    phrases: dict[str, int] = {}
    for i, product in enumerate(taxonomy):
        for raw in (product.name_en, product.name_id, *product.synonyms):
            for phrase in {clean_text(raw), _core(raw)}:
                if phrase:
                    phrases.setdefault(phrase, i)
    choices = tuple(phrases)
    index = _Index(phrases, choices, np.array([phrases[c] for c in choices], dtype=np.int64))
    _INDEX_CACHE[id(taxonomy)] = (taxonomy, index)
    return index


def _longest_phrase(words: list[str], phrases: dict[str, int]) -> int | None:
    for n in range(min(_MAX_PHRASE_WORDS, len(words)), 0, -1):
        for start in range(len(words) - n + 1):
            hit = phrases.get(" ".join(words[start:start + n]))
            if hit is not None:
                return hit
    return None


def normalize_products(
    texts: Sequence[str], *, taxonomy: Taxonomy | None = None, top_k: int = 3
) -> tuple[ProductMatch, ...]:
    """Resolve each text to a taxonomy product.

    Parameters
    ----------
    texts : sequence of str
        Product descriptions as sellers and buyers write them, in any mix of
        Indonesian and English.
    taxonomy : Taxonomy, optional
        Defaults to the embedded taxonomy.
    top_k : int, default 3
        How many alternatives to list per text.

    Returns
    -------
    tuple of ProductMatch
        One per text, in order.

    Examples
    --------
    >>> [m.product_id for m in normalize_products(["Kepiting bakau hidup", "jasa ojek"])]
    ['mud_crab_live', None]
    """
    taxonomy = taxonomy or default_taxonomy()
    index = _index(taxonomy)
    cleaned = [clean_text(t) for t in texts]
    cores = [_core(t) for t in texts]
    result: list[tuple[int, float] | None] = []
    pending: list[int] = []
    for k, (full, core) in enumerate(zip(cleaned, cores, strict=True)):
        hit = index.phrases.get(full)
        if hit is None:
            hit = index.phrases.get(core) if core else None
        if hit is not None:
            result.append((hit, 1.0))
            continue
        hit = _longest_phrase(full.split(), index.phrases)
        if hit is not None:
            result.append((hit, 0.9))
            continue
        result.append(None)
        pending.append(k)
    pending_row = {k: r for r, k in enumerate(pending)}
    scores = np.zeros((0, len(index.choices)), dtype=np.float32)
    if pending:
        queries = [cores[k] or cleaned[k] for k in pending]
        scores = process.cdist(queries, index.choices, scorer=fuzz.WRatio, dtype=np.float32,
                               workers=1)
    matches = []
    for k, text in enumerate(texts):
        found = result[k]
        alternatives: tuple[tuple[str, float], ...] = ()
        if found is None and pending:
            row = scores[pending_row[k]]
            order = np.argsort(-row, kind="stable")
            seen: dict[int, float] = {}
            for j in order:
                owner = int(index.owners[j])
                if owner not in seen:
                    seen[owner] = round(float(row[j]) / 100.0, 3)
                if len(seen) == top_k:
                    break
            best, best_score = next(iter(seen.items()), (0, 0.0))
            if best_score * 100 >= FUZZY_CUTOFF and _core(text):
                found = (best, round(best_score * 0.95, 3))
            alternatives = tuple((taxonomy.products[i].product_id, s) for i, s in seen.items())
        if found is None:
            matches.append(ProductMatch(text, None, None, None, 0.0, alternatives))
            continue
        product = taxonomy.products[found[0]]
        if not alternatives:
            alternatives = ((product.product_id, found[1]),)
        matches.append(ProductMatch(text, product.product_id, product.name_en, product.hs_code,
                                    found[1], alternatives))
    return tuple(matches)
