"""Grades and certifications as people write them."""

from __future__ import annotations

import re

__all__ = ["GRADE_NAMES", "parse_certifications", "parse_grade"]

#: Grade levels, best last; 0 means "no grade stated".
GRADE_NAMES: tuple[str, ...] = ("ungraded", "C", "B", "A")

_GRADES: dict[str, int] = {
    **dict.fromkeys(["a", "1", "i", "premium", "super", "export", "ekspor", "prime", "first",
                     "grade a", "mutu 1", "mutu i", "kualitas 1", "aa", "a+"], 3),
    **dict.fromkeys(["b", "2", "ii", "standard", "standar", "medium", "second", "grade b",
                     "mutu 2", "mutu ii", "kualitas 2"], 2),
    **dict.fromkeys(["c", "3", "iii", "lokal", "local", "low", "third", "asalan", "grade c",
                     "mutu 3", "mutu iii", "kualitas 3"], 1),
    **dict.fromkeys(["", "-", "none", "ungraded", "tidak ada"], 0),
}

_CERT_ALIASES: dict[str, str] = {
    "ORGANIK": "ORGANIC", "ORGANICS": "ORGANIC", "BIO": "ORGANIC",
    "ISO22000": "ISO22000", "FSSC": "FSSC22000", "HALALMUI": "HALAL", "MUI": "HALAL",
    "SERTIFIKATHALAL": "HALAL", "PIRT": "PIRT", "SPPIRT": "PIRT", "BPOMMD": "BPOM",
    "GAP": "GAP", "GLOBALGAP": "GLOBALGAP", "CPPOB": "GMP", "CPIB": "GMP",
    "FAIRTRADE": "FAIRTRADE", "FAIRTRADECERTIFIED": "FAIRTRADE", "RA": "RAINFOREST",
    "RAINFORESTALLIANCE": "RAINFOREST", "SVLK": "SVLK", "VLEGAL": "SVLK",
}

_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def parse_grade(text: str) -> int:
    """Grade level 0-3 (3 is A / premium / mutu I; 0 is no grade stated).

    Examples
    --------
    >>> parse_grade("Grade A"), parse_grade("mutu II"), parse_grade("asalan"), parse_grade("")
    (3, 2, 1, 0)
    """
    key = " ".join(text.lower().replace("-", " ").split())
    if key.startswith("grade ") and key not in _GRADES:
        key = key[6:]
    if key in _GRADES:
        return _GRADES[key]
    raise ValueError(f"unknown grade {text!r}; use A, B or C (also 1/2/3, premium/standard/lokal)")


def parse_certifications(text: str) -> frozenset[str]:
    """The set of certification codes in a ``;``- or ``,``-separated text.

    Codes are upper case without spaces or punctuation, with common aliases merged.

    Examples
    --------
    >>> sorted(parse_certifications("Halal MUI; organik, HACCP"))
    ['HACCP', 'HALAL', 'ORGANIC']
    """
    codes = set()
    for part in re.split(r"[;,|]", text):
        code = _NOT_ALNUM.sub("", part.upper())
        if code:
            codes.add(_CERT_ALIASES.get(code, code))
    return frozenset(codes)
