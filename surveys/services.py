"""Every write to surveys: sending invitations, recording answers, freezing answered questions.

Sending is idempotent twice over: one invitation per (template, engagement, email) by a
unique constraint, and one email per invitation and step by the notification ledger's
unique key. Answers are recorded once: a second visit to the link shows them read-only.
"""

import secrets
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audited
from notifications.ics import deadline_ics
from notifications.services import notification_key, notification_queue
from programmes import workflow
from programmes.models import Engagement, PlaceStatus
from surveys.models import (
    CHOICE_TYPES,
    Answer,
    Audience,
    Invitation,
    Question,
    QuestionType,
    Response,
    ResponseSource,
    SurveyTemplate,
)

# What cannot change once a question has answers: it would change what they meant.
FROZEN_QUESTION_FIELDS = ("code", "text", "question_type", "min_value", "max_value")
FROZEN_CHOICE_FIELDS = ("code", "label")
FROZEN_MESSAGE = (
    "This question has answers, so its {fields} cannot change. "
    "Retire it (untick “Is active”) and add a new question instead."
)
FROZEN_CHOICE_MESSAGE = (
    "This choice has answers, so its {fields} cannot change. "
    "Retire it (untick “Is active”) and add a new choice instead."
)


def survey_token_new() -> str:
    """Return a new unguessable link token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def survey_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "surveys:answer", kwargs={"token": invitation.token}
    )


def _name(user) -> str:
    return (user.get_full_name() if user else "") or ""


def _single_council(engagement: Engagement):
    councils = list(engagement.councils.all())
    return councils[0] if len(councils) == 1 else None


def survey_recipients(*, engagement: Engagement, template: SurveyTemplate) -> list[tuple]:
    """Return (user, council) for each person the template goes to, in a stable order.

    Council surveys go to every active user whose council is one of the engagement's
    councils (each answers for their own council); peer surveys go to every peer with
    an accepted place.
    """
    if template.audience == Audience.COUNCIL:
        User = get_user_model()
        users = (
            User.objects.filter(is_active=True, council__in=engagement.councils.all())
            .select_related("council")
            .order_by("council__name", "email")
        )
        return [(user, user.council) for user in users]
    council = _single_council(engagement)
    places = (
        engagement.places.filter(status=PlaceStatus.ACCEPTED, peer__user__is_active=True)
        .select_related("peer__user")
        .order_by("peer__user__email")
    )
    return [(place.peer.user, council) for place in places]


def survey_templates_due(*, engagement: Engagement, status: str):
    """Return the active templates that follow the engagement's offer at this status."""
    return SurveyTemplate.objects.filter(
        is_active=True, offers=engagement.offer_id, send_on_status=status
    ).order_by("code")


@transaction.atomic
def survey_invitations_send(*, engagement_id: int, to_status: str) -> int:
    """Invite everyone the engagement's surveys go to at this status; return emails queued.

    Safe to run again: existing invitations are reused and their email key already exists.
    """
    engagement = Engagement.objects.select_related("offer").get(pk=engagement_id)
    if not workflow.reached(engagement.status, to_status):
        # Cancelled or postponed before the task ran: send nothing stale. (Moving on,
        # say from delivered to feedback issued, still sends.)
        return 0
    queued = 0
    for template in survey_templates_due(engagement=engagement, status=to_status):
        for user, council in survey_recipients(engagement=engagement, template=template):
            invitation = survey_invitation_get_or_create(
                template=template, engagement=engagement, email=user.email, user=user,
                council=council,
            )  # fmt: skip
            if hasattr(invitation, "response"):
                continue  # answered already (for example imported from a spreadsheet)
            queued += _invitation_email_queue(invitation=invitation, step="invitation")
    return queued


@audited
def survey_invitation_get_or_create(
    *, template: SurveyTemplate, engagement: Engagement, email: str, user=None, council=None
) -> Invitation:
    """Return the one invitation for (template, engagement, email), creating it if missing."""
    invitation, _ = Invitation.objects.get_or_create(
        template=template,
        engagement=engagement,
        email=email.strip().lower(),
        defaults={
            "audience": template.audience,
            "user": user,
            "council": council,
            "token": survey_token_new(),
        },
    )
    return invitation


def _invitation_email_queue(*, invitation: Invitation, step: str) -> int:
    """Queue the invitation (step "invitation") or a reminder ("reminder_7d", …)."""
    if invitation.sent_at is None:
        now = timezone.now()
        invitation.sent_at = now
        invitation.closes_at = now + timedelta(days=invitation.template.open_days)
        invitation.save(update_fields=["sent_at", "closes_at"])
    kind = "survey_invitation" if step == "invitation" else "survey_reminder"
    closes_on = timezone.localdate(invitation.closes_at)
    url = survey_url(invitation)
    notification = notification_queue(
        kind=kind,
        recipient=invitation.email,
        user=invitation.user,
        about=invitation,
        key=notification_key(kind, invitation, invitation.email, step),
        context={
            "recipient_name": _name(invitation.user),
            "engagement": invitation.engagement,
            "council": invitation.council,
            "template": invitation.template,
            "is_peer": invitation.audience == Audience.PEER,
            "survey_url": url,
            "closes_on": closes_on,
        },
        ics=deadline_ics(
            uid=f"survey-invitation-{invitation.pk}-closes",
            day=closes_on,
            summary=f"Last day to answer: {invitation.template.name}",
            description=f"Answer the survey at {url}",
            url=url,
        ),
    )
    return 1 if notification.queued_now else 0


