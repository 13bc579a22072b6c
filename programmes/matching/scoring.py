"""The score of a candidate for a place: each part between 0 and 1, times its weight.

Parts shown to the manager: expertise, role and seniority, political fit, independence,
fairness and experience with similar councils. Team diversity is not a per-person part:
it is computed for a team as a whole from equalities answers the peers chose to share,
only ever adds to a team's value, and is never shown person by person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from councils.models import PoliticalControl
from peers.models import PREFER_NOT_TO_SAY, EqualitiesAnswers, Expertise, RoleCategory
from programmes.matching.candidates import UPPER_TIER_TYPES, MatchingData
from programmes.models import MEMBER_ROLES, TeamRole

PARTS = ("expertise", "role_fit", "political_fit", "independence", "fairness", "experience")
PART_LABELS = {
    "expertise": "Expertise",
    "role_fit": "Role and seniority",
    "political_fit": "Political fit",
    "independence": "Independence",
    "fairness": "Fairness",
    "experience": "Similar councils",
}
# Close enough in seniority for half marks.
NEIGHBOUR_CATEGORIES = {
    RoleCategory.LEADER: {RoleCategory.CABINET_MEMBER},
    RoleCategory.CABINET_MEMBER: {RoleCategory.LEADER},
    RoleCategory.CHIEF_EXECUTIVE: {RoleCategory.DIRECTOR},
    RoleCategory.DIRECTOR: {RoleCategory.CHIEF_EXECUTIVE},
    RoleCategory.FINANCE: {RoleCategory.DIRECTOR},
    RoleCategory.LEGAL_DEMOCRATIC: {RoleCategory.DIRECTOR},
}
PARTY_CONTROLS = frozenset(PoliticalControl.values) - {
    PoliticalControl.NO_OVERALL_CONTROL,
    PoliticalControl.OTHER,
}
DIVERSITY_DIMENSIONS = ("sex", "ethnic_group", "age_band")


@dataclass(frozen=True)
class Weights:
    expertise: float = 3
    role_fit: float = 3
    political_fit: float = 2
    independence: float = 1
    fairness: float = 2
    experience: float = 1
    diversity: float = 1
    candidates_per_group: int = 8

    @classmethod
    def current(cls) -> Weights:
        from programmes.models_matching import MatchingWeights

        row = MatchingWeights.current()
        return cls(
            **{name: float(getattr(row, name)) for name in (*PARTS, "diversity")},
            candidates_per_group=row.candidates_per_group,
        )

    def of(self, part: str) -> float:
        return getattr(self, part)


@dataclass
class Part:
    code: str
    label: str
    points: float
    most: float
    reason: str


def focus_expertise_ids(data: MatchingData, engagement_id: int) -> set[int]:
    """Themes, plus vocabulary terms named in the focus or scope text."""
    facts = data.facts[engagement_id]
    text = f"{facts.engagement.focus} {facts.engagement.scope}".lower()
    found = set(facts.theme_ids)
    if text.strip():
        for pk, name in data.vocabulary().items():
            if re.search(rf"\b{re.escape(name.lower())}\b", text):
                found.add(pk)
    return found


def _load_vocabulary(data: MatchingData) -> dict[int, str]:
    if not hasattr(data, "_vocabulary"):
        data._vocabulary = dict(Expertise.objects.values_list("pk", "name"))
    return data._vocabulary


MatchingData.vocabulary = _load_vocabulary


def _expertise_members(data: MatchingData, expertise_ids: set[int]) -> dict[int, np.ndarray]:
    """Pool indexes of the peers with each expertise (one query for all missing ids)."""
    cache = data.__dict__.setdefault("_expertise_members", {})
    missing = set(expertise_ids) - set(cache)
    if missing:
        found: dict[int, list[int]] = {pk: [] for pk in missing}
        from peers.models import Peer

        for peer_id, expertise_id in Peer.expertise.through.objects.filter(
            expertise_id__in=missing
        ).values_list("peer_id", "expertise_id"):
            i = data.pool.index.get(peer_id)
            if i is not None:
                found[expertise_id].append(i)
        for pk, indexes in found.items():
            cache[pk] = np.array(indexes, dtype=np.int64)
    return {pk: cache[pk] for pk in expertise_ids}


def prepare_expertise(data: MatchingData) -> None:
    """Load expertise for every engagement of the set at once (before scoring many)."""
    targets = set()
    for engagement_id in data.facts:
        targets |= focus_expertise_ids(data, engagement_id)
    _expertise_members(data, targets)


class RoleScores:
    """Every part of the score for every peer in the pool, for one role on one engagement."""

    def __init__(self, data: MatchingData, engagement_id: int, role: str, weights: Weights):
        self.data, self.role, self.weights = data, role, weights
        self.facts = facts = data.facts[engagement_id]
        pool = data.pool
        n = pool.size
        self.parts: dict[str, np.ndarray] = {}

        # Expertise: the share of the engagement's themes and focus the peer covers.
        self.targets = focus_expertise_ids(data, engagement_id)
        overlap = np.zeros(n, dtype=np.float64)
        for indexes in _expertise_members(data, self.targets).values():
            np.add.at(overlap, indexes, 1.0)
        self.overlap = overlap
        self.parts["expertise"] = overlap / len(self.targets) if self.targets else overlap

        # Role and seniority.
        self.preferred = facts.preferred_category(role)
        if self.preferred:
            neighbours = list(NEIGHBOUR_CATEGORIES.get(self.preferred, ()))
            self.parts["role_fit"] = np.where(
                pool.role_category == self.preferred,
                1.0,
                np.where(np.isin(pool.role_category, neighbours), 0.5, 0.0),
            )
        else:
            self.parts["role_fit"] = np.zeros(n)

        # Political fit (member places only).
        control = facts.political_control
        self.team_groups = self._team_groups()
        if role not in MEMBER_ROLES:
            self.parts["political_fit"] = np.zeros(n)
        elif role == TeamRole.LEAD_MEMBER:
            if control in PARTY_CONTROLS:
                self.parts["political_fit"] = np.where(pool.group == control, 1.0, 0.0)
            else:
                self.parts["political_fit"] = np.full(n, 0.5)
        else:
            taken = set(self.team_groups)
            if not taken and control in PARTY_CONTROLS:
                # No lead member peer yet: they will usually share the administration's group.
                taken = {control}
            self.parts["political_fit"] = np.where(np.isin(pool.group, list(taken)), 0.0, 1.0)
        # Independence: onsite work prefers peers from outside the council's region.
        if facts.has_onsite:
            self.parts["independence"] = np.where(
                np.isin(pool.home_region, list(facts.council_regions)), 0.0, 1.0
            )
        else:
            self.parts["independence"] = np.zeros(n)

        # Fairness: fewer days this year, fewer recent engagements; new peers first.
        year = facts.financial_year
        self.used = data.used[year]
        cap = np.where(pool.is_member, data.cap[year], data.cap[year].max(initial=40.0))
        spare = np.clip(1.0 - self.used / np.maximum(cap, 1.0), 0.0, 1.0)
        fairness = 0.5 * spare + 0.5 / (1.0 + data.places_recent)
        self.parts["fairness"] = np.where(data.places_total == 0, 1.0, fairness)

        # Experience with similar councils: the same type (or at least the same tier),
        # from the peer's own council or a council they served on a team.
        types = facts.council_types
        upper, lower = bool(types & UPPER_TIER_TYPES), bool(types - UPPER_TIER_TYPES)
        tiers = {
            t
            for t in data.knows_type
            if (t in UPPER_TIER_TYPES and upper) or (t not in UPPER_TIER_TYPES and lower)
        }
        same_type = np.zeros(n, dtype=bool)
        for council_type in types:
            if council_type in data.knows_type:
                same_type |= data.knows_type[council_type]
        same_tier = np.zeros(n, dtype=bool)
        for council_type in tiers:
            same_tier |= data.knows_type[council_type]
        experience = np.where(same_type, 1.0, np.where(same_tier, 0.5, 0.0))
        self.parts["experience"] = experience

        self.total = sum(self.parts[p] * weights.of(p) for p in PARTS)
        self.most = sum(weights.of(p) for p in PARTS)

    def _team_groups(self) -> list[str]:
        groups = []
        members = [p.peer_id for p in self.facts.held if p.role in MEMBER_ROLES]
        for peer_id in members:
            i = self.data.pool.index.get(peer_id)
            if i is not None and self.data.pool.group[i]:
                groups.append(self.data.pool.group[i])
        return groups

    def explain(self, i: int) -> list[Part]:
        """Each part of peer i's score with the reason, in plain words."""
        pool, facts, w = self.data.pool, self.facts, self.weights
        reasons = {}
        if self.targets:
            names = [
                self.data.vocabulary()[pk]
                for pk, indexes in _expertise_members(self.data, self.targets).items()
                if i in set(indexes.tolist())
            ]
            reasons["expertise"] = f"Covers {len(names)} of {len(self.targets)} themes" + (
                f": {', '.join(sorted(names))}" if names else ""
            )
        else:
            reasons["expertise"] = "The engagement has no themes yet"
        category = RoleCategory(pool.role_category[i]).label if pool.role_category[i] else "-"
        if self.preferred:
            wanted = RoleCategory(self.preferred).label.lower()
            reasons["role_fit"] = f"{category}; this place wants a {wanted}"
        else:
            reasons["role_fit"] = f"{category}; no preferred role for this place"
        group = pool.group[i]
        if self.role not in MEMBER_ROLES:
            reasons["political_fit"] = "Does not apply to officer places"
        elif self.role == TeamRole.LEAD_MEMBER:
            control = facts.political_control
            if control in PARTY_CONTROLS:
                same = "same group as" if group == control else "different group from"
                reasons["political_fit"] = (
                    f"{_group_label(group)}: {same} the council's administration"
                )
            else:
                reasons["political_fit"] = "The council has no single party in control"
        else:
            if self.parts["political_fit"][i]:
                reasons["political_fit"] = f"{_group_label(group)}: adds balance to the team"
            else:
                reasons["political_fit"] = f"{_group_label(group)}: group already on the team"
        if facts.has_onsite:
            outside = self.parts["independence"][i] == 1.0
            reasons["independence"] = f"From {pool.home_region}, " + (
                "outside the council's region" if outside else "the council's own region"
            )
        else:
            reasons["independence"] = "Region does not count for remote work"
        if self.data.places_total[i] == 0:
            reasons["fairness"] = "New to the pool's engagements: a first chance"
        else:
            reasons["fairness"] = (
                f"{self.used[i]:g} days this year; {int(self.data.places_recent[i])} engagements "
                f"in the last {2} years"
            )
        experience = self.parts["experience"][i]
        reasons["experience"] = (
            "Knows councils of this type"
            if experience == 1.0
            else "Knows councils of this tier"
            if experience == 0.5
            else "No experience of similar councils recorded"
        )
        return [
            Part(
                code=part,
                label=PART_LABELS[part],
                points=round(float(self.parts[part][i] * w.of(part)), 2),
                most=w.of(part),
                reason=reasons[part],
            )
            for part in PARTS
        ]


