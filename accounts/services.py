"""Writes for accounts: the emails that let a person sign in, and every change of access."""

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import permissions as access_permissions
from accounts.roles import Role
from core.audit import audited
from notifications.models import Notification
from notifications.services import notification_key, notification_queue


@audited
@transaction.atomic
def password_reset_email_queue(*, user, token: str) -> Notification:
    """Queue the email with a single-use link to set a new password; return its ledger row.

    One row per token (the token carries its timestamp), so two requests are two emails
    and a repeated call is one. The key holds a hash of the token, never the token, and
    the row is secret: its body is hidden in the admin and removed once sent.
    """
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": token},
    )
    token_digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    site_url = settings.SITE_URL.rstrip("/")
    return notification_queue(
        kind="password_reset",
        recipient=user.email,
        user=user,
        about=user,
        key=notification_key("password_reset", user, token_digest),
        contains_secret=True,
        context={
            "recipient_name": user.get_full_name(),
            "reset_url": site_url + path,
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24),
            "reset_again_url": site_url + reverse("accounts:password_reset"),
        },
    )


# --- Access: roles, permissions, staff and superuser status, other people's passwords ------

ACCESS_CHANGED = "access_changed"


def access_overseers(*, actor) -> list:
    """Return the people told of every change of access: directors and superusers but `actor`."""
    from accounts.models import User

    overseers = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.DIRECTOR))
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    if actor is not None:
        overseers = overseers.exclude(pk=actor.pk)
    return list(overseers)


@audited
def person_label(user) -> str:
    """Return "Name (email)" for the access emails; "The system" for no one."""
    if user is None:
        return "The system"
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


@transaction.atomic
def access_change_notify(
    *,
    actor,
    about,
    record,
    subject_label: str,
    changes: list[str],
    link_path: str,
    overseers=None,
) -> int:
    """Queue the email telling the other directors and superusers of a change of access.

    `about` is whose access changed (a user, a group, a token); `record` is what the
    change left behind (a history row, the token): one email per record and recipient.
    Services pass the `overseers` they found before the change, so someone the change has
    just made a director or superuser is not the one who is told. Returns how many emails
    were queued.
    """
    recipients = access_overseers(actor=actor) if overseers is None else overseers
    context = {
        "actor_label": person_label(actor),
        "subject_label": subject_label,
        "changes": changes,
        "link": settings.SITE_URL.rstrip("/") + link_path,
    }
    queued = 0
    for overseer in recipients:
        row = notification_queue(
            kind=ACCESS_CHANGED,
            recipient=overseer.email,
            user=overseer,
            about=about,
            key=notification_key(ACCESS_CHANGED, record, overseer.email),
            context={**context, "recipient_name": overseer.get_full_name()},
        )
        queued += int(row.queued_now)
    return queued


