"""Indonesian provinces and regencies: the embedded gazetteer and a batch resolver for
what people type ("Kab. Konawe", "KABUPATEN KONAWE", "konsel", "Kota Kendari, Sultra").

The resolver works on distinct texts only. Each is cleaned into tokens (``kab.`` ->
``kabupaten``, ``sel`` -> ``selatan``, ``sumatra`` -> ``sumatera``, ...) and looked up in
exact dictionaries, in this order: official name with its kind (``kabupaten konawe``),
name without the kind (``konawe``, several regencies may share one), a hand-written
alias (short names, former names, English names; ``matching/data/region_aliases.csv``),
the regency's seat (``unaaha``), a province name or abbreviation, each also without
spaces (``gunung kidul`` = ``gunungkidul``). Texts with several parts (``Konawe,
Sulawesi Tenggara``) resolve part by part, a province part acting as a hint; a trailing
province (``konawe sultra``) is split off. Old spellings (``Soerabaja``) and English
directions (``South Konawe``) are rewritten and tried again. What is still unknown goes,
in one batch, through :func:`rapidfuzz.process.cdist` against every name and alias.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from ._exceptions import Problem
from ._geo import haversine_km
from ._text import clean_text

__all__ = ["Gazetteer", "RegionMatch", "RegionResult", "default_gazetteer", "locate_rows",
           "region_problems", "resolve_regions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Fuzzy matches below this similarity (0..100; the better of rapidfuzz's Indel ratio and
#: optimal-string-alignment similarity, so a swapped pair of letters counts as one typo) are
#: not accepted; within the province the text or its hint names, ``FUZZY_HINT_CUTOFF``.
FUZZY_CUTOFF = 83.0
FUZZY_HINT_CUTOFF = 75.0
FUZZY_HINT_BONUS = 8.0
#: Names shorter than this (without spaces) are never matched fuzzily; within the hinted
#: province, names one letter shorter are.
FUZZY_MIN_CHARS = 5
#: Indonesia's bounding box (lat, lon); coordinates outside it are not placed.
LAT_RANGE = (-11.5, 6.5)
LON_RANGE = (94.5, 141.5)
#: Confidence of each way of resolving a text.
CONFIDENCE = {"exact": 1.0, "alias": 0.95, "seat": 0.9, "kind_mismatch": 0.85,
              "ambiguous": 0.7, "province_conflict": 0.7, "coordinates": 0.8,
              "fuzzy": 0.9}

#: Token rewrites applied to every text and every indexed name.
_TOKENS = {
    "kab": "kabupaten", "kabupaten": "kabupaten", "kabupatan": "kabupaten",
    "kota": "kota", "kotamadya": "kota", "kodya": "kota", "kotamadia": "kota",
    "kep": "kepulauan", "kepl": "kepulauan", "kepulauan": "kepulauan",
    "sumatra": "sumatera", "propinsi": "provinsi", "prov": "provinsi", "provinsi": "provinsi",
    "p": "pulau", "pul": "pulau",
}
#: Abbreviated directions, rewritten only after the first token.
_DIRECTIONS = {"sel": "selatan", "slt": "selatan", "sltn": "selatan", "utr": "utara",
               "ut": "utara", "tim": "timur", "tmr": "timur", "bar": "barat", "brt": "barat",
               "teng": "tengah", "tgh": "tengah", "tgr": "tenggara", "tengg": "tenggara",
               "dy": "daya"}
#: Tokens dropped everywhere.
_DROP = frozenset({"adm", "administrasi", "dan", "the", "of", "indonesia", "ri"})
#: A part starting with one of these names a place below the regency: ignored.
_BELOW = frozenset({"desa", "kelurahan", "kel", "kec", "kecamatan", "dusun", "dsn", "kampung",
                    "rt", "rw", "jl", "jalan", "gampong", "nagari", "kampong", "village",
                    "subdistrict", "district", "distrik"})
_ENGLISH_DIRECTIONS = {"north": "utara", "south": "selatan", "east": "timur", "west": "barat",
                       "central": "tengah", "southeast": "tenggara", "southwest": "barat daya"}
_NON_WORD = re.compile(r"[^a-z0-9]+")
# (?<!\s): a dash match starts at the first blank of a run, else splitting a long run of
# blanks is quadratic.
_SPLIT = re.compile(r"[,;/|()\[\]]|\s-\s|(?<!\s)\s+–\s+")


def _tokens(text: str) -> list[str]:
    words = (_NON_WORD.sub(" ", text.lower()) if text.isascii() else clean_text(text)).split()
    out: list[str] = []
    for i, w in enumerate(words):
        if w in _DROP:
            continue
        w = _TOKENS.get(w, w)
        if i > 0 and w in _DIRECTIONS:
            w = _DIRECTIONS[w]
        out.append(w)
    if len(out) >= 2 and out[0] == "kota" and out[1] == "madya":
        out = out[1:]
        out[0] = "kota"
    return out


def _key(text: str) -> str:
    return " ".join(_tokens(text))


def _split_kind(key: str) -> tuple[str, str]:
    """``("kabupaten" | "kota" | "", name)`` from a cleaned key."""
    words = key.split()
    kind = ""
    if words and words[0] in ("kabupaten", "kota"):
        kind, words = words[0], words[1:]
    elif len(words) >= 2 and words[0] in ("regency", "city") and words[1] == "of":
        kind, words = ("kabupaten" if words[0] == "regency" else "kota"), words[2:]
    elif words and words[-1] in ("regency", "city"):
        kind, words = ("kabupaten" if words[-1] == "regency" else "kota"), words[:-1]
    if words and words[0] == "provinsi":
        words = words[1:]
    if words and words[-1] == "province":
        words = words[:-1]
    return kind, " ".join(words)


def _old_spelling(name: str) -> str:
    """Rewrite pre-1972 spelling: ``soerabaja`` -> ``surabaya``, ``tjilatjap`` -> ``cilacap``."""
    out = name.replace("dj", "\x01").replace("tj", "\x02").replace("sj", "\x03")
    out = out.replace("j", "y").replace("oe", "u").replace("ch", "kh")
    return out.replace("\x01", "j").replace("\x02", "c").replace("\x03", "sy")


def _english(name: str) -> str:
    words = name.split()
    if len(words) >= 2 and words[0] in _ENGLISH_DIRECTIONS:
        return " ".join([*words[1:], _ENGLISH_DIRECTIONS[words[0]]])
    if len(words) >= 3 and words[0] in ("south", "north") and words[1] in ("east", "west"):
        joined = _ENGLISH_DIRECTIONS.get(words[0] + words[1],
                                         _ENGLISH_DIRECTIONS[words[1]] + " " + "daya")
        return " ".join([*words[2:], joined])
    return name


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True, slots=True)
class _Index:
    full: dict[str, int]
    names: dict[str, tuple[int, ...]]
    aliases: dict[str, tuple[int, ...]]
    seats: dict[str, tuple[int, ...]]
    provinces: dict[str, int]
    province_aliases: dict[str, int]
    choices: tuple[str, ...]
    choice_regencies: tuple[tuple[int, ...], ...]   # empty for a province choice
    choice_in_province: npt.NDArray[np.bool_]       # (choices, provinces)


def _add(table: dict[str, list[int]], key: str, value: int) -> None:
    for variant in (key, key.replace(" ", "")):
        if variant and value not in table.setdefault(variant, []):
            table[variant].append(value)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Provinces and regencies with official codes, names, seats and coordinates."""

    province_code: tuple[str, ...]
    province: tuple[str, ...]
    province_lat: FloatArray
    province_lon: FloatArray
    regency_code: tuple[str, ...]
    regency: tuple[str, ...]
    regency_kind: tuple[str, ...]
    regency_province: IntArray
    regency_seat: tuple[str, ...]
    regency_lat: FloatArray
    regency_lon: FloatArray
    disadvantaged: npt.NDArray[np.bool_]
    former_names: tuple[tuple[str, ...], ...] = field(repr=False)
    aliases: tuple[tuple[str, str], ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.regency_code)

    def nearest_regency(self, lat: FloatArray, lon: FloatArray,
                        province: IntArray | None = None) -> tuple[IntArray, FloatArray]:
        """Index of the regency whose seat is nearest to each point (within ``province``
        where that is >= 0), and the distance in km."""
        lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
        best = np.full(len(lat), -1, dtype=np.int64)
        km = np.full(len(lat), np.inf)
        for start in range(0, len(lat), 4096):
            sl = slice(start, start + 4096)
            d = haversine_km(lat[sl, None], lon[sl, None], self.regency_lat[None, :],
                             self.regency_lon[None, :])
            if province is not None:
                p = province[sl, None]
                d = np.where((p < 0) | (self.regency_province[None, :] == p), d, np.inf)
            best[sl] = np.argmin(d, axis=1)
            km[sl] = d[np.arange(d.shape[0]), best[sl]]
        return best, km


