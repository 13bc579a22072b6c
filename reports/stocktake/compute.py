"""Compute the stocktake's figures in the database (aggregates, never loops over rows).

`stocktake_compute` returns a plain, JSON-ready dict whose keys are a contract with
analysts (see issue 8): add keys freely, never rename them. Every download of a report is
rendered from one such dict.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from councils.models import CouncilType, Region
from programmes.models import Engagement, Offer, PlaceStatus, TeamPlace
from programmes.periods import financial_year_bounds, financial_year_of
from programmes.workflow import DELIVERED_STATES, PLANNED_STATES
from reports.stocktake import checks, surveys
from reports.stocktake.definitions import DEFINITIONS
from reports.version import code_version

SCHEMA_VERSION = 1


def default_planned_until(period_to: date) -> date:
    """The end of the financial year (31 March) containing the period's end."""
    return financial_year_bounds(financial_year_of(period_to))[1]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def offers_resolve(codes) -> list[Offer]:
    """The offers named by `codes` (all offers when none); refuse unknown codes."""
    if not codes:
        return list(Offer.objects.order_by("code"))
    codes = [str(code).strip().upper() for code in codes if str(code).strip()]
    found = list(Offer.objects.filter(code__in=codes).order_by("code"))
    missing = sorted(set(codes) - {offer.code for offer in found})
    if missing:
        raise ValidationError(
            "Select offers that exist. Unknown: %(codes)s", params={"codes": ", ".join(missing)}
        )
    return found


def delivered_q(*, period_from: date, period_to: date, offer_ids, prefix: str = "") -> Q:
    """The condition "delivered in the period" on an engagement (reached through `prefix`):
    a delivered state, and the last activity day (end date, or start date when there are
    no activity days) within the period."""
    return (
        Q(**{f"{prefix}end_date__range": (period_from, period_to)})
        | Q(
            **{
                f"{prefix}end_date__isnull": True,
                f"{prefix}start_date__range": (period_from, period_to),
            }
        )
    ) & Q(**{f"{prefix}status__in": DELIVERED_STATES, f"{prefix}offer_id__in": offer_ids})


def planned_q(*, period_to: date, planned_until: date, offer_ids, prefix: str = "") -> Q:
    """The condition "planned" on an engagement (reached through `prefix`): open (not
    postponed or cancelled) and starting after the period, by the 'planned until' date."""
    return Q(
        **{
            f"{prefix}status__in": PLANNED_STATES,
            f"{prefix}start_date__gt": period_to,
            f"{prefix}start_date__lte": planned_until,
            f"{prefix}offer_id__in": offer_ids,
        }
    )


def delivered_engagements(*, period_from: date, period_to: date, offer_ids) -> QuerySet:
    """Engagements delivered in the period (see delivered_q)."""
    return Engagement.objects.filter(
        delivered_q(period_from=period_from, period_to=period_to, offer_ids=offer_ids)
    )


def planned_engagements(*, period_to: date, planned_until: date, offer_ids) -> QuerySet:
    """Open engagements (not postponed or cancelled) starting after the period, by the date."""
    return Engagement.objects.filter(
        planned_q(period_to=period_to, planned_until=planned_until, offer_ids=offer_ids)
    )


def _validate_period(period_from: date, period_to: date, planned_until: date) -> None:
    errors = {}
    if period_to < period_from:
        errors["period_to"] = "The end of the period must be the same as or after its start"
    if planned_until < period_to:
        errors["planned_until"] = "The 'planned until' date must be on or after the period's end"
    if errors:
        raise ValidationError(errors)


