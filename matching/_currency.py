"""Currency conversion through a dated rate table the caller can override."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["DEFAULT_RATES", "RATES_DATE", "to_usd"]

#: Date of the embedded rates (approximate market mid-rates; see docs/data.md).
RATES_DATE = "2025-06-30"

#: Units of each currency per one US dollar on :data:`RATES_DATE`.
DEFAULT_RATES: Mapping[str, float] = MappingProxyType({
    "USD": 1.0,
    "IDR": 16_235.0,
    "EUR": 0.853,
    "GBP": 0.729,
    "CNY": 7.165,
    "HKD": 7.850,
    "JPY": 144.4,
    "KRW": 1_350.0,
    "SGD": 1.274,
    "MYR": 4.215,
    "AED": 3.6725,
    "SAR": 3.750,
    "AUD": 1.526,
    "INR": 85.75,
})

_ALIASES = {"RP": "IDR", "RUPIAH": "IDR", "US$": "USD", "$": "USD", "DOLLAR": "USD",
            "RMB": "CNY", "YUAN": "CNY", "€": "EUR", "EURO": "EUR", "YEN": "JPY",
            "DIRHAM": "AED", "RIYAL": "SAR"}


def currency_code(text: str, rates: Mapping[str, float] = DEFAULT_RATES) -> str:
    """The ISO code of ``text`` (``"Rp"`` -> ``"IDR"``), checked against ``rates``.

    Examples
    --------
    >>> currency_code("Rp"), currency_code(" usd ")
    ('IDR', 'USD')
    """
    key = text.strip().upper().replace(".", "")
    key = _ALIASES.get(key, key)
    if key not in rates:
        known = ", ".join(sorted(rates))
        raise ValueError(f"unknown currency {text!r}; the rate table has {known}")
    return key


def to_usd(amount: float, currency: str, rates: Mapping[str, float] = DEFAULT_RATES) -> float:
    """Convert ``amount`` in ``currency`` to US dollars.

    Examples
    --------
    >>> to_usd(16_235, "IDR")
    1.0
    """
    return amount / rates[currency_code(currency, rates)]
