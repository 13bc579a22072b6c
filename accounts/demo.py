"""A believable demo programme and one sign-in per role, for `make run`.

Everything goes through the services, so the demo obeys the same rules as real data.
Idempotent: a second run finds the demo already there and changes nothing.
"""

import contextlib
import functools
import logging
import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from accounts.roles import Role
from councils.models import Council, CouncilType, PoliticalControl
from peers.models import (
    Expertise,
    Peer,
    PeerKind,
    PoliticalGroup,
    RoleCategory,
    TrainingRecord,
    WorkMode,
    WorkRegion,
)
from programmes import services, workflow
from programmes.models import (
    DayMode,
    DocumentKind,
    Engagement,
    EngagementStatus,
    Offer,
    PlaceStatus,
    TeamRole,
)

logger = logging.getLogger(__name__)

DEMO_MARKER = "DEMO-"
DEMO_USERS = [
    ("manager@example.org", "Priya", "Shah", Role.MANAGER, True),
    ("director@example.org", "Graham", "Okafor", Role.DIRECTOR, True),
    ("council@example.org", "Helen", "Marsh", Role.COUNCIL_CONTACT, False),
    ("peer@example.org", "Tom", "Ridley", Role.PEER, False),
    ("board@example.org", "Margaret", "Lowe", Role.BOARD, False),
    ("pgo@example.org", "Sam", "Baxter", Role.GROUP_OFFICE, False),
]
DEMO_COUNCIL = "E07000110"  # Maidstone: the demo council contact's council
DEMO_PEER_COUNCIL = "E08000003"  # Manchester: the demo member peer's home council

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ellen",
    "Farid",
    "Grace",
    "Hugh",
    "Imran",
    "Jo",
    "Kate",
    "Liam",
    "Maya",
    "Nadia",
    "Owen",
    "Pat",
    "Rosa",
    "Sunil",
    "Tara",
    "Will",
]  # noqa: E501
LAST = [
    "Adams",
    "Begum",
    "Clarke",
    "Davies",
    "Evans",
    "Fox",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Patel",
    "Reid",
    "Singh",
    "Taylor",
    "Walker",
    "Wright",
    "Young",
]  # noqa: E501
GROUPS = [g for g, _ in PoliticalGroup.choices]
OFFICER_ROLES = ["chief_executive", "director", "finance", "legal_democratic", "other"]
MEMBER_ROLES = ["leader", "cabinet_member", "leader", "cabinet_member", "other"]


def demo_exists() -> bool:
    return Engagement.objects.filter(reference__startswith=DEMO_MARKER).exists()