_INDEXES: dict[int, tuple[Gazetteer, _Index]] = {}


def _index(g: Gazetteer) -> _Index:
    cached = _INDEXES.get(id(g))
    if cached is not None and cached[0] is g:
        return cached[1]
    full: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    aliases: dict[str, list[int]] = {}
    seats: dict[str, list[int]] = {}
    for i, official in enumerate(g.regency):
        for text in (official, *g.former_names[i]):
            key = _key(text)
            _add(full, key, i)
            _add(names, _split_kind(key)[1], i)
    for i, official in enumerate(g.regency):
        name = _split_kind(_key(official))[1]
        for prefix in ("kepulauan ", "pulau "):
            if name.startswith(prefix) and name.removeprefix(prefix) not in names:
                _add(aliases, name.removeprefix(prefix), i)
        if name.endswith(" kepulauan"):
            _add(aliases, name.removesuffix(" kepulauan"), i)
        seat = _key(g.regency_seat[i])
        if seat and seat not in names:
            _add(seats, seat, i)
    provinces: dict[str, int] = {}
    province_aliases: dict[str, int] = {}
    for p, official in enumerate(g.province):
        for variant in (_key(official), _key(official).replace(" ", "")):
            provinces.setdefault(variant, p)
    regency_of = {c: i for i, c in enumerate(g.regency_code)}
    province_of = {c: i for i, c in enumerate(g.province_code)}
    for alias, code in g.aliases:
        key = _key(alias)
        if code in regency_of:
            kind, name = _split_kind(key)
            _add(full if kind else aliases, key, regency_of[code])
        else:
            for variant in (key, key.replace(" ", "")):
                province_aliases.setdefault(variant, province_of[code])
    # Fuzzy choices: every regency name and alias, every province name and alias.
    choices: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    for table in (names, aliases):
        for key, hits in table.items():
            if " " not in key and len(key) >= FUZZY_MIN_CHARS:
                provs = tuple(int(g.regency_province[h]) for h in hits)
                choices.setdefault(key, (tuple(hits), provs))
    for ptable in (provinces, province_aliases):
        for key, p in ptable.items():
            if " " not in key and len(key) >= FUZZY_MIN_CHARS:
                choices.setdefault(key, ((), (p,)))
    in_province = np.zeros((len(choices), len(g.province)), dtype=bool)
    for c, (_, provs) in enumerate(choices.values()):
        in_province[c, list(provs)] = True
    index = _Index(
        full={k: v[0] for k, v in full.items()},
        names={k: tuple(v) for k, v in names.items()},
        aliases={k: tuple(v) for k, v in aliases.items()},
        seats={k: tuple(v) for k, v in seats.items()},
        provinces=provinces, province_aliases=province_aliases,
        choices=tuple(choices), choice_regencies=tuple(v[0] for v in choices.values()),
        choice_in_province=in_province,
    )
    _INDEXES[id(g)] = (g, index)
    return index


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The embedded gazetteer (``matching/data/provinces.csv``, ``regencies.csv`` and
    ``region_aliases.csv``).

    Examples
    --------
    >>> g = default_gazetteer()
    >>> len(g.province), len(g.regency), int(g.disadvantaged.sum())
    (38, 514, 62)
    """
    provinces = _read("provinces.csv")
    regencies = _read("regencies.csv")
    pcode = tuple(p["province_code"] for p in provinces)
    position = {c: i for i, c in enumerate(pcode)}
    province_aliases = [(a, p["province_code"]) for p in provinces
                        for a in p["abbreviations"].split("|") if a]
    aliases = [(a["alias"], a["code"]) for a in _read("region_aliases.csv")]
    return Gazetteer(
        province_code=pcode,
        province=tuple(p["province"] for p in provinces),
        province_lat=np.array([float(p["lat"]) for p in provinces]),
        province_lon=np.array([float(p["lon"]) for p in provinces]),
        regency_code=tuple(r["regency_code"] for r in regencies),
        regency=tuple(r["regency"] for r in regencies),
        regency_kind=tuple(r["kind"] for r in regencies),
        regency_province=np.array([position[r["province_code"]] for r in regencies],
                                  dtype=np.int64),
        regency_seat=tuple(r["seat"] for r in regencies),
        regency_lat=np.array([float(r["lat"]) for r in regencies]),
        regency_lon=np.array([float(r["lon"]) for r in regencies]),
        disadvantaged=np.array([r["disadvantaged"] == "1" for r in regencies]),
        former_names=tuple(tuple(n for n in r["former_names"].split("|") if n)
                           for r in regencies),
        aliases=tuple(province_aliases + aliases),
    )


# --- resolving one distinct text exactly ------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Hit:
    regency: int
    province: int
    confidence: float
    method: str


_MISS = _Hit(-1, -1, 0.0, "")


def _province_of(ix: _Index, key: str) -> int:
    _, name = _split_kind(key)
    for table in (ix.provinces, ix.province_aliases):
        for variant in (name, name.replace(" ", "")):
            if variant in table:
                return table[variant]
    return -1


def _pick(g: Gazetteer, hits: Sequence[int], kind: str, hint: int, confidence: float,
          method: str) -> _Hit:
    """One regency among same-named ``hits``: the hint province first, then the kind,
    then kabupaten before kota (BUMDes are village enterprises; villages are in kabupaten)."""
    pool = list(hits)
    if hint >= 0:
        inside = [h for h in pool if g.regency_province[h] == hint]
        if inside:
            pool = inside
        else:
            confidence = min(confidence, CONFIDENCE["province_conflict"])
    if kind:
        same = [h for h in pool if g.regency_kind[h] == kind]
        if same:
            pool = same
        else:
            confidence = min(confidence, CONFIDENCE["kind_mismatch"])
    if len(pool) > 1:
        pool.sort(key=lambda h: (g.regency_kind[h] != "kabupaten", h))
        confidence = min(confidence, CONFIDENCE["ambiguous"])
    r = pool[0]
    return _Hit(r, int(g.regency_province[r]), confidence, method)


def _lookup(g: Gazetteer, ix: _Index, key: str, hint: int) -> _Hit:
    """Exact lookups of one cleaned part, no splitting."""
    if not key:
        return _MISS
    for variant in (key, key.replace(" ", "")):
        r = ix.full.get(variant)
        if r is not None:
            conf = CONFIDENCE["exact"] if hint < 0 or g.regency_province[r] == hint else \
                CONFIDENCE["province_conflict"]
            return _Hit(r, int(g.regency_province[r]), conf, "exact")
    kind, name = _split_kind(key)
    attempts = [(kind, name)] + ([("", key)] if kind else [])
    for k, n in attempts:
        for table, conf, method in ((ix.names, CONFIDENCE["exact"], "exact"),
                                    (ix.aliases, CONFIDENCE["alias"], "alias"),
                                    (ix.seats, CONFIDENCE["seat"], "seat")):
            for variant in (n, n.replace(" ", "")):
                hits = table.get(variant)
                if hits and method == "seat" and hint >= 0:
                    # A seat counts only inside the hinted province: seat names are
                    # common words ("Pinang", "Tanjung", "Raya").
                    hits = tuple(h for h in hits if g.regency_province[h] == hint)
                if hits:
                    return _pick(g, hits, k, hint, conf, method)
    if not kind:
        p = _province_of(ix, key)
        if p >= 0:
            return _Hit(-1, p, CONFIDENCE["exact"], "province")
    return _MISS


def _variants(key: str) -> list[str]:
    kind, name = _split_kind(key)
    out = []
    for rewrite in (_english, _old_spelling):
        new = rewrite(name)
        if new != name:
            out.append(f"{kind} {new}".strip())
    return out


def _exact(g: Gazetteer, ix: _Index, key: str, hint: int) -> _Hit:
    hit = _lookup(g, ix, key, hint)
    if hit.method:
        return hit
    words = key.split()
    # A trailing province: "konawe sultra", "banjar jawa barat" (a province name with its
    # kind has at most 6 words; looking further back only costs time on long texts).
    for cut in range(len(words) - 1, max(len(words) - 7, 0), -1):
        p = _province_of(ix, " ".join(words[cut:]))
        if p >= 0:
            head = _lookup(g, ix, " ".join(words[:cut]), p)
            if head.regency >= 0:
                return head
            if head.method == "province" or not words[:cut]:
                break
    for variant in _variants(key):
        hit = _lookup(g, ix, variant, hint)
        if hit.method:
            return _Hit(hit.regency, hit.province, min(hit.confidence, CONFIDENCE["alias"]),
                        hit.method)
    return _MISS


def _parts(text: str) -> list[str]:
    keys = [_key(part) for part in _SPLIT.split(text)]
    return [k for k in keys if k and k.split()[0] not in _BELOW]


@dataclass(frozen=True, slots=True)
class _Resolved:
    hit: _Hit
    fuzzy_key: str      # a part to match fuzzily when no regency was found, else ""
    hint: int           # the province the text or the hint names, -1 if none


def _resolve_text(g: Gazetteer, ix: _Index, text: str, hint: int) -> _Resolved:
    parts = _parts(text)
    if not parts:
        return _Resolved(_MISS, "", hint)
    if len(parts) == 1:
        hit = _exact(g, ix, parts[0], hint)
        if hit.regency >= 0:
            return _Resolved(hit, "", hint)
        if hit.method == "province":
            return _Resolved(hit, "", hit.province if hint < 0 else hint)
        return _Resolved(_MISS, parts[0], hint)
    # Several parts: province parts are hints; the first part naming a regency wins.
    own = [_province_of(ix, p) for p in parts]
    local = next((p for p in own if p >= 0), hint) if hint < 0 else hint
    rest = [p for p, q in zip(parts, own, strict=True) if q < 0] or parts[:1]
    for part in rest:
        hit = _exact(g, ix, part, local)
        if hit.regency >= 0:
            return _Resolved(hit, "", local)
    if local >= 0:
        return _Resolved(_Hit(-1, local, CONFIDENCE["exact"], "province"), rest[0], local)
    return _Resolved(_MISS, rest[0], local)


def _hint(g: Gazetteer, ix: _Index, text: str) -> int:
    """The province a province column names: a province name first (``Jambi`` is the
    province, not the city), else the province of what the text resolves to."""
    if not text:
        return -1
    p = _province_of(ix, _key(text))
    if p >= 0:
        return p
    resolved = _resolve_text(g, ix, text, -1)
    return resolved.hit.province if resolved.hit.method else resolved.hint


# --- the public batch API -----------------------------------------------------------------

#: The keys of :meth:`RegionResult.records` (the ``region`` CLI prints one per line).
RECORD_KEYS = ("regency_code", "regency", "province_code", "province", "lat", "lon",
               "disadvantaged", "confidence")


@dataclass(frozen=True, slots=True)
class RegionResult:
    """Where each text is: the regency (or only the province) it names, with the seat's
    coordinates, the disadvantaged flag (Perpres 63/2020) and a confidence in [0, 1].

    ``regency_index`` and ``province_index`` are positions in the gazetteer (-1 when not
    resolved); ``lat``/``lon`` are the regency seat, or the province capital when only
    the province is known (NaN when neither). ``method`` says how each text was resolved
    (``exact``, ``alias``, ``seat``, ``province``, ``coordinates``, ``fuzzy`` or ``""``);
    ``reason`` says why a text was not placed at a regency (``""`` when it was).
    """

    text: tuple[str, ...]
    regency_index: IntArray
    province_index: IntArray
    hint_index: IntArray
    regency_code: tuple[str | None, ...]
    regency: tuple[str | None, ...]
    province_code: tuple[str | None, ...]
    province: tuple[str | None, ...]
    lat: FloatArray
    lon: FloatArray
    disadvantaged: tuple[bool | None, ...]
    confidence: FloatArray
    method: tuple[str, ...]
    reason: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.text)

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready dict per text with the keys of :data:`RECORD_KEYS` (None where
        unresolved)."""
        out = []
        for i in range(len(self)):
            placed = not math.isnan(self.lat[i])
            out.append({
                "regency_code": self.regency_code[i], "regency": self.regency[i],
                "province_code": self.province_code[i], "province": self.province[i],
                "lat": float(self.lat[i]) if placed else None,
                "lon": float(self.lon[i]) if placed else None,
                "disadvantaged": self.disadvantaged[i],
                "confidence": round(float(self.confidence[i]), 4),
            })
        return out

    def to_dict(self) -> dict[str, list[Any]]:
        """Columns as JSON-ready lists: ``text``, the :data:`RECORD_KEYS`, ``method``
        and ``reason``."""
        records = self.records()
        out: dict[str, list[Any]] = {"text": list(self.text)}
        for key in RECORD_KEYS:
            out[key] = [r[key] for r in records]
        out["method"] = list(self.method)
        out["reason"] = list(self.reason)
        return out

    def to_frame(self) -> Any:
        """The columns of :meth:`to_dict` as a pandas DataFrame (needs the ``pandas``
        extra)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("RegionResult.to_frame needs pandas: pip install "
                              "'bumdes-match[pandas]'") from None
        return pd.DataFrame(self.to_dict())


def _as_texts(values: str | Sequence[str | None] | None, n: int, name: str) -> list[str]:
    if values is None:
        return [""] * n
    if isinstance(values, str):
        return [values] * n
    out = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
           for v in values]
    if len(out) != n:
        raise ValueError(f"The {name!r} parameter must have one entry per text ({n}); "
                         f"got {len(out)} instead.")
    return out


def _as_floats(values: Sequence[float | None] | npt.ArrayLike | None, n: int,
               name: str) -> FloatArray:
    if values is None:
        return np.full(n, np.nan)
    arr = np.array([np.nan if v is None else v for v in np.asarray(values, dtype=object)
                    .ravel()], dtype=float)
    if len(arr) != n:
        raise ValueError(f"The {name!r} parameter must have one entry per text ({n}); "
                         f"got {len(arr)} instead.")
    return arr


def _fuzzy(g: Gazetteer, ix: _Index, keys: list[str], hints: IntArray) -> list[_Hit]:
    """Best fuzzy hit per cleaned key (``_MISS`` below the cutoff), one cdist per chunk."""
    kinds, queries = zip(*(_split_kind(k) for k in keys), strict=True) if keys else ((), ())
    squeezed = [q.replace(" ", "") for q in queries]
    out = [_MISS] * len(keys)
    rows = np.array([i for i, q in enumerate(squeezed)
                     if len(q) >= FUZZY_MIN_CHARS - (hints[i] >= 0)], dtype=np.int64)
    for start in range(0, len(rows), 2048):
        sl = rows[start:start + 2048]
        queries_sl = [squeezed[i] for i in sl]
        s = process.cdist(queries_sl, ix.choices, scorer=fuzz.ratio, dtype=np.float32,
                          score_cutoff=FUZZY_HINT_CUTOFF, workers=-1).astype(np.float64)
        # Optimal string alignment (a swapped pair of letters is one edit) only where the
        # Indel ratio found nothing good: most typos never need it.
        weak = np.flatnonzero(s.max(axis=1) < FUZZY_CUTOFF)
        if len(weak):
            s[weak] = np.maximum(s[weak], 100.0 * process.cdist(
                [queries_sl[i] for i in weak.tolist()], ix.choices,
                scorer=OSA.normalized_similarity, dtype=np.float32,
                score_cutoff=FUZZY_HINT_CUTOFF / 100.0, workers=-1))
        h = hints[sl]
        in_hint = ix.choice_in_province[:, np.maximum(h, 0)].T & (h[:, None] >= 0)
        short = np.array([len(squeezed[i]) < FUZZY_MIN_CHARS for i in sl.tolist()])[:, None]
        s = np.where(in_hint | ((s >= FUZZY_CUTOFF) & ~short), s, 0.0)
        # Inside the hinted province a choice gets a bonus: a typo of a name there beats
        # a slightly closer name elsewhere ("Searng", Banten: Serang, not Semarang).
        best = np.argmax(np.where(s > 0, s + FUZZY_HINT_BONUS * in_hint, 0.0), axis=1)
        score = s[np.arange(len(sl)), best]
        for k, c, sc in zip(sl.tolist(), best.tolist(), score.tolist(), strict=True):
            if sc <= 0:
                continue
            conf = CONFIDENCE["fuzzy"] * sc / 100.0
            hits = ix.choice_regencies[c]
            if hits:
                out[k] = _pick(g, hits, kinds[k], int(hints[k]), conf, "fuzzy")
            elif not kinds[k]:
                p = int(np.flatnonzero(ix.choice_in_province[c])[0])
                out[k] = _Hit(-1, p, conf, "province")
    return out


def resolve_regions(
    texts: str | Sequence[str | None], *, province: str | Sequence[str | None] | None = None,
    lat: Sequence[float | None] | npt.ArrayLike | None = None,
    lon: Sequence[float | None] | npt.ArrayLike | None = None,
    gazetteer: Gazetteer | None = None,
) -> RegionResult:
    """Resolve region texts to Indonesian regencies (kabupaten / kota) in one batch.

    Parameters
    ----------
    texts : sequence of str
        What people wrote: ``"Kab. Konawe"``, ``"KOTA KENDARI"``, ``"konsel"``,
        ``"Gunung Kidul, DIY"``, a province (``"Sultra"``), or empty. A single string is
        taken as a batch of one.
    province : str or sequence of str, optional
        A province per text (or one for all), used as a hint: it decides between
        same-named regencies (Kabupaten Banjar in Kalimantan Selatan, Kota Banjar in Jawa
        Barat) and places a text that names no regency.
    lat, lon : sequences of float, optional
        Coordinates per text (NaN or None where unknown). A text that names no regency is
        placed at the regency whose seat is nearest (within the province when one is
        known).
    gazetteer : Gazetteer, optional
        Defaults to :func:`default_gazetteer`.

    Returns
    -------
    RegionResult

    Raises
    ------
    ValueError
        When ``province``, ``lat`` or ``lon`` do not have one entry per text.

    Examples
    --------
    >>> import matching
    >>> r = matching.resolve_regions(["Kab. Konawe", "kota kendari", "Banjar", "Sultra", "?"])
    >>> r.regency
    ('KABUPATEN KONAWE', 'KOTA KENDARI', 'KABUPATEN BANJAR', None, None)
    >>> r.province[3], r.reason[4]
    ('SULAWESI TENGGARA', "region not recognised: '?'")
    >>> matching.resolve_regions(["Banjar"], province="Jabar").regency
    ('KOTA BANJAR',)
    """
    g = gazetteer or default_gazetteer()
    ix = _index(g)
    text_list = [texts] if isinstance(texts, str) else _as_texts(list(texts), len(texts),
                                                                   "texts")
    n = len(text_list)
    hints_text = _as_texts(province, n, "province")
    lat_arr, lon_arr = _as_floats(lat, n, "lat"), _as_floats(lon, n, "lon")

    hint_cache: dict[str, int] = {}
    hint = np.empty(n, dtype=np.int64)
    for i, h in enumerate(hints_text):
        p = hint_cache.get(h)
        if p is None:
            p = hint_cache[h] = _hint(g, ix, h)
        hint[i] = p

    distinct: dict[tuple[str, int], int] = {}
    code = np.empty(n, dtype=np.int64)
    for i, (t, p) in enumerate(zip(text_list, hint.tolist(), strict=True)):
        code[i] = distinct.setdefault((t, p), len(distinct))
    keys = list(distinct)
    solved = [_resolve_text(g, ix, t, p) for t, p in keys]
    reg = np.array([s.hit.regency for s in solved], dtype=np.int64)
    prov = np.array([s.hit.province for s in solved], dtype=np.int64)
    conf = np.array([s.hit.confidence for s in solved])
    method = [s.hit.method for s in solved]
    local_hint = np.array([s.hint for s in solved], dtype=np.int64)
    fuzzy_rows = [k for k, s in enumerate(solved) if s.fuzzy_key]
    fuzzy_hits = _fuzzy(g, ix, [solved[k].fuzzy_key for k in fuzzy_rows],
                        local_hint[fuzzy_rows])
    for k, hit in zip(fuzzy_rows, fuzzy_hits, strict=True):
        if hit.regency >= 0 or (hit.province >= 0 and prov[k] < 0):
            reg[k], prov[k], conf[k], method[k] = (hit.regency, hit.province, hit.confidence,
                                                   hit.method)

    reg, prov, conf = reg[code], prov[code], conf[code]
    methods = [method[c] for c in code.tolist()]
    prov = np.where((prov < 0) & (hint >= 0), hint, prov)
    for i in np.flatnonzero((prov >= 0) & (reg < 0) & (conf == 0)).tolist():
        methods[i], conf[i] = "province", CONFIDENCE["exact"]

    # Coordinates place what the texts could not.
    inside = (lat_arr >= LAT_RANGE[0]) & (lat_arr <= LAT_RANGE[1]) & \
             (lon_arr >= LON_RANGE[0]) & (lon_arr <= LON_RANGE[1])
    by_xy = np.flatnonzero((reg < 0) & inside)
    if len(by_xy):
        near, km = g.nearest_regency(lat_arr[by_xy], lon_arr[by_xy], prov[by_xy])
        reg[by_xy], prov[by_xy] = near, g.regency_province[near]
        conf[by_xy] = np.where(km <= 100.0, CONFIDENCE["coordinates"],
                               CONFIDENCE["coordinates"] * 0.75)
        for i in by_xy.tolist():
            methods[i] = "coordinates"

    has_reg, has_prov = reg >= 0, prov >= 0
    out_lat = np.where(has_reg, g.regency_lat[np.maximum(reg, 0)],
                       np.where(has_prov, g.province_lat[np.maximum(prov, 0)], np.nan))
    out_lon = np.where(has_reg, g.regency_lon[np.maximum(reg, 0)],
                       np.where(has_prov, g.province_lon[np.maximum(prov, 0)], np.nan))
    reasons = []
    for i in range(n):
        if has_reg[i]:
            reasons.append("")
            continue
        wrote = text_list[i].strip()
        outside = not np.isnan(lat_arr[i]) and not inside[i]
        named_province = methods[i] == "province" and _province_of(ix, _key(wrote)) >= 0
        if named_province:
            why = "names a province, not a regency"
        else:
            why = f"region not recognised: {wrote!r}" if wrote else "no region given"
        if outside:
            why += f"; coordinates ({lat_arr[i]:g}, {lon_arr[i]:g}) are outside Indonesia"
        if has_prov[i] and not named_province:
            why += f"; placed in the province {g.province[prov[i]]}"
        reasons.append(why)
    return RegionResult(
        text=tuple(text_list), regency_index=reg, province_index=prov, hint_index=hint,
        regency_code=tuple(g.regency_code[r] if r >= 0 else None for r in reg.tolist()),
        regency=tuple(g.regency[r] if r >= 0 else None for r in reg.tolist()),
        province_code=tuple(g.province_code[p] if p >= 0 else None for p in prov.tolist()),
        province=tuple(g.province[p] if p >= 0 else None for p in prov.tolist()),
        lat=out_lat, lon=out_lon,
        disadvantaged=tuple(bool(g.disadvantaged[r]) if r >= 0 else None for r in reg.tolist()),
        confidence=np.where(has_reg | has_prov, conf, 0.0), method=tuple(methods),
        reason=tuple(reasons),
    )


# --- placing supply rows ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RegionMatch:
    """Where supply rows are: regency and province index (-1 unknown), coordinates (the
    row's own when given, else the seat or capital; NaN unknown), and the resolution."""

    regency: IntArray
    province: IntArray
    lat: FloatArray
    lon: FloatArray
    confidence: FloatArray
    resolved: RegionResult
    province_text: tuple[str, ...]
    regency_text: tuple[str, ...]


def locate_rows(
    province: Sequence[str], regency: Sequence[str], lat: FloatArray, lon: FloatArray, *,
    gazetteer: Gazetteer | None = None,
) -> RegionMatch:
    """Place each supply row: by its regency text (the province text as a hint), else by
    coordinates (nearest regency seat), else at the province capital.

    Coordinates given in the input are kept; otherwise the regency seat (or the province
    capital) is used. A row with a province text but no regency text is placed by its
    province.
    """
    result = resolve_regions(list(regency), province=list(province), lat=lat, lon=lon,
                             gazetteer=gazetteer)
    given = ~np.isnan(np.asarray(lat, dtype=float))
    return RegionMatch(
        regency=result.regency_index, province=result.province_index,
        lat=np.where(given, lat, result.lat), lon=np.where(given, lon, result.lon),
        confidence=result.confidence, resolved=result, province_text=tuple(province),
        regency_text=tuple(regency))


def region_problems(match: RegionMatch, *, source: str, rows: Sequence[int],
                    columns: Mapping[str, str] | None = None,
                    gazetteer: Gazetteer | None = None) -> list[Problem]:
    """What ``Config(strict_regions=True)`` rejects: a regency or province text that
    resolves to nothing, a regency outside the province given with it, and a row that
    cannot be placed at all. ``columns`` maps ``regency`` and ``province`` to the headers
    the file used (``kabupaten``, ``provinsi``)."""
    g = gazetteer or default_gazetteer()
    regency_column = (columns or {}).get("regency", "regency")
    province_column = (columns or {}).get("province", "province")
    problems = []
    r = match.resolved
    for i, row in enumerate(rows):
        regency, province = match.regency_text[i], match.province_text[i]
        if regency and r.method[i] in ("", "province", "coordinates"):
            problems.append(Problem(source, row, regency_column,
                                    f"regency not recognised: {regency!r}"))
        if province and r.hint_index[i] < 0:
            problems.append(Problem(source, row, province_column,
                                    f"province not recognised: {province!r}"))
        elif province and match.regency[i] >= 0 and \
                g.regency_province[match.regency[i]] != r.hint_index[i]:
            name = g.regency[match.regency[i]]
            problems.append(Problem(source, row, province_column,
                                    f"{name} is not in {g.province[r.hint_index[i]]}"))
        if not regency and not province and match.regency[i] < 0:
            problems.append(Problem(source, row, regency_column,
                                    f"location unknown: {r.reason[i]}"))
    return problems
