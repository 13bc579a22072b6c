"""The access matrix's world: two councils and two peers, every object owned by "B".

The signed-in users of the matrix belong to council A / peer A, so every path parameter
points at something that is NOT theirs: a council contact of A asking for B's engagement,
a peer asking for another peer's invitation, a guessed token.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from peers import services as peer_services
from peers.models import Unavailability
from programmes.models_matching import AllocationRun
from tests import factories
from tests.factories_council_portal import ChangeRequestFactory, DocumentFactory
from tests.factories_records import (
    DeliveredEngagementFactory,
    PeerFactory,
    TeamPlaceFactory,
    offer,
)
from tests.factories_reports import ReportJobFactory
from tests.factories_surveys import InvitationFactory, respond

ROLES = (
    "anonymous",
    "council",
    "peer",
    "board",
    "manager",
    "director",
    "group_office",
)

# A token of the right shape that belongs to nobody.
FORGED_TOKEN = "x" * 43


@dataclass
class World:
    council_a: object
    council_b: object
    engagement_b: object
    document_b: object
    place_b: object
    peer_b: object
    unavailability_b: object
    invitation_b: object
    report_job: object
    allocation_run: object
    calendar_token_b: str
    users: dict = field(default_factory=dict)


def world_build() -> World:
    """Council A's and peer A's users, and B's engagement, document, places, survey, feed."""
    council_a = factories.CouncilFactory(name="Aton Council")
    council_b = factories.CouncilFactory(name="Beeton Council")
    engagement_b = DeliveredEngagementFactory(councils=[council_b], offer=offer("BRPS"))
    peer_a = PeerFactory(home_council=council_a)
    peer_b = PeerFactory(home_council=council_b)
    place_b = TeamPlaceFactory(engagement=engagement_b, peer=peer_b)
    invitation_b = InvitationFactory(engagement=engagement_b, council=council_b)
    respond(invitation_b)
    unavailability_b = Unavailability.objects.create(
        peer=peer_b,
        starts_on=timezone.localdate() + timedelta(days=5),
        ends_on=timezone.localdate() + timedelta(days=6),
        reason="Holiday",
    )
    ChangeRequestFactory(engagement=engagement_b)
    manager_b = factories.ManagerFactory()
    run = AllocationRun.objects.create(created_by=manager_b)
    run.engagements.add(engagement_b)
    world = World(
        council_a=council_a,
        council_b=council_b,
        engagement_b=engagement_b,
        document_b=DocumentFactory(engagement=engagement_b, released_to_council=True),
        place_b=place_b,
        peer_b=peer_b,
        unavailability_b=unavailability_b,
        invitation_b=invitation_b,
        report_job=ReportJobFactory(owner=manager_b),
        allocation_run=run,
        calendar_token_b=peer_services.peer_calendar_token_create(peer=peer_b),
    )
    world.users = {
        "anonymous": None,
        "council": factories.CouncilContactFactory(council=council_a),
        "peer": peer_a.user,
        "board": factories.BoardMemberFactory(),
        "manager": factories.ManagerFactory(),
        "director": factories.DirectorFactory(),
        "group_office": factories.GroupOfficeFactory(),
    }
    return world


