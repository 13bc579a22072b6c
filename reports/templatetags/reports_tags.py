"""Template filters for reports: percentages, suppressed counts, dates from ISO strings."""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter
def pct(value) -> str:
    """82 -> "82%"; None (nobody answered) -> "no answers"."""
    if value is None:
        return "no answers"
    return f"{value}%"


@register.filter
def isodate(value) -> str:
    """An ISO date string as "1 July 2020"."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


@register.filter
def isodatetime(value) -> str:
    """An ISO datetime string as "1 July 2020 at 10:42"."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    from django.utils import timezone

    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M}"


@register.filter
def get(mapping, key):
    """mapping[key] in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def suppressed(value) -> str:
    """A count that may be withheld (None): below 5, or one that would give a small one away."""
    if value is None:
        return "withheld"
    return str(value)
