"""The board dashboard's figures: aggregates only, computed in the database.

Nothing here returns a person: every figure is a count or a share, and equalities figures
are suppressed below 5 (shown as "fewer than 5"), with a second cell suppressed when one
alone would let the reader work it out from the total.
"""

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
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
    TrainingRecord,
)
from programmes.models import (
    HOLDING_STATUSES,
    ActionProgress,
    DayCapException,
    EngagementStatus,
    ImprovementAction,
    PlaceStatus,
    TeamPlace,
)
from programmes.selectors import financial_year_bounds
from reports.stocktake import stocktake_compute
from reports.stocktake.compute import delivered_engagements

SUPPRESS_BELOW = 5
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


def suppress(counts: dict[str, int]) -> dict[str, int | None]:
    """Counts 1–4 become None; if only one cell would be hidden, the next smallest is too."""
    shown = {key: (None if 0 < n < SUPPRESS_BELOW else n) for key, n in counts.items()}
    hidden = [key for key, value in shown.items() if value is None]
    if len(hidden) == 1:
        others = sorted(
            (n, key) for key, n in counts.items() if key not in hidden and n >= SUPPRESS_BELOW
        )
        if others:
            shown[others[0][1]] = None
    return shown


def _equalities_table(answers) -> dict:
    """Per dimension, counts per answer (suppressed) in ONE query of conditional counts."""
    aggregates = {"shared": Count("pk")}
    for field, _label, choices in DIMENSIONS:
        for value, _text in choices.choices:
            aggregates[f"{field}__{value}"] = Count("pk", filter=Q(**{field: value}))
    raw = answers.aggregate(**aggregates)
    shared = raw["shared"]
    table = {"shared": shared if shared >= SUPPRESS_BELOW or shared == 0 else None}
    for field, label, choices in DIMENSIONS:
        counts = {value: raw[f"{field}__{value}"] for value, _ in choices.choices}
        # Too few people shared for any breakdown to be safe: hide every cell.
        shown = dict.fromkeys(counts) if 0 < shared < SUPPRESS_BELOW else suppress(counts)
        table[field] = {
            "label": label,
            "rows": [
                {"value": value, "label": str(text), "count": shown[value]}
                for value, text in choices.choices
            ],
        }
    return table


def _peer_pool(today: date) -> dict:
    active = Peer.objects.filter(status=PeerStatus.ACTIVE)
    kinds = dict(PeerKind.choices)
    groups = dict(PoliticalGroup.choices)
    by_kind = {
        str(kinds.get(row["kind"], row["kind"])): row["n"]
        for row in active.values("kind").annotate(n=Count("pk")).order_by("kind")
    }
    by_group = {
        str(groups.get(row["political_group"], row["political_group"])): row["n"]
        for row in active.filter(kind=PeerKind.MEMBER)
        .values("political_group")
        .annotate(n=Count("pk"))
        .order_by("political_group")
    }
    by_region = {
        row["home_council__region"]: row["n"]
        for row in active.values("home_council__region")
        .annotate(n=Count("pk"))
        .order_by("home_council__region")
    }
    stale_before = today - timedelta(days=round(30.44 * settings.PROFILE_STALE_MONTHS))
    trained_since = today - timedelta(days=round(365.25 * settings.TRAINING_VALID_YEARS))
    recent_training = TrainingRecord.objects.filter(
        peer=OuterRef("pk"), attended_on__gte=trained_since
    )
    counts = active.aggregate(
        total=Count("pk"),
        members=Count("pk", filter=Q(kind=PeerKind.MEMBER)),
        confirmed=Count("pk", filter=Q(profile_confirmed_on__gte=stale_before)),
    )
    training = (
        active.filter(kind=PeerKind.MEMBER)
        .annotate(trained=Exists(recent_training))
        .aggregate(
            compliant=Count("pk", filter=Q(trained=True) | Q(training_waived=True)),
            waived=Count("pk", filter=Q(training_waived=True)),
        )
    )
    return {
        "total": counts["total"],
        "by_kind": by_kind,
        "by_political_group": by_group,
        "by_region": by_region,
        "profile_freshness": {
            "confirmed_within_months": settings.PROFILE_STALE_MONTHS,
            "confirmed": counts["confirmed"],
            "share_pct": share(counts["confirmed"], counts["total"]),
        },
        "training": {
            "valid_years": settings.TRAINING_VALID_YEARS,
            "member_peers": counts["members"],
            "compliant": training["compliant"],
            "waived": training["waived"],
            "share_pct": share(training["compliant"], counts["members"]),
        },
    }


