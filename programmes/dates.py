"""Response-time arithmetic: calendar days by default, or England and Wales working days."""

from datetime import date, timedelta
from functools import cache

import holidays
from django.conf import settings


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_response_days(start: date, days: int) -> date:
    """The date `days` after `start`, counting working days when the setting asks for them."""
    if not settings.INVITATION_WORKING_DAYS:
        return start + timedelta(days=days)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
