"""Small ``str -> str`` clean-up functions for product and place names, composed once."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "strip_accents"]

_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    """Drop combining accents: ``"Café"`` -> ``"Cafe"``.

    Examples
    --------
    >>> strip_accents("Café Açaí")
    'Cafe Acai'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_text(text: str) -> str:
    """Lower case, no accents, punctuation to single spaces.

    Examples
    --------
    >>> clean_text("  Kepiting-Bakau (HIDUP)!! ")
    'kepiting bakau hidup'
    """
    return _NON_WORD.sub(" ", strip_accents(text).lower()).strip()
