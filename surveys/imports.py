"""Import past survey responses from the programme's spreadsheets (all or nothing).

Columns: engagement,audience,respondent_email,submitted_on,satisfaction,goals_achieved,
would_recommend,understood_issues,comment,quote_consent. Engagements by reference;
audience council|peer; answers by their codes, blank = not answered; quote_consent yes|no.
Every row is checked before anything is written; any error writes nothing and names the
line. Rows are upserts on (engagement, audience, respondent_email), so importing the same
file twice changes nothing. No email is sent.
"""

import csv
import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from programmes.models import Engagement, TeamPlace
from surveys.models import Answer, Audience, Response, ResponseSource, SurveyTemplate
from surveys.services import answers_build, survey_invitation_get_or_create, survey_questions

COLUMNS = [
    "engagement", "audience", "respondent_email", "submitted_on", "satisfaction",
    "goals_achieved", "would_recommend", "understood_issues", "comment", "quote_consent",
]  # fmt: skip
ANSWER_COLUMNS = COLUMNS[4:]
TEMPLATE_FOR_AUDIENCE = {Audience.COUNCIL: "council_feedback", Audience.PEER: "peer_feedback"}


class SurveyImportError(Exception):
    """The file has errors: ``errors`` lists (line number, reason); nothing was written."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclasses.dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclasses.dataclass
class _Row:
    line: int
    template: SurveyTemplate
    engagement: Engagement
    email: str
    council: object
    user: object
    submitted_at: datetime
    answers: list[Answer]


def read_csv(file) -> list[tuple[int, dict[str, str]]]:
    """Return (line number, row) for each data row; refuse a file with wrong columns."""
    reader = csv.DictReader(file)
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise SurveyImportError([(1, f"The header row is missing: {', '.join(missing)}.")])
    rows = []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    return rows


@transaction.atomic
def survey_responses_import(
    *, rows: Iterable[tuple[int, dict[str, str]]], dry_run: bool = False
) -> ImportSummary:
    """Check every row, then upsert them all, or raise SurveyImportError and write nothing."""
    rows = list(rows)
    errors: list[tuple[int, str]] = []
    checked: list[_Row] = []
    seen: dict[tuple, int] = {}
    context = _Lookups(rows)
    for line, row in rows:
        try:
            item = _check_row(line, row, context)
        except ValidationError as error:
            errors.extend((line, message) for message in _messages(error))
            continue
        key = (item.engagement.pk, item.template.audience, item.email)
        if key in seen:
            errors.append((line, f"Repeats the response on line {seen[key]}."))
            continue
        seen[key] = line
        checked.append(item)
    if errors:
        raise SurveyImportError(errors)
    summary = ImportSummary()
    for item in checked:
        outcome = _upsert(item)
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    if dry_run:
        transaction.set_rollback(True)
    return summary


class _Lookups:
    """Everything the rows refer to, read in a few queries."""

    def __init__(self, rows):
        references = {row.get("engagement", "") for _, row in rows}
        emails = {row.get("respondent_email", "").lower() for _, row in rows}
        self.engagements = {
            e.reference: e
            for e in Engagement.objects.filter(reference__in=references).prefetch_related(
                "councils"
            )
        }
        self.users = {
            u.email: u
            for u in get_user_model().objects.filter(email__in=emails).select_related("council")
        }
        self.places = set(
            TeamPlace.objects.filter(
                engagement__reference__in=references, peer__user__email__in=emails
            ).values_list("engagement__reference", "peer__user__email")
        )
        self.answered_through_link = set(
            Response.objects.filter(
                source=ResponseSource.WEB,
                engagement__reference__in=references,
                invitation__email__in=emails,
            ).values_list("engagement__reference", "audience", "invitation__email")
        )
        self.templates = {
            t.code: t
            for t in SurveyTemplate.objects.filter(code__in=TEMPLATE_FOR_AUDIENCE.values())
        }
        self.questions = {code: survey_questions(t) for code, t in self.templates.items()}


def _check_row(line: int, row: dict[str, str], lookups: _Lookups) -> _Row:
    problems: list[str] = []
    reference = row.get("engagement", "")
    engagement = lookups.engagements.get(reference)
    if engagement is None:
        problems.append(f"There is no engagement with the reference “{reference}”.")
    audience = row.get("audience", "").lower()
    if audience not in TEMPLATE_FOR_AUDIENCE:
        problems.append("Audience must be council or peer.")
    email = row.get("respondent_email", "").lower()
    try:
        validate_email(email)
    except ValidationError:
        problems.append(f"“{email}” is not an email address.")
        email = ""
    submitted_at = _submitted_at(row.get("submitted_on", ""), problems)
    if problems:
        raise ValidationError(problems)

    if (reference, audience, email) in lookups.answered_through_link:
        raise ValidationError(
            f"{email} already answered this survey through the link; an import does not replace it."
        )
    template = lookups.templates.get(TEMPLATE_FOR_AUDIENCE[audience])
    if template is None:
        raise ValidationError(f"The {audience} feedback survey does not exist.")
    user = lookups.users.get(email)
    councils = list(engagement.councils.all())
    if audience == Audience.PEER:
        if (reference, email) not in lookups.places:
            raise ValidationError(f"{email} is not a peer with a place on {reference}.")
        council = councils[0] if len(councils) == 1 else None
    elif user is not None and user.council_id in {c.pk for c in councils}:
        council = user.council
    elif len(councils) == 1:
        council = councils[0]
    else:
        raise ValidationError(
            f"{reference} has several councils and {email} is not a contact of one of them, "
            "so the council answered for is unknown. Add the contact to their council first."
        )

    questions = lookups.questions[template.code]
    asked = {question.code for question in questions}
    answers = {}
    for column in ANSWER_COLUMNS:
        value = row.get(column, "")
        if column not in asked:
            if value:
                problems.append(f"The {audience} survey does not ask {column}: leave it blank.")
            continue
        answers[column] = value.lower() if column != "comment" else value
    if problems:
        raise ValidationError(problems)
    rows = answers_build(questions=questions, answers=answers, enforce_required=False)
    return _Row(line, template, engagement, email, council, user, submitted_at, rows)


def _submitted_at(value: str, problems: list[str]) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        problems.append(f"Submitted on must be a date like 2021-03-31, not “{value}”.")
        return None
    if day > timezone.localdate():
        problems.append("Submitted on cannot be in the future.")
        return None
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


def _signature(answers) -> set:
    return {(a.question_id, a.choice_id, a.text, a.number) for a in answers}


def _upsert(item: _Row) -> str:
    invitation = survey_invitation_get_or_create(
        template=item.template, engagement=item.engagement, email=item.email, user=item.user,
        council=item.council,
    )  # fmt: skip
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        response = Response.objects.create(
            invitation=invitation,
            template=item.template,
            engagement=item.engagement,
            audience=item.template.audience,
            council=item.council,
            submitted_at=item.submitted_at,
            source=ResponseSource.IMPORTED,
        )
        outcome = "created"
    elif (
        response.submitted_at == item.submitted_at
        and response.council_id == getattr(item.council, "pk", None)
        and _signature(response.answers.all()) == _signature(item.answers)
    ):
        return "unchanged"
    else:
        response.submitted_at = item.submitted_at
        response.council = item.council
        response.save(update_fields=["submitted_at", "council"])
        response.answers.all().delete()
        outcome = "updated"
    for answer in item.answers:
        answer.response = response
    Answer.objects.bulk_create(item.answers)
    return outcome
