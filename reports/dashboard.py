"""The board dashboard's figures: aggregates only, computed in the database.

Nothing here returns a person: every figure is a count or a share, and equalities figures
and member peers by political group go through peersupport.suppression (counts below 5
withheld, and as many others as it takes for no withheld count to be worked out from the
total shown beside them).

Built in a fixed number of set-based queries whatever the data (no query or subquery per
peer or per engagement), in one consistent snapshot: the page's only cost when its cache
is cold (see reports.selectors.board_dashboard_get).
"""

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone

from peers.models import (
    AgeBand,
    Disability,
    EqualitiesAnswers,
    EthnicGroup,
    Peer,
    PeerKind,
    PeerStatus,
    PoliticalGroup,
    Sex,
    SexualOrientation,
)
from peersupport.suppression import suppress_with_total
from programmes import periods
from programmes.models import (
    ActionProgress,
    DayCapException,
    EngagementStatus,
    ImprovementAction,
    PlaceStatus,
    TeamPlace,
)
from programmes.selectors import peers_with_days_against_cap
from reports.stocktake import checks
from reports.stocktake.compute import (
    delivered_engagements,
    offers_resolve,
    planned_engagements,
    stocktake_figures,
)
from reports.stocktake.surveys import never_answered_invitations, survey_headlines

DIMENSIONS = [
    ("sex", "Sex", Sex),
    ("ethnic_group", "Ethnic group", EthnicGroup),
    ("disability", "Disability", Disability),
    ("age_band", "Age", AgeBand),
    ("sexual_orientation", "Sexual orientation", SexualOrientation),
]
DAY_BANDS = [
    ("none", "No days", Q(used=0)),
    ("to_10", "Up to 10 days", Q(used__gt=0, used__lte=10)),
    ("to_20", "10.5 to 20 days", Q(used__gt=10, used__lte=20)),
    ("to_30", "20.5 to 30 days", Q(used__gt=20, used__lte=30)),
    ("to_40", "30.5 to 40 days", Q(used__gt=30, used__lte=40)),
    ("over_40", "Over 40 days", Q(used__gt=40)),
]


def share(part: int, whole: int) -> int | None:
    """A whole-number percentage, rounded half up; None when there is nothing to divide."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("1"), "ROUND_HALF_UP"))


def _equalities_table(answers) -> dict:
    """Per dimension, counts per answer (suppressed) in ONE query of conditional counts."""
    return _table(answers.aggregate(**_equalities_counts()))


def _equalities_tables(answers, **scopes: Q) -> dict[str, dict]:
    """One equalities table per named scope (a condition on `answers`), all in ONE query.

    Each scope becomes a true/false column the counts are grouped by (at most 2**scopes
    rows), so each condition is evaluated once per answer, not once per counted cell.
    """
    flags = {
        f"in_{name}": ExpressionWrapper(scope, output_field=BooleanField())
        for name, scope in scopes.items()
    }
    # No WHERE on the scopes: it would evaluate each condition a second time, and answers
    # in no scope only make a group that no table reads.
    rows = list(
        answers.annotate(**flags).values(*flags).annotate(**_equalities_counts()).order_by()
    )
    tables = {}
    for name in scopes:
        counts = dict.fromkeys(_equalities_counts(), 0)
        for row in rows:
            if row[f"in_{name}"]:
                for key in counts:
                    counts[key] += row[key]
        tables[name] = _table(counts)
    return tables


def _equalities_counts() -> dict:
    aggregates = {"shared": Count("pk")}
    for field, _label, choices in DIMENSIONS:
        for value, _text in choices.choices:
            aggregates[f"{field}__{value}"] = Count("pk", filter=Q(**{field: value}))
    return aggregates


def _table(raw: dict) -> dict:
    """Each dimension's counts withheld as one table with the total who shared.

    Every dimension adds up to the same total (each answer has a value, "prefer not to say"
    included), so the total is withheld, with every cell, when fewer than 5 shared.
    """
    shared = raw["shared"]
    table = {"shared": shared}
    for field, label, choices in DIMENSIONS:
        counts = {value: raw[f"{field}__{value}"] for value, _ in choices.choices}
        shown, total = suppress_with_total(counts, total=shared)
        table["shared"] = table["shared"] if total is not None else None
        table[field] = {
            "label": label,
            "rows": [
                {"value": value, "label": str(text), "count": shown[value]}
                for value, text in choices.choices
            ],
        }
    return table


def _peer_pool(today: date) -> dict:
    """The active pool's composition, in 2 queries."""
    active = Peer.objects.filter(status=PeerStatus.ACTIVE)
    kinds = dict(PeerKind.choices)
    groups = dict(PoliticalGroup.choices)
    by_kind, by_group = {}, {}
    counts = dict.fromkeys(("total", "members", "confirmed", "compliant", "waived"), 0)
    for row in (
        active.values("kind", "political_group")
        .annotate(
            n=Count("pk"),
            confirmed=Count("pk", filter=~periods.profile_stale_q(today=today)),
            compliant=Count("pk", filter=periods.training_met_q(on=today)),
            waived=Count("pk", filter=Q(training_waived=True)),
        )
        .order_by("kind", "political_group")
    ):
        kind = str(kinds.get(row["kind"], row["kind"]))
        by_kind[kind] = by_kind.get(kind, 0) + row["n"]
        counts["total"] += row["n"]
        counts["confirmed"] += row["confirmed"]
        if row["kind"] == PeerKind.MEMBER:
            group = str(groups.get(row["political_group"], row["political_group"]))
            by_group[group] = by_group.get(group, 0) + row["n"]
            counts["members"] += row["n"]
            counts["compliant"] += row["compliant"]
            counts["waived"] += row["waived"]
    by_region = {
        row["home_council__region"]: row["n"]
        for row in active.values("home_council__region")
        .annotate(n=Count("pk"))
        .order_by("home_council__region")
    }
    # A councillor's party is public, but a group of one or two in the pool is still a
    # small count about people: withheld like the equalities tables, against the total.
    by_group, members_shown = suppress_with_total(by_group, total=counts["members"])
    return {
        "total": counts["total"],
        "by_kind": by_kind,
        "by_political_group": by_group,
        "political_group_total": members_shown,
        "by_region": by_region,
        "profile_freshness": {
            "confirmed_within_months": settings.PROFILE_STALE_MONTHS,
            "confirmed": counts["confirmed"],
            "share_pct": share(counts["confirmed"], counts["total"]),
        },
        "training": {
            "valid_years": settings.TRAINING_VALID_YEARS,
            "member_peers": counts["members"],
            "compliant": counts["compliant"],
            "waived": counts["waived"],
            "share_pct": share(counts["compliant"], counts["members"]),
        },
    }


