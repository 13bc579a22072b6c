"""Political balance of the suggested team: chosen by party, explained from what it has.

The suggested team's lead member peer comes from the administration's group when one can
take the place; the other member peers add groups the team does not have yet; whatever the
page says about balance is rendered from the same facts that chose the team; and managers
see each member peer's party (board members and group offices never see the page).
"""

import pytest
from django.urls import reverse

from councils.models import PoliticalControl
from peers.models import Peer, PoliticalGroup, RoleCategory
from programmes.matching.politics import PoliticalBalance, TeamMember
from programmes.matching.scoring import Weights
from programmes.matching.suggestions import suggestions_for
from programmes.models import MEMBER_ROLES, PlaceStatus, TeamRole
from tests.factories import (
    BoardMemberFactory,
    CouncilFactory,
    GroupOfficeFactory,
    ManagerFactory,
)
from tests.factories_matching import (
    MatchableOfficerFactory,
    MatchablePeerFactory,
    dated_engagement,
    expertise,
)
from tests.factories_records import TeamPlaceFactory

pytestmark = pytest.mark.django_db

LABOUR, CONSERVATIVE, LIB_DEM = (
    PoliticalGroup.LABOUR,
    PoliticalGroup.CONSERVATIVE,
    PoliticalGroup.LIBERAL_DEMOCRAT,
)


def _cpc(control=PoliticalControl.LABOUR):
    """A CPC (lead member, lead officer, member and two officer places) with two themes."""
    engagement = dated_engagement(
        code="CPC", mode="onsite", councils=[CouncilFactory(political_control=control)]
    )
    engagement.themes.add(expertise("Finance"), expertise("Governance"))
    for _ in range(3):
        MatchableOfficerFactory()
    return engagement


def _member(group, *, role_category=RoleCategory.CABINET_MEMBER, expert=False, name=""):
    first, _, last = name.partition(" ")
    names = {"user__first_name": first, "user__last_name": last} if name else {}
    peer = MatchablePeerFactory(political_group=group, role_category=role_category, **names)
    if expert:
        peer.expertise.add(expertise("Finance"), expertise("Governance"))
    return peer


def _role(suggestions, role):
    return next(r for r in suggestions.roles if r.role == role)


def _suggested(suggestions, role):
    return [c for c in _role(suggestions, role).candidates if c.suggested]


def _political_part(candidate):
    return next(p for p in candidate.parts if p.code == "political_fit")


def _team_groups(engagement, suggestions) -> list[str]:
    """The groups of the member peers on the suggested team, read from the database."""
    peer_ids = [
        c.peer_id for r in suggestions.roles if r.role in MEMBER_ROLES for c in r.candidates
    ]
    suggested = {c.peer_id for r in suggestions.roles for c in r.candidates if c.suggested} & set(
        peer_ids
    )
    held = set(
        engagement.places.filter(
            status__in=(PlaceStatus.INVITED, PlaceStatus.ACCEPTED), role__in=MEMBER_ROLES
        ).values_list("peer_id", flat=True)
    )
    groups = Peer.objects.filter(pk__in=suggested | held).values_list("political_group", flat=True)
    return sorted(groups)


def test_two_liberal_democrat_member_peers_are_never_described_as_adding_balance():
    # Given a Labour council and a pool whose only member peers are Liberal Democrats
    engagement = _cpc(PoliticalControl.LABOUR)
    _member(LIB_DEM, role_category=RoleCategory.LEADER)
    _member(LIB_DEM, expert=True)

    # When a team is suggested
    suggestions = suggestions_for(engagement)

    # Then both member places go to Liberal Democrats, and nothing says that is balanced
    (lead,) = _suggested(suggestions, TeamRole.LEAD_MEMBER)
    (member,) = _suggested(suggestions, TeamRole.MEMBER)
    assert _team_groups(engagement, suggestions) == [LIB_DEM, LIB_DEM]
    part = _political_part(member)
    assert part.points == 0
    assert "balance" not in part.reason
    assert part.reason.startswith("Liberal Democrat: the team already has a Liberal Democrat")
    balance = suggestions.political_balance
    assert not balance.mixed
    assert balance.lead_fits_control is False
    text = " ".join(balance.sentences())
    assert "Not politically balanced: both member peers are Liberal Democrat." in text
    assert "No eligible member peer from another group" in text
    assert "Politically balanced" not in text


