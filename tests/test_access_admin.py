"""Who may change what a person may do (issue #18, item 2).

Roles, permissions, superuser and staff status, and other people's passwords are changed
only by a superuser or an access administrator (accounts.administer_access, a named
grant); a token acts only as its issuer or as someone whose every right the issuer holds.
Every grant is recorded in the user's history (who, what, to whom) and emailed, through
the notification ledger, to the other directors and superusers.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role, roles_sync
from api.models import IntegrationToken
from api.services import integration_token_create
from notifications.models import Notification
from tests import factories
from tests.factories_admin import admin_form_data

pytestmark = pytest.mark.django_db


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _access(user) -> tuple:
    """Everything that decides what `user` may do, read fresh from the database."""
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
        user.password,
        user.email,
    )


def _change_url(user):
    return reverse("admin:accounts_user_change", args=[user.pk])


def _form_data(client, user) -> dict:
    """What "Save" on the user's change page would send as it stands."""
    data = admin_form_data(client.get(_change_url(user)))
    joined = user.date_joined
    data.update(
        date_joined_0=joined.strftime("%Y-%m-%d"), date_joined_1=joined.strftime("%H:%M:%S")
    )
    return data


def _escalation(client, target):
    """POST the target's change page as it stands plus superuser, Director and equalities."""
    data = _form_data(client, target)
    data.update(
        {
            "email": target.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [str(Group.objects.get(name=Role.DIRECTOR).pk)],
            "user_permissions": [str(_permission("peers", "view_equalities").pk)],
        }
    )
    return client.post(_change_url(target), data)


# --- A manager without director rights ---------------------------------------------------


def test_a_manager_cannot_make_themselves_superuser_director_or_equalities_reader(client):
    manager = factories.ManagerFactory()
    client.force_login(manager)
    before = _access(manager)

    page = client.get(_change_url(manager))
    response = _escalation(client, manager)

    assert response.status_code == 302  # the rest of the record saved, access untouched
    assert _access(manager) == before
    assert not User.objects.get(pk=manager.pk).has_perm("peers.view_equalities")
    form_fields = set(page.context["adminform"].form.fields)
    assert form_fields.isdisjoint({"is_superuser", "is_staff", "groups", "user_permissions"})


def test_a_manager_cannot_raise_another_users_access(client):
    manager = factories.ManagerFactory()
    peer_user = factories.UserFactory(roles=[Role.PEER])
    client.force_login(manager)
    before = _access(peer_user)

    assert _escalation(client, peer_user).status_code == 302

    assert _access(peer_user) == before


def test_a_manager_cannot_edit_a_director_or_superuser_at_all(client):
    manager = factories.ManagerFactory()
    client.force_login(manager)
    for target in (factories.DirectorFactory(), factories.SuperuserFactory()):
        before = _access(target)
        data = {"email": "manager-owned@example.org", "first_name": "X", "last_name": "Y"}

        response = client.post(_change_url(target), data)

        assert response.status_code == 403
        assert _access(target) == before


def test_a_manager_cannot_set_another_staff_members_password(client):
    manager = factories.ManagerFactory()
    client.force_login(manager)
    for target in (
        factories.DirectorFactory(),
        factories.ManagerFactory(),
        factories.CouncilContactFactory(),
    ):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        before = _access(target)

        page = client.get(url)
        response = client.post(
            url,
            {
                "password1": "taken-over-9876",
                "password2": "taken-over-9876",
                "usable_password": "true",
            },
        )

        assert page.status_code == 403
        assert response.status_code == 403
        assert _access(target) == before


def test_a_manager_may_still_change_their_own_password(client):
    manager = factories.ManagerFactory()
    client.force_login(manager)
    url = reverse("admin:auth_user_password_change", args=[manager.pk])

    response = client.post(
        url, {"password1": "my-new-password-9876", "password2": "my-new-password-9876"}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=manager.pk).check_password("my-new-password-9876")


