"""Reads of the council portal, scoped to what the signed-in user may see.

Engagements come through programmes.selectors (the one place that decides a council
contact's scope); this module adds the portal's views of them: lists, the timeline, the
confirmed team (programmes.selectors.team_places_shown_to_councils, as the API) and the
documents a contact may download.
"""

import dataclasses
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from councils.portal_models import ChangeRequest, ChangeRequestStatus
from programmes import workflow
from programmes.models import (
    Engagement,
    EngagementDocument,
    EngagementStatus,
    Offer,
)
from programmes.selectors import (
    engagement_get_visible_to,
    engagement_list_visible_to,
    team_places_shown_to_councils,
)

# Statuses a council still counts as "current" (past: delivered and beyond, or cancelled).
CURRENT_STATUSES = (*workflow.OPEN_STATES, EngagementStatus.POSTPONED)


# What the portal's list shows: the long text and JSON columns are left in the database
# (they also made the contact's DISTINCT compare every column of every row).
_LIST_COLUMNS = (
    "reference",
    "title",
    "status",
    "start_date",
    "end_date",
    "created_at",
    "offer__name",
)


def council_engagements(*, user) -> QuerySet[Engagement]:
    """The council contact's engagements, newest first, ready for a list (offer joined)."""
    return (
        engagement_list_visible_to(user=user)
        .select_related("offer")
        .only(*_LIST_COLUMNS)
        .order_by("-created_at", "-id")
    )


def council_engagements_split(*, user) -> tuple[list[Engagement], list[Engagement]]:
    """Current and past engagements of the contact's council, in one query."""
    current, past = [], []
    for engagement in council_engagements(user=user):
        (current if engagement.status in CURRENT_STATUSES else past).append(engagement)
    return current, past


def _documents_visible_filter(user) -> Q:
    if permissions.is_manager(user):
        return Q()
    # Released by the programme, or uploaded by someone acting for the contact's council.
    return Q(released_to_council=True) | Q(uploaded_by__council_id=user.council_id)


def council_engagement_get(*, user, reference: str) -> Engagement:
    """One engagement of the contact's council with everything its page shows; else 404.

    The related rows are prefetched so the page costs the same number of queries however
    long the engagement's history is.
    """
    engagement = engagement_get_visible_to(user=user, reference=reference)
    queryset = Engagement.objects.filter(pk=engagement.pk).select_related("offer")
    documents = EngagementDocument.objects.filter(_documents_visible_filter(user)).select_related(
        "uploaded_by"
    )
    team = (
        team_places_shown_to_councils()
        .select_related("peer__user")
        .order_by("role", "peer__user__last_name", "peer__user__first_name")
    )
    return queryset.prefetch_related(
        "councils",
        "status_changes",
        "milestones",
        "activity_days",
        "themes",
        Prefetch("documents", queryset=documents, to_attr="visible_documents"),
        Prefetch("places", queryset=team, to_attr="confirmed_places"),
        Prefetch(
            "change_requests",
            queryset=ChangeRequest.objects.order_by("-requested_at", "-id"),
            to_attr="change_request_list",
        ),
    ).get()


def council_engagement_for_action(*, user, reference: str) -> Engagement:
    """One engagement of the contact's council for a form page (offer joined); else 404."""
    engagement = engagement_get_visible_to(user=user, reference=reference)
    return Engagement.objects.select_related("offer").get(pk=engagement.pk)


def document_get_visible_to(*, user, pk: int) -> EngagementDocument:
    """A document the user may download: managers any, contacts their council's; else 404."""
    if permissions.is_manager(user):
        queryset = EngagementDocument.objects.all()
    elif permissions.is_council_contact(user):
        queryset = EngagementDocument.objects.filter(
            _documents_visible_filter(user), engagement__councils=user.council_id
        )
    else:
        queryset = EngagementDocument.objects.none()
    document = queryset.filter(pk=pk).first()
    if document is None:
        raise Http404("No such document")
    return document