def stocktake_compute(
    *,
    period_from,
    period_to,
    planned_until=None,
    offers=None,
    quote_ids=None,
    good_practice_ids=None,
    recommendations=None,
) -> dict:
    """Return the stocktake for the period as a JSON-ready dict (the contract of issue 8).

    `offers`: offer codes to include (all when empty). `quote_ids`/`good_practice_ids`: the
    quotes (survey response ids) and good-practice examples (engagement ids) a manager picked;
    None includes every one available. The figures are read in one consistent snapshot
    (REPEATABLE READ on PostgreSQL when no transaction is open yet).
    """
    period_from, period_to = _as_date(period_from), _as_date(period_to)
    planned_until = _as_date(planned_until) if planned_until else default_planned_until(period_to)
    _validate_period(period_from, period_to, planned_until)
    chosen = offers_resolve(offers)

    if connection.in_atomic_block:
        return _compute(
            period_from,
            period_to,
            planned_until,
            chosen,
            bool(offers),
            quote_ids,
            good_practice_ids,
            recommendations,
        )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _compute(
            period_from,
            period_to,
            planned_until,
            chosen,
            bool(offers),
            quote_ids,
            good_practice_ids,
            recommendations,
        )


def _compute(
    period_from,
    period_to,
    planned_until,
    chosen,
    offers_chosen,
    quote_ids,
    good_practice_ids,
    recommendations,
) -> dict:
    data_as_of = timezone.now()
    offer_ids = [offer.pk for offer in chosen]
    delivered = delivered_engagements(
        period_from=period_from, period_to=period_to, offer_ids=offer_ids
    )
    planned = planned_engagements(
        period_to=period_to, planned_until=planned_until, offer_ids=offer_ids
    )
    figures = stocktake_figures(
        period_from=period_from, period_to=period_to, planned_until=planned_until, chosen=chosen
    )
    offers, totals, regions = figures["offers"], figures["totals"], figures["regions"]
    themes, theme_names = figures["themes"], figures["theme_names"]

    type_labels = dict(CouncilType.choices)
    council_types = {
        str(type_labels.get(row["council__council_type"], row["council__council_type"])): row["c"]
        for row in Engagement.councils.through.objects.filter(engagement__in=delivered.values("pk"))
        .values("council__council_type")
        .annotate(c=Count("council_id", distinct=True))
        .order_by("council__council_type")
    }

    survey = surveys.survey_section(engagements=delivered, quote_ids=quote_ids)

    return {
        "schema_version": SCHEMA_VERSION,
        "title": _title(chosen, offers_chosen),
        "period": {
            "from": period_from.isoformat(),
            "to": period_to.isoformat(),
            "planned_until": planned_until.isoformat(),
        },
        "offers_chosen": [offer.code for offer in chosen] if offers_chosen else [],
        "offers": offers,
        "totals": totals,
        "regions": regions,
        "council_types": council_types,
        "council_survey": survey["council_survey"],
        "peer_survey": survey["peer_survey"],
        "survey_counts": survey["counts"],
        "themes": themes,
        "theme_names": theme_names,
        "quotes": survey["quotes"],
        "good_practice": _good_practice(delivered, good_practice_ids),
        "recommendations": [text for text in (recommendations or []) if str(text).strip()],
        "data_checks": checks.data_checks(
            delivered=delivered,
            planned=planned,
            offer_ids=offer_ids,
            period_from=period_from,
            period_to=period_to,
            survey_check=survey.get("check"),
        ),
        "definitions": [{"term": term, "meaning": meaning} for term, meaning in DEFINITIONS],
        "meta": {
            "data_as_of": data_as_of.isoformat(),
            "code_version": code_version(),
            "database": connection.vendor,
        },
    }


