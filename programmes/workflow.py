"""The engagement status workflow: which transitions are allowed."""

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
