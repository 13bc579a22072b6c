"""Erasure anonymises a person everywhere, history included, and keeps the figures."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from peers.models import EqualitiesAnswers, Peer
from programmes.models import PlaceStatus, TeamPlace
from programmes.selectors import financial_year_of, peer_days_used
from tests.factories_records import PeerFactory, TeamPlaceFactory

pytestmark = pytest.mark.django_db


def test_erasure_removes_the_person_from_live_and_history_tables_and_keeps_the_days():
    peer = PeerFactory(phone="07700 900123", job_title="Leader of Anytown Council")
    peer.user.first_name = "Rosalind"
    peer.user.save()
    EqualitiesAnswers.objects.create(peer=peer, consent_given_at=timezone.now(), sex="female")
    place = TeamPlaceFactory(peer=peer, status=PlaceStatus.ACCEPTED, days=Decimal("3"))
    TeamPlace.objects.filter(pk=place.pk).update(decline_reason="")
    year = financial_year_of(place.engagement.start_date)
    days_before = peer_days_used(peer=peer, financial_year=year)
    email = peer.user.email

    call_command("erase_person", email, "--yes")

    user = User.objects.get(pk=peer.user_id)
    assert user.email.endswith("@erased.invalid") and not user.is_active
    assert not User.objects.filter(email=email).exists()
    assert not User.history.filter(email=email).exists()
    assert not User.history.filter(first_name="Rosalind").exists()
    assert not Peer.history.filter(phone="07700 900123").exists()
    assert not Peer.history.filter(job_title="Leader of Anytown Council").exists()
    assert not EqualitiesAnswers.objects.filter(peer=peer).exists()
    assert peer_days_used(peer=peer, financial_year=year) == days_before
    assert Peer.objects.get(pk=peer.pk).home_council_id == peer.home_council_id


def test_erasure_needs_confirmation_and_an_existing_person():
    peer = PeerFactory()
    with pytest.raises(CommandError, match="--yes"):
        call_command("erase_person", peer.user.email)
    assert User.objects.get(pk=peer.user_id).is_active
    with pytest.raises(CommandError, match="No user"):
        call_command("erase_person", "nobody@example.org", "--yes")