def offers_open_to_council(*, council) -> list[Offer]:
    """Offers a council may request; the Delivery and Impact Panel first for NSAP councils."""
    offers = list(Offer.objects.filter(open_to_councils=True, is_active=True).order_by("name"))

    def panel_first(offer: Offer) -> int:
        return 0 if council.nsap_funded and offer.code == "DIP" else 1

    def panel_last(offer: Offer) -> int:
        return 1 if not council.nsap_funded and offer.code == "DIP" else 0

    return sorted(offers, key=lambda o: (panel_first(o), panel_last(o)))


def offer_open_get(*, code: str) -> Offer:
    """An offer open to councils by its code; 404 otherwise."""
    offer = Offer.objects.filter(code=code.upper(), open_to_councils=True, is_active=True).first()
    if offer is None:
        raise Http404("No such offer")
    return offer


def pending_change_request(engagement: Engagement) -> ChangeRequest | None:
    """The engagement's change request waiting for a decision (from the prefetched list)."""
    for change in getattr(engagement, "change_request_list", []):
        if change.status == ChangeRequestStatus.PENDING:
            return change
    return None


@dataclasses.dataclass
class TimelineStep:
    name: str
    state: str  # "done", "current" or "todo"
    when: date | datetime | None = None
    detail: str = ""

    @property
    def state_label(self) -> str:
        return {"done": _("Completed"), "current": _("In progress")}.get(
            self.state, _("Not yet started")
        )


# (step name, the status that completes it, the milestone code that dates it)
_TIMELINE = [
    (_("Request received"), EngagementStatus.REQUESTED, None),
    (_("Scoping meeting"), EngagementStatus.SCOPING, "scoping_meeting"),
    (_("Dates agreed"), EngagementStatus.SCHEDULED, None),
    (_("Peer team confirmed"), EngagementStatus.TEAM_CONFIRMED, None),
    (_("Delivered"), EngagementStatus.DELIVERED, None),
    (_("Feedback issued"), EngagementStatus.FEEDBACK_ISSUED, "feedback_letter"),
    (_("Follow-up"), EngagementStatus.FOLLOW_UP, "follow_up"),
]


def engagement_timeline(engagement: Engagement) -> list[TimelineStep]:
    """The engagement's progress as GOV.UK task-list steps, from its status changes and
    milestones (prefetched by council_engagement_get)."""
    changes = list(engagement.status_changes.all())
    milestones = {m.code: m for m in engagement.milestones.all()}
    # The furthest point reached on the main line, even if later postponed or cancelled.
    reached_index = -1
    for status in [c.to_status for c in changes] + [engagement.status]:
        if status in workflow.ORDER:
            reached_index = max(reached_index, workflow.ORDER.index(status))
    stopped = engagement.status in (EngagementStatus.CANCELLED, EngagementStatus.POSTPONED)
    steps = []
    current_given = False
    for name, status, milestone_code in _TIMELINE:
        index = workflow.ORDER.index(status)
        milestone = milestones.get(milestone_code) if milestone_code else None
        when = next(
            (
                c.changed_at
                for c in changes
                if c.to_status in workflow.ORDER and workflow.ORDER.index(c.to_status) >= index
            ),
            None,
        )
        detail = ""
        if status == EngagementStatus.SCHEDULED and engagement.start_date:
            detail = _format_dates(engagement.start_date, engagement.end_date)
        if index <= reached_index:
            state = "done"
            if milestone and milestone.done_on:
                when = milestone.done_on
        else:
            state = "todo"
            if not current_given and not stopped:
                state, current_given = "current", True
            when = None
            if milestone and milestone.due_on:
                detail = _("Planned for %(date)s") % {"date": f"{milestone.due_on:%-d %B %Y}"}
        steps.append(TimelineStep(name=name, state=state, when=when, detail=detail))
    return steps


def _format_dates(start: date, end: date | None) -> str:
    if not end or end == start:
        return f"{start:%-d %B %Y}"
    return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
