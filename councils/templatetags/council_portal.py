"""Template helpers of the council portal."""

from django import template

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