def _user(email, first, last, role, is_staff, council=None, group="", can_sign_in=True):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "is_staff": is_staff,
            "council": council,
            "political_group": group,
        },
    )
    if created:
        # Only the demo sign-ins get a password; pool peers are invited to set their own.
        if can_sign_in:
            user.set_password(settings.DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
    return user


@transaction.atomic
def demo_build(*, seed: int = 2026) -> dict:
    """Create the demo sign-ins and programme; return what was created."""
    if settings.PRODUCTION:
        raise RuntimeError("Demo users are never created under the production profile.")
    if not Council.objects.exists():
        raise RuntimeError("Load the councils first: manage.py load_councils")
    rng = random.Random(seed)
    councils = list(Council.objects.filter(abolished_on__isnull=True).order_by("gss_code"))
    by_code = {c.gss_code: c for c in councils}

    # Political control: believable spread, deterministic; only fill blanks.
    controls = [c for c, _ in PoliticalControl.choices if c != "other"]
    blank = [c for c in councils if not c.political_control]
    for council in blank:
        council.political_control = rng.choice(controls)
        council.nsap_funded = rng.random() < 0.25
    Council.objects.bulk_update(blank, ["political_control", "nsap_funded"])

    users = {}
    for email, first, last, role, is_staff in DEMO_USERS:
        users[role] = _user(
            email,
            first,
            last,
            role,
            is_staff,
            council=by_code[DEMO_COUNCIL] if role == Role.COUNCIL_CONTACT else None,
            group="labour" if role == Role.GROUP_OFFICE else "",
        )
    if demo_exists():
        return {"created": False}

    expertise = list(Expertise.objects.all())
    regions = list(WorkRegion.objects.all())
    today = timezone.localdate()

    peers = []
    demo_peer = Peer.objects.create(
        user=users[Role.PEER],
        kind=PeerKind.MEMBER,
        home_council=by_code[DEMO_PEER_COUNCIL],
        political_group=PoliticalGroup.LABOUR,
        job_title="Deputy leader",
        role_category=RoleCategory.CABINET_MEMBER,
        work_mode=WorkMode.BOTH,
        profile_confirmed_on=today - timedelta(days=300),
    )
    demo_peer.expertise.set(rng.sample(expertise, 3))
    demo_peer.regions.set(regions)
    TrainingRecord.objects.create(
        peer=demo_peer,
        kind="training",
        course="Member peer training",
        attended_on=today - timedelta(days=400),
    )
    peers.append(demo_peer)
    for index in range(80):
        member = index % 2 == 0
        waived = member and index % 17 == 0
        first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
        user = _user(
            f"{slugify(first)}.{slugify(last)}.{index}@peers.example.org",
            first,
            last,
            Role.PEER,
            False,
            can_sign_in=False,
        )
        peer = Peer.objects.create(
            user=user,
            kind=PeerKind.MEMBER if member else (PeerKind.OFFICER if index % 9 else PeerKind.OTHER),
            home_council=rng.choice(councils),
            political_group=GROUPS[index % len(GROUPS)] if member else "",
            job_title="Councillor" if member else "Senior officer",
            role_category=(MEMBER_ROLES if member else OFFICER_ROLES)[index % 5],
            work_mode=rng.choice([WorkMode.BOTH, WorkMode.BOTH, WorkMode.REMOTE, WorkMode.ONSITE]),
            profile_confirmed_on=today - timedelta(days=rng.randint(10, 500)),
            training_waived=waived,
            training_waiver_reason="Very experienced peer" if waived else "",
            training_waiver_approved_by=users[Role.MANAGER] if waived else None,
            training_waiver_approved_at=timezone.now() if waived else None,
        )
        peer.expertise.set(rng.sample(expertise, rng.randint(2, 5)))
        peer.regions.set(rng.sample(regions, rng.randint(2, 10)))
        if member and index % 6:
            TrainingRecord.objects.create(
                peer=peer,
                kind=rng.choice(["training", "conference"]),
                course=rng.choice(["Member peer training", "Member peer conference"]),
                attended_on=today - timedelta(days=rng.randint(30, 1400)),
            )
        peers.append(peer)

    created = 0
    offers = list(Offer.objects.prefetch_related("team_roles").order_by("code"))
    states = list(workflow.ORDER) + [EngagementStatus.CANCELLED, EngagementStatus.POSTPONED]
    for offer in offers:
        for state_index, state in enumerate(states):
            created += _demo_engagement(
                rng=rng,
                offer=offer,
                state=state,
                index=state_index,
                councils=councils,
                by_code=by_code,
                peers=peers,
                expertise=expertise,
                manager=users[Role.MANAGER],
                demo_peer=demo_peer,
                today=today,
            )
    return {"created": True, "engagements": created, "peers": len(peers)}


def _demo_engagement(*, rng, offer, state, index, councils, by_code, peers, expertise, manager,
                     demo_peer, today) -> int:  # fmt: skip
    delivered = workflow.reached(state, EngagementStatus.DELIVERED)
    if delivered:
        start = today - timedelta(days=30 + 40 * index + rng.randint(0, 20))
    elif state == EngagementStatus.IN_DELIVERY:
        start = today - timedelta(days=1)  # delivery starts on the first activity day
    else:
        start = today + timedelta(days=20 + 25 * index + rng.randint(0, 20))
    while start.weekday() > 3:
        start += timedelta(days=1)
    # The demo council gets CPC, RRP and BRPS engagements; others go to random councils.
    if offer.code in ("CPC", "RRP", "BRPS") and index % 3 == 0:
        council_list = [by_code[DEMO_COUNCIL]]
    elif offer.serves_group:
        council_list = rng.sample([c for c in councils if c.council_type != CouncilType.COUNTY], 4)
    else:
        council_list = [rng.choice(councils)]
    length = max(1, int(offer.typical_days)) if offer.code != "MENTOR" else 1
    if offer.code == "CPC":
        length = council_list[0].default_cpc_days
    modes = [DayMode.ONSITE] * length if offer.onsite_required else [DayMode.REMOTE] * length
    days = [(start + timedelta(days=i), modes[i]) for i in range(length)]
    engagement = services.engagement_create(
        offer=offer,
        councils=council_list,
        title=f"{offer.name} for {council_list[0].name}"
        if len(council_list) == 1
        else f"{offer.name}: panel of {len(council_list)} councils",
        user=manager,
        reference=f"{DEMO_MARKER}{offer.code}-{index + 1:02d}",
        manager=manager,
        focus=rng.choice(
            [
                "Financial sustainability and the medium-term plan",
                "Recovery from the pandemic and renewal of the local economy",
                "Governance, scrutiny and decision-making",
                "Housing, homelessness and rough sleeping",
                "Organisational capacity and transformation",
            ]
        ),
        themes=rng.sample(expertise, 3),
    )
    if state == EngagementStatus.REQUESTED:
        return 1
    services.engagement_activity_days_set(engagement=engagement, days=days, user=manager)
    path = []
    if state in (EngagementStatus.CANCELLED, EngagementStatus.POSTPONED):
        path = [EngagementStatus.SCOPING, state]
    else:
        path = workflow.ORDER[1 : workflow.ORDER.index(state) + 1]
    team_from = EngagementStatus.TEAM_CONFIRMED
    for step in path:
        if step == team_from:
            _demo_team(rng=rng, engagement=engagement, peers=peers, demo_peer=demo_peer,
                       manager=manager, delivered=delivered)  # fmt: skip
        if step == EngagementStatus.FEEDBACK_ISSUED:
            _demo_feedback_letter(engagement=engagement, manager=manager)
        services.engagement_transition(engagement=engagement, to_status=step, user=manager)
    if state == EngagementStatus.SCHEDULED and offer.code in ("CPC", "BRPS"):
        # An open invitation for the demo peer to answer.
        with contextlib.suppress(ValidationError):
            services.team_place_add(
                engagement=engagement,
                peer=demo_peer,
                role=TeamRole.MEMBER,
                days=Decimal(length),
                user=manager,
            )
    return 1


@functools.cache
def _demo_letter_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(
        string="<h1>Feedback letter</h1><p>The peer team's findings and recommendations.</p>"
    ).write_pdf()


def _demo_feedback_letter(*, engagement, manager) -> None:
    """Store the team's feedback letter (a short PDF) through the document service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from councils.services import engagement_document_upload

    engagement_document_upload(
        engagement=engagement,
        user=manager,
        kind=DocumentKind.FEEDBACK_LETTER,
        uploaded_file=SimpleUploadedFile(
            f"Feedback letter {engagement.reference}.pdf",
            _demo_letter_pdf(),
            content_type="application/pdf",
        ),
    )


def _demo_team(*, rng, engagement, peers, demo_peer, manager, delivered):
    candidates = peers[:]
    rng.shuffle(candidates)
    if delivered and engagement.offer.code == "CPC":
        candidates.insert(0, demo_peer)
    for team_role in engagement.offer.team_roles.all():
        wanted = team_role.count
        for peer in candidates:
            if wanted == 0:
                break
            if engagement.places.filter(peer=peer).exists():
                continue
            try:
                services.team_place_add(
                    engagement=engagement,
                    peer=peer,
                    role=team_role.role,
                    days=min(engagement.offer.typical_days, Decimal("4")),
                    user=manager,
                    status=PlaceStatus.ACCEPTED,
                )
                wanted -= 1
            except ValidationError:
                continue


_SATISFACTION = (
    ["very_satisfied"] * 11 + ["fairly_satisfied"] * 6 + ["neither", "fairly_dissatisfied"]
)
_GOALS = ["fully"] * 5 + ["largely"] * 6 + ["partly"] * 2 + ["not_at_all"]
_RECOMMEND = ["very_likely"] * 8 + ["fairly_likely"] * 4 + ["not_very_likely"]
_UNDERSTOOD = ["great_extent"] * 7 + ["some_extent"] * 4 + ["small_extent"]
_COMMENTS = [
    "The team quickly understood our challenges and gave us honest, practical feedback.",
    "Having a leader and a chief executive who had faced the same issues made all the difference.",
    "Useful challenge on our recovery plan; the follow-up session kept us on track.",
    "The remote format worked well and saved our senior team a lot of time.",
    "",
]


def demo_surveys_answer(*, seed: int = 2026) -> int:
    """Answer most of the demo's survey invitations, as councils and peers would (idempotent).

    Council surveys go to each council's chief executive's office; the demo council contact's
    own invitations stay open so the survey can be tried in the browser.
    """
    from surveys.models import Invitation
    from surveys.services import (
        survey_invitation_get_or_create,
        survey_questions,
        survey_response_submit,
        survey_templates_due,
    )

    delivered = Engagement.objects.filter(
        reference__startswith=DEMO_MARKER, status__in=workflow.DELIVERED_STATES
    ).prefetch_related("councils")
    for engagement in delivered:
        for template in survey_templates_due(engagement=engagement, status="delivered"):
            if template.audience != "council":
                continue
            for council in engagement.councils.all():
                survey_invitation_get_or_create(
                    template=template,
                    engagement=engagement,
                    email=f"chief.executive@{slugify(council.name)}.gov.example",
                    council=council,
                )
    answered = 0
    invitations = (
        Invitation.objects.filter(engagement__reference__startswith=DEMO_MARKER, response=None)
        .exclude(email="council@example.org")
        .select_related("template")
        .order_by("pk")
    )
    for invitation in invitations:
        # Decided per invitation, so a second run skips the same ones: idempotent.
        rng = random.Random(seed * 100_003 + invitation.pk)
        if rng.random() > 0.7:  # a realistic response rate
            continue
        answers = {}
        for question in survey_questions(invitation.template):
            codes = [c.code for c in question.choices.all()]
            pools = {
                "satisfaction": _SATISFACTION,
                "goals_achieved": _GOALS,
                "would_recommend": _RECOMMEND,
                "understood_issues": _UNDERSTOOD,
            }
            if question.code in pools:
                answers[question.code] = rng.choice(pools[question.code])
            elif (
                question.code == "quote_consent"
                and codes
                or question.question_type in ("single_choice",)
                and codes
            ):
                answers[question.code] = rng.choice(codes)
            elif question.question_type == "multiple_choice" and codes:
                answers[question.code] = rng.sample(codes, 1)
            elif question.question_type == "number":
                low, high = question.min_value or 1, question.max_value or 5
                answers[question.code] = rng.randint(low, high)
            elif question.is_required or question.code == "comment":
                answers[question.code] = rng.choice(_COMMENTS) or "No further comments."
        try:
            survey_response_submit(invitation=invitation, answers=answers)
            answered += 1
        except ValidationError as error:
            logger.warning("Demo survey answer refused for %s: %s", invitation.pk, error)
    return answered
