"""Factories and helpers for survey tests: invitations and responses with chosen answers."""

from datetime import timedelta

import factory
from django.utils import timezone

from surveys.models import Answer, Invitation, Response, ResponseSource, SurveyTemplate
from surveys.services import answers_build, survey_questions, survey_token_new
from tests.factories_records import DeliveredEngagementFactory


def template(code: str) -> SurveyTemplate:
    """A seeded survey: council_feedback, peer_feedback or pre_panel."""
    return SurveyTemplate.objects.get(code=code)


class InvitationFactory(factory.django.DjangoModelFactory):
    """A council feedback invitation, sent today and open for 28 days."""

    class Meta:
        model = Invitation

    template = factory.LazyFunction(lambda: template("council_feedback"))
    engagement = factory.SubFactory(DeliveredEngagementFactory)
    audience = factory.LazyAttribute(lambda o: o.template.audience)
    council = factory.LazyAttribute(lambda o: o.engagement.councils.first())
    email = factory.Sequence(lambda n: f"respondent{n}@example.org")
    token = factory.LazyFunction(survey_token_new)
    sent_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(days=28))


def respond(invitation: Invitation | None = None, submitted_at=None, **answers) -> Response:
    """Record a response with exactly these answers ({code: value}; missing = unanswered)."""
    invitation = invitation or InvitationFactory()
    response = Response.objects.create(
        invitation=invitation,
        template=invitation.template,
        engagement=invitation.engagement,
        audience=invitation.audience,
        council=invitation.council,
        submitted_at=submitted_at or timezone.now(),
        source=ResponseSource.WEB,
    )
    rows = answers_build(
        questions=survey_questions(invitation.template), answers=answers, enforce_required=False
    )
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response
