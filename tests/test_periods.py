"""The programme's windows and measures (programmes.periods), at their boundaries.

Each window is tested the day before, the day of and the day after its boundary, in
Python and through its query expression, and the pages that show it (board dashboard,
peer portal, matching, planners) are checked to agree about the same peer on those days,
with the clock frozen.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from notifications import planners
from notifications.models import Notification
from peers import selectors as peer_selectors
from peers.models import Peer, TrainingRecord
from programmes import periods
from programmes.matching.candidates import MatchingData
from programmes.models import EngagementStatus, PlaceStatus, TeamPlace
from programmes.selectors import peer_days_used, peers_days_used_map, peers_with_days_against_cap
from reports.dashboard import board_dashboard_compute
from tests.factories import CouncilFactory, ManagerFactory
from tests.factories_records import EngagementFactory, PeerFactory, offer
from tests.factories_reports import engagement_with_days, place

pytestmark = pytest.mark.django_db

ONE_DAY = timedelta(days=1)


def frozen(day: date):
    """The clock stopped at 10:00 London time on `day`."""
    at = datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Europe/London"))
    return time_machine.travel(at, tick=False)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- The financial year ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2027, 3, 31), 2026),  # the day before
        (date(2027, 4, 1), 2027),  # the day of
        (date(2027, 4, 2), 2027),  # the day after
        (date(2027, 1, 1), 2026),
        (date(2026, 12, 31), 2026),
    ],
)
def test_the_financial_year_turns_on_1_april(day, year):
    assert periods.financial_year_of(day) == year


def test_financial_year_bounds_and_label():
    assert periods.financial_year_bounds(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert periods.financial_year_bounds(2027) == (date(2027, 4, 1), date(2028, 3, 31))
    assert periods.financial_year_label(2026) == "2026/27"
    assert periods.financial_year_label(2099) == "2099/00"


def test_every_day_is_in_the_financial_year_whose_bounds_hold_it():
    day = date(2023, 1, 1)
    while day < date(2029, 1, 1):
        first, last = periods.financial_year_bounds(periods.financial_year_of(day))
        assert first <= day <= last
        day += ONE_DAY


# --- Month and year arithmetic ---------------------------------------------------------------


def test_month_and_year_arithmetic_keeps_the_day_or_takes_the_month_s_last():
    assert periods.months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert periods.months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert periods.months_before(date(2025, 1, 15), 12) == date(2024, 1, 15)
    assert periods.months_before(date(2026, 5, 31), 1) == date(2026, 4, 30)
    assert periods.years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert periods.years_before(date(2026, 5, 3), 3) == date(2023, 5, 3)


# --- Training validity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "valid"),
    [
        (date(2026, 5, 2), True),  # the day before the third anniversary
        (date(2026, 5, 3), True),  # the anniversary: still within 3 years
        (date(2026, 5, 4), False),  # the day after
    ],
)
def test_training_counts_up_to_its_third_anniversary(on, valid):
    assert periods.training_is_valid(last_attended=date(2023, 5, 3), on=on) is valid
    assert periods.training_valid_since(on) == on.replace(year=on.year - 3)


def test_no_training_never_counts():
    assert periods.training_is_valid(last_attended=None, on=date(2026, 5, 3)) is False


def test_the_last_valid_day_agrees_with_the_window_every_day_including_leap_days():
    """training_valid_until is the last day training_is_valid says yes, for every
    attendance date over six years (29 February and 28 February included)."""
    attended = date(2023, 1, 1)
    while attended < date(2029, 1, 1):
        until = periods.training_valid_until(attended)
        assert periods.training_is_valid(last_attended=attended, on=until)
        assert not periods.training_is_valid(last_attended=attended, on=until + ONE_DAY)
        attended += ONE_DAY
    assert periods.training_valid_until(date(2023, 5, 3)) == date(2026, 5, 3)
    assert periods.training_valid_until(date(2025, 2, 28)) == date(2028, 2, 29)
    assert periods.training_valid_until(date(2024, 2, 29)) == date(2027, 2, 28)


def test_training_valid_q_selects_the_peers_python_says_are_trained(settings):
    settings.TRAINING_VALID_YEARS = 3
    attended = date(2023, 5, 3)
    peer = PeerFactory(trained=False)
    TrainingRecord.objects.create(peer=peer, kind="training", course="C", attended_on=attended)
    TrainingRecord.objects.create(
        peer=peer, kind="training", course="Old", attended_on=date(2019, 1, 1)
    )
    never = PeerFactory(trained=False)
    for on in (date(2026, 5, 2), date(2026, 5, 3), date(2026, 5, 4)):
        selected = set(
            Peer.objects.filter(periods.training_valid_q(on=on)).values_list("pk", flat=True)
        )
        expected = {peer.pk} if periods.training_is_valid(last_attended=attended, on=on) else set()
        assert selected == expected, on
        assert never.pk not in selected


def test_training_met_counts_a_waiver():
    waived = PeerFactory(trained=False, training_waived=True, training_waiver_reason="Ok")
    untrained = PeerFactory(trained=False)
    met = Peer.objects.filter(periods.training_met_q(on=date(2026, 5, 3)))
    assert list(met) == [waived]
    assert untrained not in met


# --- Profile staleness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        (date(2026, 12, 1), False),  # the day before the first anniversary
        (date(2026, 12, 2), True),  # the anniversary: 12 months old
        (date(2026, 12, 3), True),  # the day after
    ],
)
def test_a_profile_goes_stale_twelve_months_after_confirmation(today, stale):
    confirmed_on = date(2025, 12, 2)
    assert periods.profile_is_stale(confirmed_on=confirmed_on, today=today) is stale
    peer = PeerFactory(profile_confirmed_on=confirmed_on)
    in_query = Peer.objects.filter(periods.profile_stale_q(today=today), pk=peer.pk).exists()
    assert in_query is stale


def test_a_profile_never_confirmed_is_stale():
    peer = PeerFactory(profile_confirmed_on=None)
    assert periods.profile_is_stale(confirmed_on=None, today=date(2026, 12, 2))
    assert Peer.objects.filter(periods.profile_stale_q(today=date(2026, 12, 2))).get() == peer


def test_staleness_at_a_month_end():
    # Twelve months before 28 February 2025 is 28 February 2024: 29 February is still fresh.
    assert not periods.profile_is_stale(confirmed_on=date(2024, 2, 29), today=date(2025, 2, 28))
    assert periods.profile_is_stale(confirmed_on=date(2024, 2, 29), today=date(2025, 3, 1))


# --- Days in a financial year ----------------------------------------------------------------


def _days_world():
    """A member peer with places on engagements starting 31 March and 1 April 2027."""
    peer = PeerFactory()
    council = CouncilFactory()
    scheduled = EngagementStatus.SCHEDULED
    before = engagement_with_days("BRPS", scheduled, [council], [date(2027, 3, 31)])
    on = engagement_with_days("BRPS", scheduled, [council], [date(2027, 4, 1)])
    delivered = engagement_with_days(
        "BRPS", EngagementStatus.DELIVERED, [council], [date(2026, 6, 1)]
    )
    cancelled = engagement_with_days(
        "BRPS", EngagementStatus.CANCELLED, [council], [date(2026, 7, 1)]
    )
    other = engagement_with_days("BRPS", EngagementStatus.SCHEDULED, [council], [date(2026, 8, 1)])
    place(before, peer, days="3")
    place(on, peer, status=PlaceStatus.INVITED, days="2")
    place(delivered, peer, days="4")
    place(cancelled, peer, days="10")
    place(other, peer, status=PlaceStatus.DECLINED, days="7")
    return peer


def test_days_count_in_the_financial_year_of_the_engagement_s_first_day():
    peer = _days_world()
    assert peer_days_used(peer=peer, financial_year=2026) == Decimal("7")  # 3 + 4
    assert peer_days_used(peer=peer, financial_year=2027) == Decimal("2")
    assert peers_days_used_map(peer_ids=[peer.pk], financial_year=2026) == {peer.pk: Decimal("7")}
    annotated = peers_with_days_against_cap(Peer.objects.filter(pk=peer.pk), financial_year=2027)
    assert annotated.get().used == Decimal("2")
    sums = TeamPlace.objects.aggregate(**periods.days_sums(financial_year=2026))
    assert sums == {
        "used": Decimal("7"),
        "invited": None,
        "accepted": Decimal("3"),
        "delivered": Decimal("4"),
    }


@pytest.mark.parametrize(
    ("today", "year", "used"),
    [
        (date(2027, 3, 31), 2026, Decimal("7")),  # the day before the new year
        (date(2027, 4, 1), 2027, Decimal("2")),  # the day of
        (date(2027, 4, 2), 2027, Decimal("2")),  # the day after
    ],
)
def test_portal_dashboard_and_matching_count_the_same_days_around_1_april(
    client, today, year, used
):
    """Days used this year: the peer portal, the board dashboard's day caps and the
    matching engine (for an engagement with no dates yet, judged on today) agree."""
    peer = _days_world()
    undated = EngagementFactory(offer=offer("BRPS"), councils=[CouncilFactory()])
    with frozen(today):
        portal = peer_selectors.peer_days_summary(peer=peer)
        client.force_login(peer.user)
        html = client.get(reverse("peers:days")).content.decode()
        dashboard = board_dashboard_compute(financial_year=periods.financial_year_of(today))
        data = MatchingData([undated])
        assert data.facts[undated.pk].financial_year == year
    assert portal.financial_year == year and portal.used == used
    assert f"{year} to {year + 1}" in html
    assert dashboard["day_caps"]["days_total"] == float(used)
    assert data.used[year][data.pool.index[peer.pk]] == float(used)


# --- The same peer on a boundary date, everywhere -------------------------------------------


@pytest.mark.parametrize(
    ("today", "valid"),
    [
        (date(2027, 5, 1), True),  # the day before the third anniversary
        (date(2027, 5, 2), True),  # the anniversary
        (date(2027, 5, 3), False),  # the day after (no 29 February in these three years)
    ],
)
def test_dashboard_portal_and_matching_agree_on_training_around_the_anniversary(
    client, today, valid
):
    peer = PeerFactory(profile_confirmed_on=date(2027, 1, 1), trained=False)
    TrainingRecord.objects.create(
        peer=peer, kind="conference", course="Member peer conference", attended_on=date(2024, 5, 2)
    )
    undated = EngagementFactory(offer=offer("BRPS"), councils=[CouncilFactory()])
    with frozen(today):
        dashboard = board_dashboard_compute(financial_year=periods.financial_year_of(today))
        client.force_login(peer.user)
        html = client.get(reverse("peers:profile")).content.decode()
        status = peer_selectors.peer_training_status(peer=peer)
        reasons = MatchingData([undated]).reasons_for(undated.pk, peer.pk)
    assert dashboard["pool"]["training"]["compliant"] == (1 if valid else 0)
    assert status.valid is valid
    assert status.valid_until == date(2027, 5, 2)
    if valid:
        assert "Your peer training counts until 2 May 2027" in html
    else:
        assert "Your peer training expired after 2 May 2027" in html
    assert ("training" not in reasons) is valid


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        (date(2026, 12, 1), False),  # the day before the first anniversary
        (date(2026, 12, 2), True),  # the anniversary
        (date(2026, 12, 3), True),  # the day after
    ],
)
def test_dashboard_portal_and_planner_agree_on_a_stale_profile(client, today, stale):
    peer = PeerFactory(profile_confirmed_on=date(2025, 12, 2))
    manager = ManagerFactory()
    with frozen(today):
        dashboard = board_dashboard_compute(financial_year=periods.financial_year_of(today))
        client.force_login(peer.user)
        html = client.get(reverse("peers:dashboard")).content.decode()
        listed = peer_selectors.stale_profile_list(user=manager)
        planners.profile_reviews_plan(today=today)
    assert dashboard["pool"]["profile_freshness"]["confirmed"] == (0 if stale else 1)
    assert ("Check and confirm your profile" in html) is stale
    assert (peer in listed) is stale
    assert Notification.objects.filter(kind="profile_review").exists() is stale


def test_the_training_reminder_uses_the_same_window(settings):
    """Quarterly reminders judge training on the quarter's first day with the same rule."""
    trained = PeerFactory(trained=False)
    TrainingRecord.objects.create(
        peer=trained, kind="training", course="C", attended_on=date(2024, 1, 1)
    )
    lapsed = PeerFactory(trained=False)
    TrainingRecord.objects.create(
        peer=lapsed, kind="training", course="C", attended_on=date(2023, 12, 31)
    )
    ManagerFactory()
    planners.training_lapsed_plan(today=date(2027, 1, 1))
    reminded = set(
        Notification.objects.filter(kind="training_lapsed").values_list("recipient", flat=True)
    )
    assert reminded == {lapsed.user.email}
