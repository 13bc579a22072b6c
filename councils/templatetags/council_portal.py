"""Template helpers of the council portal."""

from django import template

from programmes.models import EngagementStatus

register = template.Library()

_TAG_COLOURS = {
    "requested": "govuk-tag--blue",
    "scoping": "govuk-tag--light-blue",
    "scheduled": "govuk-tag--turquoise",
    "team_confirmed": "govuk-tag--turquoise",
    "in_delivery": "govuk-tag--purple",
    "delivered": "govuk-tag--green",
    "feedback_issued": "govuk-tag--green",
    "follow_up": "govuk-tag--green",
    "closed": "govuk-tag--grey",
    "cancelled": "govuk-tag--red",
    "postponed": "govuk-tag--yellow",
    "pending": "govuk-tag--yellow",
    "approved": "govuk-tag--green",
    "refused": "govuk-tag--red",
}


@register.filter
def status_tag_class(status: str) -> str:
    """The GOV.UK tag colour class of an engagement or change request status."""
    return _TAG_COLOURS.get(status, "govuk-tag--grey")


_ENGAGEMENT_STATUS_LABELS = dict(EngagementStatus.choices)


@register.filter
def engagement_status_label(status: str) -> str:
    """An engagement status in words, like get_status_display but without rebuilding the
    choices on every call (that translated every label once per row of a long list)."""
    return _ENGAGEMENT_STATUS_LABELS.get(status, status)
