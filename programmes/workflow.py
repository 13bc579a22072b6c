"""The engagement status workflow: which transitions are allowed."""

from dataclasses import dataclass
from datetime import date

from programmes.models import EngagementStatus as S

_FORWARD = {
    S.REQUESTED: {S.SCOPING},
    S.SCOPING: {S.SCHEDULED},
    S.SCHEDULED: {S.TEAM_CONFIRMED},
    S.TEAM_CONFIRMED: {S.IN_DELIVERY},
    S.IN_DELIVERY: {S.DELIVERED},
    S.DELIVERED: {S.FEEDBACK_ISSUED},
    S.FEEDBACK_ISSUED: {S.FOLLOW_UP},
    S.FOLLOW_UP: {S.CLOSED},
    S.POSTPONED: {S.SCHEDULED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}

# Open states: not yet delivered. Cancelled and postponed are reachable from any of them.
OPEN_STATES = (S.REQUESTED, S.SCOPING, S.SCHEDULED, S.TEAM_CONFIRMED, S.IN_DELIVERY)
DELIVERED_STATES = (S.DELIVERED, S.FEEDBACK_ISSUED, S.FOLLOW_UP, S.CLOSED)
PLANNED_STATES = OPEN_STATES
ORDER = [
    S.REQUESTED, S.SCOPING, S.SCHEDULED, S.TEAM_CONFIRMED, S.IN_DELIVERY,
    S.DELIVERED, S.FEEDBACK_ISSUED, S.FOLLOW_UP, S.CLOSED,
]  # fmt: skip


def allowed_transitions(status: str) -> set[str]:
    """Return the states an engagement in `status` may move to."""
    allowed = set(_FORWARD.get(status, set()))
    if status in OPEN_STATES:
        allowed |= {S.CANCELLED, S.POSTPONED}
    if status == S.POSTPONED:
        allowed |= {S.CANCELLED}
    return allowed


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in allowed_transitions(from_status)


def reached(status: str, milestone: str) -> bool:
    """True when `status` is at or past `milestone` on the main line of the workflow."""
    if status not in ORDER or milestone not in ORDER:
        return False
    return ORDER.index(status) >= ORDER.index(milestone)


@dataclass(frozen=True)
class Blocker:
    """One precondition a status change does not meet."""

    code: str  # days, onsite, team, before_start, before_end, feedback
    message: str


def _names(places) -> str:
    names = [str(place.peer) for place in places]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def transition_blockers(
    *, engagement, to_status: str, today: date, history: bool = False
) -> list[Blocker]:
    """Return what stops `engagement` moving to `to_status` on `today` (empty: it may move).

    The one statement of each transition's preconditions, in the programme's words; every
    door (staff pages, admin, API, council change requests, importers, the demo) reaches it
    through programmes.services. The order of the workflow is `is_allowed`'s concern and no
    override relaxes it. With `history` (an importer recording a past state directly), the
    date conditions of every step up to `to_status` apply, not only those of the last one.
    """
    from programmes.models import DayMode, DocumentKind, PlaceStatus

    blockers = []
    if reached(to_status, S.SCHEDULED):
        if not engagement.start_date:
            blockers.append(
                Blocker("days", "Set the activity days before scheduling the engagement.")
            )
        elif (
            engagement.offer.onsite_required
            and not engagement.activity_days.filter(mode=DayMode.ONSITE).exists()
        ):
            blockers.append(
                Blocker(
                    "onsite",
                    f"A {engagement.offer.code} must have at least one onsite activity day "
                    "before it is scheduled. It can be blended with remote days, but never "
                    "fully remote.",
                )
            )
    if to_status == S.TEAM_CONFIRMED:
        places = list(
            engagement.places.filter(status__in=(PlaceStatus.INVITED, PlaceStatus.ACCEPTED))
            .select_related("peer")
            .order_by("id")
        )
        waiting = [place for place in places if place.status == PlaceStatus.INVITED]
        if not places:
            blockers.append(Blocker("team", "The team has no accepted places yet."))
        elif waiting:
            blockers.append(
                Blocker(
                    "team",
                    f"{len(waiting)} of {len(places)} places are only invited, not accepted "
                    f"({_names(waiting)}). Every place must be accepted before the team is "
                    "confirmed: confirm those places or withdraw them.",
                )
            )
    start = engagement.start_date
    last = engagement.end_date or start
    starting = to_status == S.IN_DELIVERY or (history and reached(to_status, S.IN_DELIVERY))
    if starting and start and today < start:
        blockers.append(
            Blocker(
                "before_start",
                f"Delivery cannot start before the first activity day, {start:%-d %B %Y}.",
            )
        )
    ending = to_status == S.DELIVERED or (history and reached(to_status, S.DELIVERED))
    if ending and last and today < last:
        blockers.append(
            Blocker(
                "before_end",
                "The engagement cannot be delivered before its last activity day, "
                f"{last:%-d %B %Y}.",
            )
        )
    if (
        to_status == S.FEEDBACK_ISSUED
        and not engagement.documents.filter(kind=DocumentKind.FEEDBACK_LETTER).exists()
    ):
        blockers.append(
            Blocker(
                "feedback",
                "Upload the feedback letter or report before recording that feedback was "
                "issued, or record why there is none.",
            )
        )
    return blockers
