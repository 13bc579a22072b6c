"""Peer portal: first sign-in from the account invitation, and answering team invitations
(with the manager told of each answer)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Notification
from peers import services
from peers.tokens import peer_invitation_token_generator
from programmes import services as programme_services
from programmes.models import PlaceStatus, TeamPlace
from tests import factories
from tests.factories_peer_portal import (
    AcceptedPlaceFactory,
    NewPeerFactory,
    assert_constant_queries,
)
from tests.factories_records import (
    PeerFactory,
    ScheduledEngagementFactory,
    TeamPlaceFactory,
)

pytestmark = pytest.mark.django_db


def _link(body: str) -> str:
    return re.search(r"https?://\S+/peer/welcome/\S+/", body).group(0).split("testserver")[-1]


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


# --- First sign-in --------------------------------------------------------------------------


def test_an_imported_peer_sets_a_password_from_the_invitation(
    client, django_capture_on_commit_callbacks
):
    peer = NewPeerFactory(user__email="new.peer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.peer_account_invite(peer=peer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.peer@example.org"]
    assert "Set your password" in message.subject
    path = _path(re.search(r"http\S+/peer/welcome/\S+/", message.body).group(0))

    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert "Set your password" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    new_password = "correct-horse-battery-staple-9"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    assert response["Location"] == reverse("peers:dashboard")
    peer.user.refresh_from_db()
    assert peer.user.check_password(new_password)
    assert client.get(reverse("peers:dashboard")).status_code == 200

    # Single use: the same link no longer works.
    client.logout()
    response = client.get(path, follow=True)
    assert "This link has expired or was already used" in response.content.decode()


def test_the_invitation_link_expires(client):
    peer = NewPeerFactory()
    uid = urlsafe_base64_encode(force_bytes(peer.user.pk))
    token = peer_invitation_token_generator.make_token(peer.user)
    path = reverse("peers:account_set_password", args=[uid, token])
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.get(path, follow=True)
    assert "This link has expired or was already used" in response.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=13)):
        response = client.get(path, follow=True)
    assert "Set your password" in response.content.decode()


def test_a_password_reset_token_is_not_an_invitation_token(client):
    peer = NewPeerFactory()
    uid = urlsafe_base64_encode(force_bytes(peer.user.pk))
    token = default_token_generator.make_token(peer.user)
    response = client.get(reverse("peers:account_set_password", args=[uid, token]), follow=True)
    assert "This link has expired or was already used" in response.content.decode()


def test_a_peer_with_a_password_is_not_invited():
    peer = PeerFactory()
    with pytest.raises(ValidationError, match="already set a password"):
        services.peer_account_invite(peer=peer)
    assert not Notification.objects.exists()


def test_a_peer_who_left_is_not_invited():
    peer = NewPeerFactory(status="left")
    with pytest.raises(ValidationError, match="left the peer pool"):
        services.peer_account_invite(peer=peer)


def test_inviting_twice_a_day_sends_one_email(django_capture_on_commit_callbacks):
    peer = NewPeerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.peer_account_invite(peer=peer)
        second = services.peer_account_invite(peer=peer)
    assert first.pk == second.pk
    assert len(mail.outbox) == 1


def test_the_invite_command_invites_everyone_without_a_password(django_capture_on_commit_callbacks):
    new_peers = [NewPeerFactory(), NewPeerFactory()]
    PeerFactory()  # has a password
    NewPeerFactory(status="left")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_peers", "--all-without-password")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in new_peers)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_peers", "--all-without-password")
    assert len(mail.outbox) == 2


def test_the_invite_command_by_email(django_capture_on_commit_callbacks):
    peer = NewPeerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_peers", peer.user.email.upper())
    assert [m.to[0] for m in mail.outbox] == [peer.user.email]
    with pytest.raises(CommandError):
        call_command("invite_peers", "nobody@example.org")
    with pytest.raises(CommandError):
        call_command("invite_peers")


def test_the_invite_task_takes_an_id():
    from peers.tasks import peer_account_invite

    assert peer_account_invite.run(NewPeerFactory().pk) is True
    assert peer_account_invite.run(PeerFactory().pk) is False
    assert peer_account_invite.run(0) is False


# --- Team invitations -----------------------------------------------------------------------


def test_a_team_invitation_emails_the_peer_a_link_to_answer(django_capture_on_commit_callbacks):
    peer = PeerFactory()
    engagement = ScheduledEngagementFactory()
    with django_capture_on_commit_callbacks(execute=True):
        place = programme_services.team_place_add(
            engagement=engagement, peer=peer, role="member", days=Decimal("3")
        )
    assert [m.to[0] for m in mail.outbox] == [peer.user.email]
    body = mail.outbox[0].body
    assert reverse("peers:invitation_detail", args=[place.pk]) in body
    assert engagement.title in mail.outbox[0].subject
    # Running the task again queues nothing new.
    from programmes.tasks import team_place_invited

    with django_capture_on_commit_callbacks(execute=True):
        team_place_invited.run(place.pk)
    assert len(mail.outbox) == 1


def test_invitation_list_shows_only_own_open_invitations(client):
    peer = PeerFactory()
    mine = TeamPlaceFactory(peer=peer)
    TeamPlaceFactory()  # someone else's
    AcceptedPlaceFactory(peer=peer)
    client.force_login(peer.user)
    response = client.get(reverse("peers:invitations"))
    assert [p.pk for p in response.context["invitations"]] == [mine.pk]
    assert mine.engagement.title in response.content.decode()


def test_invitation_list_queries_stay_constant(client, django_assert_num_queries):
    peer = PeerFactory()
    client.force_login(peer.user)

    def add(n):
        for _ in range(n):
            TeamPlaceFactory(peer=peer, engagement__councils=[factories.CouncilFactory()])

    url = reverse("peers:invitations")
    assert_constant_queries(client, url, add, django_assert_num_queries, most=8)


def test_dashboard_queries_stay_constant(client, django_assert_num_queries):
    peer = PeerFactory()
    client.force_login(peer.user)

    def add(n):
        for _ in range(n):
            TeamPlaceFactory(peer=peer)
            AcceptedPlaceFactory(peer=peer)

    url = reverse("peers:dashboard")
    assert_constant_queries(client, url, add, django_assert_num_queries, most=13)


def test_invitation_detail_shows_the_engagement(client):
    peer = PeerFactory()
    council = factories.CouncilFactory(name="Barsetshire Council")
    place = TeamPlaceFactory(peer=peer, engagement__councils=[council], days=Decimal("2.5"))
    client.force_login(peer.user)
    html = client.get(reverse("peers:invitation_detail", args=[place.pk])).content.decode()
    assert "Barsetshire Council" in html
    assert place.engagement.offer.name in html
    assert "2.5" in html
    assert f"{place.response_due:%-d %B %Y}" in html
    assert "I declare that I have no conflict of interest with Barsetshire Council" in html


def test_another_peers_invitation_is_not_found(client):
    peer = PeerFactory()
    place = TeamPlaceFactory()
    client.force_login(peer.user)
    for url in (
        reverse("peers:invitation_detail", args=[place.pk]),
        reverse("peers:invitation_decline", args=[place.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"no_conflict_declared": "on"}).status_code == 404
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED


def test_accepting_records_the_declaration_and_tells_the_manager(
    client, django_capture_on_commit_callbacks
):
    manager = factories.ManagerFactory(email="pm@example.org")
    peer = PeerFactory()
    place = TeamPlaceFactory(peer=peer, engagement__manager=manager)
    client.force_login(peer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("peers:invitation_detail", args=[place.pk]), {"no_conflict_declared": "on"}
        )
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.status == PlaceStatus.ACCEPTED
    assert place.no_conflict_declared_at is not None
    assert [m.to[0] for m in mail.outbox] == ["pm@example.org"]
    assert "accepted" in mail.outbox[0].subject


def test_accepting_without_the_declaration_changes_nothing(client):
    peer = PeerFactory()
    place = TeamPlaceFactory(peer=peer)
    client.force_login(peer.user)
    response = client.post(reverse("peers:invitation_detail", args=[place.pk]), {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that you have no conflict of interest" in html
    assert "<title>Error: " in html
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED
    assert place.no_conflict_declared_at is None
    assert not mail.outbox


def test_accepting_over_the_day_cap_is_refused_with_the_reason(client, settings):
    settings.PEER_DAY_CAP = 4
    peer = PeerFactory()
    start = timezone.localdate() + timedelta(days=60)
    AcceptedPlaceFactory(
        peer=peer,
        days=Decimal("3"),
        engagement__start_date=start + timedelta(days=10),
    )
    place = TeamPlaceFactory(peer=peer, days=Decimal("3"), engagement__start_date=start)
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:invitation_detail", args=[place.pk]), {"no_conflict_declared": "on"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "over the cap of 4" in html
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED
    assert place.no_conflict_declared_at is None


def test_accepting_with_a_declared_conflict_is_refused(client):
    peer = PeerFactory()
    council = factories.CouncilFactory(name="Conflicted Council")
    peer.conflicts.add(council)
    place = TeamPlaceFactory(peer=peer, engagement__councils=[council])
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:invitation_detail", args=[place.pk]), {"no_conflict_declared": "on"}
    )
    assert "declared a conflict of interest with Conflicted Council" in response.content.decode()
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED


def test_accepting_a_clashing_invitation_is_refused(client):
    peer = PeerFactory()
    held = AcceptedPlaceFactory(peer=peer)
    place = TeamPlaceFactory(peer=peer, engagement__start_date=held.engagement.start_date)
    client.force_login(peer.user)
    response = client.post(
        reverse("peers:invitation_detail", args=[place.pk]), {"no_conflict_declared": "on"}
    )
    assert "which overlaps these dates" in response.content.decode()
    place.refresh_from_db()
    assert place.status == PlaceStatus.INVITED


def test_declining_with_a_reason_tells_every_manager_when_none_is_assigned(
    client, django_capture_on_commit_callbacks
):
    managers = [factories.ManagerFactory(), factories.ManagerFactory()]
    peer = PeerFactory()
    place = TeamPlaceFactory(peer=peer)
    client.force_login(peer.user)
    assert client.get(reverse("peers:invitation_decline", args=[place.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("peers:invitation_decline", args=[place.pk]), {"reason": "On holiday"}
        )
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.status == PlaceStatus.DECLINED
    assert place.decline_reason == "On holiday"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in managers)
    assert "On holiday" in mail.outbox[0].body


def test_an_answered_invitation_cannot_be_answered_again(client):
    peer = PeerFactory()
    place = AcceptedPlaceFactory(peer=peer)
    client.force_login(peer.user)
    response = client.get(reverse("peers:invitation_decline", args=[place.pk]))
    assert response.status_code == 302
    response = client.post(
        reverse("peers:invitation_decline", args=[place.pk]), {"reason": "changed my mind"}
    )
    assert "already been answered" in response.content.decode()
    response = client.post(
        reverse("peers:invitation_detail", args=[place.pk]), {"no_conflict_declared": "on"}
    )
    assert "already been answered" in response.content.decode()
    place.refresh_from_db()
    assert place.status == PlaceStatus.ACCEPTED
    assert TeamPlace.objects.get(pk=place.pk).decline_reason == ""