def _day_caps(financial_year: int) -> dict:
    base = Decimal(str(settings.PEER_DAY_CAP))
    members = peers_with_days_against_cap(
        Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE).order_by(),
        financial_year=financial_year,
    )
    aggregates = {
        "member_peers": Count("pk"),
        "over_cap": Count("pk", filter=Q(used__gt=F("cap"))),
        "at_cap": Count("pk", filter=Q(used=F("cap"))),
        "within_5_days": Count("pk", filter=Q(used__lt=F("cap"), used__gte=F("cap") - 5)),
        "days_total": Sum("used"),
    }
    aggregates.update({key: Count("pk", filter=condition) for key, _, condition in DAY_BANDS})
    figures = members.aggregate(**aggregates)
    exceptions = DayCapException.objects.filter(financial_year=financial_year).count()
    return {
        "financial_year": financial_year,
        "cap": float(base),
        "member_peers": figures["member_peers"],
        "over_cap": figures["over_cap"],
        "at_cap": figures["at_cap"],
        "within_5_days": figures["within_5_days"],
        "exceptions_approved": exceptions,
        "days_total": float(figures["days_total"] or 0),
        "bands": [
            {"key": key, "label": label, "peers": figures[key]} for key, label, _ in DAY_BANDS
        ],
    }


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _response_times(period_from: date, period_to: date, now: datetime) -> dict:
    days = settings.INVITATION_RESPONSE_DAYS
    window = timedelta(days=days)
    invited = TeamPlace.objects.filter(
        invited_at__gte=_aware(period_from), invited_at__lt=_aware(period_to + timedelta(days=1))
    )
    figures = invited.aggregate(
        invitations=Count("pk"),
        answered_in_time=Count(
            "pk",
            filter=Q(responded_at__isnull=False, responded_at__lte=F("invited_at") + window),
        ),
        answered_late=Count(
            "pk",
            filter=Q(responded_at__isnull=False, responded_at__gt=F("invited_at") + window),
        ),
        waiting_in_time=Count(
            "pk", filter=Q(responded_at__isnull=True, invited_at__gt=now - window)
        ),
    )
    due = figures["invitations"] - figures["waiting_in_time"]
    return {
        "response_days": days,
        "invitations": figures["invitations"],
        "due": due,
        "answered_in_time": figures["answered_in_time"],
        "answered_late": figures["answered_late"],
        "not_answered": due - figures["answered_in_time"] - figures["answered_late"],
        "share_in_time_pct": share(figures["answered_in_time"], due),
    }


def _outcomes(delivered) -> dict:
    actions = ImprovementAction.objects.filter(engagement__in=delivered.values("pk"))
    aggregates = {"actions": Count("pk"), "engagements": Count("engagement", distinct=True)}
    aggregates.update(
        {value: Count("pk", filter=Q(progress=value)) for value, _ in ActionProgress.choices}
    )
    figures = actions.aggregate(**aggregates)
    labels = dict(ActionProgress.choices)
    return {
        "actions": figures["actions"],
        "engagements": figures["engagements"],
        "progress": [
            {
                "value": value,
                "label": str(labels[value]),
                "count": figures[value],
                "share_pct": share(figures[value], figures["actions"]),
            }
            for value, _ in ActionProgress.choices
        ],
    }


