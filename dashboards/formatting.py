"""Pure helpers that turn released values into what a visitor reads: months, money, suppressed counts."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from dashboards.i18n import _, locale

# ISO 4217 currencies whose minor unit is not 1/100; every other currency has two decimals.
_MINOR_UNIT_DIGITS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0, "KMF": 0,
    "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0, "UYI": 0, "VND": 0,
    "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip


def month_start(key: str) -> date:
    """'2025-06' -> date(2025, 6, 1)."""
    year, month = key.split("-")[:2]
    return date(int(year), int(month), 1)


def month_key(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def month_label(key: str) -> str:
    """'2025-06' -> 'Jun 2025' (in the current language: 'jun 2025')."""
    return format_date(month_start(key), "MMM y", locale=locale())


def day_text(value: date) -> str:
    """date(2025, 6, 30) -> '30 Jun 2025' (in the current language: '30 jun 2025')."""
    return format_date(value, "d MMM y", locale=locale())


def format_number(value: float, digits: int = 0) -> str:
    """1234.5 -> '1,234.5' in English, '1234,5' in Spanish: grouping and decimal mark of the language."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale())


def shift_month(key: str, months: int) -> str:
    start = month_start(key)
    index = start.year * 12 + start.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: str, end: str) -> int:
    """Number of months from start to end, both included."""
    a, b = month_start(start), month_start(end)
    return (b.year - a.year) * 12 + b.month - a.month + 1


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of the same length that ends the month before `start`."""
    length = months_between(start, end)
    return shift_month(start, -length), shift_month(start, -1)


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA: how a null cell arrives, depending on the column's dtype."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_count(value: Any, is_suppressed: bool, min_count: int | None) -> str:
    """A released count as text; a suppressed (or null) cell reads `withheld_text(min_count)`, never 0."""
    if is_suppressed or is_missing(value):
        return withheld_text(min_count)
    return format_number(int(value))


def withheld_text(min_count: int | None) -> str:
    """What a withheld figure reads: 'fewer than K' where the instance withheld it for being small; at a hub
    group (min_count None) 'withheld', since there it may stand for more than K (its members' cells together,
    or a figure withheld only because subtracting would reveal a small one)."""
    return _("withheld") if min_count is None else _("fewer than {count}").format(count=min_count)


def minor_unit_digits(currency: str) -> int:
    return _MINOR_UNIT_DIGITS.get(currency.upper(), 2)


def to_major(amount_minor: int, currency: str) -> float:
    """Integer minor units -> major units (cents -> euros) for charts."""
    return amount_minor / 10 ** minor_unit_digits(currency)


def format_money(amount_minor: int, currency: str) -> str:
    """12345, 'EUR' -> '123.45 EUR' ('123,45 EUR' in Spanish; exact: a Decimal of the integer amount,
    no float rounding)."""
    digits = minor_unit_digits(currency)
    return f"{format_number(Decimal(int(amount_minor)).scaleb(-digits), digits)} {currency}"


def as_of_day(timestamp: str) -> date | None:
    """The day of the release's data-as-of ('2025-06-30T23:59:59Z' -> date(2025, 6, 30)); None if unknown."""
    try:
        return date.fromisoformat(timestamp[:10])
    except ValueError:
        return None


def format_hours(hours: float) -> str:
    return f"{format_number(hours, 1)} h"


def format_ratio(value: Any, digits: int = 2) -> str:
    return _("n/a") if is_missing(value) else format_number(float(value), digits)


def format_pct(value: Any) -> str:
    return _("n/a") if is_missing(value) else format_percent(float(value) / 100, "#,##0.0%", locale=locale())


def compact_number(value: float) -> str:
    """31210.28 -> '31.2K' ('31,2 mil' in Spanish), 1_250_000 -> '1.25M', 412 -> '412': a headline
    that fits its box (Babel's short compact form); the exact value goes in the tooltip."""
    size = abs(value)
    if size >= 1e3:
        scale = next(limit for limit in (1e9, 1e6, 1e3) if size >= limit)
        digits = 2 if size / scale < 10 else 1 if size / scale < 100 else 0
        return format_compact_decimal(value, format_type="short", fraction_digits=digits, locale=locale())
    return format_number(value, 0 if size >= 100 or value == int(value) else 2)


def compact_money(amount_minor: int, currency: str) -> str:
    """12345678, 'EUR' -> '123k EUR' (the headline; `format_money` gives the exact value)."""
    return f"{compact_number(to_major(int(amount_minor), currency))} {currency}"
