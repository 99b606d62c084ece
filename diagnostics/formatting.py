"""French number formats for everything a reader sees: ``1 911 €``, ``9,7 %``, ``[119 – 137]``."""

from __future__ import annotations

import math

NBSP = "\u00a0"  # before units and inside intervals
THIN = "\u202f"  # thousands separator (espace fine insécable)
MISSING = "–"


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fr_number(value, decimals: int = 0) -> str:
    """``1234567.891, 1`` → ``1 234 567,9`` (French separators)."""
    if is_missing(value):
        return MISSING
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", THIN).replace(".", ",")


UNIT_SUFFIX = {
    "%": f"{NBSP}%",
    "€ par habitant": f"{NBSP}€",
    "pour 100 000": "",
    "places pour 1 000": f"{NBSP}‰",
    "indice (France = 100)": "",
    "habitants": "",
    "€ par unité de consommation": f"{NBSP}€",  # social context (issue 19)
}


def fr_value(value, unit: str = "", decimals: int = 0) -> str:
    """A value with its short unit: ``9,7 %``, ``1 911 €``, ``101,6 ‰``."""
    if is_missing(value):
        return MISSING
    return fr_number(value, decimals) + UNIT_SUFFIX.get(unit, "")


def fr_interval(low, high, decimals: int = 0) -> str:
    """``[119 – 137]``; empty when there is no interval."""
    if is_missing(low) or is_missing(high):
        return ""
    return f"[{fr_number(low, decimals)}{NBSP}–{NBSP}{fr_number(high, decimals)}]"


def parse_fr_number(text: str) -> float:
    """Inverse of :func:`fr_number` (for tests and for reading back published figures)."""
    cleaned = text.replace(THIN, "").replace(NBSP, "").replace(" ", "").replace(",", ".")
    return float(cleaned)


def sentence_case(text: str) -> str:
    """First letter in capital, the rest as written: « EPCI » stays « EPCI » (``str.capitalize`` lowers it)."""
    return text[:1].upper() + text[1:]


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet runs as a formula (OWASP CSV injection)


def spreadsheet_safe(value):
    """A CSV cell that a spreadsheet shows as text: a string starting with ``= + - @`` (or a tab, a carriage
    return) gets a leading ``'``. Numbers — and text that reads as a number, such as ``-3,5`` — are unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if value[0] in "+-" and value[1:].replace(",", "", 1).replace(".", "", 1).replace(THIN, "").isdigit():
        return value
    return "'" + value