def test_with_a_mixed_pool_the_suggested_team_mixes_groups():
    # Given a Labour council, no Labour member peers, and a Liberal Democrat expert who
    # outscores a Conservative with no matching expertise
    engagement = _cpc(PoliticalControl.LABOUR)
    lead = _member(LIB_DEM, role_category=RoleCategory.LEADER, expert=True)
    expert = _member(LIB_DEM, expert=True)
    conservative = _member(CONSERVATIVE)

    suggestions = suggestions_for(engagement)

    # Then the member place goes to the Conservative: the team does not all share one party
    assert [c.peer_id for c in _suggested(suggestions, TeamRole.LEAD_MEMBER)] == [lead.pk]
    assert [c.peer_id for c in _suggested(suggestions, TeamRole.MEMBER)] == [conservative.pk]
    # (scored against the suggested Liberal Democrat lead, not against the administration)
    members = {c.peer_id: c for c in _role(suggestions, TeamRole.MEMBER).candidates}
    assert _political_part(members[conservative.pk]).points > 0
    assert _political_part(members[expert.pk]).points == 0
    assert suggestions.political_balance.mixed
    assert _team_groups(engagement, suggestions) == sorted([CONSERVATIVE, LIB_DEM])


def test_the_lead_member_peer_comes_from_the_administrations_group_when_one_can_take_it():
    # Given a Labour council, a Conservative leader with the expertise, a Labour cabinet member
    engagement = _cpc(PoliticalControl.LABOUR)
    _member(CONSERVATIVE, role_category=RoleCategory.LEADER, expert=True)
    labour = _member(LABOUR)

    suggestions = suggestions_for(engagement)

    (lead,) = _suggested(suggestions, TeamRole.LEAD_MEMBER)
    assert lead.peer_id == labour.pk
    assert suggestions.political_balance.lead_fits_control is True
    assert _team_groups(engagement, suggestions) == sorted([CONSERVATIVE, LABOUR])
    # The peer chosen is listed even when they rank below the best few shown
    listed = _role(suggestions_for(engagement, limit=1), TeamRole.LEAD_MEMBER).candidates
    assert [(c.rank, c.peer_id == labour.pk, c.suggested) for c in listed] == [
        (1, False, False),
        (2, True, True),
    ]


def test_without_the_political_weight_party_does_not_choose_the_team():
    engagement = _cpc(PoliticalControl.LABOUR)
    _member(LIB_DEM, role_category=RoleCategory.LEADER, expert=True)
    expert = _member(LIB_DEM, expert=True)
    _member(CONSERVATIVE)

    suggestions = suggestions_for(engagement, weights=Weights(political_fit=0))

    assert [c.peer_id for c in _suggested(suggestions, TeamRole.MEMBER)] == [expert.pk]
    text = " ".join(suggestions.political_balance.sentences())
    assert "Not politically balanced: both member peers are Liberal Democrat." in text
    assert "Political fit has no weight" in text


def _world(kind):
    """Pools and teams the explanation is checked against."""
    if kind == "held_lib_dem_lead":
        engagement = _cpc(PoliticalControl.CONSERVATIVE)
        TeamPlaceFactory(engagement=engagement, peer=_member(LIB_DEM), role=TeamRole.LEAD_MEMBER)
        _member(LIB_DEM, expert=True)
        _member(LABOUR)
    elif kind == "no_overall_control":
        engagement = _cpc(PoliticalControl.NO_OVERALL_CONTROL)
        _member(LABOUR, role_category=RoleCategory.LEADER, expert=True)
        _member(LABOUR, expert=True)
        _member(PoliticalGroup.GREEN)
    elif kind == "one_party_pool":
        engagement = _cpc(PoliticalControl.CONSERVATIVE)
        for _ in range(3):
            _member(CONSERVATIVE)
    else:  # mixed
        engagement = _cpc(PoliticalControl.LIBERAL_DEMOCRAT)
        _member(LABOUR, role_category=RoleCategory.LEADER, expert=True)
        _member(LIB_DEM)
        _member(LABOUR, expert=True)
        _member(CONSERVATIVE)
    return engagement


