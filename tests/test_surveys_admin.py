"""Survey admin: answered questions are frozen; managers see, filter and export responses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys.models import Choice, Question
from surveys.services import question_change_check
from tests.factories import CouncilContactFactory, ManagerFactory
from tests.factories_records import DeliveredEngagementFactory, offer
from tests.factories_surveys import InvitationFactory, respond, template

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _role_permissions():
    """Give the role groups their permissions (normally synced after migrate)."""
    from accounts.roles import roles_sync

    roles_sync()


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def question_post_data(question, **changes):
    data = {
        "template": question.template_id,
        "order": question.order,
        "code": question.code,
        "text": question.text,
        "hint": question.hint,
        "question_type": question.question_type,
        "is_required": "on" if question.is_required else "",
        "error_message": question.error_message,
        "min_value": "",
        "max_value": "",
        "is_active": "on" if question.is_active else "",
        "choices-TOTAL_FORMS": question.choices.count(),
        "choices-INITIAL_FORMS": question.choices.count(),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, choice in enumerate(question.choices.all()):
        data.update(
            {
                f"choices-{index}-id": choice.pk,
                f"choices-{index}-question": question.pk,
                f"choices-{index}-order": choice.order,
                f"choices-{index}-code": choice.code,
                f"choices-{index}-label": choice.label,
                f"choices-{index}-is_active": "on",
            }
        )
    data.update(changes)
    return data


def satisfaction():
    return Question.objects.get(template__code="council_feedback", code="satisfaction")


def test_the_three_templates_are_seeded_with_their_codes_and_offers():
    council = template("council_feedback")
    assert list(council.questions.values_list("code", flat=True)) == [
        "satisfaction", "goals_achieved", "would_recommend", "understood_issues", "comment",
        "quote_consent",
    ]  # fmt: skip
    assert list(satisfaction().choices.values_list("code", flat=True)) == [
        "very_satisfied", "fairly_satisfied", "neither", "fairly_dissatisfied",
        "very_dissatisfied",
    ]  # fmt: skip

    def codes(q):
        return list(
            Choice.objects.filter(question__template=council, question__code=q).values_list(
                "code", flat=True
            )
        )

    assert codes("goals_achieved") == ["fully", "largely", "partly", "not_at_all"]
    assert codes("would_recommend") == [
        "very_likely", "fairly_likely", "not_very_likely", "not_at_all_likely",
    ]  # fmt: skip
    assert codes("understood_issues") == [
        "great_extent",
        "some_extent",
        "small_extent",
        "not_at_all",
    ]
    assert codes("quote_consent") == ["yes", "no"]
    peer = template("peer_feedback")
    assert list(peer.questions.values_list("code", flat=True)) == [
        "satisfaction", "learned", "comment", "quote_consent",
    ]  # fmt: skip
    assert council.offers.count() == peer.offers.count() == 8
    assert list(template("pre_panel").offers.values_list("code", flat=True)) == ["RRP"]
    assert template("pre_panel").send_on_status == "scheduled"


def test_an_unanswered_question_can_be_reworded(manager_client):
    question = satisfaction()
    response = manager_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        question_post_data(question, text="How satisfied were you?"),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == "How satisfied were you?"


def test_an_answered_question_keeps_its_wording_code_and_choices(manager_client):
    question = satisfaction()
    respond(satisfaction="very_satisfied")
    url = reverse("admin:surveys_question_change", args=[question.pk])

    page = manager_client.get(url).content.decode()
    assert "Answered: cannot change." in page

    data = question_post_data(
        question, text="Reworded", code="happiness", **{"choices-0-label": "Delighted"}
    )
    manager_client.post(url, data)

    question.refresh_from_db()
    assert (question.text, question.code) == (
        "Overall, how satisfied were you with the peer support?",
        "satisfaction",
    )
    assert question.choices.get(code="very_satisfied").label == "Very satisfied"


def test_an_answered_question_can_be_retired_and_reordered(manager_client):
    question = satisfaction()
    respond(satisfaction="very_satisfied")
    response = manager_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        question_post_data(question, is_active="", order=99),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.is_active, question.order) == (False, 99)


def test_an_answered_question_cannot_be_deleted(manager_client):
    question = satisfaction()
    respond(satisfaction="very_satisfied")
    url = reverse("admin:surveys_question_delete", args=[question.pk])
    assert manager_client.post(url, {"post": "yes"}).status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_an_answered_choice_cannot_be_deleted_from_the_inline(manager_client):
    question = satisfaction()
    respond(satisfaction="very_satisfied")
    response = manager_client.post(
        reverse("admin:surveys_question_change", args=[question.pk]),
        question_post_data(question, **{"choices-0-DELETE": "on"}),
    )
    assert response.status_code == 200
    # Django's own check for protected answers speaks first; ours backs it up.
    assert "protected related objects: answer" in response.content.decode()
    assert question.choices.filter(code="very_satisfied").exists()


def test_the_service_refuses_a_frozen_change_in_plain_words():
    question = satisfaction()
    question_change_check(question=question, changed_fields=["text"])  # no answers: allowed
    respond(satisfaction="fairly_satisfied")
    with pytest.raises(Exception, match="its text cannot change"):
        question_change_check(question=question, changed_fields=["text", "is_required"])
    question_change_check(question=question, changed_fields=["is_required", "order"])


def test_the_template_change_page_is_constant_in_queries(manager_client, django_assert_num_queries):
    survey = template("council_feedback")
    url = reverse("admin:surveys_surveytemplate_change", args=[survey.pk])
    manager_client.get(url)
    with CaptureQueriesContext(connection) as first:
        manager_client.get(url)
    respond(satisfaction="very_satisfied", goals_achieved="fully")
    survey.questions.create(code="more", text="More?", question_type="free_text", order=99)
    with django_assert_num_queries(len(first.captured_queries)):
        manager_client.get(url)


# --- responses -------------------------------------------------------------------------


def some_responses(count, engagement=None):
    engagement = engagement or DeliveredEngagementFactory()
    for n in range(count):
        respond(
            InvitationFactory(engagement=engagement),
            satisfaction="very_satisfied",
            comment=f'=HYPERLINK("http://evil.example/{n}")',
            quote_consent="yes",
        )
    return engagement


def test_managers_see_responses_with_constant_queries(manager_client, django_assert_num_queries):
    some_responses(2)
    url = reverse("admin:surveys_response_changelist")
    manager_client.get(url)
    with CaptureQueriesContext(connection) as first:
        response = manager_client.get(url)
    assert response.status_code == 200
    assert "Very satisfied" in response.content.decode()
    some_responses(15)
    with django_assert_num_queries(len(first.captured_queries)):
        manager_client.get(url)


def test_responses_filter_by_offer_audience_and_engagement(manager_client):
    cpc = some_responses(2, DeliveredEngagementFactory(offer=offer("CPC")))
    some_responses(3, DeliveredEngagementFactory(offer=offer("RRP")))
    url = reverse("admin:surveys_response_changelist")

    by_offer = manager_client.get(url, {"engagement__offer__id__exact": offer("CPC").pk})
    by_engagement = manager_client.get(url, {"engagement__id__exact": cpc.pk})
    by_audience = manager_client.get(url, {"audience__exact": "peer"})

    assert by_offer.context["cl"].result_count == 2
    assert by_engagement.context["cl"].result_count == 2
    assert by_audience.context["cl"].result_count == 0


def test_managers_export_responses_with_one_column_per_question(manager_client):
    engagement = some_responses(2)
    response = manager_client.post(
        reverse("admin:surveys_response_export"),
        {"format": "0", "resource": "0", **_all_export_fields()},
    )
    assert response.status_code == 200, response.content[:2000]
    text = response.content.decode()
    header = text.splitlines()[0]
    for column in ("engagement", "respondent_email", "satisfaction", "goals_achieved", "comment"):
        assert column in header
    assert engagement.reference in text
    assert "very_satisfied" in text
    assert "'=HYPERLINK" in text  # a comment cannot run as a spreadsheet formula


def _all_export_fields():
    from surveys.admin import ResponseResource

    resource = ResponseResource()
    return {f"responseresource_{name}": "on" for name in resource.fields}


@pytest.mark.parametrize(
    "name", ["surveys_response_changelist", "surveys_surveytemplate_changelist"]
)
def test_council_contacts_and_anonymous_users_cannot_reach_the_survey_admin(client, name):
    url = reverse(f"admin:{name}")
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(CouncilContactFactory())
    assert client.get(url).status_code == 302  # not staff: the admin's sign-in page
