from django.urls import reverse

from accounts.roles import Role

# The first role that matches decides the landing page.
_HOME_BY_ROLE = [
    (Role.MANAGER, "accounts:manager_home"),
    (Role.DIRECTOR, "accounts:manager_home"),
    (Role.BOARD, "accounts:board_home"),
    (Role.COUNCIL_CONTACT, "accounts:council_home"),
    (Role.PEER, "accounts:peer_home"),
    (Role.GROUP_OFFICE, "accounts:group_office_home"),
]


def user_home_url(*, user) -> str | None:
    """Return the landing page URL for the user's role, or None when they have no role."""
    if user.is_superuser:
        return reverse("accounts:manager_home")
    for role, url_name in _HOME_BY_ROLE:
        if user.has_role(role):
            return reverse(url_name)
    return None


def user_permission_names(*, user) -> set[str]:
    """Return every permission `user` holds, own or through a group, as "app_label.codename".

    Unlike ``user.get_all_permissions()`` this ignores ``is_active``: an inactive account's
    rights come back when it is reactivated, so they count when deciding who may act as it.
    Superuser status is not a permission; callers check it separately.
    """
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    }