def test_reverting_a_user_to_an_old_version_is_refused(client):
    manager = factories.ManagerFactory()
    manager.is_superuser = True
    manager.save()  # an old version in which the manager was a superuser
    old = manager.history.first()
    manager.is_superuser = False
    manager.save()
    client.force_login(manager)
    url = reverse("admin:accounts_user_simple_history", args=[manager.pk, old.history_id])

    response = client.post(url, {"email": manager.email, "is_active": "on"})

    assert response.status_code == 403
    assert not User.objects.get(pk=manager.pk).is_superuser


# --- Tokens ------------------------------------------------------------------------------


def _token_add(client, acts_as):
    return client.post(
        reverse("admin:api_integrationtoken_add"),
        {"name": "CRM sync", "user": str(acts_as.pk), "scope": "read_write"},
    )


def test_a_manager_cannot_mint_a_token_acting_as_someone_with_more_rights(client):
    manager = factories.ManagerFactory()
    equalities_reader = factories.ManagerFactory()
    equalities_reader.user_permissions.add(_permission("peers", "view_equalities"))
    client.force_login(manager)

    for target in (equalities_reader, factories.DirectorFactory(), factories.SuperuserFactory()):
        response = _token_add(client, target)

        assert response.status_code == 200  # the form again, with the reason
        assert "every permission" in response.content.decode()
    assert not IntegrationToken.objects.exists()


def test_the_token_service_refuses_an_issuer_without_the_rights_too():
    manager = factories.ManagerFactory()
    director = factories.DirectorFactory()

    with pytest.raises(PermissionDenied):
        integration_token_create(name="CRM", user=director, created_by=manager)

    assert not IntegrationToken.objects.exists()


def test_a_token_for_oneself_or_someone_with_fewer_rights_is_issued_and_reported(client):
    manager = factories.ManagerFactory()
    contact = factories.CouncilContactFactory()
    director = factories.DirectorFactory()
    superuser = factories.SuperuserFactory()
    client.force_login(manager)

    _token_add(client, manager)
    _token_add(client, contact)

    tokens = IntegrationToken.objects.order_by("pk")
    assert [(t.user, t.created_by) for t in tokens] == [(manager, manager), (contact, manager)]
    told = Notification.objects.filter(kind="access_changed")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [director.email, superuser.email] * 2
    )
    assert "CRM sync" in told.first().body_text


def test_a_superuser_may_mint_a_token_for_anyone():
    superuser = factories.SuperuserFactory()
    director = factories.DirectorFactory()

    token, _ = integration_token_create(name="Board feed", user=director, created_by=superuser)

    assert token.created_by == superuser


# --- Access administrators and the audited service ---------------------------------------


def test_the_access_administrator_permission_is_given_to_no_role():
    roles_sync()

    for role in Role.ALL:
        group = Group.objects.get(name=role)
        assert not group.permissions.filter(codename="administer_access").exists(), role
    assert not factories.DirectorFactory().has_perm("accounts.administer_access")
    assert factories.SuperuserFactory().has_perm("accounts.administer_access")


def test_an_access_administrator_grants_a_role_recorded_and_reported(client):
    administrator = factories.AccessAdministratorFactory()
    manager = factories.ManagerFactory()
    director = factories.DirectorFactory()
    superuser = factories.SuperuserFactory()
    client.force_login(administrator)
    data = _form_data(client, manager)
    data["groups"] = [
        str(Group.objects.get(name=role).pk) for role in (Role.MANAGER, Role.DIRECTOR)
    ]

    response = client.post(_change_url(manager), data)

    assert response.status_code == 302
    assert User.objects.get(pk=manager.pk).has_role(Role.DIRECTOR)
    record = manager.history.first()
    assert record.history_user == administrator
    assert record.history_change_reason == f"Added to group “{Role.DIRECTOR}”"
    told = Notification.objects.filter(kind="access_changed")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        [director.email, superuser.email]
    )
    assert Role.DIRECTOR in told.first().body_text


def test_an_access_administrator_who_is_not_a_superuser_cannot_make_one(client):
    administrator = factories.AccessAdministratorFactory()
    manager = factories.ManagerFactory()
    client.force_login(administrator)
    data = _form_data(client, manager)
    data["is_superuser"] = "on"

    response = client.post(_change_url(manager), data)

    assert response.status_code == 302
    assert not User.objects.get(pk=manager.pk).is_superuser
    from accounts.services import user_access_change

    with pytest.raises(PermissionDenied):
        user_access_change(user=manager, actor=administrator, is_superuser=True)
    assert not User.objects.get(pk=manager.pk).is_superuser