def _permission_label(permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def _set_changes(current, wanted, *, label, added: str, removed: str):
    """Return (to add, to remove, sentences) between two sets of groups or permissions."""
    to_add = sorted(set(wanted) - set(current), key=label)
    to_remove = sorted(set(current) - set(wanted), key=label)
    sentences = [added.format(label(item)) for item in to_add]
    sentences += [removed.format(label(item)) for item in to_remove]
    return to_add, to_remove, sentences


@audited
@transaction.atomic
def user_access_change(
    *,
    user,
    actor,
    is_superuser: bool | None = None,
    is_staff: bool | None = None,
    groups=None,
    permissions=None,
) -> list[str]:
    """Change what `user` may do; return the changes made, one sentence each.

    None leaves a part as it is; `groups` and `permissions` are the complete new sets.
    Only an access administrator may change access, and only a superuser may change
    superuser status or a superuser's access (accounts.permissions.may_change_access):
    otherwise PermissionDenied and nothing changes. Each change is recorded in the user's
    history (history_user is the actor, the change reason lists what changed) and emailed
    through the notification ledger to the other directors and superusers. Nothing to
    change: no record, no email.
    """
    from django.contrib.auth.models import Group, Permission

    from accounts.models import User

    user = User.objects.select_for_update().get(pk=user.pk)
    changes = []
    superuser_status = is_superuser is not None and is_superuser != user.is_superuser
    if superuser_status:
        changes.append("Made a superuser" if is_superuser else "No longer a superuser")
    if is_staff is not None and is_staff != user.is_staff:
        changes.append("Given staff access" if is_staff else "Staff access removed")
    groups_add = groups_remove = permissions_add = permissions_remove = []
    if groups is not None:
        groups_add, groups_remove, sentences = _set_changes(
            Group.objects.filter(user=user),
            groups,
            label=lambda group: group.name,
            added="Added to group “{}”",
            removed="Removed from group “{}”",
        )
        changes += sentences
    if permissions is not None:
        permissions_add, permissions_remove, sentences = _set_changes(
            Permission.objects.filter(user=user).select_related("content_type"),
            Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related(
                "content_type"
            ),
            label=_permission_label,
            added="Given permission “{}”",
            removed="Permission “{}” removed",
        )
        changes += sentences
    if not changes:
        return []
    if not access_permissions.may_change_access(
        actor=actor, user=user, superuser_status=superuser_status
    ):
        raise PermissionDenied("Only an access administrator may change what people can do.")
    overseers = access_overseers(actor=actor)  # as they were before this change
    if is_superuser is not None:
        user.is_superuser = is_superuser
    if is_staff is not None:
        user.is_staff = is_staff
    user.groups.add(*groups_add)
    user.groups.remove(*groups_remove)
    user.user_permissions.add(*permissions_add)
    user.user_permissions.remove(*permissions_remove)
    user._history_user = actor
    user._change_reason = "; ".join(changes)
    user.save(update_fields=["is_superuser", "is_staff"])
    access_change_notify(
        actor=actor,
        subject_label=person_label(user),
        changes=changes,
        about=user,
        record=user.history.first(),
        link_path=reverse("admin:accounts_user_change", args=[user.pk]),
        overseers=overseers,
    )
    return changes


PASSWORD_SET_BY_ANOTHER = "Password set by an access administrator"
PASSWORD_DISABLED_BY_ANOTHER = "Password sign-in disabled by an access administrator"


@audited
@transaction.atomic
def user_password_set(*, user, actor, password: str | None):
    """Set `user`'s password (None: disable password sign-in); return the user.

    Anyone may set their own. Someone else's only an access administrator may set, never
    a superuser's unless the actor is one (accounts.permissions.may_set_password); that is
    recorded in the user's history and emailed to the other directors and superusers.
    The password itself is never recorded or sent.
    """
    if not access_permissions.may_set_password(actor=actor, user=user):
        raise PermissionDenied("Only an access administrator may set someone else's password.")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user._history_user = actor
    if actor.pk != user.pk:
        change = PASSWORD_SET_BY_ANOTHER if password is not None else PASSWORD_DISABLED_BY_ANOTHER
        user._change_reason = change
    user.save(update_fields=["password"])
    if actor.pk != user.pk:
        access_change_notify(
            actor=actor,
            subject_label=person_label(user),
            changes=[user._change_reason],
            about=user,
            record=user.history.first(),
            link_path=reverse("admin:accounts_user_change", args=[user.pk]),
        )
    return user


@transaction.atomic
def group_access_change(*, group, actor, name: str | None = None, permissions=None) -> list[str]:
    """Change a role group's name or permissions (a grant to every member); return the changes.

    Only an access administrator may (PermissionDenied otherwise, nothing changed). Recorded
    in the group's history and emailed to the other directors and superusers, like
    user_access_change.
    """
    from django.contrib.auth.models import Group, Permission

    if not access_permissions.can_administer_access(actor):
        raise PermissionDenied("Only an access administrator may change what a role can do.")
    group = Group.objects.select_for_update().get(pk=group.pk)
    changes = []
    if name is not None and name != group.name:
        changes.append(f"Renamed from “{group.name}” to “{name}”")
    permissions_add = permissions_remove = []
    if permissions is not None:
        permissions_add, permissions_remove, changes_made = _set_changes(
            group.permissions.select_related("content_type"),
            Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related(
                "content_type"
            ),
            label=_permission_label,
            added="Permission “{}” given to everyone in the group",
            removed="Permission “{}” removed from everyone in the group",
        )
        changes += changes_made
    if not changes:
        return []
    overseers = access_overseers(actor=actor)
    if name is not None:
        group.name = name
    group.permissions.add(*permissions_add)
    group.permissions.remove(*permissions_remove)
    group._history_user = actor
    group._change_reason = "; ".join(changes)
    group.save(update_fields=["name"])
    access_change_notify(
        actor=actor,
        subject_label=f"the group “{group.name}”",
        changes=changes,
        about=group,
        record=group.history.first(),
        link_path=reverse("admin:auth_group_change", args=[group.pk]),
        overseers=overseers,
    )
    return changes
