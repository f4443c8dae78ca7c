"""Numbers, units and periods as people write them in Indonesia and abroad.

Plain ``str -> value`` functions; every failure is a ``ValueError`` whose message says
what is wrong in words a user understands (the input layer adds file, row and column).
"""

from __future__ import annotations

import math
import re

__all__ = [
    "PERIODS_PER_MONTH",
    "UNITS_KG",
    "parse_number",
    "parse_period",
    "parse_quantity",
    "parse_unit",
    "quantity_kg",
]

MAX_FIELD_CHARS = 200

#: kilograms in one unit, keyed by every spelling accepted (lower case, no dots).
UNITS_KG: dict[str, float] = {
    **dict.fromkeys(["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme"], 1.0),
    **dict.fromkeys(["g", "gr", "grm", "gram", "grams", "gramme", "grammes"], 1e-3),
    **dict.fromkeys(["ons", "ounce-id"], 0.1),
    **dict.fromkeys(["kuintal", "kwintal", "kw", "ku", "quintal", "quintals", "q"], 100.0),
    **dict.fromkeys(
        ["t", "ton", "tons", "tonne", "tonnes", "mt", "mts", "metric ton", "metric tons",
         "metric tonne", "metric tonnes"],
        1000.0,
    ),
    **dict.fromkeys(["lb", "lbs", "pound", "pounds"], 0.45359237),
}

#: how many of each period fit in one month (a month is a twelfth of a 365-day year).
PERIODS_PER_MONTH: dict[str, float] = {"day": 365 / 12, "week": 52 / 12, "month": 1.0,
                                       "year": 1 / 12}

_PERIOD_WORDS: dict[str, str] = {
    **dict.fromkeys(["day", "days", "daily", "hari", "harian", "d"], "day"),
    **dict.fromkeys(["week", "weeks", "weekly", "wk", "minggu", "mingguan", "pekan", "w"],
                    "week"),
    **dict.fromkeys(["month", "months", "monthly", "mo", "mon", "bulan", "bulanan", "bln",
                     "sebulan", "m"], "month"),
    **dict.fromkeys(["year", "years", "yearly", "annually", "annual", "yr", "y", "tahun",
                     "tahunan", "thn", "th", "setahun", "pa"], "year"),
}

_NUMBER = re.compile(r"[+-]?(?:\d[\d.,' ]*\d|\d)")
_GROUPED = re.compile(r"\d{1,3}(?:([.,' ])\d{3})+")


def parse_number(text: str) -> float:
    """Read a number written the Indonesian or the English way.

    A separator followed by exactly three digits groups thousands (``1.500`` and
    ``2,000`` are both 1500 and 2000); any other single separator is the decimal mark
    (``1,5`` and ``1.5`` are 1.5); with both present the last one is the decimal mark
    (``1.250,5`` and ``1,250.5`` are 1250.5). A leading zero group is never thousands
    (``0,500`` is 0.5).

    Raises
    ------
    ValueError
        When the text is not a finite number.

    Examples
    --------
    >>> [parse_number(s) for s in ["1.500", "1,5", "1.250,5", "2,000.5", "12", "0,75"]]
    [1500.0, 1.5, 1250.5, 2000.5, 12.0, 0.75]
    """
    s = text.strip().replace("\u00a0", " ")
    if len(s) > MAX_FIELD_CHARS:
        raise ValueError(f"too long for a number ({len(s)} characters)")
    if not _NUMBER.fullmatch(s):
        low = s.lower()
        if low in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
            raise ValueError(f"not a finite number: {text!r}")
        raise ValueError(f"not a number: {text!r}")
    sign = -1.0 if s.startswith("-") else 1.0
    body = s.lstrip("+-").replace(" ", "").replace("'", "")
    has_dot, has_comma = "." in body, "," in body
    if has_dot and has_comma:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _, frac = body.rpartition(decimal)
        if thousands in frac or decimal in whole or not _valid_groups(whole, thousands):
            raise ValueError(f"not a number: {text!r}")
        value = float(whole.replace(thousands, "") + "." + frac)
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        parts = body.split(sep)
        if len(parts) > 2 or (len(parts[-1]) == 3 and parts[0] not in {"", "0"}):
            if not _valid_groups(body, sep):
                raise ValueError(f"not a number: {text!r}")
            value = float(body.replace(sep, ""))
        else:
            value = float(body.replace(sep, "."))
    else:
        value = float(body)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return sign * value


def _valid_groups(whole: str, sep: str) -> bool:
    if sep not in whole:
        return whole.isdigit()
    m = _GROUPED.fullmatch(whole)
    return m is not None and m.group(1) == sep


def parse_unit(text: str) -> float:
    """Kilograms in one ``text`` unit (``kg``, ``gr``, ``ons``, ``kwintal``, ``MT``, ...).

    Examples
    --------
    >>> parse_unit("Kwintal"), parse_unit("MT"), parse_unit("ons")
    (100.0, 1000.0, 0.1)
    """
    key = " ".join(text.lower().replace(".", "").split())
    if key in UNITS_KG:
        return UNITS_KG[key]
    raise ValueError(
        f"unknown unit {text!r}; use kg, g/gr/gram, ons, kuintal/kwintal, ton/t/MT/tonne or lb"
    )


