"""Survey results of small groups are withheld on every page and in the API (one selector).

surveys.selectors.survey_results withholds a group with fewer than 5 respondents, and a
group by offer or region that a wider group minus its neighbours would give away; the
board dashboard's headlines (survey_headlines) and the stocktake read the same rule.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from councils.models import Region
from surveys.selectors import HEADLINE_FIGURES, survey_headlines, survey_results
from tests import factories
from tests.factories import CouncilFactory
from tests.factories_api import client_for
from tests.factories_records import DeliveredEngagementFactory, offer
from tests.factories_surveys import InvitationFactory, respond

pytestmark = pytest.mark.django_db

# Mid-year: engagements delivered 30 days before fall in the same financial year.
MID_YEAR = datetime(2025, 10, 15, 10, 0, tzinfo=ZoneInfo("Europe/London"))

URL = "/api/v1/survey-results/"


def _responses(offer_code: str, region: str, n: int, **answers):
    for _ in range(n):
        engagement = DeliveredEngagementFactory(
            offer=offer(offer_code), councils=[CouncilFactory(region=region)]
        )
        invitation = InvitationFactory(engagement=engagement)
        respond(invitation, satisfaction="very_satisfied", **answers)


def test_the_issue_example_one_respondent_in_the_north_west_is_withheld():
    """Given one council in the North West answered about its CPC (and 6 elsewhere), when
    the API is asked for that group, then it says so and shows no figure, question or quote."""
    _responses("CPC", Region.NORTH_WEST, 1, comment="Ours was great.", quote_consent="yes")
    _responses("CPC", Region.LONDON, 6)
    client = client_for(factories.BoardMemberFactory())

    answer = client.get(URL, {"audience": "council", "offer": "CPC", "region": "North West"})

    assert answer.status_code == 200
    body = answer.json()
    assert body["respondents"] is None  # was 1, with its percentages
    assert body["withheld"] is True
    assert body["message"].startswith("Fewer than 5 people answered")
    assert set(body["headline"].values()) == {None}
    assert body["questions"] == {}
    assert body["quotes"] == []
    assert "Ours was great." not in answer.content.decode()


def test_a_group_is_withheld_when_the_wider_group_minus_it_gives_a_small_one_away():
    """CPC has 7 respondents: 1 in the North West, 6 in London. Showing London (6) beside
    CPC (7) gives the North West's 1 away, so London is withheld too; CPC itself stays."""
    _responses("CPC", Region.NORTH_WEST, 1)
    _responses("CPC", Region.LONDON, 6)

    london = survey_results(audience="council", offer="CPC", region=Region.LONDON)
    london_all_offers = survey_results(audience="council", region=Region.LONDON)
    cpc = survey_results(audience="council", offer="CPC")

    assert london["respondents"] is None and london["withheld"]
    assert london_all_offers["respondents"] is None
    assert cpc["respondents"] == 7 and not cpc["withheld"]
    assert cpc["headline"]["satisfied"] == 100


def test_groups_of_five_or_more_whose_neighbours_are_large_are_shown():
    _responses("CPC", Region.NORTH_WEST, 5)
    _responses("CPC", Region.LONDON, 6)
    _responses("RRP", Region.LONDON, 5)

    for group in ({"offer": "CPC", "region": Region.NORTH_WEST}, {"region": Region.LONDON}):
        results = survey_results(audience="council", **group)
        assert not results["withheld"], group
        assert results["message"] == ""


@time_machine.travel(MID_YEAR, tick=False)
def test_the_dashboards_headlines_are_withheld_below_five(client):
    _responses("CPC", Region.LONDON, 4)
    cache.clear()

    headlines = survey_headlines()
    client.force_login(factories.BoardMemberFactory())
    page = client.get(reverse("reports:dashboard")).content.decode()

    assert headlines["council"] == {"respondents": None, **dict.fromkeys(HEADLINE_FIGURES)}
    councils = page.split('<h3 class="govuk-heading-m">Councils')[1].split("</div>")[0]
    assert "Fewer than 5 people answered" in councils
    assert "%" not in councils


@time_machine.travel(MID_YEAR, tick=False)
def test_the_stocktake_withholds_the_survey_of_fewer_than_five():
    from reports.stocktake import stocktake_compute

    _responses("CPC", Region.LONDON, 3, comment="Only us.", quote_consent="yes")

    result = stocktake_compute(period_from=date(2025, 4, 1), period_to=date(2025, 10, 15))

    assert result["council_survey"]["responses"] is None
    assert set(result["council_survey"].values()) == {None}
    assert result["survey_counts"]["council"] == {}
    assert result["quotes"] == []
