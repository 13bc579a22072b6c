"""Explained suggestions for one engagement: a ranked list per role, and a suggested team.

The suggested team is chosen place by place, leads first. For a member place, political fit
against the member peers held or chosen so far decides first (while it has a weight; see
programmes.matching.politics), then the score, with team diversity choosing only between
close candidates. Each role's candidates are scored against the team chosen before that
role, and the political balance the page shows is the facts of the team chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np

from peers.models import Peer
from programmes.matching.candidates import (
    EXCLUSION_ORDER,
    LEAD_ROLES,
    MatchingData,
    exclusion_label,
)
from programmes.matching.politics import (
    NO_ADMINISTRATION_LEAD,
    NO_OTHER_GROUP,
    SUGGESTED,
    PoliticalBalance,
    TeamMember,
    group_fit,
    group_label,
    single_party,
)
from programmes.matching.scoring import (
    PARTS,
    Part,
    RoleScores,
    Weights,
    balance_gain,
    equalities_values,
    held_members,
)
from programmes.models import MEMBER_ROLES, Engagement, TeamRole


@dataclass
class Candidate:
    peer_id: int
    rank: int
    total: float
    parts: list[Part]
    name: str = ""
    home_council: str = ""
    party: str = ""  # member peers only: their political group, shown to managers
    suggested: bool = False


@dataclass
class RoleSuggestion:
    role: str
    count: int
    needed: int
    days: Decimal
    pool_size: int  # peers of the right kind for the place
    eligible: int
    excluded: dict[str, int]
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def label(self) -> str:
        return TeamRole(self.role).label

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())

    @property
    def excluded_list(self) -> list[tuple[str, str, int]]:
        return [
            (c, exclusion_label(c), self.excluded[c]) for c in EXCLUSION_ORDER if c in self.excluded
        ]

    def exclusion_sentence(self) -> str:
        """For example: 14 excluded by declared conflicts, 9 by the day cap."""
        items = self.excluded_list
        if not items:
            return "no peer of this kind is in the pool"
        first = f"{items[0][2]} excluded by {items[0][1]}"
        return ", ".join([first, *(f"{number} by {label}" for _, label, number in items[1:])])

    @property
    def blocked(self) -> str:
        """Why the place cannot be filled, or an empty string when it can."""
        if self.eligible >= self.needed:
            return ""
        article = "No" if self.eligible == 0 else f"Only {self.eligible}"
        return f"{article} {self.label.lower()} available: {self.exclusion_sentence()}."


@dataclass
class Suggestions:
    engagement: Engagement
    roles: list[RoleSuggestion]
    most: float
    balance_note: str = ""
    political_balance: PoliticalBalance | None = None  # the suggested team's, with held places

    def candidate_ids(self) -> set[int]:
        return {c.peer_id for r in self.roles for c in r.candidates}


def _role_order(composition) -> list:
    return sorted(
        composition, key=lambda line: (line[0] not in LEAD_ROLES, composition.index(line))
    )


def suggestions_for(
    engagement: Engagement,
    *,
    weights: Weights | None = None,
    limit: int = 10,
    days: dict[str, Decimal] | None = None,
    data: MatchingData | None = None,
) -> Suggestions:
    """Ranked, explained candidates for each role of the engagement's composition, the
    suggested team ticked among them, and that team's political balance.

    A fixed number of queries whatever the size of the pool. Equalities answers are used
    only to choose between close candidates and are reported in aggregate only.
    """
    weights = weights or Weights.current()
    data = data or MatchingData([engagement])
    facts = data.facts[engagement.pk]
    needed = facts.needed()
    # Filter and score every role first: everyone the team may be chosen from is known
    # before the one query for equalities answers.
    plans = []
    for role, count, _ in _role_order(facts.composition):
        role_days = (days or {}).get(role) or facts.days
        eligible, excluded = data.eligible(engagement.pk, role, days=role_days)
        scores = RoleScores(data, engagement.pk, role, weights)
        indexes = np.flatnonzero(eligible)
        plans.append(
            _RolePlan(
                suggestion=RoleSuggestion(
                    role=role,
                    count=count,
                    needed=max(needed.get(role, 0), 0),
                    days=role_days,
                    pool_size=int(data.role_mask(role).sum()),
                    eligible=len(indexes),
                    excluded=excluded,
                ),
                scores=scores,
                indexes=indexes,
                shortlist=_shortlist(data, role, scores, indexes, limit),
            )
        )
    held_ids = {p.peer_id for p in facts.held}
    answers = equalities_values(
        held_ids | {int(data.pool.ids[i]) for plan in plans for i in plan.shortlist}
    )
    chooser = _TeamChooser(data, engagement.pk, weights, answers, limit)
    for plan in plans:
        if plan.suggestion.role in MEMBER_ROLES:
            plan.scores.set_team(chooser.members)
        _list_and_choose(data, plan, chooser, limit)
    suggestions = Suggestions(
        engagement=facts.engagement,
        roles=[plan.suggestion for plan in plans],
        most=sum(weights.of(p) for p in PARTS),
    )
    peers = _name_candidates(suggestions, {m.peer_id for m in chooser.members})
    if chooser.members or any(plan.suggestion.role in MEMBER_ROLES for plan in plans):
        suggestions.political_balance = chooser.political_balance(peers)
    team = chooser.picked | held_ids
    shared = sum(1 for peer_id in team if answers.get(peer_id))
    if shared and weights.diversity:
        suggestions.balance_note = (
            f"Equalities answers shared by {shared} of the {len(team)} peers in the suggested "
            "team were used, in aggregate, to balance it. They never exclude anyone and are "
            "not shown for any person."
        )
    return suggestions


@dataclass
class _RolePlan:
    suggestion: RoleSuggestion
    scores: RoleScores
    indexes: np.ndarray  # pool indexes of the eligible peers
    shortlist: list[int]  # pool indexes the team may be chosen from


def _order(data: MatchingData, scores: RoleScores, indexes: np.ndarray) -> np.ndarray:
    """The eligible peers best first; ties to fewer days used, then to the older record."""
    order = np.lexsort((data.pool.ids[indexes], scores.used[indexes], -scores.total[indexes]))
    return indexes[order]


def _shortlist(data, role, scores: RoleScores, indexes: np.ndarray, limit: int) -> list[int]:
    """Who a role's places may be chosen from: the best `limit`, and for member places the
    best `limit` of each political group.

    A member peer's political fit depends only on their group and the team chosen before
    them, so whatever that team turns out to be, the best `limit` are among these.
    """
    ranked = _order(data, scores, indexes)
    if role not in MEMBER_ROLES or not len(ranked):
        return ranked[:limit].tolist()
    _, codes = data.pool.coded("group")
    codes = codes[ranked]
    keep = np.zeros(len(ranked), dtype=bool)
    for code in np.unique(codes):
        keep[np.flatnonzero(codes == code)[:limit]] = True
    return ranked[keep].tolist()


class _TeamChooser:
    """The suggested team as it is chosen, place by place, and what it could not do."""

    def __init__(self, data: MatchingData, engagement_id: int, weights, answers, limit: int):
        facts = data.facts[engagement_id]
        self.data, self.weights, self.answers, self.limit = data, weights, answers, limit
        self.controls = facts.political_controls
        self.control = single_party(self.controls)
        self.members: list[TeamMember] = held_members(data, engagement_id)
        self.weighted = weights.political_fit > 0
        self.picked: set[int] = set()
        self.shortfalls: set[str] = set()
        self.covered: dict[str, set[str]] = {}
        for place in facts.held:
            self._cover(place.peer_id)

    def _cover(self, peer_id: int) -> None:
        for dimension, value in self.answers.get(peer_id, {}).items():
            self.covered.setdefault(dimension, set()).add(value)

    def choose(self, plan: _RolePlan, ranks: np.ndarray) -> dict[int, list[TeamMember]]:
        """Fill the role's open places: pool index -> the member peers chosen before them."""
        role, scores, pool = plan.suggestion.role, plan.scores, self.data.pool
        weight = self.weights.political_fit
        chosen: dict[int, list[TeamMember]] = {}
        for _ in range(plan.suggestion.needed):
            available = [i for i in plan.shortlist if int(pool.ids[i]) not in self.picked]
            if not available:
                break
            team = list(self.members)
            fit = {i: self.fit(role, i, team) for i in available}
            # The score with political fit against the team so far (the role's own totals
            # compare with the team before the role).
            political = scores.parts["political_fit"]
            total = {
                i: round(float(scores.total[i] + weight * (fit[i] - political[i])), 2)
                for i in available
            }
            first = max(fit.values()) if self.weighted else None
            options = sorted(
                (i for i in available if first is None or fit[i] == first),
                key=lambda i: (-total[i], ranks[i]),
            )[: self.limit]
            best = max(
                options,
                key=lambda i: (
                    total[i]
                    + self.weights.diversity
                    * balance_gain(self.answers.get(int(pool.ids[i]), {}), self.covered),
                    -ranks[i],
                ),
            )
            if self.weighted and fit[best] == 0:
                if role == TeamRole.LEAD_MEMBER and self.control:
                    self.shortfalls.add(NO_ADMINISTRATION_LEAD)
                elif role == TeamRole.MEMBER:
                    self.shortfalls.add(NO_OTHER_GROUP)
            chosen[best] = team
            peer_id = int(pool.ids[best])
            self.picked.add(peer_id)
            self._cover(peer_id)
            if role in MEMBER_ROLES:
                self.members.append(
                    TeamMember(peer_id=peer_id, role=role, group=pool.group[best], source=SUGGESTED)
                )
        return chosen

    def fit(self, role: str, i: int, team: list[TeamMember]) -> float:
        """Peer i's political fit for a place of `role`, against `team`."""
        if role not in MEMBER_ROLES:
            return 0.0
        return group_fit(role, self.data.pool.group[i], control=self.control, team=team)

    def political_balance(self, peers: dict) -> PoliticalBalance:
        """The facts of the team chosen (held places and suggestions), with names."""
        members = sorted(self.members, key=lambda m: m.role != TeamRole.LEAD_MEMBER)
        return PoliticalBalance(
            controls=tuple(sorted(self.controls)),
            members=tuple(
                replace(m, name=peers[m.peer_id].name if m.peer_id in peers else "")
                for m in members
            ),
            considered=self.weighted,
            shortfalls=frozenset(self.shortfalls),
        )


