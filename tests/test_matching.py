"""Matching: every hard filter, every score part, the suggested team and inviting it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from councils.models import CouncilType, PoliticalControl, Region
from notifications.models import Notification
from peers.models import PeerStatus, RoleCategory, WorkMode
from programmes import services
from programmes.matching.candidates import MatchingData
from programmes.matching.scoring import RoleScores, Weights
from programmes.matching.services import Pick, team_invite_many, team_reserve_promote
from programmes.matching.suggestions import suggestions_for
from programmes.models import DayCapException, PlaceStatus, TeamPlace, TeamRole
from tests.factories import CouncilFactory, CountyFactory, DistrictFactory, ManagerFactory
from tests.factories_matching import (
    MatchableOfficerFactory,
    MatchablePeerFactory,
    UnavailabilityFactory,
    dated_engagement,
    equalities,
    expertise,
)
from tests.factories_records import TeamPlaceFactory

pytestmark = pytest.mark.django_db


def _role(suggestions, role):
    return next(r for r in suggestions.roles if r.role == role)


def _listed(engagement, role=TeamRole.LEAD_MEMBER, **kwargs):
    role_suggestion = _role(suggestions_for(engagement, limit=100, **kwargs), role)
    return {c.peer_id for c in role_suggestion.candidates}, role_suggestion


# Hard filters ---------------------------------------------------------------------------


def _excluded_for(reason, engagement, peer, role=TeamRole.LEAD_MEMBER):
    listed, role_suggestion = _listed(engagement, role)
    assert peer.pk not in listed
    assert role_suggestion.excluded.get(reason) == 1
    return role_suggestion


def test_a_peer_who_breaks_no_rule_is_listed():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()

    listed, role_suggestion = _listed(engagement)

    assert peer.pk in listed
    assert role_suggestion.excluded == {}


def test_inactive_peers_are_excluded():
    engagement = dated_engagement()
    peer = MatchablePeerFactory(status=PeerStatus.PAUSED)

    _excluded_for("inactive", engagement, peer)


def test_peers_are_excluded_from_their_own_council():
    engagement = dated_engagement()
    peer = MatchablePeerFactory(home_council=engagement.councils.first())

    _excluded_for("own_council", engagement, peer)


def test_peers_are_excluded_from_their_two_tier_area():
    county = CountyFactory()
    engagement = dated_engagement(councils=[DistrictFactory(county=county)])
    peer = MatchablePeerFactory(home_council=DistrictFactory(county=county))
    outsider = MatchablePeerFactory(home_council=DistrictFactory())

    _excluded_for("two_tier", engagement, peer)
    assert outsider.pk in _listed(engagement)[0]


def test_peers_with_a_declared_conflict_are_excluded():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    peer.conflicts.add(engagement.councils.first())

    _excluded_for("conflict", engagement, peer)


def test_unavailable_peers_are_excluded():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    UnavailabilityFactory(peer=peer, starts_on=engagement.end_date, ends_on=engagement.end_date)

    _excluded_for("unavailable", engagement, peer)


def test_peers_on_an_overlapping_engagement_are_excluded():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    other = dated_engagement(start=engagement.end_date)
    TeamPlaceFactory(engagement=other, peer=peer, status=PlaceStatus.ACCEPTED)

    _excluded_for("clash", engagement, peer)


def test_a_declined_place_on_an_overlapping_engagement_is_no_clash():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    TeamPlaceFactory(
        engagement=dated_engagement(start=engagement.start_date),
        peer=peer,
        status=PlaceStatus.DECLINED,
    )

    assert peer.pk in _listed(engagement)[0]


def test_member_peers_over_the_day_cap_are_excluded_unless_an_exception_covers_it():
    engagement = dated_engagement(days=3)
    peer = MatchablePeerFactory()
    TeamPlaceFactory(
        engagement=dated_engagement(start=engagement.start_date + timedelta(days=10)),
        peer=peer,
        days=Decimal("38"),
    )

    _excluded_for("day_cap", engagement, peer)

    DayCapException.objects.create(
        peer=peer,
        financial_year=engagement.start_date.year
        if engagement.start_date.month >= 4
        else engagement.start_date.year - 1,
        extra_days=Decimal("5"),
        reason="Exceptional",
        approved_by=ManagerFactory(),
        approved_at=timezone.now(),
    )
    assert peer.pk in _listed(engagement)[0]


def test_remote_only_peers_are_excluded_when_there_are_onsite_days():
    onsite = dated_engagement(mode="onsite")
    remote = dated_engagement()
    peer = MatchablePeerFactory(work_mode=WorkMode.REMOTE)

    _excluded_for("onsite", onsite, peer)
    assert peer.pk in _listed(remote)[0]


def test_member_peers_without_recent_training_are_excluded_unless_waived():
    engagement = dated_engagement()
    untrained = MatchablePeerFactory(trained=False)
    lapsed = MatchablePeerFactory(trained=False)
    lapsed.training_records.create(
        kind="conference",
        course="Conference",
        attended_on=engagement.start_date - timedelta(days=365 * 3 + 5),
    )
    waived = MatchablePeerFactory(trained=False, training_waived=True)
    officer = MatchableOfficerFactory()  # the rule is for member peers only

    listed, role_suggestion = _listed(engagement)
    assert role_suggestion.excluded["training"] == 2
    assert untrained.pk not in listed and lapsed.pk not in listed
    assert waived.pk in listed
    assert officer.pk in _listed(engagement, TeamRole.LEAD_OFFICER)[0]


def test_peers_already_on_the_team_are_not_suggested_again():
    engagement = dated_engagement()
    peer = MatchablePeerFactory()
    TeamPlaceFactory(engagement=engagement, peer=peer, status=PlaceStatus.DECLINED)

    _excluded_for("on_team", engagement, peer)


def test_member_places_are_for_member_peers_and_officer_places_for_the_others():
    engagement = dated_engagement()
    member, officer = MatchablePeerFactory(), MatchableOfficerFactory()

    assert _listed(engagement, TeamRole.LEAD_MEMBER)[0] == {member.pk}
    assert _listed(engagement, TeamRole.LEAD_OFFICER)[0] == {officer.pk}


def test_an_unfillable_role_says_which_rules_blocked_it_and_how_many():
    engagement = dated_engagement()
    for _ in range(2):
        MatchablePeerFactory().conflicts.add(engagement.councils.first())
    MatchablePeerFactory(status=PeerStatus.LEFT)

    role_suggestion = _role(suggestions_for(engagement), TeamRole.LEAD_MEMBER)

    assert role_suggestion.candidates == []
    assert role_suggestion.blocked == (
        "No lead member peer available: 1 excluded by not active in the pool, "
        "2 by declared conflicts."
    )


# Score parts ----------------------------------------------------------------------------


def _scores(engagement, role, **weights):
    data = MatchingData([engagement])
    return data, RoleScores(data, engagement.pk, role, Weights(**weights))


def _part(engagement, role, peer, part, **weights):
    data, scores = _scores(engagement, role, **weights)
    i = data.pool.index[peer.pk]
    return scores.parts[part][i], scores.total[i]


def _ranks_above(engagement, role, better, worse, part):
    better_part, better_total = _part(engagement, role, better, part)
    worse_part, worse_total = _part(engagement, role, worse, part)
    assert better_part > worse_part
    assert better_total > worse_total


def test_expertise_overlap_with_themes_ranks_higher():
    finance = expertise("Finance")
    engagement = dated_engagement()
    engagement.themes.add(finance, expertise("Governance"))
    expert, other = MatchablePeerFactory(), MatchablePeerFactory()
    expert.expertise.add(finance)

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, expert, other, "expertise")
    assert _part(engagement, TeamRole.LEAD_MEMBER, expert, "expertise")[0] == 0.5


def test_expertise_named_in_the_focus_counts():
    housing = expertise("Housing")
    engagement = dated_engagement(focus="Rough sleeping and housing supply")
    expert, other = MatchablePeerFactory(), MatchablePeerFactory()
    expert.expertise.add(housing)

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, expert, other, "expertise")


def test_a_chief_executive_fits_a_lead_officer_place_best():
    engagement = dated_engagement()
    chief = MatchableOfficerFactory(role_category=RoleCategory.CHIEF_EXECUTIVE)
    director = MatchableOfficerFactory(role_category=RoleCategory.DIRECTOR)
    other = MatchableOfficerFactory(role_category=RoleCategory.OTHER)

    _ranks_above(engagement, TeamRole.LEAD_OFFICER, chief, director, "role_fit")
    _ranks_above(engagement, TeamRole.LEAD_OFFICER, director, other, "role_fit")


def test_a_leader_fits_a_lead_member_place_best():
    engagement = dated_engagement()
    leader = MatchablePeerFactory(role_category=RoleCategory.LEADER)
    member = MatchablePeerFactory(role_category=RoleCategory.OTHER)

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, leader, member, "role_fit")


def test_the_offers_preferred_role_category_is_used():
    engagement = dated_engagement(code="FPC", mode="onsite")  # lead officer: finance
    finance = MatchableOfficerFactory(role_category=RoleCategory.FINANCE)
    chief = MatchableOfficerFactory(role_category=RoleCategory.CHIEF_EXECUTIVE)

    _ranks_above(engagement, TeamRole.LEAD_OFFICER, finance, chief, "role_fit")


def test_lead_member_from_the_administrations_group_fits_best():
    council = CouncilFactory(political_control=PoliticalControl.CONSERVATIVE)
    engagement = dated_engagement(councils=[council])
    same = MatchablePeerFactory(political_group="conservative")
    other = MatchablePeerFactory(political_group="labour")

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, same, other, "political_fit")


def test_further_member_peers_balance_the_team_politically():
    council = CouncilFactory(political_control=PoliticalControl.LABOUR)
    engagement = dated_engagement(code="CPC", councils=[council], mode="onsite")
    lead = MatchablePeerFactory(political_group="labour")
    TeamPlaceFactory(engagement=engagement, peer=lead, role=TeamRole.LEAD_MEMBER)
    balancing = MatchablePeerFactory(political_group="conservative")
    same = MatchablePeerFactory(political_group="labour")

    _ranks_above(engagement, TeamRole.MEMBER, balancing, same, "political_fit")


def test_political_fit_does_not_apply_to_officer_places():
    engagement = dated_engagement()
    officer = MatchableOfficerFactory()

    assert _part(engagement, TeamRole.LEAD_OFFICER, officer, "political_fit")[0] == 0


def test_onsite_work_prefers_peers_from_outside_the_councils_region():
    council = CouncilFactory(region=Region.LONDON)
    onsite = dated_engagement(councils=[council], mode="onsite")
    remote = dated_engagement(councils=[council])
    outside = MatchablePeerFactory(home_council=CouncilFactory(region=Region.NORTH_EAST))
    inside = MatchablePeerFactory(home_council=CouncilFactory(region=Region.LONDON))

    _ranks_above(onsite, TeamRole.LEAD_MEMBER, outside, inside, "independence")
    assert _part(remote, TeamRole.LEAD_MEMBER, outside, "independence") == _part(
        remote, TeamRole.LEAD_MEMBER, inside, "independence"
    )


def test_the_independence_reason_names_the_peers_own_region():
    council = CouncilFactory(region=Region.LONDON)
    engagement = dated_engagement(councils=[council], mode="onsite")
    outside = MatchablePeerFactory(home_council=CouncilFactory(region=Region.NORTH_EAST))
    inside = MatchablePeerFactory(home_council=CouncilFactory(region=Region.LONDON))

    reasons = {
        c.peer_id: next(p.reason for p in c.parts if p.code == "independence")
        for c in _role(suggestions_for(engagement), TeamRole.LEAD_MEMBER).candidates
    }

    assert reasons[outside.pk] == "From North East, outside the council's region"
    assert reasons[inside.pk] == "From London, the council's own region"


def test_fairness_prefers_fewer_days_and_gives_new_peers_a_first_chance():
    engagement = dated_engagement()
    busy, light, new = MatchablePeerFactory(), MatchablePeerFactory(), MatchablePeerFactory()
    later = dated_engagement(start=engagement.start_date + timedelta(days=30))
    TeamPlaceFactory(engagement=later, peer=busy, days=Decimal("20"))
    TeamPlaceFactory(
        engagement=dated_engagement(start=engagement.start_date + timedelta(days=40)),
        peer=busy,
        days=Decimal("5"),
    )
    TeamPlaceFactory(
        engagement=dated_engagement(start=engagement.start_date + timedelta(days=50)),
        peer=light,
        days=Decimal("2"),
    )

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, light, busy, "fairness")
    _ranks_above(engagement, TeamRole.LEAD_MEMBER, new, light, "fairness")
    assert _part(engagement, TeamRole.LEAD_MEMBER, new, "fairness")[0] == 1.0


def test_experience_with_similar_councils_ranks_higher():
    engagement = dated_engagement(councils=[DistrictFactory()])
    district_peer = MatchablePeerFactory(home_council=DistrictFactory())
    county_peer = MatchablePeerFactory(home_council=CountyFactory())
    served = MatchablePeerFactory(home_council=CountyFactory())
    TeamPlaceFactory(
        engagement=dated_engagement(
            start=engagement.start_date - timedelta(days=200),
            councils=[CouncilFactory(council_type=CouncilType.DISTRICT)],
        ),
        peer=served,
        status=PlaceStatus.ACCEPTED,
    )

    _ranks_above(engagement, TeamRole.LEAD_MEMBER, district_peer, county_peer, "experience")
    assert _part(engagement, TeamRole.LEAD_MEMBER, served, "experience")[0] == 1.0


def test_weights_are_a_managers_setting(client):
    engagement = dated_engagement()
    finance = expertise("Finance")
    engagement.themes.add(finance, expertise("Planning"))
    expert = MatchablePeerFactory(role_category=RoleCategory.OTHER)
    expert.expertise.add(finance)
    leader = MatchablePeerFactory(role_category=RoleCategory.LEADER)
    client.force_login(ManagerFactory())

    def first():
        return _role(suggestions_for(engagement), TeamRole.LEAD_MEMBER).candidates[0].peer_id

    assert first() == leader.pk  # role fit 3 of 3 beats expertise 1.5 of 3
    data = {
        "expertise": "9",
        "role_fit": "1",
        "political_fit": "2",
        "independence": "1",
        "fairness": "2",
        "experience": "1",
        "diversity": "1",
        "candidates_per_group": "8",
    }
    response = client.post(reverse("programmes:weights"), data)

    assert response.status_code == 302
    assert first() == expert.pk


def test_weights_form_refuses_out_of_range_values_in_govuk_words(client):
    client.force_login(ManagerFactory())

    response = client.post(reverse("programmes:weights"), {"expertise": "11"})

    assert response.status_code == 400
    assert "Enter a weight from 0 to 10" in response.content.decode()


# Team diversity -------------------------------------------------------------------------


def _diverse_world():
    engagement = dated_engagement(code="RRP")
    lead = MatchableOfficerFactory()
    equalities(lead, sex="male", ethnic_group="white", age_band="55_64")
    TeamPlaceFactory(engagement=engagement, peer=lead, role=TeamRole.LEAD_OFFICER)
    alike = MatchablePeerFactory()
    equalities(alike, sex="male", ethnic_group="white", age_band="55_64")
    different = MatchablePeerFactory()
    equalities(different, sex="female", ethnic_group="asian", age_band="35_44")
    if alike.pk > different.pk:  # make the tie-break favour the peer who adds no balance
        alike, different = different, alike
    return engagement, alike, different


def test_team_diversity_chooses_between_close_candidates_in_aggregate_only(client):
    engagement, alike, different = _diverse_world()

    suggestions = suggestions_for(engagement)
    role = _role(suggestions, TeamRole.LEAD_MEMBER)

    ticked = [c.peer_id for c in role.candidates if c.suggested]
    assert ticked == [different.pk]
    assert {alike.pk, different.pk} <= {c.peer_id for c in role.candidates}  # nobody excluded
    assert "never exclude anyone" in suggestions.balance_note
    client.force_login(ManagerFactory())
    html = client.get(reverse("programmes:suggest_team", args=[engagement.pk])).content.decode()
    for shown in ("Female", "Asian", "35 to 44", "diversity"):
        assert shown not in html  # never shown per person


def test_without_the_diversity_weight_the_tie_goes_by_rank():
    engagement, alike, different = _diverse_world()

    role = _role(suggestions_for(engagement, weights=Weights(diversity=0)), TeamRole.LEAD_MEMBER)

    assert [c.peer_id for c in role.candidates if c.suggested] == [role.candidates[0].peer_id]


# Query counts and speed -----------------------------------------------------------------


@pytest.mark.parametrize("peers", [4, 12])
def test_suggestions_use_a_constant_number_of_queries(django_assert_num_queries, peers):
    engagement = dated_engagement()
    engagement.themes.add(expertise("Finance"))
    for _ in range(peers):
        peer = MatchablePeerFactory()
        TeamPlaceFactory(peer=peer, engagement=dated_engagement(start=engagement.start_date))
        MatchableOfficerFactory()

    with django_assert_num_queries(21):
        suggestions_for(engagement)


# Inviting a team in one action ----------------------------------------------------------


def test_managers_invite_a_suggested_team_in_one_action(client, django_capture_on_commit_callbacks):
    engagement = dated_engagement(code="RRP")
    member, officer, reserve = (
        MatchablePeerFactory(),
        MatchableOfficerFactory(),
        MatchablePeerFactory(),
    )
    client.force_login(ManagerFactory())

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("programmes:suggest_team", args=[engagement.pk]),
            {
                f"pick-lead_member-{member.pk}": "invite",
                f"days-lead_member-{member.pk}": "1",
                f"pick-lead_officer-{officer.pk}": "invite",
                f"pick-lead_member-{reserve.pk}": "reserve",
            },
        )

    assert response.status_code == 302
    places = {p.peer_id: p for p in TeamPlace.objects.filter(engagement=engagement)}
    assert places[member.pk].status == PlaceStatus.INVITED
    assert places[member.pk].days == Decimal("1")
    assert places[officer.pk].days == Decimal("0.5")
    assert places[reserve.pk].status == PlaceStatus.RESERVE
    assert places[reserve.pk].reserve_rank == 1
    assert len(callbacks) == 2  # one invitation email each


def test_one_refusal_saves_nothing_and_every_refusal_is_listed():
    engagement = dated_engagement(code="RRP")
    fine = MatchablePeerFactory()
    conflicted, busy = MatchableOfficerFactory(), MatchablePeerFactory()
    conflicted.conflicts.add(engagement.councils.first())
    TeamPlaceFactory(peer=busy, engagement=dated_engagement(start=engagement.start_date))

    with pytest.raises(ValidationError) as error:
        team_invite_many(
            engagement=engagement,
            picks=[
                Pick(fine.pk, TeamRole.LEAD_MEMBER, Decimal("0.5")),
                Pick(conflicted.pk, TeamRole.LEAD_OFFICER, Decimal("0.5")),
                Pick(busy.pk, TeamRole.MEMBER, Decimal("0.5")),
            ],
        )

    assert len(error.value.messages) == 2
    assert "declared a conflict" in error.value.messages[0]
    assert "overlaps these dates" in error.value.messages[1]
    assert not TeamPlace.objects.filter(engagement=engagement).exists()


def test_the_page_shows_refusals_and_saves_nothing(client):
    engagement = dated_engagement(code="RRP")
    MatchablePeerFactory()
    client.force_login(ManagerFactory())

    response = client.post(reverse("programmes:suggest_team", args=[engagement.pk]), {})

    assert response.status_code == 400
    assert "Select at least one peer to invite or keep in reserve" in response.content.decode()
    assert not TeamPlace.objects.filter(engagement=engagement).exists()


def test_a_council_contact_cannot_invite_a_team(client):
    engagement = dated_engagement(code="RRP")
    peer = MatchablePeerFactory()
    from tests.factories import CouncilContactFactory

    client.force_login(CouncilContactFactory(council=engagement.councils.first()))
    response = client.post(
        reverse("programmes:suggest_team", args=[engagement.pk]),
        {f"pick-lead_member-{peer.pk}": "invite"},
    )

    assert response.status_code == 403
    assert not TeamPlace.objects.exists()


# Reserves -------------------------------------------------------------------------------


def _team_with_reserves(*reserves_count):
    engagement = dated_engagement(code="RRP")
    ManagerFactory()
    invited = MatchablePeerFactory()
    reserves = [MatchablePeerFactory() for _ in range(2)]
    team_invite_many(
        engagement=engagement,
        picks=[Pick(invited.pk, TeamRole.LEAD_MEMBER, Decimal("0.5"))]
        + [Pick(r.pk, TeamRole.LEAD_MEMBER, Decimal("0.5"), reserve=True) for r in reserves],
    )
    return engagement, TeamPlace.objects.get(engagement=engagement, peer=invited), reserves


def test_a_declined_place_invites_the_next_reserve_and_tells_the_manager():
    engagement, place, reserves = _team_with_reserves()
    # The decline itself promotes the next reserve (programmes.services.team_place_respond).
    services.team_place_respond(place=place, accept=False, reason="Away")

    promoted = TeamPlace.objects.get(engagement=engagement, peer=reserves[0])
    assert promoted.peer_id == reserves[0].pk
    assert promoted.status == PlaceStatus.INVITED
    notice = Notification.objects.get(kind="notice")
    assert "Reserve invited" in notice.subject


def test_a_reserve_who_now_breaks_a_rule_is_passed_over():
    engagement, place, reserves = _team_with_reserves()
    reserves[0].conflicts.add(engagement.councils.first())
    services.team_place_respond(place=place, accept=False)

    promoted = TeamPlace.objects.get(engagement=engagement, status=PlaceStatus.INVITED)
    assert promoted.peer_id == reserves[1].pk
    assert "declared a conflict" in Notification.objects.get(kind="notice").body_text


def test_no_reserve_is_invited_while_the_role_is_full():
    engagement, place, reserves = _team_with_reserves()

    assert team_reserve_promote(engagement=engagement, role=TeamRole.LEAD_MEMBER) is None
    assert TeamPlace.objects.filter(status=PlaceStatus.RESERVE).count() == 2


def test_an_overdue_invitation_is_replaced_by_the_next_reserve():
    engagement, place, reserves = _team_with_reserves()

    promoted = team_reserve_promote(
        engagement=engagement, role=TeamRole.LEAD_MEMBER, replacing=place
    )

    place.refresh_from_db()
    assert place.status == PlaceStatus.WITHDRAWN
    assert promoted.peer_id == reserves[0].pk