def test_an_access_administrator_may_set_a_colleagues_password_and_it_is_reported(client):
    administrator = factories.AccessAdministratorFactory()
    colleague = factories.ManagerFactory()
    director = factories.DirectorFactory()
    client.force_login(administrator)
    url = reverse("admin:auth_user_password_change", args=[colleague.pk])

    response = client.post(
        url, {"password1": "reset-by-admin-9876", "password2": "reset-by-admin-9876"}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=colleague.pk).check_password("reset-by-admin-9876")
    assert colleague.history.first().history_user == administrator
    told = Notification.objects.get(kind="access_changed")
    assert told.recipient == director.email
    assert "reset-by-admin" not in told.body_text


def test_the_service_refuses_anyone_but_an_access_administrator_and_changes_nothing():
    from accounts.services import user_access_change

    manager = factories.ManagerFactory()
    director_group = Group.objects.get(name=Role.DIRECTOR)
    before = _access(manager)

    for actor in (manager, factories.DirectorFactory()):
        with pytest.raises(PermissionDenied):
            user_access_change(user=manager, actor=actor, groups=[director_group])

    assert _access(manager) == before
    assert not Notification.objects.exists()


def test_the_service_records_nothing_and_sends_nothing_when_nothing_changes():
    from accounts.services import user_access_change

    superuser = factories.SuperuserFactory()
    manager = factories.ManagerFactory()
    factories.DirectorFactory()
    records = manager.history.count()

    changes = user_access_change(
        user=manager, actor=superuser, groups=list(manager.groups.all()), is_staff=True
    )

    assert changes == []
    assert manager.history.count() == records
    assert not Notification.objects.exists()


def test_the_service_describes_every_change_and_emails_no_one_twice():
    from accounts.services import user_access_change

    superuser = factories.SuperuserFactory()
    other_superuser = factories.SuperuserFactory()
    director = factories.DirectorFactory()
    director.is_superuser = True
    director.save()
    peer_user = factories.UserFactory(roles=[Role.PEER])

    changes = user_access_change(
        user=peer_user,
        actor=superuser,
        is_staff=True,
        groups=[Group.objects.get(name=Role.MANAGER)],
        permissions=[_permission("peers", "view_equalities")],
    )

    assert changes == [
        "Given staff access",
        f"Added to group “{Role.MANAGER}”",
        f"Removed from group “{Role.PEER}”",
        "Given permission “peers.view_equalities”",
    ]
    assert peer_user.history.first().history_change_reason == "; ".join(changes)
    recipients = list(
        Notification.objects.filter(kind="access_changed").values_list("recipient", flat=True)
    )
    assert sorted(recipients) == sorted([other_superuser.email, director.email])


# --- Groups ------------------------------------------------------------------------------


def test_a_group_admin_change_is_refused_to_everyone_but_access_administrators(client):
    manager = factories.ManagerFactory()
    manager.user_permissions.add(_permission("auth", "change_group"))
    client.force_login(manager)
    group = Group.objects.get(name=Role.MANAGER)
    equalities = _permission("peers", "view_equalities")

    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(equalities.pk)]},
    )

    assert response.status_code == 403
    assert not group.permissions.filter(pk=equalities.pk).exists()


def test_an_access_administrators_group_change_is_recorded_and_reported(client):
    administrator = factories.AccessAdministratorFactory()
    administrator.user_permissions.add(_permission("auth", "change_group"))
    director = factories.DirectorFactory()
    client.force_login(administrator)
    group = Group.objects.get(name=Role.BOARD)
    equalities = _permission("peers", "view_equalities")
    kept = list(group.permissions.values_list("pk", flat=True))

    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(pk) for pk in [*kept, equalities.pk]]},
    )

    assert response.status_code == 302
    assert group.permissions.filter(pk=equalities.pk).exists()
    record = group.history.first()
    assert record.history_user == administrator
    assert "peers.view_equalities" in record.history_change_reason
    told = Notification.objects.get(kind="access_changed")
    assert told.recipient == director.email
