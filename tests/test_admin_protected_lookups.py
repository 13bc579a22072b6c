"""No admin change list filters by equalities answers for someone who may not read them.

A manager without peers.view_equalities could learn who shared equalities answers through
the peer change list (?equalities__isnull=False). Every admin is checked, along every
relation path (up to three deep) that reaches the answers.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from peers.models import EqualitiesAnswers
from tests import factories
from tests.factories_peer_portal import EqualitiesAnswersFactory
from tests.factories_records import PeerFactory

pytestmark = pytest.mark.django_db


def paths_to_equalities(model, depth: int = 3, prefix: str = "", seen=()) -> list[str]:
    """Lookups from `model` that cross relations to EqualitiesAnswers."""
    found = []
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if not field.is_relation or related is None or related in seen:
            continue
        path = f"{prefix}{field.name}"
        if related is EqualitiesAnswers:
            found.append(path)
        elif depth > 1:
            found += paths_to_equalities(related, depth - 1, f"{path}__", (*seen, model))
    return found


def protected_lookups() -> list[tuple[str, str]]:
    lookups = []
    for model in admin.site._registry:
        if model is EqualitiesAnswers:
            continue  # its own admin is closed without the permission
        for path in paths_to_equalities(model):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            for lookup in (f"{path}__isnull=False", f"{path}__sex=female", f"{path}=1"):
                lookups.append((url, lookup))
    return lookups


def test_the_walk_reaches_the_peer_list_and_the_lists_two_relations_away():
    urls = {url for url, _ in protected_lookups()}
    assert reverse("admin:peers_peer_changelist") in urls
    assert reverse("admin:programmes_teamplace_changelist") in urls
    assert len(urls) >= 3


def test_no_admin_list_filters_by_equalities_without_the_permission(client):
    """Given a manager without peers.view_equalities, when any change list is filtered
    across a relation to the answers, then it is refused (400) or closed (403), never
    answered with the filtered rows."""
    for _ in range(2):
        EqualitiesAnswersFactory()
    PeerFactory()  # one who did not share
    client.force_login(factories.ManagerFactory())
    answered = []
    for url, lookup in protected_lookups():
        response = client.get(f"{url}?{lookup}")
        if response.status_code not in (400, 403):
            answered.append(f"{url}?{lookup}: {response.status_code}")
    assert answered == []


def test_with_the_permission_the_peer_list_can_be_filtered_by_who_shared(client):
    for _ in range(2):
        EqualitiesAnswersFactory()
    PeerFactory()
    manager = factories.ManagerFactory()
    manager.user_permissions.add(Permission.objects.get(codename="view_equalities"))
    client.force_login(manager)

    response = client.get(reverse("admin:peers_peer_changelist") + "?equalities__isnull=False")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
