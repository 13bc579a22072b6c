"""The board dashboard's set-based figures against a naive count of the same records.

The dashboard is built in a fixed number of grouped queries (no query or subquery per
peer); these tests build varied records with the factories, count them the slow, obvious
way in Python (the cap rule through programmes.selectors.peer_days_used and peer_day_cap,
the stocktake through stocktake_compute) and expect the same figures, then check that the
number of queries stays the same when the records triple.
"""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peers.models import (
    EqualitiesAnswers,
    Peer,
    PeerKind,
    PeerStatus,
    PoliticalGroup,
    TrainingRecord,
)
from peersupport.suppression import suppress_with_total
from programmes.models import (
    DayCapException,
    EngagementStatus,
    ImprovementAction,
    Offer,
    PlaceStatus,
    TeamPlace,
)
from programmes.periods import profile_is_stale, training_is_valid
from programmes.selectors import (
    financial_year_bounds,
    financial_year_of,
    peer_day_cap,
    peer_days_used,
    peers_with_days_against_cap,
)
from reports.dashboard import DAY_BANDS, DIMENSIONS, board_dashboard_compute
from reports.stocktake import stocktake_compute
from reports.stocktake.compute import delivered_engagements
from tests.factories import BoardMemberFactory, CouncilFactory, DirectorFactory
from tests.factories_records import OfficerPeerFactory, PeerFactory
from tests.factories_reports import engagement_with_days, place
from tests.factories_surveys import InvitationFactory, respond

pytestmark = pytest.mark.django_db

# The dashboard's queries, whatever the data: a bound so that a new per-row query shows.
MOST_QUERIES = 30


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _answers(peer, **values):
    return EqualitiesAnswers.objects.create(peer=peer, consent_given_at=timezone.now(), **values)


def build_dashboard_records(count: int, *, today: date) -> None:
    """`count` rounds of records touching every figure: each round has members under, at,
    near and over their cap (one with an exception), days on cancelled engagements and in
    the year before, officers and paused peers, equalities answers, training, actions,
    survey responses and an unanswered survey."""
    year = financial_year_of(today)
    start, _end = financial_year_bounds(year)
    approver = DirectorFactory()
    for n in range(count):
        code = ("RRP", "BRPS", "CPC")[n % 3]
        home = CouncilFactory()
        delivered = engagement_with_days(code, "delivered", [home, CouncilFactory()], [start])
        second = engagement_with_days("MENTOR", "closed", [CouncilFactory()], [start])
        cancelled = engagement_with_days("BRPS", EngagementStatus.CANCELLED, [home], [start])
        before = engagement_with_days("RRP", "delivered", [home], [start - timedelta(days=40)])
        engagement_with_days("CPC", "scheduled", [home], start_date=today + timedelta(days=5))
        engagement_with_days("BRPS", "delivered", [CouncilFactory()])  # no dates: a check
        engagement_with_days("RRP", "delivered", [home], [start]).councils.clear()  # no council

        busy = PeerFactory(home_council=home, political_group=PoliticalGroup.GREEN)
        at_cap = PeerFactory()
        over = PeerFactory(political_group=PoliticalGroup.CONSERVATIVE)
        with_exception = PeerFactory()
        near = PeerFactory(profile_confirmed_on=None)
        on_cancelled = PeerFactory(training_waived=True)
        last_year = PeerFactory()
        idle = PeerFactory(profile_confirmed_on=today - timedelta(days=800))
        officer = OfficerPeerFactory(home_council=home)
        paused = PeerFactory(status=PeerStatus.PAUSED)

        place(delivered, busy, days="12.5")
        place(second, busy, days="3")
        place(delivered, at_cap, days=str(settings.PEER_DAY_CAP))
        place(delivered, over, days="41")
        place(second, over, status=PlaceStatus.INVITED, days="2")
        place(delivered, with_exception, days="44.5")
        DayCapException.objects.create(
            peer=with_exception,
            financial_year=year,
            extra_days=Decimal("4.5"),
            reason="Complex challenge",
            approved_by=approver,
            approved_at=timezone.now(),
        )
        DayCapException.objects.create(
            peer=near,
            financial_year=year - 1,
            extra_days=Decimal("10"),
            reason="Last year only",
            approved_by=approver,
            approved_at=timezone.now(),
        )
        place(second, near, days=str(settings.PEER_DAY_CAP - 3))
        place(cancelled, on_cancelled, days="50")
        place(delivered, on_cancelled, status=PlaceStatus.DECLINED, days="2")
        place(before, last_year, days="20")
        place(delivered, officer, days="3")
        place(delivered, paused, days="1")
        place(second, idle, status=PlaceStatus.WITHDRAWN, days="1")

        TrainingRecord.objects.create(
            peer=busy, kind="training", course="Peer training", attended_on=today
        )
        TrainingRecord.objects.create(
            peer=at_cap,
            kind="training",
            course="Peer training",
            attended_on=today - timedelta(days=365 * 5),
        )
        _answers(busy, sex="female", age_band="45_54")
        _answers(at_cap, sex="female", disability="no" if n % 2 else "yes")
        _answers(over, sex="male", ethnic_group="white")
        _answers(near, sex="female", sexual_orientation="heterosexual")
        _answers(officer, sex="male", age_band="55_64")
        _answers(paused, sex="female")  # deployed, but not in the active pool
        _answers(idle)

        ImprovementAction.objects.create(
            engagement=delivered, recommendation="Refresh the plan", progress="done"
        )
        respond(InvitationFactory(engagement=delivered, council=home))
        InvitationFactory(
            engagement=second,
            council=second.councils.first(),
            sent_at=timezone.now() - timedelta(days=40),
        )  # closed with no answer


