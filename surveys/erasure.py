"""Survey data in erasure and retention: free text and the respondent's email address.

Choices and numbers stay (they are the programme's aggregate figures); what a person wrote
in their own words and their email go. Answers have no history table; invitations neither.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from surveys.models import Answer, Invitation, QuestionType


def _erased_email(invitation_id: int) -> str:
    return f"erased-invitation-{invitation_id}@erased.invalid"


@transaction.atomic
def survey_person_erase(*, user) -> int:
    """Blank the free text of `user`'s survey answers and their invitations' email; return rows.

    Matches invitations by user or by the email the user had when erasure started (the
    caller passes the user object read before its email was anonymised).
    """
    invitations = Invitation.objects.filter(
        Q(user_id=user.pk) | Q(email__iexact=user.email)
    ).select_for_update()
    invitation_ids = list(invitations.values_list("pk", flat=True))
    texts = (
        Answer.objects.filter(response__invitation_id__in=invitation_ids)
        .exclude(text="")
        .update(text="")
    )
    for invitation_id in invitation_ids:
        Invitation.objects.filter(pk=invitation_id).update(email=_erased_email(invitation_id))
    return texts + len(invitation_ids)


def survey_free_text_retention_days() -> int:
    return getattr(settings, "SURVEY_FREE_TEXT_RETENTION_DAYS", 730)


@transaction.atomic
def survey_free_text_purge(*, now=None, days: int | None = None) -> int:
    """Blank free-text answers submitted more than `days` ago; return how many were blanked."""
    days = survey_free_text_retention_days() if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        Answer.objects.filter(
            question__question_type=QuestionType.FREE_TEXT, response__submitted_at__lt=cutoff
        )
        .exclude(text="")
        .update(text="")
    )
