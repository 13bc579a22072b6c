"""Reads for the notification mechanism: who receives what."""

from django.contrib.auth import get_user_model

from accounts.roles import Role


def managers_for(*, engagement=None) -> list:
    """Return the managers to tell: the engagement's active manager, else every active manager.

    "Managers" are active users in the Programme manager role group.
    """
    manager = getattr(engagement, "manager", None)
    if manager is not None and manager.is_active:
        return [manager]
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=Role.MANAGER).distinct().order_by("email")
    )