def stocktake_figures(*, period_from: date, period_to: date, planned_until: date, chosen) -> dict:
    """Offers, totals, regions and themes of the period (the stocktake's counts, and the
    board dashboard's), in 6 queries whatever the data: delivered and planned are counted
    side by side with filtered aggregates rather than in a query each."""
    offer_ids = [offer.pk for offer in chosen]
    delivered_ids = delivered_engagements(
        period_from=period_from, period_to=period_to, offer_ids=offer_ids
    ).values("pk")

    def delivered(prefix=""):
        return delivered_q(
            period_from=period_from, period_to=period_to, offer_ids=offer_ids, prefix=prefix
        )

    def planned(prefix=""):
        return planned_q(
            period_to=period_to, planned_until=planned_until, offer_ids=offer_ids, prefix=prefix
        )

    links = Engagement.councils.through.objects
    accepted = TeamPlace.objects.filter(status=PlaceStatus.ACCEPTED, engagement__in=delivered_ids)
    counts = {
        "delivered": Count("pk", distinct=True, filter=delivered()),
        "councils_supported": Count("councils", distinct=True, filter=delivered()),
        "planned": Count("pk", distinct=True, filter=planned()),
        "planned_councils": Count("councils", distinct=True, filter=planned()),
    }
    either = Engagement.objects.filter(delivered() | planned())

    offers = {
        offer.code: {
            "name": offer.name,
            "delivered": 0,
            "councils_supported": 0,
            "planned": 0,
            "planned_councils": 0,
        }
        for offer in chosen
    }
    for row in either.values("offer__code").annotate(**counts).order_by():
        offers[row["offer__code"]].update({key: row[key] for key in counts})

    engagement_totals = either.aggregate(**counts)
    more_than_one_offer = (
        links.filter(engagement__in=delivered_ids)
        .values("council_id")
        .annotate(offers_n=Count("engagement__offer_id", distinct=True))
        .filter(offers_n__gte=2)
        .count()
    )
    supported_council_ids = links.filter(engagement__in=delivered_ids).values("council_id")
    peer_totals = accepted.aggregate(
        peers=Count("peer_id", distinct=True),
        homes=Count("peer__home_council_id", distinct=True),
        homes_supported=Count(
            "peer__home_council_id",
            distinct=True,
            filter=Q(peer__home_council_id__in=supported_council_ids),
        ),
    )
    # Councils involved: supported, or home to a peer who took part (each counted once).
    councils_involved = (
        engagement_totals["councils_supported"]
        + peer_totals["homes"]
        - peer_totals["homes_supported"]
    )

    totals = {
        **engagement_totals,
        "councils_with_more_than_one_offer": more_than_one_offer,
        "councils_involved": councils_involved,
        "peers": peer_totals["peers"],
        "peer_home_councils": peer_totals["homes"],
    }

    regions = {
        region.value: {"delivered": 0, "councils_supported": 0, "planned": 0} for region in Region
    }
    for row in (
        links.filter(delivered("engagement__") | planned("engagement__"))
        .values("council__region")
        .annotate(
            delivered=Count("engagement_id", distinct=True, filter=delivered("engagement__")),
            councils_supported=Count("council_id", distinct=True, filter=delivered("engagement__")),
            planned=Count("engagement_id", distinct=True, filter=planned("engagement__")),
        )
        .order_by()
    ):
        regions[row.pop("council__region")] = row

    themes, theme_names = {}, {}
    for row in (
        Engagement.themes.through.objects.filter(engagement__in=delivered_ids)
        .values("expertise__slug", "expertise__name")
        .annotate(n=Count("engagement_id", distinct=True))
        .order_by("-n", "expertise__name")
    ):
        themes[row["expertise__slug"]] = row["n"]
        theme_names[row["expertise__slug"]] = row["expertise__name"]

    return {
        "offers": offers,
        "totals": totals,
        "regions": regions,
        "themes": themes,
        "theme_names": theme_names,
    }


def _title(chosen, offers_chosen) -> str:
    if offers_chosen and len(chosen) <= 3:
        return "Stocktake: " + ", ".join(offer.name for offer in chosen)
    return "Stocktake of the peer support programme"


def good_practice_candidates(*, delivered: QuerySet) -> QuerySet:
    """Delivered engagements with good practice recorded, councils prefetched."""
    return (
        delivered.exclude(good_practice="")
        .select_related("offer")
        .prefetch_related("councils")
        .order_by("end_date", "reference")
    )


def _good_practice(delivered: QuerySet, good_practice_ids) -> list[dict]:
    candidates = good_practice_candidates(delivered=delivered)
    if good_practice_ids is not None:
        candidates = candidates.filter(pk__in=list(good_practice_ids))
    return [
        {
            "engagement": engagement.reference,
            "offer": engagement.offer.code,
            "councils": sorted(council.name for council in engagement.councils.all()),
            "text": engagement.good_practice.strip(),
        }
        for engagement in candidates
    ]
