"""Erasure: anonymise a person while keeping the programme's aggregate figures intact.

What stays: the peer record's kind, home council, political group, role category, places and
days (the figures the board reads). What goes: name, email, phone, job title, free text they
wrote, equalities answers, calendar token, unavailability reasons — in the live tables AND in
the django-simple-history copies, which would otherwise keep the old values.
"""

import logging

from django.apps import apps
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Extra erasers other domains register: callables (*, user) -> int (rows anonymised).
EXTRA_ERASERS: list = []


def _erased_email(user_id: int) -> str:
    return f"erased-{user_id}@erased.invalid"


@transaction.atomic
def person_erase(*, user, erased_by=None) -> dict:
    """Anonymise `user` (and their peer profile) everywhere, history included."""
    from accounts.models import User
    from peers.models import EqualitiesAnswers, Peer, Unavailability
    from programmes.models import TeamPlace

    counts: dict[str, int] = {}
    user = User.objects.select_for_update().get(pk=user.pk)
    anonymous = {
        "first_name": "Erased",
        "last_name": f"person {user.pk}",
        "email": _erased_email(user.pk),
    }
    User.objects.filter(pk=user.pk).update(is_active=False, password="!erased", **anonymous)
    counts["user_history"] = User.history.filter(id=user.pk).update(**anonymous)

    peer = Peer.objects.filter(user_id=user.pk).first()
    if peer is not None:
        scrub = {"phone": "", "job_title": "", "calendar_token": "", "training_waiver_reason": ""}
        Peer.objects.filter(pk=peer.pk).update(**scrub)
        history_scrub = {k: v for k, v in scrub.items() if k != "calendar_token"}
        counts["peer_history"] = Peer.history.filter(id=peer.pk).update(**history_scrub)
        counts["equalities"] = EqualitiesAnswers.objects.filter(peer=peer).delete()[0]
        Unavailability.objects.filter(peer=peer).update(reason="")
        Unavailability.history.filter(peer_id=peer.pk).update(reason="")
        TeamPlace.objects.filter(peer=peer).update(decline_reason="")
        counts["place_history"] = TeamPlace.history.filter(peer_id=peer.pk).update(
            decline_reason=""
        )
    for eraser in EXTRA_ERASERS:
        counts[getattr(eraser, "__name__", "extra")] = eraser(user=user)
    logger.info(
        "Erased user %s at %s by %s", user.pk, timezone.now(), getattr(erased_by, "pk", None)
    )
    return counts


def erasure_models_with_history() -> list[str]:
    """Names of history tables this eraser scrubs (documented in the privacy notice)."""
    return [
        m._meta.label
        for m in apps.get_models()
        if m._meta.label
        in ("accounts.HistoricalUser", "peers.HistoricalPeer", "programmes.HistoricalTeamPlace")
    ]