@pytest.mark.parametrize(
    "kind", ["held_lib_dem_lead", "no_overall_control", "one_party_pool", "mixed"]
)
def test_the_explanation_equals_what_the_team_has(kind):
    engagement = _world(kind)

    suggestions = suggestions_for(engagement)

    # The facts are those of the team the page ticks (and the places already held) ...
    balance = suggestions.political_balance
    groups = _team_groups(engagement, suggestions)
    assert sorted(m.group for m in balance.members) == groups
    assert balance.mixed == (len(set(groups)) > 1)
    # ... the words claim balance exactly when the team has it ...
    text = " ".join(balance.sentences())
    assert ("Politically balanced:" in text) == (len(set(groups)) > 1)
    assert ("Not politically balanced" in text) == (len(set(groups)) == 1 and len(groups) > 1)
    for group in set(groups):
        assert str(PoliticalGroup(group).label) in text
    # ... and a suggested member peer scores for adding a group only when no other member
    # peer of the team has it
    for candidate in _suggested(suggestions, TeamRole.MEMBER):
        group = Peer.objects.get(pk=candidate.peer_id).political_group
        alone = groups.count(group) == 1
        assert (_political_part(candidate).points > 0) == alone
        assert ("a group the team does not have yet" in _political_part(candidate).reason) == alone


def test_parties_are_on_the_page_for_a_manager_and_nobody_else(client):
    # Given a Labour council's CPC with a Liberal Democrat lead already invited
    engagement = _cpc(PoliticalControl.LABOUR)
    invited = _member(LIB_DEM, name="Alex Invited")
    TeamPlaceFactory(engagement=engagement, peer=invited, role=TeamRole.LEAD_MEMBER)
    suggested = _member(CONSERVATIVE, name="Sam Suggested")
    _member(LIB_DEM, name="Pat Other")
    url = reverse("programmes:suggest_team", args=[engagement.pk])

    # When a manager opens the suggestions page
    client.force_login(ManagerFactory())
    html = client.get(url).content.decode()

    # Then each candidate member peer's party is shown with them, and the team's balance
    # names the party of every member peer on it
    assert "Party: Conservative" in html
    assert "Party: Liberal Democrat" in html
    assert "Political balance" in html
    assert "Alex Invited, Liberal Democrat (lead member peer, invited)" in html
    assert "Sam Suggested, Conservative (member peer, suggested)" in html
    assert "Politically balanced: the 2 member peers come from 2 groups" in html
    assert suggested.pk in {
        c.peer_id for c in _suggested(suggestions_for(engagement), TeamRole.MEMBER)
    }

    # And board members and group offices do not see the page at all
    for user in (BoardMemberFactory(), GroupOfficeFactory()):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403
        assert "Liberal Democrat" not in response.content.decode()


# The sentences, from the facts alone ------------------------------------------------------


def _balance(*groups, controls=(PoliticalControl.LABOUR,), **facts):
    members = tuple(
        TeamMember(
            peer_id=n,
            role=TeamRole.LEAD_MEMBER if n == 0 else TeamRole.MEMBER,
            group=group,
            source="suggested",
            name=f"Peer {n}",
        )
        for n, group in enumerate(groups)
    )
    return PoliticalBalance(controls=controls, members=members, **facts)


@pytest.mark.parametrize(
    ("groups", "said"),
    [
        ((LIB_DEM, LIB_DEM), "Not politically balanced: both member peers are Liberal Democrat."),
        ((LABOUR, LABOUR, LABOUR), "Not politically balanced: all 3 member peers are Labour."),
        (
            (LABOUR, CONSERVATIVE),
            "Politically balanced: the 2 member peers come from 2 groups (Labour, Conservative).",
        ),
        ((LABOUR,), "With one member peer, there is no balance between member peers to strike."),
        (
            (LABOUR, ""),
            "Not known to be politically balanced: 1 of the 2 member peers has no political "
            "group recorded; the rest: Labour.",
        ),
    ],
)
def test_the_balance_sentences_say_what_the_facts_are(groups, said):
    balance = _balance(*groups)

    assert said in balance.sentences()
    assert balance.warning == (said.startswith("Not") or groups[0] != LABOUR)


def test_the_lead_is_judged_against_the_control_of_every_council():
    assert "The lead member peer is Conservative, not the administration's group (Labour)." in (
        _balance(CONSERVATIVE, LABOUR).sentences()
    )
    several = _balance(CONSERVATIVE, LABOUR, controls=(CONSERVATIVE, LABOUR)).sentences()
    assert several[:2] == [
        "Political control: the councils are under different control (Conservative, Labour).",
        "The lead member peer is Conservative; with no single party in control, any group "
        "can lead.",
    ]
