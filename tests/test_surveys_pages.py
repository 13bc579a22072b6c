"""Answering a survey through its private link: no sign-in, once, GOV.UK pages."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Response
from tests.factories import CouncilContactFactory, ManagerFactory
from tests.factories_records import DeliveredEngagementFactory, offer
from tests.factories_surveys import InvitationFactory, respond, template

pytestmark = pytest.mark.django_db

COMPLETE = {
    "q_satisfaction": "very_satisfied",
    "q_goals_achieved": "largely",
    "q_would_recommend": "fairly_likely",
    "q_understood_issues": "great_extent",
    "q_comment": "The team was excellent.",
    "q_quote_consent": "yes",
}


def url(invitation, name="surveys:answer"):
    return reverse(name, kwargs={"token": invitation.token})


def test_the_link_shows_the_questions_without_signing_in(client):
    invitation = InvitationFactory()

    response = client.get(url(invitation))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="govuk-heading-l">Council feedback</h1>' in page
    assert "Overall, how satisfied were you with the peer support?" in page
    assert 'type="radio"' in page and "govuk-radios" in page
    assert "Is there anything else you would like to tell us? (optional)" in page
    assert "<script>" not in page and "style=" not in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["Referrer-Policy"] == "same-origin"
    assert invitation.email not in page  # nothing personal on the page


def test_answering_records_the_answers_and_thanks(client):
    invitation = InvitationFactory()

    response = client.post(url(invitation), COMPLETE)

    assert response.status_code == 302
    assert response["Location"] == url(invitation, "surveys:thank_you")
    saved = Response.objects.get(invitation=invitation)
    assert saved.council == invitation.council and saved.audience == "council"
    assert {
        (a.question.code, a.choice.code if a.choice else a.text) for a in saved.answers.all()
    } == {
        ("satisfaction", "very_satisfied"),
        ("goals_achieved", "largely"),
        ("would_recommend", "fairly_likely"),
        ("understood_issues", "great_extent"),
        ("comment", "The team was excellent."),
        ("quote_consent", "yes"),
    }
    thanks = client.get(response["Location"])
    assert "Thank you for your answers" in thanks.content.decode()


def test_optional_questions_may_be_left_blank(client):
    invitation = InvitationFactory()
    data = {k: v for k, v in COMPLETE.items() if k not in ("q_comment", "q_quote_consent")}
    assert client.post(url(invitation), data).status_code == 302
    assert Answer.objects.count() == 4


def test_missing_required_answers_show_govuk_errors_and_save_nothing(client):
    invitation = InvitationFactory()

    response = client.post(url(invitation), {"q_comment": "Only a comment"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Council feedback" in page
    assert "There is a problem" in page
    assert page.index("There is a problem") < page.index("Overall, how satisfied")
    for message in (
        "Select how satisfied you were with the peer support",
        "Select to what extent the goals were achieved",
        "Select how likely you are to recommend peer support",
        "Select to what extent the team understood your issues",
    ):
        assert message in page
    assert "Only a comment" in page  # what they typed is kept
    assert not Response.objects.exists()


def test_a_forged_choice_is_refused(client):
    invitation = InvitationFactory()
    response = client.post(url(invitation), {**COMPLETE, "q_satisfaction": "ecstatic"})
    assert response.status_code == 200
    assert "Select one of the answers shown" in response.content.decode()
    assert not Response.objects.exists()


def test_a_second_visit_shows_the_answers_read_only(client):
    invitation = InvitationFactory()
    client.post(url(invitation), COMPLETE)

    page = client.get(url(invitation)).content.decode()

    assert "You have already answered this survey" in page
    assert "Very satisfied" in page and "The team was excellent." in page
    assert "<form" not in page.split("<main")[1]


def test_a_used_link_stops_showing_the_answers_at_the_closing_date(client):
    """Given a link answered while open, when it is opened after the closing date (a
    forwarded or leaked email), then the survey says it has closed and shows no answer."""
    invitation = InvitationFactory()
    client.post(url(invitation), COMPLETE)

    with time_machine.travel(invitation.closes_at + timedelta(minutes=1)):
        response = client.get(url(invitation))
        thank_you = client.get(url(invitation, "surveys:thank_you"))

    page = response.content.decode()
    assert response.status_code == 410
    assert "This survey has closed" in page
    assert "The team was excellent." not in page and "Very satisfied" not in page
    assert thank_you.status_code == 302 and thank_you["Location"] == url(invitation)


def test_a_second_submission_changes_nothing(client):
    invitation = InvitationFactory()
    client.post(url(invitation), COMPLETE)

    response = client.post(url(invitation), {**COMPLETE, "q_satisfaction": "very_dissatisfied"})

    assert response.status_code == 200
    assert "You have already answered this survey" in response.content.decode()
    assert Response.objects.count() == 1
    assert Answer.objects.filter(choice__code="very_dissatisfied").count() == 0


def test_a_closed_survey_says_so_and_takes_no_answers(client):
    invitation = InvitationFactory(
        sent_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=2)
    )

    get = client.get(url(invitation))
    post = client.post(url(invitation), COMPLETE)

    assert get.status_code == post.status_code == 410
    assert "This survey has closed" in get.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("token", ["x" * 43, "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v"])
def test_an_unknown_link_is_not_found(client, token):
    InvitationFactory()
    response = client.get(reverse("surveys:answer", kwargs={"token": token}))
    assert response.status_code == 404
    assert "Survey link not recognised" in response.content.decode()
    assert client.get(f"/surveys/{token}/thank-you/").status_code == 404


def test_a_malformed_link_is_not_found(client):
    assert client.get("/surveys/short/").status_code == 404
    assert client.get("/surveys/").status_code == 404


def test_the_thank_you_page_before_answering_goes_back_to_the_survey(client):
    invitation = InvitationFactory()
    response = client.get(url(invitation, "surveys:thank_you"))
    assert response.status_code == 302 and response["Location"] == url(invitation)


def test_any_signed_in_role_answers_only_through_the_link(client):
    invitation = InvitationFactory()
    client.force_login(CouncilContactFactory(council=invitation.council))
    assert client.post(url(invitation), COMPLETE).status_code == 302
    client.force_login(ManagerFactory())
    assert "already answered" in client.get(url(invitation)).content.decode()


def test_the_pre_panel_survey_has_checkboxes_and_a_number(client):
    invitation = InvitationFactory(
        template=template("pre_panel"), engagement=DeliveredEngagementFactory(offer=offer("RRP"))
    )
    page = client.get(url(invitation)).content.decode()
    assert 'type="checkbox"' in page and 'inputmode="numeric"' in page

    response = client.post(
        url(invitation),
        {
            "q_response_stage": "recovering",
            "q_recovery_plan": "draft",
            "q_priority_areas": ["economy", "housing"],
            "q_financial_confidence": "11",
            "q_biggest_challenge": "Income",
            "q_panel_focus": "Budget",
        },
    )
    assert "Enter a number from 1 to 10" in response.content.decode()
    response = client.post(
        url(invitation),
        {
            "q_response_stage": "recovering",
            "q_recovery_plan": "draft",
            "q_priority_areas": ["economy", "housing"],
            "q_financial_confidence": "6",
            "q_biggest_challenge": "Income",
            "q_panel_focus": "Budget",
        },
    )
    assert response.status_code == 302
    saved = Response.objects.get()
    assert sorted(
        saved.answers.filter(question__code="priority_areas").values_list("choice__code", flat=True)
    ) == ["economy", "housing"]
    assert saved.answers.get(question__code="financial_confidence").number == 6


def test_the_survey_page_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    invitation = InvitationFactory()
    with django_assert_num_queries(3):
        client.get(url(invitation))
    # More questions and choices cost no more queries.
    question = invitation.template.questions.create(
        code="extra", text="Extra?", question_type="single_choice", order=99
    )
    for n in range(10):
        question.choices.create(code=f"c{n}", label=f"Choice {n}", order=n)
    with django_assert_num_queries(3):
        client.get(url(invitation))


def test_the_answered_page_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    invitation = InvitationFactory(template=template("pre_panel"))
    respond(invitation, priority_areas=["economy"])
    with django_assert_num_queries(2):
        client.get(url(invitation))
    invitation2 = InvitationFactory(template=template("pre_panel"))
    respond(invitation2, priority_areas=["economy", "housing", "digital", "finance"], partners="x")
    with django_assert_num_queries(2):
        client.get(url(invitation2))
