"""Indonesian provinces and regencies: the embedded gazetteer and a resolver for what
people type ("Kab. Konawe", "Sultra", "kota kendari")."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from ._geo import haversine_km
from ._text import clean_text

__all__ = ["Gazetteer", "RegionMatch", "default_gazetteer", "resolve_regions"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_REGENCY_PREFIX = re.compile(r"^(?:kabupaten|kab|kabupaten administrasi|kota administrasi"
                             r"|kota|city of|regency of|kotamadya|kodya)\s+")
_REGENCY_SUFFIX = re.compile(r"\s+(?:regency|city|district)$")
_PROVINCE_PREFIX = re.compile(r"^(?:provinsi|prov|propinsi|province of|province)\s+")
_PROVINCE_SUFFIX = re.compile(r"\s+province$")
FUZZY_CUTOFF = 85.0


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


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
    regency_lat: FloatArray
    regency_lon: FloatArray
    disadvantaged: npt.NDArray[np.bool_]
    _province_names: dict[str, int] = field(repr=False, compare=False)
    _regency_names: dict[str, list[int]] = field(repr=False, compare=False)

    def province_index(self, text: str) -> int:
        """Index of the province ``text`` names, or -1."""
        key = _PROVINCE_SUFFIX.sub("", _PROVINCE_PREFIX.sub("", clean_text(text)))
        if not key:
            return -1
        hit = self._province_names.get(key)
        if hit is not None:
            return hit
        best = process.extractOne(key, list(self._province_names), scorer=fuzz.ratio,
                                  score_cutoff=FUZZY_CUTOFF)
        return self._province_names[best[0]] if best else -1

    def regency_index(self, text: str, province: int = -1) -> tuple[int, float]:
        """Index of the regency ``text`` names (within ``province`` when >= 0), or -1,
        with a confidence."""
        cleaned = clean_text(text)
        kind = "kota" if cleaned.startswith(("kota ", "city of ", "kotamadya ", "kodya ")) \
            or cleaned.endswith(" city") else ("kabupaten" if cleaned.startswith(("kab", "regency"))
                                               or cleaned.endswith(" regency") else "")
        key = _REGENCY_SUFFIX.sub("", _REGENCY_PREFIX.sub("", cleaned))
        if not key:
            return -1, 0.0
        hits = self._regency_names.get(key, [])
        if not hits:
            names = list(self._regency_names)
            best = process.extractOne(key, names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if best is None:
                return -1, 0.0
            hits, confidence = self._regency_names[best[0]], best[1] / 100.0
        else:
            confidence = 1.0
        if province >= 0:
            hits = [h for h in hits if self.regency_province[h] == province] or hits
        if kind and len(hits) > 1:
            hits = [h for h in hits if self.regency_kind[h] == kind] or hits
        if not hits:
            return -1, 0.0
        if len(hits) > 1:
            hits = sorted(hits, key=lambda h: self.regency_kind[h] != "kabupaten")
            confidence *= 0.6
        return hits[0], confidence

    def nearest_regency(self, lat: float, lon: float) -> int:
        """Index of the regency whose seat is nearest to ``(lat, lon)``."""
        return int(np.argmin(haversine_km(lat, lon, self.regency_lat, self.regency_lon)))


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The embedded gazetteer (``matching/data/provinces.csv`` and ``regencies.csv``)."""
    provinces = _read("provinces.csv")
    regencies = _read("regencies.csv")
    pcode = tuple(p["province_code"] for p in provinces)
    position = {c: i for i, c in enumerate(pcode)}
    province_names: dict[str, int] = {}
    for i, p in enumerate(provinces):
        for name in (p["province"], *p["abbreviations"].split("|")):
            key = _PROVINCE_PREFIX.sub("", clean_text(name))
            if key:
                province_names.setdefault(key, i)
    regency_names: dict[str, list[int]] = {}
    for i, r in enumerate(regencies):
        for name in (r["regency"], *r.get("former_names", "").split("|")):
            key = _REGENCY_SUFFIX.sub("", _REGENCY_PREFIX.sub("", clean_text(name)))
            for variant in {key, key.replace(" ", "")} - {""}:
                regency_names.setdefault(variant, []).append(i)
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
        regency_lat=np.array([float(r["lat"]) for r in regencies]),
        regency_lon=np.array([float(r["lon"]) for r in regencies]),
        disadvantaged=np.array([r["disadvantaged"] == "1" for r in regencies]),
        _province_names=province_names,
        _regency_names=regency_names,
    )


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """Where rows are: regency and province index (-1 unknown) and coordinates (NaN
    unknown)."""

    regency: IntArray
    province: IntArray
    lat: FloatArray
    lon: FloatArray
    confidence: FloatArray


def resolve_regions(
    province: Sequence[str], regency: Sequence[str], lat: FloatArray, lon: FloatArray, *,
    gazetteer: Gazetteer | None = None,
) -> RegionMatch:
    """Place each row: by regency name (with the province as a hint), else by
    coordinates (nearest regency seat), else at the province capital.

    Coordinates given in the input are kept; otherwise the regency seat (or the
    province capital) is used.
    """
    g = gazetteer or default_gazetteer()
    n = len(province)
    reg = np.full(n, -1, dtype=np.int64)
    prov = np.full(n, -1, dtype=np.int64)
    conf = np.zeros(n)
    out_lat, out_lon = lat.astype(float).copy(), lon.astype(float).copy()
    cache: dict[tuple[str, str], tuple[int, int, float]] = {}
    for i in range(n):
        key = (province[i], regency[i])
        if key not in cache:
            p = g.province_index(province[i]) if province[i] else -1
            r, c = g.regency_index(regency[i], p) if regency[i] else (-1, 0.0)
            if r >= 0:
                p = int(g.regency_province[r])
            cache[key] = (r, p, c)
        r, p, c = cache[key]
        has_xy = not np.isnan(out_lat[i])
        if r < 0 and has_xy:
            r, c = g.nearest_regency(out_lat[i], out_lon[i]), 0.8
            p = int(g.regency_province[r]) if p < 0 or p == g.regency_province[r] else p
        reg[i], prov[i], conf[i] = r, p, c if r >= 0 else (0.5 if p >= 0 else 0.0)
        if not has_xy and r >= 0:
            out_lat[i], out_lon[i] = g.regency_lat[r], g.regency_lon[r]
        elif not has_xy and p >= 0:
            out_lat[i], out_lon[i] = g.province_lat[p], g.province_lon[p]
    return RegionMatch(reg, prov, out_lat, out_lon, conf)
