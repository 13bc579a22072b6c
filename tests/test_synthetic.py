"""The synthetic programme: believable, within the rules, and the same for the same seed."""

import random
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Min

from accounts.models import User
from accounts.roles import Role
from councils.models import Council
from peers.models import EqualitiesAnswers, Peer, PeerKind, TrainingRecord, Unavailability
from programmes import workflow
from programmes.models import (
    HOLDING_STATUSES,
    Engagement,
    EngagementStatus,
    Offer,
    StatusChange,
    TeamPlace,
)
from programmes.rules import placement_breaches
from programmes.synthetic import DOMAIN, synthetic_build
from surveys.models import Answer, Invitation, Response

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
SCALE = 0.1  # 100 peers and 30 engagements a year, plus one of every offer in every state


@pytest.fixture
def built():
    return synthetic_build(scale=SCALE, years=2, seed=7, today=TODAY)


def test_the_real_councils_and_a_pool_of_the_scaled_size(built):
    assert Council.objects.count() >= 350  # the ONS reference list
    assert Peer.objects.count() == 100
    kinds = set(Peer.objects.values_list("kind", flat=True))
    assert kinds == {PeerKind.MEMBER, PeerKind.OFFICER, PeerKind.OTHER}
    groups = set(
        Peer.objects.filter(kind=PeerKind.MEMBER).values_list("political_group", flat=True)
    )
    assert {"conservative", "labour", "liberal_democrat", "independent"} <= groups
    assert not Peer.objects.exclude(kind=PeerKind.MEMBER).exclude(political_group="").exists()
    assert TrainingRecord.objects.exists() and Unavailability.objects.exists()
    answered = EqualitiesAnswers.objects.count()
    assert 0 < answered < Peer.objects.count()  # some, not all, chose to share
    assert Peer.objects.annotate(n=Count("expertise")).filter(n=0).count() == 0
    assert Peer.objects.annotate(n=Count("regions")).filter(n=0).count() == 0


def test_nobody_synthetic_can_sign_in_with_a_password(built):
    users = User.objects.filter(email__endswith="@" + DOMAIN)
    assert users.count() > 100
    assert not any(user.has_usable_password() for user in users)
    assert users.filter(groups__name=Role.PEER).count() == 100
    assert users.filter(groups__name=Role.MANAGER).exists()
    assert users.filter(groups__name=Role.BOARD).exists()
    assert users.filter(groups__name=Role.COUNCIL_CONTACT, council__isnull=False).exists()


def test_every_offer_appears_in_every_state(built):
    pairs = set(Engagement.objects.values_list("offer__code", "status"))
    codes = Offer.objects.values_list("code", flat=True)
    states = list(workflow.ORDER) + [EngagementStatus.CANCELLED, EngagementStatus.POSTPONED]
    assert {(code, state) for code in codes for state in states} <= pairs


def test_dates_are_the_activity_days_and_states_fit_them(built):
    engagements = Engagement.objects.annotate(
        first=Min("activity_days__date"), last=Max("activity_days__date")
    )
    for engagement in engagements:
        assert (engagement.start_date, engagement.end_date) == (engagement.first, engagement.last)
        if engagement.status == EngagementStatus.REQUESTED:
            assert engagement.start_date is None
        elif engagement.status in workflow.DELIVERED_STATES:
            assert engagement.end_date < TODAY
        elif engagement.status == EngagementStatus.IN_DELIVERY:
            assert engagement.start_date <= TODAY <= engagement.end_date
        elif engagement.status in (EngagementStatus.SCHEDULED, EngagementStatus.TEAM_CONFIRMED):
            assert engagement.start_date > TODAY
        if engagement.offer.onsite_required and workflow.reached(
            engagement.status, EngagementStatus.SCHEDULED
        ):
            assert engagement.activity_days.filter(mode="onsite").exists()


def test_each_timeline_follows_the_workflow_and_ends_in_the_current_state(built):
    changes = {}
    for change in StatusChange.objects.order_by("engagement_id", "changed_at", "id"):
        changes.setdefault(change.engagement_id, []).append(change)
    for engagement in Engagement.objects.all():
        timeline = changes[engagement.pk]
        assert timeline[0].to_status == EngagementStatus.REQUESTED
        assert timeline[-1].to_status == engagement.status
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_status == before.to_status
            assert workflow.is_allowed(before.to_status, after.to_status)
            assert after.changed_at > before.changed_at


def test_a_random_sample_of_held_places_breaks_no_rule(built):
    """The builder keeps its own books of days and dates; the real rules must agree."""
    places = list(
        TeamPlace.objects.filter(status__in=HOLDING_STATUSES).select_related(
            "peer__home_council", "peer__user", "engagement"
        )
    )
    assert len(places) > 100
    for place in random.Random(1).sample(places, 150):
        breaches = placement_breaches(
            peer=place.peer,
            engagement=place.engagement,
            role=place.role,
            days=place.days,
            place=place,
        )
        assert breaches == [], [b.message for b in breaches]


def test_delivered_engagements_have_full_teams_and_survey_answers(built):
    delivered = Engagement.objects.filter(status__in=workflow.DELIVERED_STATES)
    with_team = delivered.filter(places__status="accepted").distinct().count()
    assert with_team >= 0.9 * delivered.count()
    invitations = Invitation.objects.count()
    responses = Response.objects.count()
    assert 0.3 * invitations < responses < 0.9 * invitations  # a realistic response rate
    assert {"council", "peer"} == set(Response.objects.values_list("audience", flat=True))
    # Every required question of every response is answered.
    for response in Response.objects.prefetch_related("template__questions", "answers"):
        answered = {answer.question_id for answer in response.answers.all()}
        required = {q.pk for q in response.template.questions.all() if q.is_required}
        assert required <= answered
    assert Answer.objects.filter(question__code="quote_consent", choice__code="yes").exists()


def _fingerprint() -> list:
    return [
        (
            e.reference,
            e.status,
            e.start_date,
            tuple(sorted(c.gss_code for c in e.councils.all())),
            tuple(sorted((p.peer.user.email, p.role, p.status) for p in e.places.all())),
        )
        for e in Engagement.objects.prefetch_related("councils", "places__peer__user").order_by(
            "reference"
        )
    ]


def test_the_same_seed_builds_the_same_programme():
    prints = []
    for seed in (3, 3, 4):
        with transaction.atomic():
            synthetic_build(scale=0.05, years=1, seed=seed, today=TODAY)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]


def test_a_second_build_is_refused(built):
    with pytest.raises(RuntimeError, match="already here"):
        synthetic_build(scale=SCALE, seed=7, today=TODAY)


def test_never_under_the_production_profile(settings):
    settings.PRODUCTION = True
    with pytest.raises(RuntimeError, match="production"):
        synthetic_build(scale=SCALE)
    assert not Peer.objects.exists()


def test_the_command_reports_what_it_built():
    out = StringIO()
    call_command(
        "seed_synthetic", "--scale", "0.05", "--years", "1", "--seed", "2",
        "--today", "2026-11-23", stdout=out,
    )  # fmt: skip
    assert "Synthetic programme at scale 0.05 built" in out.getvalue()
    assert "50 peers" in out.getvalue()
    with pytest.raises(CommandError, match="already here"):
        call_command("seed_synthetic", "--scale", "0.05", stdout=StringIO())
