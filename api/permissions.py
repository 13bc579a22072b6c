"""Who may call what. Which rows a caller sees is decided by the selectors, as on the pages.

Managers and directors see every council's records; council contacts their council's;
peers their own; board members aggregates only; political group offices reference data only
(their pages are still to come). Token scopes add one more rule: a read-only token cannot write.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import permissions
from api.models import IntegrationToken


def is_record_reader(user) -> bool:
    """Managers, council contacts and peers read records (each only their own scope)."""
    return (
        permissions.is_manager(user)
        or permissions.is_council_contact(user)
        or (permissions.is_peer(user) and hasattr(user, "peer"))
    )


class TokenScopeAllows(BasePermission):
    """A read-only token may only read."""

    message = _("This token is read-only. Ask a programme manager for a read and write token.")

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, IntegrationToken) and request.method not in SAFE_METHODS:
            return token.can_write
        return True


class ReadsRecords(BasePermission):
    message = _(
        "Your role cannot see individual records through the API. Board members see "
        "aggregates only."
    )

    def has_permission(self, request, view):
        return is_record_reader(request.user)


class ManagersOnly(BasePermission):
    message = _("Only programme managers can do this.")

    def has_permission(self, request, view):
        return permissions.is_manager(request.user)


class RequestsEngagements(BasePermission):
    message = _("Only programme managers and council contacts can request an engagement.")

    def has_permission(self, request, view):
        return permissions.is_manager(request.user) or permissions.is_council_contact(request.user)


class ReadsPeers(BasePermission):
    message = _("Only programme managers and peers themselves can see peers’ records.")

    def has_permission(self, request, view):
        user = request.user
        return permissions.is_manager(user) or (permissions.is_peer(user) and hasattr(user, "peer"))


class ReadsAggregates(BasePermission):
    message = _("Only programme managers and board members can see these figures.")

    def has_permission(self, request, view):
        return permissions.is_board_member(request.user)