def _group_label(group: str) -> str:
    from peers.models import PoliticalGroup

    return PoliticalGroup(group).label if group else "No group"


# Team diversity -----------------------------------------------------------------------


def equalities_values(peer_ids) -> dict[int, dict[str, str]]:
    """Shared answers per peer, leaving out "prefer not to say" (one query)."""
    answers = {}
    for row in EqualitiesAnswers.objects.filter(peer_id__in=list(peer_ids)).values(
        "peer_id", *DIVERSITY_DIMENSIONS
    ):
        answers[row["peer_id"]] = {
            d: row[d] for d in DIVERSITY_DIMENSIONS if row[d] and row[d] != PREFER_NOT_TO_SAY
        }
    return answers


def balance_gain(candidate: dict[str, str], covered: dict[str, set[str]]) -> float:
    """The share of dimensions in which a peer adds a value the team does not have yet."""
    gained = sum(
        1 for d in DIVERSITY_DIMENSIONS if d in candidate and candidate[d] not in covered.get(d, ())
    )
    return gained / len(DIVERSITY_DIMENSIONS)


def team_balance(team_answers: list[dict[str, str]]) -> float:
    """Values covered per dimension, summed over dimensions (the objective's diversity term)."""
    covered: dict[str, set[str]] = {}
    for answers in team_answers:
        for d, value in answers.items():
            covered.setdefault(d, set()).add(value)
    return sum(len(v) for v in covered.values()) / len(DIVERSITY_DIMENSIONS)


__all__ = [
    "DIVERSITY_DIMENSIONS",
    "PARTS",
    "Part",
    "RoleScores",
    "Weights",
    "balance_gain",
    "equalities_values",
    "prepare_expertise",
    "team_balance",
]