def _naive_day_caps(year: int) -> dict:
    cap_setting = Decimal(str(settings.PEER_DAY_CAP))
    used_and_caps = [
        (
            peer_days_used(peer=peer, financial_year=year),
            peer_day_cap(peer=peer, financial_year=year),
        )
        for peer in Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE)
    ]
    bands = {
        "none": lambda used: used == 0,
        "to_10": lambda used: 0 < used <= 10,
        "to_20": lambda used: 10 < used <= 20,
        "to_30": lambda used: 20 < used <= 30,
        "to_40": lambda used: 30 < used <= 40,
        "over_40": lambda used: used > 40,
    }
    return {
        "financial_year": year,
        "cap": float(cap_setting),
        "member_peers": len(used_and_caps),
        "over_cap": sum(1 for used, cap in used_and_caps if used > cap),
        "at_cap": sum(1 for used, cap in used_and_caps if used == cap),
        "within_5_days": sum(1 for used, cap in used_and_caps if cap - 5 <= used < cap),
        "exceptions_approved": DayCapException.objects.filter(financial_year=year).count(),
        "days_total": float(sum(used for used, _cap in used_and_caps)),
        "bands": [
            {
                "key": key,
                "label": label,
                "peers": sum(1 for used, _cap in used_and_caps if bands[key](used)),
            }
            for key, label, _condition in DAY_BANDS
        ],
    }


def _naive_table(answers: list[EqualitiesAnswers]) -> dict:
    shared = len(answers)
    table = {"shared": shared}
    for field, label, choices in DIMENSIONS:
        counts = Counter(getattr(answer, field) for answer in answers)
        cells = {value: counts.get(value, 0) for value, _text in choices.choices}
        shown, total = suppress_with_total(cells, total=shared)
        table["shared"] = table["shared"] if total is not None else None
        table[field] = {
            "label": label,
            "rows": [
                {"value": value, "label": str(text), "count": shown[value]}
                for value, text in choices.choices
            ],
        }
    return table


def _naive_pool(today: date) -> dict:
    active = list(Peer.objects.filter(status=PeerStatus.ACTIVE).select_related("home_council"))
    members = [peer for peer in active if peer.kind == PeerKind.MEMBER]
    kinds, groups = dict(PeerKind.choices), dict(PoliticalGroup.choices)
    # Peer by peer through the Python side of programmes.periods (the dashboard uses its
    # query expressions).
    last_training = {}
    for record in TrainingRecord.objects.all():
        last = last_training.get(record.peer_id)
        last_training[record.peer_id] = max(last or record.attended_on, record.attended_on)
    trained = {
        peer_id
        for peer_id, last in last_training.items()
        if training_is_valid(last_attended=last, on=today)
    }
    confirmed = sum(
        1 for p in active if not profile_is_stale(confirmed_on=p.profile_confirmed_on, today=today)
    )
    compliant = sum(1 for p in members if p.pk in trained or p.training_waived)
    return {
        "total": len(active),
        "by_kind": dict(Counter(str(kinds[p.kind]) for p in active)),
        # Withheld the same way as the page does (its own tests are in test_suppression.py).
        "by_political_group": suppress_with_total(
            Counter(str(groups.get(p.political_group, p.political_group)) for p in members),
            total=len(members),
        )[0],
        "by_region": dict(Counter(p.home_council.region for p in active)),
        "confirmed": confirmed,
        "compliant": compliant,
        "waived": sum(1 for p in members if p.training_waived),
        "member_peers": len(members),
    }