def _day_caps(financial_year: int) -> dict:
    start, end = financial_year_bounds(financial_year)
    base = Decimal(str(settings.PEER_DAY_CAP))
    money = DecimalField(max_digits=6, decimal_places=1)
    used = (
        TeamPlace.objects.filter(
            peer=OuterRef("pk"),
            status__in=HOLDING_STATUSES,
            engagement__start_date__range=(start, end),
        )
        .exclude(engagement__status=EngagementStatus.CANCELLED)
        .values("peer")
        .annotate(total=Sum("days"))
        .values("total")
    )
    extra = DayCapException.objects.filter(
        peer=OuterRef("pk"), financial_year=financial_year
    ).values("extra_days")[:1]
    members = Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE).annotate(
        used=Coalesce(Subquery(used, output_field=money), Value(Decimal("0")), output_field=money),
        cap=Value(base, output_field=money)
        + Coalesce(Subquery(extra, output_field=money), Value(Decimal("0")), output_field=money),
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
    year_ago = today - timedelta(days=365)
    recent_place = TeamPlace.objects.filter(
        peer=OuterRef("pk"),
        status=PlaceStatus.ACCEPTED,
        engagement__start_date__gte=year_ago,
        engagement__start_date__lte=today,
    ).exclude(engagement__status=EngagementStatus.CANCELLED)
    unused = Peer.objects.filter(status=PeerStatus.ACTIVE).filter(~Exists(recent_place)).count()
    places = TeamPlace.objects.filter(
        status=PlaceStatus.ACCEPTED, engagement__in=delivered.values("pk")
    )
    total_places = places.count()
    tenth = math.ceil(pool_size / 10) if pool_size else 0
    busiest = 0
    if tenth and total_places:
        busiest = (
            places.values("peer_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "peer_id")[:tenth]
            .aggregate(total=Sum("n"))["total"]
            or 0
        )
    return {
        "unused_12_months": unused,
        "unused_share_pct": share(unused, pool_size),
        "places": total_places,
        "busiest_tenth_peers": tenth,
        "busiest_tenth_places": busiest,
        "busiest_tenth_share_pct": share(busiest, total_places),
    }


def board_dashboard_compute(*, financial_year: int, today: date | None = None) -> dict:
    """Every figure of the board dashboard for a financial year (to date when current)."""
    today = today or timezone.localdate()
    now = timezone.now()
    start, end = financial_year_bounds(financial_year)
    period_to = min(end, today) if start <= today else end
    stocktake = stocktake_compute(period_from=start, period_to=period_to, planned_until=end)
    delivered = delivered_engagements(
        period_from=start,
        period_to=period_to,
        offer_ids=list(stocktake_offer_ids(stocktake)),
    )
    pool = _peer_pool(today)
    deployed = EqualitiesAnswers.objects.filter(
        peer__in=TeamPlace.objects.filter(
            status=PlaceStatus.ACCEPTED, engagement__in=delivered.values("pk")
        ).values("peer_id")
    )
    return {
        "financial_year": financial_year,
        "label": f"{financial_year}/{(financial_year + 1) % 100:02d}",
        "period": stocktake["period"],
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
        "data_check_problems": sum(1 for check in stocktake["data_checks"] if check["count"]),
        "pool": pool,
        "diversity": {
            "pool": _equalities_table(
                EqualitiesAnswers.objects.filter(peer__status=PeerStatus.ACTIVE)
            ),
            "deployed": _equalities_table(deployed),
        },
        "day_caps": _day_caps(financial_year),
        "response_times": _response_times(start, period_to, now),
        "outcomes": _outcomes(delivered),
        "fairness": _fairness(delivered, today, pool["total"]),
    }


def stocktake_offer_ids(stocktake: dict):
    from programmes.models import Offer

    return Offer.objects.filter(code__in=list(stocktake["offers"])).values_list("pk", flat=True)


def diversity_side_by_side(pool: dict, deployed: dict | None = None) -> list[dict]:
    """The equalities tables as one list per dimension: answer, pool count, deployed count."""
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
            }
        )
    return dimensions
