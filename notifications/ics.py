"""Small iCalendar attachments for emails about a date (a deadline, a closing day)."""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event


def deadline_ics(*, uid: str, day: date, summary: str, description: str = "", url: str = "") -> str:
    """Return an iCalendar file with one all-day event on ``day``.

    ``uid`` names what the date belongs to (for example ``survey-invitation-12-closes``), so
    a later email about the same deadline updates the calendar entry instead of adding one.
    """
    domain = settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SERVICE_NAME}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@{domain}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    return calendar.to_ical().decode()