def survey_reminder_queue(*, invitation: Invitation, step: str) -> int:
    """Queue one reminder for an unanswered, open invitation; return 1 if newly queued."""
    return _invitation_email_queue(invitation=invitation, step=step)


def invitation_is_open(invitation: Invitation, now=None) -> bool:
    now = now or timezone.now()
    return invitation.closes_at is None or now < invitation.closes_at


def invitation_answers_visible(invitation: Invitation, now=None) -> bool:
    """Whether a used link may still show the answers sent through it: only until the
    survey's closing date (and never for a link with none), so a forwarded or leaked email
    does not show them forever."""
    now = now or timezone.now()
    return invitation.closes_at is not None and now < invitation.closes_at


def answers_build(
    *, questions: Iterable[Question], answers: Mapping[str, Any], enforce_required: bool
) -> list[Answer]:
    """Return unsaved Answer rows for the given {question code: value}; refuse bad values.

    A value is a choice code (single choice), a list of codes (multiple choice), text or
    a whole number. None, "" or [] means not answered. Unknown codes are refused with a
    ValidationError keyed by question code.
    """
    errors: dict[str, str] = {}
    rows: list[Answer] = []
    known = {question.code for question in questions}
    for code in answers:
        if code not in known:
            errors[code] = f"There is no question “{code}” in this survey."
    for question in questions:
        value = answers.get(question.code)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", [], ()):
            if enforce_required and question.is_required:
                errors[question.code] = question.error_message or _default_required(question)
            continue
        if question.question_type in CHOICE_TYPES:
            choices = {choice.code: choice for choice in question.choices.all() if choice.is_active}
            codes = [value] if isinstance(value, str) else list(value)
            if question.question_type == QuestionType.SINGLE_CHOICE and len(codes) > 1:
                errors[question.code] = "Select one answer."
                continue
            unknown = [c for c in codes if c not in choices]
            if unknown:
                allowed = ", ".join(choices)
                errors[question.code] = (
                    f"“{unknown[0]}” is not an answer to {question.code}. Use one of: {allowed}."
                )
                continue
            rows.extend(Answer(question=question, choice=choices[c]) for c in dict.fromkeys(codes))
        elif question.question_type == QuestionType.NUMBER:
            try:
                number = int(value)
            except (TypeError, ValueError):
                errors[question.code] = "Enter a whole number."
                continue
            low, high = question.min_value, question.max_value
            if (low is not None and number < low) or (high is not None and number > high):
                errors[question.code] = f"Enter a number from {low} to {high}."
                continue
            rows.append(Answer(question=question, number=number))
        else:
            rows.append(Answer(question=question, text=str(value)))
    if errors:
        raise ValidationError(errors)
    return rows


def _default_required(question: Question) -> str:
    if question.question_type == QuestionType.MULTIPLE_CHOICE:
        return "Select at least one answer"
    if question.question_type == QuestionType.SINGLE_CHOICE:
        return "Select an answer"
    if question.question_type == QuestionType.NUMBER:
        return "Enter a number"
    return "Enter an answer"


def survey_questions(template: SurveyTemplate) -> list[Question]:
    """Return the template's active questions in order, with their choices prefetched."""
    return list(
        template.questions.filter(is_active=True)
        .prefetch_related("choices")
        .order_by("order", "id")
    )


@transaction.atomic
def survey_response_submit(*, invitation: Invitation, answers: Mapping[str, Any]) -> Response:
    """Record the respondent's answers once; refuse a second response or a closed survey."""
    invitation = (
        Invitation.objects.select_for_update().select_related("template").get(pk=invitation.pk)
    )
    if Response.objects.filter(invitation=invitation).exists():
        raise ValidationError("You have already answered this survey.")
    if not invitation_is_open(invitation):
        closed_on = timezone.localdate(invitation.closes_at)
        raise ValidationError(f"This survey closed on {closed_on:%-d %B %Y}.")
    rows = answers_build(
        questions=survey_questions(invitation.template), answers=answers, enforce_required=True
    )
    response = Response.objects.create(
        invitation=invitation,
        template=invitation.template,
        engagement_id=invitation.engagement_id,
        audience=invitation.audience,
        council=invitation.council,
        submitted_at=timezone.now(),
        source=ResponseSource.WEB,
    )
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response


def question_frozen_changes(*, question: Question, changed_fields: Iterable[str]) -> list[str]:
    """Return the frozen fields among `changed_fields` when the question has answers."""
    frozen = [field for field in changed_fields if field in FROZEN_QUESTION_FIELDS]
    if not frozen or question.pk is None or not question.answers.exists():
        return []
    return frozen


def question_change_check(*, question: Question, changed_fields: Iterable[str]) -> None:
    """Refuse a change to the wording, code or type of a question that has answers."""
    frozen = question_frozen_changes(question=question, changed_fields=changed_fields)
    if frozen:
        raise ValidationError(FROZEN_MESSAGE.format(fields=_field_names(frozen)))


def choice_change_check(*, choice, changed_fields: Iterable[str]) -> None:
    """Refuse a change to the code or label of a choice that has answers."""
    frozen = [field for field in changed_fields if field in FROZEN_CHOICE_FIELDS]
    if frozen and choice.pk is not None and choice.answers.exists():
        raise ValidationError(FROZEN_CHOICE_MESSAGE.format(fields=_field_names(frozen)))


def _field_names(fields: list[str]) -> str:
    names = [field.replace("question_type", "type").replace("_", " ") for field in fields]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
