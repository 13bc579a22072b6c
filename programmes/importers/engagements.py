"""import_engagements: engagements with their councils, dates and themes, keyed by reference."""

from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError

from programmes import services, workflow
from programmes.importers.csvfile import ImportReport, Row, read_rows, rows_import, split_cell
from programmes.importers.peers import council_by_code
from programmes.importers.vocabulary import expertise_from_names
from programmes.models import DayMode, DeliveryMode, Engagement, EngagementStatus, Offer

ENGAGEMENT_COLUMNS = [
    "reference",
    "offer",
    "councils",
    "title",
    "status",
    "start_date",
    "end_date",
    "delivery",
    "themes",
]
# An engagement longer than this is almost certainly a typing error in a date.
MAX_ACTIVITY_DAYS = 31


def _date(value: str, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{column} must be a date like 2026-05-18, not “{value}”.") from None


def activity_days(start: date, end: date, delivery: str) -> list[tuple[date, str]]:
    """Every day from start to end: onsite, remote, or blended (first day onsite, rest remote)."""
    days = []
    day = start
    while day <= end:
        if delivery == DeliveryMode.ONSITE or (delivery == DeliveryMode.BLENDED and day == start):
            mode = DayMode.ONSITE
        else:
            mode = DayMode.REMOTE
        days.append((day, mode))
        day += timedelta(days=1)
    return days


def _engagement_row(row: Row, report: ImportReport) -> str:
    reference = row["reference"]
    if not reference:
        raise ValidationError("Enter the reference.")
    offer = Offer.objects.filter(code=row["offer"].strip().upper()).first()
    if offer is None:
        codes = ", ".join(Offer.objects.values_list("code", flat=True))
        raise ValidationError(f"No offer has the code “{row['offer']}”. The codes are: {codes}.")
    codes = split_cell(row["councils"])
    if not codes:
        raise ValidationError("Enter at least one council's ONS code.")
    councils = [council_by_code(code) for code in codes]
    title = row["title"]
    if not title:
        raise ValidationError("Enter the title.")
    status = row["status"].strip().lower()
    if status not in EngagementStatus.values:
        raise ValidationError(
            f"status must be one of {', '.join(EngagementStatus.values)}, not “{status}”."
        )
    start = _date(row["start_date"], "start_date")
    end = _date(row["end_date"], "end_date") or start
    if end and not start:
        raise ValidationError("Enter the start_date as well as the end_date.")
    if start and end < start:
        raise ValidationError("The end_date must be the same as or after the start_date.")
    if start and (end - start).days >= MAX_ACTIVITY_DAYS:
        raise ValidationError(
            f"The dates span more than {MAX_ACTIVITY_DAYS} days. Check the start and end dates."
        )
    delivery = row["delivery"].strip().lower()
    if delivery and delivery not in DeliveryMode.values:
        raise ValidationError(
            f"delivery must be one of {', '.join(DeliveryMode.values)} or blank, not “{delivery}”."
        )
    if delivery == DeliveryMode.REMOTE and offer.onsite_required:
        raise ValidationError(f"A {offer.code} cannot be delivered fully remotely.")
    if workflow.reached(status, EngagementStatus.SCHEDULED) and not start:
        raise ValidationError(
            f"An engagement that is {EngagementStatus(status).label.lower()} needs its start_date."
        )
    themes = expertise_from_names(split_cell(row["themes"]), report)
    days = activity_days(start, end, delivery or offer.delivery_mode) if start else []

    engagement = Engagement.objects.filter(reference=reference).first()
    if engagement is None:
        engagement = services.engagement_create(
            offer=offer,
            councils=councils,
            title=title,
            reference=reference,
            status=status,
            themes=themes,
            delivery=delivery,
        )
        if days:
            services.engagement_activity_days_set(engagement=engagement, days=days)
        return "created"

    before = _snapshot(engagement)
    services.engagement_update(
        engagement=engagement,
        councils=councils,
        themes=themes,
        offer=offer,
        title=title,
        delivery=delivery,
    )
    if sorted(engagement.activity_days.values_list("date", "mode")) != days:
        services.engagement_activity_days_set(engagement=engagement, days=days)
    services.engagement_status_record(engagement=engagement, to_status=status)
    return "unchanged" if _snapshot(engagement) == before else "updated"


def _snapshot(engagement: Engagement):
    engagement = Engagement.objects.get(pk=engagement.pk)
    return (
        engagement.offer_id,
        engagement.title,
        engagement.status,
        engagement.delivery,
        sorted(engagement.councils.values_list("pk", flat=True)),
        sorted(engagement.themes.values_list("pk", flat=True)),
        sorted(engagement.activity_days.values_list("date", "mode")),
    )


def engagements_import(path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """Create or update engagements from a CSV file, in any workflow state, under the rules.

    The delivery (or, when blank, the offer's default) sets the activity days between the
    dates. A status is set directly (history being migrated), but the rules still apply:
    an offer that needs an onsite day cannot be scheduled or later without one.
    """
    return rows_import(read_rows(path, ENGAGEMENT_COLUMNS), _engagement_row, dry_run=dry_run)
