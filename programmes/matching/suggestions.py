"""Explained suggestions for one engagement: a ranked list per role, and a suggested team."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from peers.models import Peer
from programmes.matching.candidates import (
    EXCLUSION_ORDER,
    LEAD_ROLES,
    MatchingData,
    exclusion_label,
)
from programmes.matching.scoring import (
    PARTS,
    Part,
    RoleScores,
    Weights,
    balance_gain,
    equalities_values,
)
from programmes.models import Engagement, TeamRole


@dataclass
class Candidate:
    peer_id: int
    rank: int
    total: float
    parts: list[Part]
    name: str = ""
    home_council: str = ""
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
    """Ranked, explained candidates for each role of the engagement's composition.

    A fixed number of queries whatever the size of the pool. The suggested team (the
    candidates ticked by default) is the best-scoring peers, with team diversity used
    only to choose between close candidates; it is reported in aggregate only.
    """
    weights = weights or Weights.current()
    data = data or MatchingData([engagement])
    facts = data.facts[engagement.pk]
    needed = facts.needed()
    roles: list[RoleSuggestion] = []
    scores: dict[str, RoleScores] = {}
    for role, count, _ in _role_order(facts.composition):
        role_days = (days or {}).get(role) or facts.days
        eligible, excluded = data.eligible(engagement.pk, role, days=role_days)
        role_scores = RoleScores(data, engagement.pk, role, weights)
        scores[role] = role_scores
        indexes = np.flatnonzero(eligible)
        # Best first; ties to the peer with fewer days used, then to the older record.
        order = np.lexsort(
            (data.pool.ids[indexes], role_scores.used[indexes], -role_scores.total[indexes])
        )
        top = indexes[order[:limit]]
        roles.append(
            RoleSuggestion(
                role=role,
                count=count,
                needed=max(needed.get(role, 0), 0),
                days=role_days,
                pool_size=int(data.role_mask(role).sum()),
                eligible=int(eligible.sum()),
                excluded=excluded,
                candidates=[
                    Candidate(
                        peer_id=int(data.pool.ids[i]),
                        rank=rank,
                        total=round(float(role_scores.total[i]), 2),
                        parts=role_scores.explain(int(i)),
                    )
                    for rank, i in enumerate(top, start=1)
                ],
            )
        )
    suggestions = Suggestions(
        engagement=facts.engagement, roles=roles, most=sum(weights.of(p) for p in PARTS)
    )
    _name_candidates(suggestions)
    _suggest_team(suggestions, facts, weights)
    return suggestions


def _name_candidates(suggestions: Suggestions) -> None:
    peers = {
        p.pk: p
        for p in Peer.objects.filter(pk__in=suggestions.candidate_ids()).select_related(
            "user", "home_council"
        )
    }
    for role in suggestions.roles:
        for candidate in role.candidates:
            peer = peers[candidate.peer_id]
            candidate.name = peer.name
            candidate.home_council = peer.home_council.name


def _suggest_team(suggestions: Suggestions, facts, weights: Weights) -> None:
    """Tick the best candidates per role; diversity only chooses between close ones."""
    held_ids = [p.peer_id for p in facts.held]
    answers = equalities_values(set(held_ids) | suggestions.candidate_ids())
    covered: dict[str, set[str]] = {}
    for peer_id in held_ids:
        for dimension, value in answers.get(peer_id, {}).items():
            covered.setdefault(dimension, set()).add(value)
    picked: set[int] = set()
    for role in suggestions.roles:
        for _ in range(role.needed):
            options = [c for c in role.candidates if c.peer_id not in picked]
            if not options:
                break
            best = max(
                options,
                key=lambda c: (
                    c.total + weights.diversity * balance_gain(answers.get(c.peer_id, {}), covered),
                    -c.rank,
                ),
            )
            best.suggested = True
            picked.add(best.peer_id)
            for dimension, value in answers.get(best.peer_id, {}).items():
                covered.setdefault(dimension, set()).add(value)
    team = picked | set(held_ids)
    shared = sum(1 for peer_id in team if answers.get(peer_id))
    if shared and weights.diversity:
        suggestions.balance_note = (
            f"Equalities answers shared by {shared} of the {len(team)} peers in the suggested "
            "team were used, in aggregate, to balance it. They never exclude anyone and are "
            "not shown for any person."
        )
