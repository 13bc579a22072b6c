"""The national rough-sleeping report: Delivery and Impact Panels and their write-ups."""

from datetime import date

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from councils.models import Region
from programmes.models import Engagement, Offer
from reports.models import DIPWriteUp
from reports.stocktake import checks
from reports.stocktake.compute import _as_date, delivered_engagements
from reports.version import code_version

DIP_CODE = "DIP"
SECTIONS = ("strengths", "good_practice", "emerging_issues", "gaps")
DEFINITIONS = [
    (
        "Panels",
        "Delivery and Impact Panels (offer DIP) delivered in the period: a delivered state and "
        "the last activity day within the period. One panel serves a group of councils.",
    ),
    ("Councils", "Distinct councils named on those panels."),
    (
        "Write-ups",
        "The programme manager's summary of each panel: strengths, good practice, emerging "
        "issues and gaps. Panels without a write-up are listed in the data checks.",
    ),
    ("Regions", "A panel counts under every region of its councils."),
]


def rough_sleeping_compute(*, period_from, period_to) -> dict:
    """Return the national rough-sleeping report for the period as a JSON-ready dict."""
    period_from, period_to = _as_date(period_from), _as_date(period_to)
    if connection.in_atomic_block:
        return _compute(period_from, period_to)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _compute(period_from, period_to)


def _compute(period_from: date, period_to: date) -> dict:
    data_as_of = timezone.now()
    offer_ids = list(Offer.objects.filter(code=DIP_CODE).values_list("pk", flat=True))
    panels = delivered_engagements(
        period_from=period_from, period_to=period_to, offer_ids=offer_ids
    )
    panel_ids = panels.values("pk")
    links = Engagement.councils.through.objects.filter(engagement__in=panel_ids)
    totals = {
        "panels": panels.count(),
        "councils": links.values("council_id").distinct().count(),
    }
    write_ups = DIPWriteUp.objects.filter(engagement__in=panel_ids)
    totals["write_ups"] = write_ups.count()
    totals["panels_without_write_up"] = totals["panels"] - totals["write_ups"]

    regions = {region.value: {"panels": 0, "councils": 0} for region in Region}
    for row in links.values("council__region").annotate(
        n=Count("engagement_id", distinct=True), c=Count("council_id", distinct=True)
    ):
        regions[row["council__region"]] = {"panels": row["n"], "councils": row["c"]}

    listed = (
        panels.select_related("dip_write_up")
        .prefetch_related("councils")
        .order_by("end_date", "start_date", "reference")
    )
    panel_rows, sections = [], {key: [] for key in SECTIONS}
    for panel in listed:
        councils = sorted(council.name for council in panel.councils.all())
        write_up = getattr(panel, "dip_write_up", None)
        panel_rows.append(
            {
                "engagement": panel.reference,
                "date": (panel.end_date or panel.start_date).isoformat(),
                "councils": councils,
                "has_write_up": write_up is not None,
            }
        )
        if write_up is None:
            continue
        for key in SECTIONS:
            text = getattr(write_up, key).strip()
            if text:
                sections[key].append(
                    {"engagement": panel.reference, "councils": councils, "text": text}
                )

    no_write_up = checks._check(
        "panels_without_write_up",
        "Delivered panels with no write-up",
        "Record the write-up in the admin (DIP write-ups).",
        panels.filter(dip_write_up__isnull=True),
    )
    all_checks = checks.data_checks(
        delivered=panels,
        planned=Engagement.objects.none(),
        offer_ids=offer_ids,
        period_from=period_from,
        period_to=period_to,
        survey_check=None,
    )
    return {
        "schema_version": 1,
        "kind": "rough_sleeping",
        "title": "National rough-sleeping report: Delivery and Impact Panels",
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        "totals": totals,
        "regions": regions,
        "panels": panel_rows,
        **sections,
        "data_checks": [no_write_up, *all_checks],
        "definitions": [{"term": term, "meaning": meaning} for term, meaning in DEFINITIONS],
        "meta": {
            "data_as_of": data_as_of.isoformat(),
            "code_version": code_version(),
            "database": connection.vendor,
        },
    }
