"""survey_counts and survey_results: counts per choice and the board's percentages, against
hand-worked sums. Groups of fewer than 5 are counted with survey_counts (the raw counts);
what survey_results withholds from pages and the API is tested in test_surveys_withheld.py."""

from datetime import date

import pytest

from councils.models import CouncilType, Region
from surveys.selectors import HEADLINE_FIGURES, percent, survey_counts, survey_results
from tests.factories import CouncilFactory, DistrictFactory
from tests.factories_records import DeliveredEngagementFactory, offer
from tests.factories_surveys import InvitationFactory, respond, template

pytestmark = pytest.mark.django_db


def council_response(engagement, council=None, **answers):
    invitation = InvitationFactory(
        engagement=engagement, council=council or engagement.councils.first()
    )
    return respond(invitation, **answers)


def peer_response(engagement, **answers):
    invitation = InvitationFactory(engagement=engagement, template=template("peer_feedback"))
    return respond(invitation, **answers)


@pytest.mark.parametrize(
    ("count", "of", "expected"),
    [
        (1, 8, 13),  # 12.5 rounds half up (round() would give 12)
        (5, 8, 63),  # 62.5
        (3, 8, 38),  # 37.5
        (1, 40, 3),  # 2.5 (round() would give 2)
        (2, 3, 67),
        (1, 3, 33),
        (0, 5, 0),
        (5, 5, 100),
        (0, 0, None),  # nobody answered
    ],
)
def test_percent_rounds_half_up_and_is_none_when_nobody_answered(count, of, expected):
    assert percent(count, of) == expected


def eight_council_responses():
    """The hand-worked example (see test below)."""
    engagement = DeliveredEngagementFactory(offer=offer("CPC"))
    satisfaction = ["very_satisfied", "fairly_satisfied", "neither", "neither", "neither",
                    "fairly_dissatisfied", "fairly_dissatisfied", "very_dissatisfied"]  # fmt: skip
    goals = ["fully", "fully", "largely", "largely", "partly", "not_at_all", None, None]
    understood = ["great_extent", "great_extent", "some_extent", None, None, None, None, None]
    comments = [
        ("Helpful and challenging.", "yes"),
        ("The team listened.", "yes"),
        ("Not for quoting.", "no"),
        ("No consent answer given.", None),
        ("", "yes"),  # consent without a comment: nothing to quote
        (None, None),
        (None, None),
        (None, None),
    ]
    for index in range(8):
        council_response(
            engagement,
            satisfaction=satisfaction[index],
            goals_achieved=goals[index],
            understood_issues=understood[index],
            comment=comments[index][0],
            quote_consent=comments[index][1],
        )
    return engagement


def test_hand_worked_example_counts_and_percentages():
    """Given 8 council responses, when counted, then:

    satisfaction: 1 very, 1 fairly, 3 neither, 2 fairly dis., 1 very dis. of 8 answered
      satisfied 2/8 = 25; very 1/8 = 12.5 -> 13; fairly 1/8 -> 13 (25, not 13 + 13 = 26)
    goals: 2 fully, 2 largely, 1 partly, 1 not at all; 6 answered, 2 left it blank
      fully or largely 4/6 = 66.67 -> 67
    would_recommend: nobody answered -> None (not 0)
    understood: 2 great, 1 some; 3 answered -> 2/3 = 66.67 -> 67
    """
    eight_council_responses()
    peer_response(DeliveredEngagementFactory(), satisfaction="very_dissatisfied")  # other audience

    results = survey_results(audience="council")

    assert results["respondents"] == 8
    assert results["headline"] == {
        "respondents": 8,
        "satisfied": 25,
        "very_satisfied": 13,
        "fairly_satisfied": 13,
        "goals_fully_or_largely": 67,
        "would_recommend": None,
        "very_likely": None,
        "fairly_likely": None,
        "understood_great_extent": 67,
    }
    satisfaction = results["questions"]["satisfaction"]
    assert satisfaction["answered"] == 8
    assert {code: c["count"] for code, c in satisfaction["choices"].items()} == {
        "very_satisfied": 1,
        "fairly_satisfied": 1,
        "neither": 3,
        "fairly_dissatisfied": 2,
        "very_dissatisfied": 1,
    }
    assert satisfaction["choices"]["neither"]["percent"] == 38  # 37.5
    assert list(satisfaction["choices"]) == [
        "very_satisfied", "fairly_satisfied", "neither", "fairly_dissatisfied",
        "very_dissatisfied",
    ]  # fmt: skip
    goals = results["questions"]["goals_achieved"]
    assert goals["answered"] == 6
    assert goals["choices"]["fully"] == {
        "code": "fully", "label": "Fully", "count": 2, "percent": 33,
    }  # fmt: skip
    recommend = results["questions"]["would_recommend"]
    assert recommend["answered"] == 0
    assert all(c["count"] == 0 and c["percent"] is None for c in recommend["choices"].values())
    assert results["questions"]["comment"]["answered"] == 4
    assert results["questions"]["quote_consent"]["answered"] == 4


