"""Peer portal: access for every role, the profile, conflicts, unavailability, confirmation
and equalities answers. A peer only ever sees and changes their own records."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from peers import services
from peers.models import (
    PREFER_NOT_TO_SAY,
    AgeBand,
    Disability,
    EqualitiesAnswers,
    EthnicGroup,
    Expertise,
    Peer,
    Sex,
    SexualOrientation,
    Unavailability,
    WorkRegion,
)
from tests import factories
from tests.factories_peer_portal import (
    EqualitiesAnswersFactory,
    UnavailabilityFactory,
    assert_constant_queries,
)
from tests.factories_records import PeerFactory, PeerUserFactory, TrainingRecordFactory

pytestmark = pytest.mark.django_db

PEER_PAGES = [
    ("peers:dashboard", {}),
    ("peers:profile", {}),
    ("peers:profile_confirm", {}),
    ("peers:profile_edit", {"section": "contact"}),
    ("peers:profile_edit", {"section": "expertise"}),
    ("peers:profile_edit", {"section": "regions"}),
    ("peers:profile_edit", {"section": "work-mode"}),
    ("peers:conflicts", {}),
    ("peers:unavailability", {}),
    ("peers:equalities", {}),
    ("peers:invitations", {}),
    ("peers:engagements", {}),
    ("peers:calendar", {}),
    ("peers:days", {}),
    ("peers:my_data", {}),
    ("peers:my_data_download", {}),
]

OTHER_ROLES = [
    factories.ManagerFactory,
    factories.DirectorFactory,
    factories.CouncilContactFactory,
    factories.BoardMemberFactory,
    factories.GroupOfficeFactory,
]


def _form(**data):
    return {key: value for key, value in data.items() if value is not None}


def _date_fields(name: str, day: date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url_name", "kwargs"), PEER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("factory", OTHER_ROLES)
@pytest.mark.parametrize(("url_name", "kwargs"), PEER_PAGES)
def test_other_roles_are_forbidden(client, factory, url_name, kwargs):
    client.force_login(factory())
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("url_name", "kwargs"), PEER_PAGES)
def test_a_peer_role_without_a_peer_record_gets_not_found(client, url_name, kwargs):
    client.force_login(PeerUserFactory())
    assert client.get(reverse(url_name, kwargs=kwargs)).status_code == 404


@pytest.mark.parametrize(("url_name", "kwargs"), PEER_PAGES)
def test_a_peer_sees_each_of_their_pages(client, url_name, kwargs):
    peer = PeerFactory()
    client.force_login(peer.user)
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 200


def test_a_peer_who_left_the_pool_gets_not_found(client):
    peer = PeerFactory(status="left")
    client.force_login(peer.user)
    assert client.get(reverse("peers:profile")).status_code == 404


def test_an_unknown_profile_section_is_not_found(client):
    client.force_login(PeerFactory().user)
    assert client.get("/peer/profile/secret/").status_code == 404


def test_the_peer_home_links_to_the_portal(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    html = client.get(reverse("accounts:peer_home")).content.decode()
    for url_name in ("peers:profile", "peers:invitations", "peers:days", "peers:my_data"):
        assert reverse(url_name) in html


# --- Profile --------------------------------------------------------------------------------


def test_the_profile_shows_own_details_and_read_only_training(client):
    peer = PeerFactory(job_title="Leader of Testshire", phone="0123 456")
    other = PeerFactory(job_title="Leader of Elsewhere")
    TrainingRecordFactory(peer=peer, course="Member peer induction")
    TrainingRecordFactory(peer=other, course="Not mine")
    client.force_login(peer.user)
    html = client.get(reverse("peers:profile")).content.decode()
    assert "Leader of Testshire" in html
    assert "Member peer induction" in html
    assert "Leader of Elsewhere" not in html
    assert "Not mine" not in html


def test_profile_page_queries_stay_constant(client, django_assert_num_queries):
    peer = PeerFactory()
    client.force_login(peer.user)
    counter = iter(range(1000))

    def add(n):
        peer.expertise.add(*Expertise.objects.exclude(peers=peer)[:n])
        peer.conflicts.add(*[factories.CouncilFactory() for _ in range(n)])
        for _ in range(n):
            offset = 10 * next(counter) + 30
            UnavailabilityFactory(
                peer=peer,
                starts_on=timezone.localdate() + timedelta(days=offset),
                ends_on=timezone.localdate() + timedelta(days=offset + 1),
            )
            TrainingRecordFactory(peer=peer)

    assert_constant_queries(
        client, reverse("peers:profile"), add, django_assert_num_queries, most=12
    )


def test_a_peer_changes_their_contact_details(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:profile_edit", kwargs={"section": "contact"}),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "01234 567890",
            "job_title": "Director of finance",
            "role_category": "finance",
        },
    )
    assert response.status_code == 302
    peer.refresh_from_db()
    peer.user.refresh_from_db()
    assert (peer.user.first_name, peer.user.last_name) == ("Ada", "Lovelace")
    assert (peer.phone, peer.job_title, peer.role_category) == (
        "01234 567890",
        "Director of finance",
        "finance",
    )
    assert peer.history.first().history_change_reason == "Updated by the peer"


def test_missing_contact_details_show_govuk_errors_and_change_nothing(client):
    peer = PeerFactory(job_title="Leader")
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:profile_edit", kwargs={"section": "contact"}),
        {"first_name": "", "last_name": "X", "job_title": "", "role_category": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert "Enter your first name" in html
    assert "Enter your job title" in html
    assert "Select the option that best describes your role" in html
    peer.refresh_from_db()
    assert peer.job_title == "Leader"


def test_a_peer_sets_expertise_regions_and_work_mode(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    expertise = list(Expertise.objects.all()[:2])
    regions = list(WorkRegion.objects.all()[:3])
    client.post(
        reverse("peers:profile_edit", kwargs={"section": "expertise"}),
        {"expertise": [e.pk for e in expertise]},
    )
    client.post(
        reverse("peers:profile_edit", kwargs={"section": "regions"}),
        {"regions": [r.pk for r in regions]},
    )
    client.post(
        reverse("peers:profile_edit", kwargs={"section": "work-mode"}), {"work_mode": "remote"}
    )
    peer.refresh_from_db()
    assert set(peer.expertise.all()) == set(expertise)
    assert set(peer.regions.all()) == set(regions)
    assert peer.work_mode == "remote"


def test_regions_need_at_least_one(client):
    peer = PeerFactory()
    peer.regions.add(WorkRegion.objects.first())
    client.force_login(peer.user)
    response = client.post(reverse("peers:profile_edit", kwargs={"section": "regions"}), {})
    assert "Select at least one region" in response.content.decode()
    assert peer.regions.count() == 1


# --- Conflicts --------------------------------------------------------------------------------


def test_a_peer_adds_and_removes_a_conflict(client):
    peer = PeerFactory()
    council = factories.CouncilFactory(name="Conflictshire")
    client.force_login(peer.user)
    page = client.get(reverse("peers:conflicts")).content.decode()
    assert "Conflictshire" in page
    response = client.post(reverse("peers:conflicts"), {"council": council.pk})
    assert response.status_code == 302
    assert list(peer.conflicts.all()) == [council]
    response = client.post(reverse("peers:conflict_remove", args=[council.pk]))
    assert response.status_code == 302
    assert not peer.conflicts.exists()


def test_a_conflict_needs_a_council_and_abolished_ones_are_not_offered(client):
    peer = PeerFactory()
    gone = factories.CouncilFactory(name="Gone District", abolished_on=date(2023, 4, 1))
    client.force_login(peer.user)
    page = client.get(reverse("peers:conflicts")).content.decode()
    assert "Gone District" not in page
    response = client.post(reverse("peers:conflicts"), {"council": gone.pk})
    assert "Select a valid choice" in response.content.decode() or response.status_code == 200
    response = client.post(reverse("peers:conflicts"), {})
    assert "Select a council" in response.content.decode()
    assert not peer.conflicts.exists()


def test_removing_a_conflict_not_declared_is_not_found(client):
    peer = PeerFactory()
    other = PeerFactory()
    council = factories.CouncilFactory()
    other.conflicts.add(council)
    client.force_login(peer.user)
    assert client.post(reverse("peers:conflict_remove", args=[council.pk])).status_code == 404
    assert list(other.conflicts.all()) == [council]


def test_remove_takes_post_only(client):
    peer = PeerFactory()
    council = factories.CouncilFactory()
    peer.conflicts.add(council)
    client.force_login(peer.user)
    assert client.get(reverse("peers:conflict_remove", args=[council.pk])).status_code == 405
    assert peer.conflicts.count() == 1


# --- Unavailability -------------------------------------------------------------------------


def test_a_peer_adds_and_removes_an_unavailability_period(client):
    peer = PeerFactory()
    start = timezone.localdate() + timedelta(days=30)
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:unavailability"),
        {**_date_fields("starts_on", start), **_date_fields("ends_on", start + timedelta(days=4))},
    )
    assert response.status_code == 302
    period = peer.unavailability.get()
    assert (period.starts_on, period.ends_on) == (start, start + timedelta(days=4))
    response = client.post(reverse("peers:unavailability_remove", args=[period.pk]))
    assert response.status_code == 302
    assert not peer.unavailability.exists()


@pytest.mark.parametrize(
    ("start_offset", "end_offset", "message"),
    [
        (10, 5, "The last day must be the same as or after the first day"),
        (-20, -10, "The end date must be today or in the future"),
        (10, 500, "A period must be a year or shorter"),
        (22, 24, "These dates overlap a period you already added"),
    ],
)
def test_invalid_unavailability_is_refused_and_nothing_changes(
    client, start_offset, end_offset, message
):
    peer = PeerFactory()
    UnavailabilityFactory(peer=peer)  # days 20 to 26
    today = timezone.localdate()
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:unavailability"),
        {
            **_date_fields("starts_on", today + timedelta(days=start_offset)),
            **_date_fields("ends_on", today + timedelta(days=end_offset)),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "There is a problem" in html
    assert peer.unavailability.count() == 1


def test_unavailability_dates_must_be_complete(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:unavailability"),
        {"starts_on_0": "", "starts_on_1": "", "starts_on_2": "", "ends_on_0": "3"},
    )
    html = response.content.decode()
    assert "Enter the first day you are unavailable" in html
    assert not peer.unavailability.exists()


def test_a_peer_cannot_remove_another_peers_period(client):
    peer = PeerFactory()
    others = UnavailabilityFactory()
    client.force_login(peer.user)
    response = client.post(reverse("peers:unavailability_remove", args=[others.pk]))
    assert response.status_code == 404
    assert Unavailability.objects.filter(pk=others.pk).exists()


# --- Confirmation ---------------------------------------------------------------------------


def test_the_confirmation_page_is_at_the_path_the_emails_link_to():
    from notifications.planners import PEER_PORTAL_PATH, PEER_PROFILE_CONFIRM_PATH

    assert reverse("peers:profile_confirm") == PEER_PROFILE_CONFIRM_PATH == "/peer/profile/confirm/"
    assert reverse("peers:dashboard") == PEER_PORTAL_PATH


def test_confirming_records_today(client):
    peer = PeerFactory(profile_confirmed_on=date(2020, 1, 1))
    client.force_login(peer.user)
    page = client.get("/peer/profile/confirm/").content.decode()
    assert "1 January 2020" in page
    response = client.post("/peer/profile/confirm/")
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.profile_confirmed_on == timezone.localdate()


def test_the_dashboard_nudges_a_stale_profile(client):
    peer = PeerFactory(profile_confirmed_on=timezone.localdate() - timedelta(days=400))
    client.force_login(peer.user)
    html = client.get(reverse("peers:dashboard")).content.decode()
    assert "Check and confirm your profile" in html
    services.peer_profile_confirm(peer=peer)
    html = client.get(reverse("peers:dashboard")).content.decode()
    assert "Check and confirm your profile" not in html


# --- Equalities -----------------------------------------------------------------------------


EQUALITIES_CHOICES = [Sex, EthnicGroup, Disability, AgeBand, SexualOrientation]


@pytest.mark.parametrize("choices", EQUALITIES_CHOICES)
def test_every_equalities_question_offers_prefer_not_to_say(choices):
    assert PREFER_NOT_TO_SAY in choices.values


def _answers(**overrides):
    return {
        "sex": "female",
        "ethnic_group": "asian",
        "disability": "prefer_not_to_say",
        "age_band": "55_64",
        "sexual_orientation": "prefer_not_to_say",
        "consent_given": "on",
        **overrides,
    }


def test_the_equalities_page_explains_why_and_who_sees_it(client):
    client.force_login(PeerFactory().user)
    html = client.get(reverse("peers:equalities")).content.decode()
    assert "Why we ask" in html
    assert "Who sees your answers" in html
    assert html.count("Prefer not to say") >= 5


def test_a_peer_shares_equalities_answers_with_consent(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    response = client.post(reverse("peers:equalities"), _answers())
    assert response.status_code == 302
    answers = EqualitiesAnswers.objects.get(peer=peer)
    assert answers.sex == "female"
    assert answers.consent_given_at is not None
    consent_at = answers.consent_given_at
    client.post(reverse("peers:equalities"), _answers(sex="prefer_not_to_say"))
    answers.refresh_from_db()
    assert answers.sex == "prefer_not_to_say"
    assert answers.consent_given_at == consent_at


def test_without_consent_nothing_is_recorded(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    data = _answers()
    del data["consent_given"]
    response = client.post(reverse("peers:equalities"), data)
    assert "Confirm that you agree to share this information" in response.content.decode()
    assert not EqualitiesAnswers.objects.filter(peer=peer).exists()


def test_an_unanswered_question_asks_for_prefer_not_to_say(client):
    peer = PeerFactory()
    client.force_login(peer.user)
    response = client.post(reverse("peers:equalities"), _answers(sex=""))
    assert "Select your sex, or prefer not to say" in response.content.decode()
    assert not EqualitiesAnswers.objects.filter(peer=peer).exists()


def test_withdrawing_consent_erases_the_answers_without_history(client):
    peer = PeerFactory()
    EqualitiesAnswersFactory(peer=peer)
    kept = EqualitiesAnswersFactory()
    client.force_login(peer.user)
    assert client.get(reverse("peers:equalities_withdraw")).status_code == 200
    response = client.post(reverse("peers:equalities_withdraw"))
    assert response.status_code == 302
    assert not EqualitiesAnswers.objects.filter(peer=peer).exists()
    assert EqualitiesAnswers.objects.filter(pk=kept.pk).exists()
    assert not any(model.__name__ == "HistoricalEqualitiesAnswers" for model in apps.get_models())


def test_a_peer_sees_only_their_own_answers(client):
    peer = PeerFactory()
    EqualitiesAnswersFactory(peer=PeerFactory(), ethnic_group="black")
    client.force_login(peer.user)
    response = client.get(reverse("peers:equalities"))
    assert response.context["form"].initial == {}
    assert response.context["answers"] is None


def test_no_role_group_may_read_individual_answers():
    from django.contrib.auth.models import Group

    for role in Role.ALL:
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(codename="view_equalities").exists()


def test_peer_records_are_unchanged_by_a_refused_post(client):
    """Given another peer's period id, when removing it, then nothing of theirs changes."""
    peer = PeerFactory()
    other = PeerFactory(job_title="Untouched")
    period = UnavailabilityFactory(peer=other)
    client.force_login(peer.user)
    client.post(reverse("peers:unavailability_remove", args=[period.pk]))
    other.refresh_from_db()
    assert other.job_title == "Untouched"
    assert Peer.objects.get(pk=other.pk).unavailability.count() == 1


PEER_POSTS = [
    ("peers:profile_confirm", {}, {}),
    ("peers:profile_edit", {"section": "work-mode"}, {"work_mode": "remote"}),
    ("peers:equalities", {}, _answers()),
    ("peers:equalities_withdraw", {}, {}),
    ("peers:calendar", {}, {"action": "create"}),
    ("peers:unavailability", {}, {}),
]


@pytest.mark.parametrize("factory", [None, *OTHER_ROLES])
@pytest.mark.parametrize(("url_name", "kwargs", "data"), PEER_POSTS)
def test_posts_by_anyone_but_the_peer_change_nothing(client, factory, url_name, kwargs, data):
    peer = PeerFactory(profile_confirmed_on=date(2020, 1, 1), work_mode="both")
    EqualitiesAnswersFactory(peer=peer)
    if factory is not None:
        client.force_login(factory())
    response = client.post(reverse(url_name, kwargs=kwargs), data)
    assert response.status_code == (302 if factory is None else 403)
    peer.refresh_from_db()
    assert peer.profile_confirmed_on == date(2020, 1, 1)
    assert peer.work_mode == "both"
    assert peer.calendar_token == ""
    assert EqualitiesAnswers.objects.filter(peer=peer).exists()
