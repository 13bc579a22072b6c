"""iCalendar files for a peer's engagements: one per engagement, and the personal feed.

Each activity day is an all-day event whose UID matches the one in the emailed
"upcoming engagement" attachment (notifications.planners.engagement_ics), so a calendar
that has both shows one event, updated, rather than two.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from programmes.models import DayMode, TeamPlace


def _domain() -> str:
    return settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"


def places_calendar(*, places: Iterable[TeamPlace], name: str) -> bytes:
    """Return an iCalendar file with one all-day event per activity day of each place.

    Expects places with ``engagement__councils`` and ``engagement__activity_days``
    prefetched (see peers.selectors).
    """
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SERVICE_NAME}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    domain = _domain()
    for place in places:
        engagement = place.engagement
        councils = ", ".join(council.name for council in engagement.councils.all())
        for day in engagement.activity_days.all():
            event = Event()
            event.add("uid", f"engagement-{engagement.pk}-{day.date:%Y%m%d}@{domain}")
            event.add("dtstamp", stamp)
            event.add("dtstart", day.date)
            event.add("dtend", day.date + timedelta(days=1))
            event.add("summary", f"{engagement.title} ({day.get_mode_display().lower()})")
            description = [
                f"{engagement.reference}: {engagement.offer.name}",
                f"Your role: {place.get_role_display()}",
            ]
            if day.mode == DayMode.REMOTE:
                event.add("location", "Remote")
                if engagement.remote_joining_details:
                    description.append(engagement.remote_joining_details)
            elif councils:
                event.add("location", councils)
            event.add("description", "\n".join(description))
            event.add("transp", "OPAQUE")
            calendar.add_component(event)
    return calendar.to_ical()
