"""Matching reads a fixed number of queries, whatever the councils and the size of the pool.

The suggestions page must run as many queries for a unitary council as for a district in a
two-tier area (which also needs its county's other districts), and as many at 3N peers,
places and records as at N. Loading matching data for engagements in several financial
years runs as many queries as for one year.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peers.models import PoliticalGroup, RoleCategory
from programmes.matching import allocation
from programmes.matching.allocation import allocate, build_instance
from programmes.matching.candidates import MatchingData
from programmes.matching.scoring import Weights
from programmes.matching.suggestions import suggestions_for
from programmes.models import PlaceStatus, TeamRole
from tests.factories import CouncilFactory, CountyFactory, DistrictFactory, ManagerFactory
from tests.factories_matching import (
    MatchableOfficerFactory,
    MatchablePeerFactory,
    UnavailabilityFactory,
    dated_engagement,
    equalities,
    expertise,
)
from tests.factories_peer_portal import DayCapExceptionFactory
from tests.factories_records import TeamPlaceFactory

pytestmark = pytest.mark.django_db

GROUPS = [PoliticalGroup.LABOUR, PoliticalGroup.CONSERVATIVE, PoliticalGroup.LIBERAL_DEMOCRAT]


def _add_peers(n: int, *, theme) -> None:
    """n member and n officer peers with everything matching reads about a peer: expertise,
    equalities, unavailability, a conflict, a day-cap exception and past places."""
    start = timezone.localdate() + timedelta(days=60)
    for k in range(n):
        member = MatchablePeerFactory(political_group=GROUPS[k % len(GROUPS)])
        officer = MatchableOfficerFactory(role_category=RoleCategory.DIRECTOR)
        member.expertise.add(theme)
        equalities(member, sex="female", age_band="35-44")
        UnavailabilityFactory(peer=officer, starts_on=start, ends_on=start)
        member.conflicts.add(CouncilFactory())
        DayCapExceptionFactory(peer=member, financial_year=start.year)
        past = dated_engagement(
            start=timezone.localdate() - timedelta(days=40 + k),
            councils=[DistrictFactory()],
        )
        TeamPlaceFactory(engagement=past, peer=member, status=PlaceStatus.ACCEPTED)
        TeamPlaceFactory(engagement=past, peer=officer, role=TeamRole.OFFICER)


def _engagement(council, theme):
    engagement = dated_engagement(code="CPC", councils=[council], focus="Finance and governance")
    engagement.themes.add(theme)
    return engagement


@pytest.fixture
def theme():
    return expertise("Finance")


@pytest.fixture
def manager_client(client):
    client.force_login(ManagerFactory())
    return client


def _page_queries(client, engagement) -> int:
    url = reverse("programmes:suggest_team", args=[engagement.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_suggestions_page_runs_the_same_queries_for_unitary_and_two_tier_councils(
    manager_client, theme
):
    # Given a unitary council's engagement and a district's in a county with other districts
    _add_peers(3, theme=theme)
    unitary = _engagement(CouncilFactory(), theme)
    county = CountyFactory()
    DistrictFactory(county=county)
    two_tier = _engagement(DistrictFactory(county=county), theme)
    Weights.current()  # the weights row exists, as on any site that has been used
    _page_queries(manager_client, unitary)  # warm the session and content types

    # When each suggestions page is shown
    counts = {_page_queries(manager_client, unitary), _page_queries(manager_client, two_tier)}

    # Then both run the same number of queries
    assert len(counts) == 1, counts


@pytest.mark.parametrize("council", ["unitary", "district"])
def test_the_suggestions_page_runs_the_same_queries_at_n_and_3n_peers(
    manager_client, django_assert_num_queries, theme, council
):
    county = CountyFactory()
    home = CouncilFactory() if council == "unitary" else DistrictFactory(county=county)
    engagement = _engagement(home, theme)
    url = reverse("programmes:suggest_team", args=[engagement.pk])
    Weights.current()
    _add_peers(2, theme=theme)
    _page_queries(manager_client, engagement)
    count = _page_queries(manager_client, engagement)

    _add_peers(4, theme=theme)  # 3N
    DistrictFactory(county=county)

    with django_assert_num_queries(count):
        assert manager_client.get(url).status_code == 200


def test_suggestions_run_the_same_queries_for_every_kind_of_council(theme):
    _add_peers(2, theme=theme)
    county = CountyFactory()
    engagements = [
        _engagement(CouncilFactory(), theme),
        _engagement(DistrictFactory(county=county), theme),
        _engagement(county, theme),
    ]
    Weights.current()
    counts = []
    for engagement in engagements:
        with CaptureQueriesContext(connection) as captured:
            suggestions_for(engagement)
        counts.append(len(captured.captured_queries))

    assert len(set(counts)) == 1, counts


def test_matching_data_runs_the_same_queries_for_one_or_several_financial_years(theme):
    _add_peers(2, theme=theme)
    year = timezone.localdate().year + 1
    one_year = [_engagement(CouncilFactory(), theme)]
    several = [
        dated_engagement(start=date(year, 5, 4)),
        dated_engagement(start=date(year + 1, 5, 4)),
        dated_engagement(start=date(year + 2, 5, 4)),
    ]

    with CaptureQueriesContext(connection) as first:
        MatchingData(one_year)
    with CaptureQueriesContext(connection) as second:
        data = MatchingData(several)

    assert len(first.captured_queries) == len(second.captured_queries)
    assert len(data.used) == 3


def test_days_used_and_caps_are_read_per_financial_year(theme):
    # Given a member peer with 4 days this year, 6 the next and an exception next year
    peer = MatchablePeerFactory()
    year = timezone.localdate().year + 1
    this = dated_engagement(start=date(year, 5, 4))
    later = dated_engagement(start=date(year + 1, 5, 4))
    TeamPlaceFactory(engagement=dated_engagement(start=date(year, 6, 1)), peer=peer, days=4)
    TeamPlaceFactory(engagement=dated_engagement(start=date(year + 1, 6, 1)), peer=peer, days=6)
    DayCapExceptionFactory(peer=peer, financial_year=year + 1, extra_days=Decimal("5"))

    # When matching data is loaded for both years at once
    data = MatchingData([this, later])
    i = data.pool.index[peer.pk]

    # Then each year has its own days used and cap
    assert (data.used[year][i], data.used[year + 1][i]) == (4.0, 6.0)
    assert (data.cap[year][i], data.cap[year + 1][i]) == (40.0, 45.0)


def test_the_solver_time_limit_is_a_setting(settings, monkeypatch):
    """The solver's deadline comes from MATCHING_SOLVER_SECONDS when none is given."""
    settings.MATCHING_SOLVER_SECONDS = 1.5
    engagement = dated_engagement(code="CPC")
    MatchablePeerFactory()
    MatchableOfficerFactory()
    seen = []
    solve = allocation._solve

    def spy(instance, *, deadline, **kwargs):
        seen.append(deadline - allocation.time.perf_counter())
        return solve(instance, deadline=deadline, **kwargs)

    monkeypatch.setattr(allocation, "_solve", spy)

    allocate(instance=build_instance([engagement]), workers=1)

    assert seen and 0 < seen[0] <= 1.5