def _naive_fairness(delivered_ids: set[int], today: date, pool_size: int) -> dict:
    year_ago = today - relativedelta(years=1)
    recently_placed = {
        place.peer_id
        for place in TeamPlace.objects.select_related("engagement")
        if place.status == PlaceStatus.ACCEPTED
        and place.engagement.status != EngagementStatus.CANCELLED
        and place.engagement.start_date
        and year_ago <= place.engagement.start_date <= today
    }
    active = Peer.objects.filter(status=PeerStatus.ACTIVE).values_list("pk", flat=True)
    unused = sum(1 for pk in active if pk not in recently_placed)
    per_peer = Counter(
        place.peer_id
        for place in TeamPlace.objects.all()
        if place.status == PlaceStatus.ACCEPTED and place.engagement_id in delivered_ids
    )
    tenth = -(-pool_size // 10)
    return {
        "unused_12_months": unused,
        "places": sum(per_peer.values()),
        "busiest_tenth_peers": tenth,
        "busiest_tenth_places": sum(sorted(per_peer.values(), reverse=True)[:tenth]),
    }


def test_the_grouped_figures_equal_a_naive_count_of_the_records():
    today = timezone.localdate()
    year = financial_year_of(today)
    start, end = financial_year_bounds(year)
    build_dashboard_records(4, today=today)

    figures = board_dashboard_compute(financial_year=year, today=today)

    assert figures["day_caps"] == _naive_day_caps(year)
    assert (
        figures["day_caps"]["over_cap"] == 4
    )  # 41 + 2 invited days; the 44.5 with 4.5 extra is at cap
    assert figures["day_caps"]["at_cap"] == 8

    pool, naive = figures["pool"], _naive_pool(today)
    assert pool["total"] == naive["total"]
    assert pool["by_kind"] == naive["by_kind"]
    assert pool["by_political_group"] == naive["by_political_group"]
    assert pool["by_region"] == naive["by_region"]
    assert pool["profile_freshness"]["confirmed"] == naive["confirmed"]
    assert pool["training"]["compliant"] == naive["compliant"]
    assert pool["training"]["waived"] == naive["waived"]
    assert pool["training"]["member_peers"] == naive["member_peers"]

    period_to = min(end, today)
    offer_ids = list(Offer.objects.values_list("pk", flat=True))
    delivered = delivered_engagements(period_from=start, period_to=period_to, offer_ids=offer_ids)
    delivered_ids = set(delivered.values_list("pk", flat=True))
    deployed_peers = set(
        TeamPlace.objects.filter(
            status=PlaceStatus.ACCEPTED, engagement_id__in=delivered_ids
        ).values_list("peer_id", flat=True)
    )
    answers = list(EqualitiesAnswers.objects.select_related("peer"))
    assert figures["diversity"]["pool"] == _naive_table(
        [a for a in answers if a.peer.status == PeerStatus.ACTIVE]
    )
    assert figures["diversity"]["deployed"] == _naive_table(
        [a for a in answers if a.peer_id in deployed_peers]
    )
    assert figures["diversity"]["deployed"]["shared"] == 4 * 6

    fairness = _naive_fairness(delivered_ids, today, pool["total"])
    assert {key: figures["fairness"][key] for key in fairness} == fairness

    stocktake = stocktake_compute(period_from=start, period_to=period_to, planned_until=end)
    for key in ("offers", "totals", "regions", "council_survey", "peer_survey", "themes"):
        assert figures["stocktake"][key] == stocktake[key], key
    assert figures["data_check_problems"] == sum(
        1 for check in stocktake["data_checks"] if check["count"]
    )
    # No council, no team, no dates, a survey never answered.
    assert figures["data_check_problems"] >= 4
    supported = {council.pk for engagement in delivered for council in engagement.councils.all()}
    homes = {
        place.peer.home_council_id
        for place in TeamPlace.objects.select_related("peer")
        if place.status == PlaceStatus.ACCEPTED and place.engagement_id in delivered_ids
    }
    assert figures["stocktake"]["totals"]["councils_involved"] == len(supported | homes)


def test_days_against_the_cap_equal_the_rule_peer_by_peer():
    today = timezone.localdate()
    year = financial_year_of(today)
    build_dashboard_records(2, today=today)
    annotated = peers_with_days_against_cap(Peer.objects.all(), financial_year=year)
    for peer in annotated:
        assert peer.used == peer_days_used(peer=peer, financial_year=year), peer.pk
        assert peer.cap == peer_day_cap(peer=peer, financial_year=year), peer.pk


def _compute_queries(today: date) -> int:
    with CaptureQueriesContext(connection) as captured:
        board_dashboard_compute(financial_year=financial_year_of(today), today=today)
    return len(captured)


def test_the_figures_take_the_same_queries_at_n_and_3n_records():
    today = timezone.localdate()
    build_dashboard_records(1, today=today)
    small = _compute_queries(today)
    build_dashboard_records(2, today=today)
    large = _compute_queries(today)
    assert small == large
    assert large <= MOST_QUERIES


def test_the_uncached_page_takes_the_same_queries_at_n_and_3n_records(client):
    today = timezone.localdate()
    client.force_login(BoardMemberFactory())
    counts = []
    for rounds in (1, 2):
        build_dashboard_records(rounds, today=today)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("reports:dashboard"))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[1] <= MOST_QUERIES + 6  # sign-in middleware and the cache fingerprint
