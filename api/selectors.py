"""Permission-scoped reads for the API, built on the domain selectors the pages use.

Engagements come only from programmes.selectors.engagement_list_visible_to, so a token
sees exactly what its user sees on the web pages; everything below narrows from there.
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts import permissions
from councils.models import Council
from peers.models import Peer
from programmes.models import Engagement, Offer, TeamPlace
from programmes.selectors import (
    engagement_list_visible_to,
    team_place_list_visible_to_council,
    team_places_known_to_peer,
)

# Ids outside a bigint are never found (and never reach the database, which would refuse them).
MAX_ID = 2**63 - 1


def parse_id(value) -> int:
    """The integer id in a path, or 404 (letters, NUL bytes, ids too large to exist)."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 19 or int(text) > MAX_ID:
        raise Http404("Not found.")
    return int(text)


def council_list() -> QuerySet[Council]:
    """Councils are reference data: every signed-in caller may read them."""
    return Council.objects.select_related("county", "successor")


def offer_list() -> QuerySet[Offer]:
    return Offer.objects.prefetch_related("team_roles", "milestones")


def engagement_list_for_api(*, user) -> QuerySet[Engagement]:
    """Visible engagements with what the API shows, in a fixed number of queries."""
    return (
        engagement_list_visible_to(user=user)
        .select_related("offer")
        .prefetch_related("councils", "themes")
    )


def engagement_get_for_api(*, user, pk) -> Engagement:
    """One visible engagement; 404 both when missing and when outside the user's scope."""
    engagement = engagement_list_for_api(user=user).filter(pk=parse_id(pk)).first()
    if engagement is None:
        raise Http404("Not found.")
    return engagement


def team_place_list_visible_to(*, user) -> QuerySet[TeamPlace]:
    """Managers see every place; peers their own places they were invited to (not a
    reserve never invited); council contacts the team their
    portal shows (programmes.selectors.team_place_list_visible_to_council: accepted places
    once the team is confirmed, never on a cancelled engagement); everyone else none."""
    queryset = TeamPlace.objects.select_related(
        "engagement", "peer__user", "peer__home_council"
    ).order_by("engagement_id", "role", "id")
    if permissions.is_manager(user):
        return queryset
    if permissions.is_peer(user) and hasattr(user, "peer"):
        return queryset.filter(pk__in=team_places_known_to_peer(peer=user.peer).values("pk"))
    if permissions.is_council_contact(user):
        return queryset.filter(pk__in=team_place_list_visible_to_council(user=user).values("pk"))
    return queryset.none()


def team_place_get_visible_to(*, user, pk) -> TeamPlace:
    place = team_place_list_visible_to(user=user).filter(pk=parse_id(pk)).first()
    if place is None:
        raise Http404("Not found.")
    return place


def peer_list_visible_to(*, user) -> QuerySet[Peer]:
    """Managers see every peer; a peer sees only themselves; everyone else none.

    Equalities answers are joined only for holders of peers.view_equalities.
    """
    queryset = Peer.objects.select_related("user", "home_council").prefetch_related(
        "expertise", "regions"
    )
    if user.has_perm("peers.view_equalities"):
        queryset = queryset.select_related("equalities")
    if permissions.is_manager(user):
        return queryset
    if permissions.is_peer(user) and hasattr(user, "peer"):
        return queryset.filter(pk=user.peer.pk)
    return queryset.none()


def peer_get_visible_to(*, user, pk) -> Peer:
    peer = peer_list_visible_to(user=user).filter(pk=parse_id(pk)).first()
    if peer is None:
        raise Http404("Not found.")
    return peer