def path_values(world: World, url_name: str) -> dict:
    """Path parameters for one URL, all pointing at B's objects (or a forged credential)."""
    b = world
    values = {
        "reference": b.engagement_b.reference,
        "code": "BRPS",
        "step": "focus",
        "uidb64": urlsafe_base64_encode(force_bytes(b.peer_b.user.pk)),
        "token": FORGED_TOKEN,
        "council_pk": b.council_b.pk,
        "section": "contact",
        "fmt": "pdf",
        "pk": b.engagement_b.pk,
    }
    pk_by_url = {
        "councils:document_download": b.document_b.pk,
        "peers:unavailability_remove": b.unavailability_b.pk,
        "peers:invitation_detail": b.place_b.pk,
        "peers:invitation_decline": b.place_b.pk,
        "programmes:allocation_run": b.allocation_run.pk,
        "reports:report_detail": b.report_job.pk,
        "reports:report_download": b.report_job.pk,
        "api:council-detail": b.council_b.pk,
        "api:offer-detail": offer("BRPS").pk,
        "api:peer-detail": b.peer_b.pk,
    }
    if url_name in pk_by_url:
        values["pk"] = pk_by_url[url_name]
    if url_name.startswith("api:team-place"):
        values["pk"] = b.place_b.pk
    if url_name in ("peers:account_set_password", "accounts:password_reset_confirm"):
        # A real user's id with a token made for a different user: a crafted link.
        values["token"] = default_token_generator.make_token(world.users["board"])
    return values


def admin_values(url_name: str) -> tuple[list, dict]:
    """Arguments for an admin URL: the first object of the model, whoever owns it."""
    short = url_name.removeprefix("admin:")
    if short == "view_on_site":
        content_type = ContentType.objects.get_for_model(admin.site._registry.__iter__().__next__())
        return [], {"content_type_id": content_type.pk, "object_id": 1}
    if short == "auth_user_password_change":
        from accounts.models import User

        return [], {"id": User.objects.order_by("pk").first().pk}
    if short == "app_list":
        return [], {"app_label": "programmes"}
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if short.startswith(prefix):
            first = model._default_manager.order_by("pk").first()
            object_id = first.pk if first else 1
            if short.endswith("simple_history"):
                history = first.history.first() if first else None
                return [object_id, history.history_id if history else 1], {}
            return [], {"object_id": object_id, "id": object_id, "pk": object_id}
    return [], {}


def state_snapshot(world: World) -> dict:
    """Row counts of every table a refused request could write to, and B's key fields."""
    from django.apps import apps

    labels = [
        "accounts.User",
        "councils.Council",
        "councils.ChangeRequest",
        "councils.CouncilRequest",
        "peers.Peer",
        "peers.Unavailability",
        "peers.EqualitiesAnswers",
        "programmes.Engagement",
        "programmes.TeamPlace",
        "programmes.StatusChange",
        "programmes.EngagementDocument",
        "programmes.ActivityDay",
        "programmes.DayCapException",
        "surveys.Invitation",
        "surveys.Response",
        "surveys.Answer",
        "reports.ReportJob",
        "programmes.AllocationRun",
        "notifications.Notification",
    ]
    counts = {label: apps.get_model(label).objects.count() for label in labels}
    engagement = type(world.engagement_b).objects.get(pk=world.engagement_b.pk)
    place = type(world.place_b).objects.get(pk=world.place_b.pk)
    peer = type(world.peer_b).objects.get(pk=world.peer_b.pk)
    return {
        **counts,
        "engagement_b": (engagement.status, engagement.title, engagement.start_date),
        "place_b": (place.status, place.days, place.decline_reason),
        "peer_b": (peer.updated_at, list(peer.conflicts.values_list("pk", flat=True))),
        "peer_b_password": peer.user.password,
    }


def access_snapshot() -> dict:
    """What every person and role may do, every token, and every password and email."""
    from django.contrib.auth.models import Group

    from accounts.models import User
    from api.models import IntegrationToken

    users = {
        user.pk: (
            user.email,
            user.password,
            user.is_active,
            user.is_staff,
            user.is_superuser,
            sorted(user.groups.values_list("pk", flat=True)),
            sorted(user.user_permissions.values_list("pk", flat=True)),
        )
        for user in User.objects.order_by("pk")
    }
    groups = {
        group.pk: (group.name, sorted(group.permissions.values_list("pk", flat=True)))
        for group in Group.objects.order_by("pk")
    }
    tokens = list(IntegrationToken.objects.order_by("pk").values_list("pk", "user_id", "scope"))
    return {"users": users, "groups": groups, "tokens": tokens}