def _fairness(delivered, today: date, pool_size: int) -> dict:
    year_ago = periods.months_before(today, 12)
    recent_place = TeamPlace.objects.filter(
        peer=OuterRef("pk"),
        status=PlaceStatus.ACCEPTED,
        engagement__start_date__gte=year_ago,
        engagement__start_date__lte=today,
    ).exclude(engagement__status=EngagementStatus.CANCELLED)
    unused = Peer.objects.filter(status=PeerStatus.ACTIVE).filter(~Exists(recent_place)).count()
    tenth = math.ceil(pool_size / 10) if pool_size else 0
    # Places per peer ranked busiest first (ties by peer id): the total and the top tenth's
    # share in ONE query, without bringing a row per peer back.
    per_peer = (
        TeamPlace.objects.filter(status=PlaceStatus.ACCEPTED, engagement__in=delivered.values("pk"))
        .values("peer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sql, params = per_peer.query.sql_with_params()
    with connections[per_peer.db].cursor() as cursor:
        # The inner SQL is Django's compilation of the queryset; values stay parameters.
        cursor.execute(
            "SELECT SUM(n), SUM(CASE WHEN place_rank <= %s THEN n ELSE 0 END) FROM ("  # noqa: S608
            "SELECT n, ROW_NUMBER() OVER (ORDER BY n DESC, peer_id) AS place_rank"
            f" FROM ({sql}) per_peer) ranked",
            (tenth, *params),
        )
        places_sum, busiest_sum = cursor.fetchone()
    # SUM of counts is a numeric on PostgreSQL: back to whole numbers.
    total_places, busiest = int(places_sum or 0), int(busiest_sum or 0)
    return {
        "unused_12_months": unused,
        "unused_share_pct": share(unused, pool_size),
        "places": total_places,
        "busiest_tenth_peers": tenth,
        "busiest_tenth_places": busiest,
        "busiest_tenth_share_pct": share(busiest, total_places),
    }


def board_dashboard_compute(*, financial_year: int, today: date | None = None) -> dict:
    """Every figure of the board dashboard for a financial year (to date when current).

    Read in one consistent snapshot (REPEATABLE READ on PostgreSQL when no transaction is
    open yet), like the stocktake whose counts it shares.
    """
    if connection.in_atomic_block:
        return _compute(financial_year, today or timezone.localdate())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _compute(financial_year, today or timezone.localdate())


def _compute(financial_year: int, today: date) -> dict:
    now = timezone.now()
    start, end = periods.financial_year_bounds(financial_year)
    period_to = min(end, today) if start <= today else end
    offers = offers_resolve(None)
    offer_ids = [offer.pk for offer in offers]
    delivered = delivered_engagements(period_from=start, period_to=period_to, offer_ids=offer_ids)
    planned = planned_engagements(period_to=period_to, planned_until=end, offer_ids=offer_ids)
    stocktake = {
        **stocktake_figures(
            period_from=start, period_to=period_to, planned_until=end, chosen=offers
        ),
        **survey_headlines(engagements=delivered),
    }
    never_answered = never_answered_invitations(delivered)
    problems = checks.data_check_problems(
        delivered=delivered,
        planned=planned,
        offer_ids=offer_ids,
        period_from=start,
        period_to=period_to,
        extra=[never_answered] if never_answered is not None else [],
    )
    pool = _peer_pool(today)
    deployed_peers = TeamPlace.objects.filter(
        status=PlaceStatus.ACCEPTED, engagement__in=delivered.values("pk")
    ).values("peer_id")
    diversity = _equalities_tables(
        EqualitiesAnswers.objects.all(),
        pool=Q(peer__status=PeerStatus.ACTIVE),
        deployed=Q(peer__in=deployed_peers),
    )
    return {
        "financial_year": financial_year,
        "label": periods.financial_year_label(financial_year),
        "period": {
            "from": start.isoformat(),
            "to": period_to.isoformat(),
            "planned_until": end.isoformat(),
        },
        "figures_as_of": now.isoformat(),
        "stocktake": {
            key: stocktake[key]
            for key in (
                "offers",
                "totals",
                "regions",
                "council_survey",
                "peer_survey",
                "themes",
                "theme_names",
            )
        },
        "data_check_problems": problems,
        "pool": pool,
        "diversity": diversity,
        "day_caps": _day_caps(financial_year),
        "response_times": _response_times(start, period_to, now),
        "outcomes": _outcomes(delivered),
        "fairness": _fairness(delivered, today, pool["total"]),
    }


def diversity_side_by_side(pool: dict, deployed: dict | None = None) -> list[dict]:
    """The equalities tables as one list per dimension: answer, pool count, deployed count,
    and the totals who shared (the rows add up to them)."""
    dimensions = []
    for field, label, _choices in DIMENSIONS:
        deployed_counts = (
            {row["value"]: row["count"] for row in deployed[field]["rows"]} if deployed else {}
        )
        dimensions.append(
            {
                "label": label,
                "rows": [
                    {
                        "label": row["label"],
                        "pool": row["count"],
                        "deployed": deployed_counts.get(row["value"]),
                    }
                    for row in pool[field]["rows"]
                ],
                "total": {
                    "pool": pool["shared"],
                    "deployed": deployed["shared"] if deployed else None,
                },
            }
        )
    return dimensions
