"""Data checks: what looks wrong in the records a stocktake used.

Each check is one query for its count and one for a few example references (engagement
references only, never a person's name), so the board never reads a figure the records
cannot support without being told. The board dashboard only needs how many checks found
something: data_check_problems asks every check at once, in one query of EXISTS.
"""

from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from programmes.models import Engagement, PlaceStatus, TeamPlace
from programmes.workflow import DELIVERED_STATES, OPEN_STATES

EXAMPLES = 20


def _check(code: str, title: str, advice: str, queryset: QuerySet, field="reference") -> dict:
    count = queryset.count()
    examples = []
    if count:
        examples = list(
            queryset.order_by(field).values_list(field, flat=True).distinct()[:EXAMPLES]
        )
    return {"code": code, "title": title, "advice": advice, "count": count, "examples": examples}


def data_checks(
    *, delivered: QuerySet, planned: QuerySet, offer_ids, period_from, period_to, survey_check
) -> list[dict]:
    """Return every check, including those that found nothing (count 0)."""
    results = [
        _check(*definition)
        for definition in _definitions(
            delivered=delivered,
            planned=planned,
            offer_ids=offer_ids,
            period_from=period_from,
            period_to=period_to,
        )
    ]
    if survey_check is not None:
        results.append(survey_check)
    return results


def data_check_problems(
    *, delivered: QuerySet, planned: QuerySet, offer_ids, period_from, period_to, extra=()
) -> int:
    """How many checks found something (the checks of data_checks, and the querysets of
    `extra`), in ONE query: each check is an EXISTS, which stops at its first row."""
    querysets = [
        definition[3]
        for definition in _definitions(
            delivered=delivered,
            planned=planned,
            offer_ids=offer_ids,
            period_from=period_from,
            period_to=period_to,
        )
    ]
    return sum(exists_each([*querysets, *extra]))


def exists_each(querysets) -> list[bool]:
    """Whether each queryset has a row: SELECT EXISTS(...), EXISTS(...) in ONE query."""
    if not querysets:
        return []
    using = querysets[0].db
    parts, params = [], []
    for queryset in querysets:
        sql, query_params = queryset.query.exists().get_compiler(using).as_sql()
        parts.append(f"EXISTS({sql})")
        params.extend(query_params)
    with connections[using].cursor() as cursor:
        # The SQL is Django's own compilation of the querysets; values stay parameters.
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [bool(flag) for flag in cursor.fetchone()]


def _definitions(*, delivered: QuerySet, planned: QuerySet, offer_ids, period_from, period_to):
    """(code, title, advice, queryset, example field) of every check on the records."""
    accepted = TeamPlace.objects.filter(engagement=OuterRef("pk"), status=PlaceStatus.ACCEPTED)
    # Open engagements whose days are over, up to the period's end (not days still to come).
    cutoff = min(period_to, timezone.localdate())
    links = Engagement.councils.through.objects
    return [
        (
            "delivered_without_team",
            "Delivered engagements with no accepted team place",
            "Record the team, or check the engagement was really delivered.",
            delivered.filter(~Exists(accepted)),
        ),
        (
            "accepted_places_without_days",
            "Accepted places with no days on delivered engagements",
            "Record the days each peer gave; they count towards the day cap.",
            TeamPlace.objects.filter(
                engagement__in=delivered.values("pk"), status=PlaceStatus.ACCEPTED, days=0
            ),
            "engagement__reference",
        ),
        (
            "invitations_unanswered_on_delivered",
            "Invitations never answered on delivered engagements",
            "Mark each place accepted, declined or withdrawn.",
            TeamPlace.objects.filter(
                engagement__in=delivered.values("pk"), status=PlaceStatus.INVITED
            ),
            "engagement__reference",
        ),
        (
            "delivered_without_council",
            "Delivered engagements naming no council",
            "Add the council or councils supported.",
            delivered.filter(councils__isnull=True),
        ),
        (
            "abolished_councils",
            "Engagements naming a council abolished on or before their dates",
            "Check the council: a successor council may be meant.",
            links.filter(
                Q(engagement__in=delivered.values("pk")) | Q(engagement__in=planned.values("pk")),
                council__abolished_on__isnull=False,
                council__abolished_on__lte=Coalesce(
                    F("engagement__end_date"), F("engagement__start_date")
                ),
            ),
            "engagement__reference",
        ),
        (
            "delivered_without_dates",
            "Engagements marked delivered with no activity days or start date",
            "Add the activity days: without them the engagement is in no period's figures.",
            Engagement.objects.filter(
                status__in=DELIVERED_STATES,
                offer_id__in=offer_ids,
                start_date__isnull=True,
                end_date__isnull=True,
            ),
        ),
        (
            "open_after_their_days",
            "Engagements still open although their last day has passed",
            "Move them on to delivered, postponed or cancelled.",
            Engagement.objects.filter(
                Q(end_date__lt=cutoff) | Q(end_date__isnull=True, start_date__lt=cutoff),
                status__in=OPEN_STATES,
                offer_id__in=offer_ids,
            ),
        ),
    ]
