"""Peer tasks: take ids, call one service, safe to run twice (the notification keys)."""

import logging

from celery import shared_task
from django.core.exceptions import ValidationError

from peers import services
from peers.models import Peer

logger = logging.getLogger(__name__)


@shared_task(name="peers.peer_account_invite")
def peer_account_invite(peer_id: int) -> bool:
    """Email one peer the link to set their password; False when refused (already set, left)."""
    peer = Peer.objects.select_related("user").filter(pk=peer_id).first()
    if peer is None:
        return False
    try:
        services.peer_account_invite(peer=peer)
    except ValidationError as error:
        logger.info("Peer %s not invited: %s", peer_id, "; ".join(error.messages))
        return False
    return True