def test_quotes_are_only_consented_comments_with_council_type_and_offer():
    eight_council_responses()

    quotes = survey_results(audience="council")["quotes"]

    assert [q["text"] for q in quotes] == ["Helpful and challenging.", "The team listened."]
    assert set(quotes[0]) == {"text", "council_type", "council_type_label", "offer", "offer_name"}
    assert quotes[0]["council_type"] == CouncilType.UNITARY
    assert quotes[0]["council_type_label"] == "Unitary authority"
    assert quotes[0]["offer"] == "CPC"


def test_nobody_answered_gives_zero_respondents_and_no_percentages():
    results = survey_results(audience="council")

    assert results["respondents"] == 0
    assert results["quotes"] == []
    assert all(value is None for k, value in results["headline"].items() if k != "respondents")
    assert set(results["headline"]) == {"respondents", *HEADLINE_FIGURES}


def test_board_example_100_percent_satisfied_82_very_18_fairly():
    engagement = DeliveredEngagementFactory()
    for _ in range(9):
        council_response(engagement, satisfaction="very_satisfied")
    for _ in range(2):
        council_response(engagement, satisfaction="fairly_satisfied")

    headline = survey_results(audience="council")["headline"]

    # 9/11 = 81.8 -> 82; 2/11 = 18.2 -> 18; 11/11 = 100
    assert (headline["satisfied"], headline["very_satisfied"], headline["fairly_satisfied"]) == (
        100, 82, 18,
    )  # fmt: skip


def test_each_council_of_a_group_engagement_is_counted_and_filtered_by_region():
    north, south = (
        CouncilFactory(region=Region.NORTH_EAST),
        DistrictFactory(region=Region.SOUTH_WEST),
    )
    panel = DeliveredEngagementFactory(offer=offer("DIP"), councils=[north, south])
    council_response(
        panel, council=north, satisfaction="very_satisfied", comment="Good", quote_consent="yes"
    )
    council_response(panel, council=south, satisfaction="neither")

    everyone = survey_counts(audience="council")
    south_west = survey_counts(audience="council", region=Region.SOUTH_WEST)

    assert everyone["respondents"] == 2
    assert everyone["headline"]["satisfied"] == 50
    assert south_west["respondents"] == 1
    assert south_west["headline"]["satisfied"] == 0
    assert south_west["quotes"] == []
    assert everyone["quotes"][0]["council_type"] == CouncilType.UNITARY


def test_filters_by_offer_period_and_engagements():
    cpc = DeliveredEngagementFactory(offer=offer("CPC"), start_date=date(2021, 3, 29))
    brps = DeliveredEngagementFactory(offer=offer("BRPS"), start_date=date(2021, 3, 30))
    assert (cpc.end_date, brps.end_date) == (date(2021, 3, 31), date(2021, 4, 1))
    council_response(cpc, satisfaction="very_satisfied")
    council_response(brps, satisfaction="very_dissatisfied")

    assert survey_counts(audience="council", offer="CPC")["headline"]["satisfied"] == 100
    assert survey_counts(audience="council", offer=offer("BRPS"))["headline"]["satisfied"] == 0
    year_2020 = (date(2020, 4, 1), date(2021, 3, 31))
    assert survey_counts(audience="council", period=year_2020)["respondents"] == 1
    only_brps = survey_counts(audience="council", engagements=type(brps).objects.filter(pk=brps.pk))
    assert only_brps["respondents"] == 1


def test_peer_results_use_the_peer_survey_and_exclude_council_answers():
    engagement = DeliveredEngagementFactory()
    peer_response(engagement, satisfaction="very_satisfied", learned="A lot")
    peer_response(engagement, satisfaction="fairly_satisfied")
    peer_response(engagement)  # answered nothing
    council_response(engagement, satisfaction="very_dissatisfied")

    results = survey_counts(audience="peer")

    assert results["respondents"] == 3
    assert results["headline"]["satisfied"] == 100  # of the 2 who answered
    assert "goals_fully_or_largely" not in results["headline"]  # peers are not asked
    assert results["questions"]["learned"]["answered"] == 1


def test_pre_panel_results_by_template_code_with_number_mean():
    rrp = DeliveredEngagementFactory(offer=offer("RRP"))
    for confidence, areas in ((7, ["economy", "housing"]), (8, ["economy"]), (None, [])):
        respond(
            InvitationFactory(engagement=rrp, template=template("pre_panel")),
            financial_confidence=confidence,
            priority_areas=areas,
        )

    results = survey_counts(audience="council", template_code="pre_panel")

    assert results["respondents"] == 3
    assert results["questions"]["financial_confidence"]["mean"] == pytest.approx(7.5)
    areas = results["questions"]["priority_areas"]
    assert areas["answered"] == 2
    assert areas["choices"]["economy"]["percent"] == 100
    assert areas["choices"]["housing"]["percent"] == 50
    assert survey_counts(audience="council")["respondents"] == 0  # not feedback


def test_counting_runs_a_constant_number_of_queries(django_assert_num_queries):
    engagement = DeliveredEngagementFactory()
    for _ in range(3):
        council_response(
            engagement, satisfaction="very_satisfied", comment="x", quote_consent="yes"
        )
    with django_assert_num_queries(6):
        survey_results(audience="council")
    for _ in range(30):
        council_response(engagement, satisfaction="neither", comment="y", quote_consent="yes")
    with django_assert_num_queries(6):
        results = survey_results(audience="council")
    assert results["respondents"] == 33
