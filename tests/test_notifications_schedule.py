"""Issue #9's schedule, bullet by bullet, against a frozen clock.

Each schedule sends what it should on its day and nothing on the day before or the day
after, and a second run on the same day sends nothing more. Runs happen as the beat's
daily run does: at 07:00 Europe/London on the day, with ``today`` that day.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab_parser
from django.contrib.contenttypes.models import ContentType
from django_celery_beat.models import PeriodicTask

from notifications import planners
from notifications.models import Notification
from peers.models import PeerKind, PeerStatus
from programmes.models import (
    ActivityDay,
    DayCapException,
    DayMode,
    EngagementMilestone,
    PlaceStatus,
    TeamPlace,
)
from programmes.services import engagement_milestones_recompute, team_place_invite
from surveys.planners import survey_reminders_plan
from tests.factories import CouncilContactFactory, ManagerFactory, UserFactory
from tests.factories_records import (
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
    TrainingRecordFactory,
    offer,
)
from tests.factories_surveys import InvitationFactory, respond

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ONE_DAY = timedelta(days=1)


def _at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def _run(planner, day: date) -> int:
    """Run a planner as the 07:00 beat run does on ``day``."""
    with time_machine.travel(_at(day), tick=False):
        return planner(today=day)


def assert_sends_on(planner, day: date, expected: int) -> None:
    """Nothing the day before; ``expected`` on the day; nothing again, nor the day after."""
    assert _run(planner, day - ONE_DAY) == 0, "sent the day before"
    assert _run(planner, day) == expected, "wrong number on the day"
    assert _run(planner, day) == 0, "sent twice when run twice"
    assert _run(planner, day + ONE_DAY) == 0, "sent again the day after"


def assert_only_on(planner, day: date, expected: int, settings) -> None:
    """Without catch-up days, runs on the day before and the day after alone send nothing."""
    settings.NOTIFICATION_CATCH_UP_DAYS = 1
    assert _run(planner, day - ONE_DAY) == 0
    assert _run(planner, day + ONE_DAY) == 0
    assert _run(planner, day) == expected


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# Every number is a setting ---------------------------------------------------------------


def test_every_number_of_the_schedule_is_a_setting_with_the_issue_s_default(settings):
    assert settings.INVITATION_CHASER_DAYS == 5
    assert settings.INVITATION_RESPONSE_DAYS == 10
    assert settings.INVITATION_WORKING_DAYS is False  # calendar days by default
    assert list(settings.NOTIFICATION_UPCOMING_DAYS_BEFORE) == [7, 1]
    assert settings.MILESTONE_REMINDER_DAYS == 14
    assert list(settings.SURVEY_REMINDER_DAYS) == [7, 14]
    assert settings.PROFILE_STALE_MONTHS == 12
    assert settings.PROFILE_REMINDER_DAYS == 14
    assert settings.TRAINING_VALID_YEARS == 3
    assert sorted(settings.NOTIFICATION_DAY_CAP_PERCENTS) == [80, 100]
    assert {path.rsplit(".", 1)[1] for path in settings.NOTIFICATION_PLANNERS} >= {
        "invitation_chasers_plan",
        "invitations_overdue_plan",
        "upcoming_engagements_plan",
        "milestone_reminders_plan",
        "survey_reminders_plan",
        "profile_reviews_plan",
        "training_lapsed_plan",
        "day_cap_plan",
    }


# Invitation chaser and overdue, calendar and working days across bank holidays ------------

BANK_HOLIDAY_CASES = [
    # working days: Christmas Fri 25, Boxing Day (observed) Mon 28 Dec 2026, New Year Fri 1 Jan
    pytest.param(
        False, date(2026, 12, 21), date(2026, 12, 26), date(2026, 12, 31), id="calendar-christmas"
    ),
    pytest.param(
        True, date(2026, 12, 21), date(2026, 12, 30), date(2027, 1, 7), id="working-christmas"
    ),
    # working days: Good Friday 26 March and Easter Monday 29 March 2027
    pytest.param(
        False, date(2027, 3, 22), date(2027, 3, 27), date(2027, 4, 1), id="calendar-easter"
    ),
    pytest.param(True, date(2027, 3, 22), date(2027, 3, 31), date(2027, 4, 7), id="working-easter"),
]


def _invite(settings, *, working_days: bool, on: date, manager=None, reserves: int = 0):
    """Invite a peer through the service on a Monday morning, with reserves for the role."""
    settings.INVITATION_WORKING_DAYS = working_days
    with time_machine.travel(_at(on, 10), tick=False):
        engagement = ScheduledEngagementFactory(
            manager=manager, start_date=on + timedelta(days=60), end_date=on + timedelta(days=61)
        )
        place = TeamPlaceFactory(
            engagement=engagement, status=PlaceStatus.RESERVE, invited_at=None, response_due=None
        )
        place = team_place_invite(place=place)
        for rank in range(1, reserves + 1):
            TeamPlaceFactory(
                engagement=engagement,
                role=place.role,
                status=PlaceStatus.RESERVE,
                reserve_rank=rank,
                invited_at=None,
                response_due=None,
            )
    return place


@pytest.mark.parametrize("working_days,invited_on,chaser_day,overdue_day", BANK_HOLIDAY_CASES)
def test_invitation_chaser_goes_5_days_after_the_invitation(
    settings, working_days, invited_on, chaser_day, overdue_day
):
    place = _invite(settings, working_days=working_days, on=invited_on)
    assert place.response_due == overdue_day

    assert_sends_on(planners.invitation_chasers_plan, chaser_day, 1)

    chaser = Notification.objects.get(kind="invitation_chaser")
    assert chaser.recipient == place.peer.user.email
    assert _long(overdue_day) in chaser.body_text  # "please answer by"
    assert "BEGIN:VEVENT" in chaser.ics
    assert f"DTSTART;VALUE=DATE:{place.engagement.start_date:%Y%m%d}" in chaser.ics


@pytest.mark.parametrize("working_days,invited_on,chaser_day,overdue_day", BANK_HOLIDAY_CASES)
def test_invitation_overdue_tells_the_manager_and_invites_the_next_reserve_once(
    settings, working_days, invited_on, chaser_day, overdue_day
):
    manager = ManagerFactory()
    place = _invite(settings, working_days=working_days, on=invited_on, manager=manager, reserves=2)
    first_reserve, second_reserve = TeamPlace.objects.filter(status=PlaceStatus.RESERVE).order_by(
        "reserve_rank"
    )

    assert_sends_on(planners.invitations_overdue_plan, overdue_day, 1)

    overdue = Notification.objects.get(kind="invitation_overdue")
    assert overdue.recipient == manager.email
    place.refresh_from_db()
    first_reserve.refresh_from_db()
    second_reserve.refresh_from_db()
    assert place.status == PlaceStatus.WITHDRAWN
    assert first_reserve.status == PlaceStatus.INVITED
    assert first_reserve.invited_at.astimezone(LONDON).date() == overdue_day
    assert second_reserve.status == PlaceStatus.RESERVE  # promoted once, not on every run
    [notice] = Notification.objects.filter(kind="notice")
    assert notice.recipient == manager.email
    assert notice.subject.startswith("Reserve invited")


@pytest.mark.parametrize("working_days,invited_on,chaser_day,overdue_day", BANK_HOLIDAY_CASES)
def test_without_catch_up_invitations_are_chased_only_on_their_day(
    settings, working_days, invited_on, chaser_day, overdue_day
):
    ManagerFactory()
    _invite(settings, working_days=working_days, on=invited_on)
    assert_only_on(planners.invitation_chasers_plan, chaser_day, 1, settings)
    assert_only_on(planners.invitations_overdue_plan, overdue_day, 1, settings)


def test_reserves_are_dealt_with_once_even_when_none_can_be_invited(settings):
    manager = ManagerFactory()
    place = _invite(settings, working_days=False, on=date(2026, 12, 21), manager=manager)
    # The only reserve is from the council under review: a rule refuses to invite them.
    TeamPlaceFactory(
        engagement=place.engagement,
        role=place.role,
        peer=PeerFactory(home_council=place.engagement.councils.get()),
        status=PlaceStatus.RESERVE,
        reserve_rank=1,
        invited_at=None,
        response_due=None,
    )

    for day in (date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)):  # the catch-up days
        _run(planners.invitations_overdue_plan, day)

    [notice] = Notification.objects.filter(kind="notice")
    assert notice.subject.startswith("No reserve left")
    assert TeamPlace.objects.filter(status=PlaceStatus.RESERVE).count() == 1


def test_an_overdue_invitation_with_no_reserve_only_tells_the_manager(settings):
    manager = ManagerFactory()
    place = _invite(settings, working_days=False, on=date(2026, 12, 21), manager=manager)
    assert_sends_on(planners.invitations_overdue_plan, date(2026, 12, 31), 1)
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED
    assert not Notification.objects.filter(kind="notice").exists()


# Upcoming engagement -------------------------------------------------------------------

FIRST_DAY = date(2027, 1, 4)  # a Monday


def _upcoming_world():
    engagement = ScheduledEngagementFactory(
        start_date=FIRST_DAY,
        end_date=FIRST_DAY + ONE_DAY,
        focus="Financial sustainability",
        scope="Is the medium-term financial plan credible?",
        agenda="09:30 Meet the leader and chief executive\n14:00 Focus group with staff",
        remote_joining_details="Microsoft Teams: https://example.org/join/123",
    )
    ActivityDay.objects.filter(engagement=engagement, date=FIRST_DAY + ONE_DAY).update(
        mode=DayMode.REMOTE
    )
    council = engagement.councils.get()
    accepted = TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.DECLINED)
    TeamPlaceFactory(engagement=engagement, status=PlaceStatus.INVITED)
    contacts = CouncilContactFactory.create_batch(2, council=council)
    CouncilContactFactory()  # another council's contact
    UserFactory(council=council, is_active=False)  # has left the council
    return engagement, {accepted.peer.user.email, *(c.email for c in contacts)}


@pytest.mark.parametrize("days_before", [7, 1])
def test_upcoming_engagement_goes_to_team_and_council_contacts(days_before):
    engagement, recipients = _upcoming_world()

    assert_sends_on(planners.upcoming_engagements_plan, FIRST_DAY - timedelta(days_before), 3)

    sent = Notification.objects.filter(kind="upcoming_engagement")
    assert set(sent.values_list("recipient", flat=True)) == recipients
    reminder = sent.first()
    assert reminder.subject.startswith("Tomorrow" if days_before == 1 else "In 7 days")
    for text in (
        "Activity days",
        "Monday 4 January 2027: Onsite",
        "Agenda",
        "09:30 Meet the leader and chief executive",
        "14:00 Focus group with staff",
        "Tuesday 5 January 2027: Remote",
        "Financial sustainability",
        "medium-term financial plan",
        "https://example.org/join/123",
    ):
        assert text in reminder.body_text, text
    assert reminder.ics.count("BEGIN:VEVENT") == 2
    assert "DTSTART;VALUE=DATE:20270104" in reminder.ics
    assert "DTSTART;VALUE=DATE:20270105" in reminder.ics
    assert "example.org/join/123" in reminder.ics  # the remote day's joining details


@pytest.mark.parametrize("days_before", [7, 1])
def test_without_catch_up_upcoming_reminders_go_only_on_their_day(settings, days_before):
    _upcoming_world()
    assert_only_on(
        planners.upcoming_engagements_plan, FIRST_DAY - timedelta(days_before), 3, settings
    )


def test_an_onsite_engagement_has_no_joining_details():
    engagement = ScheduledEngagementFactory(
        start_date=FIRST_DAY, end_date=FIRST_DAY, remote_joining_details="https://example.org/x"
    )
    CouncilContactFactory(council=engagement.councils.get())
    assert _run(planners.upcoming_engagements_plan, FIRST_DAY - ONE_DAY) == 1
    assert "example.org/x" not in Notification.objects.get().body_text


def test_the_reminder_days_are_a_setting(settings):
    settings.NOTIFICATION_UPCOMING_DAYS_BEFORE = [3]
    _upcoming_world()
    assert_sends_on(planners.upcoming_engagements_plan, FIRST_DAY - timedelta(days=3), 3)
    assert _run(planners.upcoming_engagements_plan, FIRST_DAY - timedelta(days=7)) == 0


# CPC milestones ------------------------------------------------------------------------


def _cpc(manager):
    engagement = ScheduledEngagementFactory(
        offer=offer("CPC"),
        manager=manager,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 3, 4),
    )
    engagement_milestones_recompute(engagement=engagement)
    return engagement, {m.code: m for m in engagement.milestones.all()}


def test_cpc_follow_up_is_due_3_months_and_the_progress_review_within_12_months():
    engagement, milestones = _cpc(ManagerFactory())
    delivered = engagement.end_date
    assert milestones["follow_up"].due_on == delivered + timedelta(days=90)
    assert milestones["progress_review"].due_on <= delivered + timedelta(days=365)
    assert milestones["scoping_meeting"].due_on < engagement.start_date


@pytest.mark.parametrize("code", ["scoping_meeting", "follow_up", "progress_review"])
def test_cpc_milestone_reminder_goes_to_the_manager_14_days_before(code):
    manager = ManagerFactory()
    ManagerFactory()  # another manager: not told about this engagement
    _, milestones = _cpc(manager)
    milestone = milestones[code]

    assert_sends_on(planners.milestone_reminders_plan, milestone.due_on - timedelta(days=14), 1)

    [reminder] = Notification.objects.all()
    assert reminder.recipient == manager.email
    assert reminder.about_object_id == str(milestone.pk)
    assert milestone.name in reminder.subject
    assert f"DTSTART;VALUE=DATE:{milestone.due_on:%Y%m%d}" in reminder.ics


def test_without_catch_up_a_milestone_reminder_goes_only_on_its_day(settings):
    _, milestones = _cpc(ManagerFactory())
    due = milestones["follow_up"].due_on - timedelta(days=14)
    assert_only_on(planners.milestone_reminders_plan, due, 1, settings)


def test_a_milestone_already_done_gets_no_reminder():
    _, milestones = _cpc(ManagerFactory())
    follow_up = milestones["follow_up"]
    EngagementMilestone.objects.filter(pk=follow_up.pk).update(done_on=date(2027, 5, 1))
    assert _run(planners.milestone_reminders_plan, follow_up.due_on - timedelta(days=14)) == 0


# Survey reminders ----------------------------------------------------------------------


def test_survey_reminders_7_and_14_days_after_the_invitation():
    sent_on = date(2026, 12, 18)
    with time_machine.travel(_at(sent_on, 10), tick=False):
        waiting = InvitationFactory()
        answered = InvitationFactory(engagement=waiting.engagement)
    respond(answered)

    assert_sends_on(survey_reminders_plan, date(2026, 12, 25), 1)
    assert_sends_on(survey_reminders_plan, date(2027, 1, 1), 1)

    reminders = Notification.objects.filter(kind="survey_reminder")
    assert set(reminders.values_list("recipient", flat=True)) == {waiting.email}
    assert reminders.count() == 2


# Profile review ------------------------------------------------------------------------


def test_profile_review_prompt_at_12_months_and_reminder_14_days_later():
    peer = PeerFactory(profile_confirmed_on=date(2026, 1, 15))

    assert_sends_on(planners.profile_reviews_plan, date(2027, 1, 15), 1)
    assert_sends_on(planners.profile_reviews_plan, date(2027, 1, 29), 1)

    assert list(Notification.objects.order_by("id").values_list("kind", "recipient")) == [
        ("profile_review", peer.user.email),
        ("profile_review_reminder", peer.user.email),
    ]


# Training ------------------------------------------------------------------------------

QUARTER_START = date(2027, 4, 1)


def _training_world():
    managers = [ManagerFactory(), ManagerFactory()]
    lapsed = PeerFactory(trained=False)
    TrainingRecordFactory(peer=lapsed, attended_on=date(2024, 3, 31))
    never = PeerFactory(trained=False)
    conference = PeerFactory(trained=False)
    TrainingRecordFactory(peer=conference, kind="conference", attended_on=date(2024, 4, 1))
    waived = PeerFactory(training_waived=True, trained=False)
    officer = PeerFactory(kind=PeerKind.OFFICER, political_group="")
    left = PeerFactory(status=PeerStatus.LEFT)
    return managers, [lapsed, never], [conference, waived, officer, left]


def test_training_reminders_once_a_quarter_with_one_digest_per_manager():
    managers, lapsed, others = _training_world()

    assert_sends_on(planners.training_lapsed_plan, QUARTER_START, 4)  # 2 peers, 2 digests

    peer_emails = set(
        Notification.objects.filter(kind="training_lapsed").values_list("recipient", flat=True)
    )
    assert peer_emails == {peer.user.email for peer in lapsed}
    digests = Notification.objects.filter(kind="training_lapsed_manager")
    assert sorted(d.recipient for d in digests) == sorted(m.email for m in managers)
    for digest in digests:
        assert all(peer.name in digest.body_text for peer in lapsed)
        assert not any(peer.name in digest.body_text for peer in others)
        assert "2 member peers" in digest.subject
    # Nothing more during the quarter; the next quarter again, now with the conference
    # peer too (their conference on 1 April 2024 is more than 3 years old by 1 July 2027).
    assert _run(planners.training_lapsed_plan, date(2027, 5, 17)) == 0
    assert_sends_on(planners.training_lapsed_plan, date(2027, 7, 1), 5)


def test_a_manager_gets_one_digest_however_many_peers_have_lapsed():
    manager = ManagerFactory()
    peers = PeerFactory.create_batch(6, trained=False)
    assert _run(planners.training_lapsed_plan, QUARTER_START) == 7
    [digest] = Notification.objects.filter(recipient=manager.email)
    assert all(peer.name in digest.body_text for peer in peers)


def test_without_catch_up_training_reminders_go_only_on_the_quarter_s_first_day(settings):
    _training_world()
    assert_only_on(planners.training_lapsed_plan, QUARTER_START, 4, settings)


def test_a_peer_lapsing_mid_quarter_is_told_with_the_next_quarter_s_digest():
    manager = ManagerFactory()
    peer = PeerFactory(trained=False)
    TrainingRecordFactory(peer=peer, attended_on=date(2024, 4, 2))  # lapses 2 April 2027
    assert _run(planners.training_lapsed_plan, QUARTER_START) == 0
    assert _run(planners.training_lapsed_plan, QUARTER_START + 2 * ONE_DAY) == 0
    assert _run(planners.training_lapsed_plan, date(2027, 7, 1)) == 2
    assert Notification.objects.filter(recipient=manager.email).count() == 1


# Day cap -------------------------------------------------------------------------------


def _exception(peer, extra: str):
    return DayCapException.objects.create(
        peer=peer,
        financial_year=2026,
        extra_days=Decimal(extra),
        reason="Lead peer on two challenges",
        approved_by=ManagerFactory(),
        approved_at=_at(date(2026, 4, 1)),
    )


def _place(peer, days, start: date, status=PlaceStatus.ACCEPTED):
    return TeamPlaceFactory(
        peer=peer,
        status=status,
        days=Decimal(days),
        engagement=ScheduledEngagementFactory(start_date=start, end_date=start),
    )


def test_day_cap_tells_the_manager_on_the_day_80_and_100_percent_are_reached():
    manager = ManagerFactory()
    peer = PeerFactory()
    _place(peer, "31", date(2026, 6, 1))  # 31 of 40: under 80%
    day_80, day_100 = date(2026, 5, 11), date(2026, 9, 7)

    assert _run(planners.day_cap_plan, day_80 - ONE_DAY) == 0
    with time_machine.travel(_at(day_80, 6), tick=False):
        _place(peer, "1", date(2026, 7, 6), status=PlaceStatus.INVITED)  # 32 of 40
    assert _run(planners.day_cap_plan, day_80) == 1
    assert _run(planners.day_cap_plan, day_80) == 0
    assert _run(planners.day_cap_plan, day_80 + ONE_DAY) == 0

    assert _run(planners.day_cap_plan, day_100 - ONE_DAY) == 0
    with time_machine.travel(_at(day_100, 6), tick=False):
        _place(peer, "8", date(2026, 10, 5))  # 40 of 40
    assert _run(planners.day_cap_plan, day_100) == 1
    assert _run(planners.day_cap_plan, day_100) == 0
    assert _run(planners.day_cap_plan, day_100 + ONE_DAY) == 0

    sent = Notification.objects.filter(kind="day_cap_reached").order_by("id")
    assert [(n.recipient, n.key.rsplit(":", 1)[1]) for n in sent] == [
        (manager.email, "80pc"),
        (manager.email, "100pc"),
    ]
    assert "40 days booked in 2026/27" in sent[1].body_text


def test_day_cap_counts_an_approved_exception_and_skips_to_the_highest_percentage():
    peer = PeerFactory()
    _exception(peer, "10")
    _place(peer, "40", date(2026, 6, 1))  # 40 of 50: 80%
    assert _run(planners.day_cap_plan, date(2026, 6, 1)) == 1
    other = PeerFactory()
    _place(other, "45", date(2026, 6, 1))  # straight past both
    assert _run(planners.day_cap_plan, date(2026, 6, 2)) == 1
    assert (
        Notification.objects.filter(key__contains=f"peers.peer.{other.pk}:")
        .get()
        .key.endswith(":100pc")
    )


def _day_cap_world(peers: int):
    ManagerFactory()
    engagement = ScheduledEngagementFactory(start_date=date(2026, 6, 1), end_date=date(2026, 6, 2))
    for _ in range(peers):
        TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED, days=Decimal("5"))
    over = PeerFactory()
    _exception(over, "5")  # and its approver: the second manager
    _place(over, "36", date(2026, 7, 6))  # 36 of 45: 80%


DAY_CAP_FIRST_RUN_QUERIES = 5 + 2 * 6 + 1
DAY_CAP_RERUN_QUERIES = 5


# Five reads whatever the number of peers (peers, their days, their caps, the managers, the
# keys already in the ledger), then six per email queued (two savepoints and their releases,
# the key check and the insert) and the content type once; a second run only reads.
@pytest.mark.parametrize("peers", [3, 30])
def test_day_cap_queries_do_not_grow_with_the_number_of_peers(
    peers, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _day_cap_world(peers)
    today = date(2026, 6, 1)
    ContentType.objects.clear_cache()  # the same count whichever test ran before
    with time_machine.travel(_at(today), tick=False):
        with django_assert_num_queries(DAY_CAP_FIRST_RUN_QUERIES):
            assert planners.day_cap_plan(today=today) == 2  # one peer, two managers
        with django_assert_num_queries(DAY_CAP_RERUN_QUERIES):
            assert planners.day_cap_plan(today=today) == 0


# The beat schedule ---------------------------------------------------------------------


def test_no_beat_schedule_runs_between_one_and_two_in_the_morning():
    """Daylight-saving changes skip or repeat 01:00–02:00 for django-celery-beat's crontabs."""
    crontab_tasks = PeriodicTask.objects.filter(crontab__isnull=False).select_related("crontab")
    assert crontab_tasks.exists()
    for task in crontab_tasks:
        hours = crontab_parser(24).parse(task.crontab.hour)
        assert 1 not in hours, f"{task.name} runs at 01:xx"
        assert str(task.crontab.timezone) == "Europe/London", task.name
    for task in PeriodicTask.objects.filter(clocked__isnull=False).select_related("clocked"):
        assert task.clocked.clocked_time.astimezone(LONDON).hour != 1, task.name
    # The planners run from the daily crontab. Intervals don't read the local clock, so
    # daylight saving can't skip or repeat them: only the sweep and the dashboard warm-up.
    planner_runs = PeriodicTask.objects.get(task="notifications.plan_daily")
    assert planner_runs.crontab is not None and planner_runs.interval is None
    assert set(
        PeriodicTask.objects.filter(interval__isnull=False).values_list("task", flat=True)
    ) <= {"notifications.sweep", "reports.dashboard_warm", "celery.backend_cleanup"}
