"""Roles are auth groups; this module names them and decides their permissions.

The groups are created by a data migration; their permissions are synced after every
migrate, because permissions of later apps exist only once those apps have migrated.
"""

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS


class Role:
    MANAGER = "Programme manager"
    DIRECTOR = "Director of Improvement"
    COUNCIL_CONTACT = "Council contact"
    PEER = "Peer"
    BOARD = "Board member"
    GROUP_OFFICE = "Political group office"

    ALL = (MANAGER, DIRECTOR, COUNCIL_CONTACT, PEER, BOARD, GROUP_OFFICE)


# app_label -> models a manager may add/change/view/delete in the admin.
_MANAGED_MODELS = {
    "accounts": ["user"],
    "councils": ["council", "changerequest", "councilrequest", "requestsubmission"],
    "peers": "__all__",
    "programmes": "__all__",
    "surveys": "__all__",
    "reports": "__all__",
    "notifications": "__all__",
    "api": "__all__",
    "django_celery_beat": "__all__",
}

# Extra named permissions ("app_label.codename") per role.
ROLE_EXTRA_PERMISSIONS = {
    Role.MANAGER: [],
    Role.DIRECTOR: ["programmes.approve_daycapexception"],
    Role.COUNCIL_CONTACT: [],
    Role.PEER: [],
    Role.BOARD: ["reports.view_board_dashboard"],
    Role.GROUP_OFFICE: [],
}

# Permissions no role gets by default (granted to named people only). Managers and
# directors get every permission of the accounts user model except the access
# administrator's: with it they could grant themselves anything (superusers have it).
_WITHHELD = {
    "accounts.administer_access",
    "peers.view_equalities",
    "programmes.approve_daycapexception",
}


def _manager_permissions(Permission):
    perms = []
    for app_label, model_names in _MANAGED_MODELS.items():
        queryset = Permission.objects.filter(content_type__app_label=app_label)
        if model_names != "__all__":
            queryset = queryset.filter(content_type__model__in=model_names)
        perms.extend(
            p
            for p in queryset.select_related("content_type")
            if f"{p.content_type.app_label}.{p.codename}" not in _WITHHELD
        )
    return perms


def _named(Permission, names):
    result = []
    for name in names:
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            result.append(permission)
    return result


def roles_sync(*, apps=global_apps, using=DEFAULT_DB_ALIAS) -> None:
    """Create the role groups if missing and set each group's permissions."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in Role.ALL:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        perms = _named(Permission, ROLE_EXTRA_PERMISSIONS[role])
        if role in (Role.MANAGER, Role.DIRECTOR):
            perms += _manager_permissions(Permission)
            perms += _named(Permission, ["reports.view_board_dashboard"])
        group.permissions.set(perms)


def roles_sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    # post_migrate is sent once per app that has a models module, in INSTALLED_APPS order;
    # act on the last of those, when every app's permissions exist.
    with_models = [c.label for c in global_apps.get_app_configs() if c.models_module is not None]
    if sender.label == with_models[-1]:
        roles_sync(using=using)
