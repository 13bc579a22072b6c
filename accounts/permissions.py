"""Role checks for views: the "all" versus "associated" split.

Managers and directors see every council's records ("all"); council contacts and peers
see only their own ("associated"); board members see aggregates only.
"""

from django.contrib.auth.mixins import AccessMixin

from accounts.roles import Role
from accounts.selectors import user_permission_names

# Named grant (no role has it; superusers have it implicitly): may change roles,
# permissions, staff and superuser status, and other people's passwords.
ADMINISTER_ACCESS = "accounts.administer_access"


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


def can_administer_access(user) -> bool:
    """Return True for superusers and holders of the access-administrator permission."""
    return user.is_authenticated and user.is_active and user.has_perm(ADMINISTER_ACCESS)


def holds_every_right_of(*, holder, user) -> bool:
    """Return True when `holder` already has every right `user` has.

    A superuser holds every right; nobody else holds a superuser's. Otherwise every
    permission of `user` (own or through a role, active or not) must be `holder`'s, and a
    staff account's rights include opening the admin.
    """
    if not (holder.is_authenticated and holder.is_active):
        return False
    if holder.is_superuser:
        return True
    if user.is_superuser or (user.is_staff and not holder.is_staff):
        return False
    return user_permission_names(user=user) <= holder.get_all_permissions()


def may_act_as(*, actor, user) -> bool:
    """May `actor` obtain a way in as `user` (a token, their sign-in email)?

    Only as themselves, or as someone whose every right they already hold: acting as
    another person must never add to what the actor can do.
    """
    if not (actor.is_authenticated and actor.is_active):
        return False
    return actor.pk == user.pk or holds_every_right_of(holder=actor, user=user)


def may_change_user(*, actor, user) -> bool:
    """May `actor` edit `user`'s record at all (with the model permission checked apart)?

    Superusers are edited only by superusers; access administrators edit anyone else;
    others only people they may act as (themselves, or people with no more rights).
    """
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    return can_administer_access(actor) or may_act_as(actor=actor, user=user)


def may_change_access(*, actor, user, superuser_status: bool = False) -> bool:
    """May `actor` change `user`'s roles, permissions or staff status (or superuser status)?

    Access administrators may, except for superusers' access and superuser status itself,
    which only a superuser changes.
    """
    if not can_administer_access(actor) or not may_change_user(actor=actor, user=user):
        return False
    return actor.is_superuser or not superuser_status


def may_set_password(*, actor, user) -> bool:
    """May `actor` set `user`'s password? Their own, or as an access administrator."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.pk == user.pk:
        return True
    return may_change_access(actor=actor, user=user)


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