def _list_and_choose(data: MatchingData, plan: _RolePlan, chooser: _TeamChooser, limit: int):
    """Rank the role's candidates against the team so far, choose its places, list both."""
    pool, scores, role = data.pool, plan.scores, plan.suggestion.role
    political = scores.parts["political_fit"]
    ranked = _order(data, scores, plan.indexes)
    ranks = np.zeros(pool.size, dtype=np.int64)
    ranks[ranked] = np.arange(1, len(ranked) + 1)
    chosen = chooser.choose(plan, ranks)
    # A chosen peer is always listed, even when political fit reached below the best few.
    listed = ranked[:limit].tolist()
    listed += sorted(set(chosen) - set(listed), key=lambda i: ranks[i])
    weight = chooser.weights.political_fit
    for i in listed:
        parts = scores.explain(i, team=chosen.get(i))
        total = float(scores.total[i])
        if i in chosen:  # as chosen: political fit against the team before this peer
            total += weight * (chooser.fit(role, i, chosen[i]) - float(political[i]))
        plan.suggestion.candidates.append(
            Candidate(
                peer_id=int(pool.ids[i]),
                rank=int(ranks[i]),
                total=round(total, 2),
                parts=parts,
                party=group_label(pool.group[i]) if pool.is_member[i] else "",
                suggested=i in chosen,
            )
        )


def _name_candidates(suggestions: Suggestions, extra_ids=()) -> dict:
    """Name every candidate (and the peers in `extra_ids`) in one query; return the peers."""
    peers = {
        p.pk: p
        for p in Peer.objects.filter(
            pk__in=suggestions.candidate_ids() | set(extra_ids)
        ).select_related("user", "home_council")
    }
    for role in suggestions.roles:
        for candidate in role.candidates:
            peer = peers[candidate.peer_id]
            candidate.name = peer.name
            candidate.home_council = peer.home_council.name
    return peers
