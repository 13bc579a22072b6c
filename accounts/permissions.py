"""Role checks for views: the "all" versus "associated" split.

Managers and directors see every council's records ("all"); council contacts and peers
see only their own ("associated"); board members see aggregates only.
"""

from django.contrib.auth.mixins import AccessMixin

from accounts.roles import Role


def is_manager(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.has_role(Role.MANAGER) or user.has_role(Role.DIRECTOR)
    )


def is_board_member(user) -> bool:
    return user.is_authenticated and (user.has_role(Role.BOARD) or is_manager(user))


def is_council_contact(user) -> bool:
    return (
        user.is_authenticated
        and user.council_id is not None
        and user.has_role(Role.COUNCIL_CONTACT)
    )


def is_peer(user) -> bool:
    return user.is_authenticated and user.has_role(Role.PEER)


def is_group_office(user) -> bool:
    return user.is_authenticated and bool(user.political_group) and user.has_role(Role.GROUP_OFFICE)


class RoleRequiredMixin(AccessMixin):
    """Anonymous users are sent to sign in; signed-in users without the role get 403."""

    role_check = staticmethod(is_manager)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not type(self).role_check(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