def parse_period(text: str) -> str:
    """The period (``day``, ``week``, ``month`` or ``year``) that ``text`` names.

    Accepts ``/bulan``, ``per month``, ``weekly``, ``tiap minggu``, ``p.a.`` and the like.

    Examples
    --------
    >>> parse_period("/bulan"), parse_period("per week"), parse_period("Tahunan")
    ('month', 'week', 'year')
    """
    key = text.lower().replace(".", "").strip().lstrip("/").strip()
    for prefix in ("per ", "tiap ", "setiap ", "every ", "a ", "each ", "sebanyak "):
        if key.startswith(prefix):
            key = key[len(prefix):].strip()
    if key in _PERIOD_WORDS:
        return _PERIOD_WORDS[key]
    raise ValueError(
        f"unknown period {text!r}; use per day/week/month/year (hari/minggu/bulan/tahun)"
    )


#: The number at the start of a quantity: one greedy run, so matching is linear in the length.
_LEADING_NUMBER = re.compile(r"[+-]?[\d.,' ]*\d")
#: Words that name a period on their own (``2 ton bulanan``).
_PERIOD_ALONE = frozenset({"daily", "weekly", "monthly", "yearly", "annually", "harian",
                           "mingguan", "bulanan", "tahunan", "sebulan", "setahun"})
#: Words that introduce a period (``500 kg per week``, ``2 ton tiap bulan``).
_PERIOD_LEAD = frozenset({"per", "tiap", "setiap", "every", "each"})


def _split_quantity(text: str) -> tuple[str, str, str] | None:
    """``(number, unit, period)`` texts of a stripped quantity, or None when it is not one.

    A plain scan instead of one regular expression with optional parts: such a pattern
    backtracks cubically on texts like ``"1 x" + " " * n + "1"``.
    """
    m = _LEADING_NUMBER.match(text)
    if m is None:
        return None
    rest = text[m.end():].strip()
    unit, period = rest, ""
    if "/" in rest:
        unit, _, after = rest.partition("/")
        if len(after.split()) != 1 or "/" in after:
            return None
        period = "/" + after.strip()
    else:
        words = rest.split()
        if words and words[-1].lower() in _PERIOD_ALONE:
            unit, period = " ".join(words[:-1]), words[-1]
        elif len(words) >= 2 and words[-2].lower() in _PERIOD_LEAD:
            unit, period = " ".join(words[:-2]), " ".join(words[-2:])
    return m.group(), unit.strip(), period


def parse_quantity(
    text: str,
    *,
    unit: str | None = None,
    period: str | None = None,
    horizon_months: float = 1.0,
) -> float:
    """Kilograms over the planning horizon for a quantity such as ``"1,5 ton/bulan"``.

    The unit and period may be inside ``text`` or given separately (from the ``unit``
    and ``period`` columns); a quantity without a period is taken as over the whole
    horizon. Without a unit the number is in kilograms.

    Raises
    ------
    ValueError
        For a text that is not a quantity, an unknown unit or period, or the unit or
        period given twice in disagreement.

    Examples
    --------
    >>> parse_quantity("1,5 ton/bulan")
    1500.0
    >>> round(parse_quantity("500 kg per week"), 3)
    2166.667
    >>> parse_quantity("24", unit="t", period="per tahun")
    2000.0
    >>> parse_quantity("3 kwintal", horizon_months=3)
    300.0
    """
    s = text.strip()
    if len(s) > MAX_FIELD_CHARS:
        raise ValueError(f"too long for a quantity ({len(s)} characters)")
    if not s:
        raise ValueError("empty quantity")
    parts = _split_quantity(s)
    if parts is None and s.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
        raise ValueError(f"not a finite number: {text!r}")
    if parts is None:
        raise ValueError(f"not a quantity: {text!r} (expected e.g. '1,5 ton/bulan')")
    number, inline_unit, inline_period = parts
    value = parse_number(number)
    if inline_unit and unit and parse_unit(inline_unit) != parse_unit(unit):
        raise ValueError(f"unit given twice: {inline_unit!r} in the quantity and {unit!r}")
    if inline_period and period and parse_period(inline_period) != parse_period(period):
        raise ValueError(
            f"period given twice: {inline_period!r} in the quantity and {period!r}"
        )
    return quantity_kg(value, unit=inline_unit or unit, period=inline_period or period,
                       horizon_months=horizon_months)


def quantity_kg(
    value: float, *, unit: str | None, period: str | None, horizon_months: float = 1.0
) -> float:
    """Kilograms over the horizon for ``value`` in ``unit`` per ``period``.

    Examples
    --------
    >>> quantity_kg(2, unit="ton", period="bulan", horizon_months=3)
    6000.0
    """
    kg = value * (parse_unit(unit) if unit else 1.0)
    if not period:
        return kg
    return kg * PERIODS_PER_MONTH[parse_period(period)] * horizon_months
