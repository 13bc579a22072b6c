"""survey_headlines: the board's headline figures in one query, equal to survey_results'."""

import pytest

from programmes.models import Engagement
from surveys.selectors import HEADLINE_FIGURES, survey_headlines, survey_results
from tests.factories_records import DeliveredEngagementFactory, offer
from tests.factories_surveys import InvitationFactory
from tests.test_surveys_results import council_response, eight_council_responses, peer_response

pytestmark = pytest.mark.django_db


def assert_same_as_survey_results(engagements=None):
    headlines = survey_headlines(engagements=engagements)
    for audience in ("council", "peer"):
        expected = survey_results(audience=audience, engagements=engagements, quotes=False)
        got = headlines[audience]
        assert got["respondents"] == expected["respondents"]
        for name in HEADLINE_FIGURES:
            # survey_results leaves out a figure no template asks; here it is None.
            assert got[name] == expected["headline"].get(name), (audience, name)
    return headlines


def test_hand_worked_example_matches_survey_results_half_up():
    eight_council_responses()
    peer_response(DeliveredEngagementFactory(), satisfaction="very_dissatisfied")
    peer_response(DeliveredEngagementFactory(), satisfaction="fairly_satisfied")

    headlines = assert_same_as_survey_results()

    council = headlines["council"]
    assert council["respondents"] == 8
    assert council["satisfied"] == 25
    assert council["very_satisfied"] == 13  # 1 of 8 = 12.5, half up
    assert council["fairly_satisfied"] == 13
    assert council["goals_fully_or_largely"] == 67
    assert council["would_recommend"] is None  # nobody answered it
    assert council["understood_great_extent"] == 67
    # Two peers answered: fewer than 5, so every peer figure is withheld (None).
    assert headlines["peer"] == {"respondents": None, **dict.fromkeys(HEADLINE_FIGURES)}


def test_scoped_to_the_engagements_and_counts_responses_without_answers():
    inside = DeliveredEngagementFactory(offer=offer("CPC"))
    outside = DeliveredEngagementFactory(offer=offer("BRPS"))
    for _ in range(4):
        council_response(inside, satisfaction="very_satisfied", would_recommend="fairly_likely")
    council_response(inside, comment="Only a comment.")  # a respondent who skipped the rest
    council_response(outside, satisfaction="very_dissatisfied")
    for _ in range(5):
        peer_response(inside, satisfaction="neither")

    engagements = Engagement.objects.filter(pk=inside.pk)
    headlines = assert_same_as_survey_results(engagements)

    assert headlines["council"]["respondents"] == 5
    assert headlines["council"]["satisfied"] == 100  # of the 4 who answered
    assert headlines["council"]["fairly_likely"] == 100
    assert headlines["peer"]["satisfied"] == 0


def test_nobody_responded():
    InvitationFactory(engagement=DeliveredEngagementFactory())  # invited, never answered
    headlines = assert_same_as_survey_results()
    assert headlines["council"] == {"respondents": 0, **dict.fromkeys(HEADLINE_FIGURES)}


def test_one_query_however_many_responses(django_assert_num_queries):
    engagement = DeliveredEngagementFactory()
    council_response(engagement, satisfaction="very_satisfied")
    peer_response(engagement, satisfaction="neither")
    with django_assert_num_queries(1):
        survey_headlines(engagements=Engagement.objects.all())
    for _ in range(10):
        council_response(engagement, satisfaction="fairly_satisfied", goals_achieved="fully")
        peer_response(engagement, satisfaction="very_satisfied")
    with django_assert_num_queries(1):
        headlines = survey_headlines(engagements=Engagement.objects.all())
    assert headlines["council"]["respondents"] == 11
    assert headlines["peer"]["respondents"] == 11
