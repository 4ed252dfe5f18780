"""Expiry rules: a badge class's default lifetime ("2 years") and its arithmetic."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

UNITS = ("days", "weeks", "months", "years")


def check_rule(rule: object) -> str | None:
    """Why an `expires_after` value is not a valid rule, or None when it is."""
    if not isinstance(rule, dict) or set(rule) != {"amount", "unit"}:
        return 'must be an object like {"amount": 2, "unit": "years"}'
    amount, unit = rule["amount"], rule["unit"]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 1200:
        return "amount must be a whole number from 1 to 1200"
    if unit not in UNITS:
        return f"unit must be one of {', '.join(UNITS)}"
    return None


def add(start: datetime, rule: dict) -> datetime:
    """start + amount units; months and years keep the day of month, clamped to the month's end."""
    amount, unit = rule["amount"], rule["unit"]
    if unit in ("days", "weeks"):
        return start + timedelta(**{unit: amount})
    months = amount * (12 if unit == "years" else 1)
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)
