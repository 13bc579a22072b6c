"""The score of a candidate for a place: each part between 0 and 1, times its weight.

Parts shown to the manager: expertise, role and seniority, political fit, independence,
fairness and experience with similar councils. Team diversity is not a per-person part:
it is computed for a team as a whole from equalities answers the peers chose to share,
only ever adds to a team's value, and is never shown person by person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from django.template.defaultfilters import floatformat
from django.utils import translation

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

    @property
    def points_text(self) -> str:
        """The points as the template's floatformat:"-2" shows them."""
        return _number_text(self.points, "-2")

    @property
    def most_text(self) -> str:
        """The most points as the template's floatformat:"-1" shows them."""
        return _number_text(self.most, "-1")


def _number_text(value: float, places: str) -> str:
    # A page shows some 500 of these, from a few dozen distinct values: format each once.
    return _floatformat(value, places, translation.get_language())


@lru_cache(maxsize=1024)
def _floatformat(value: float, places: str, language: str | None) -> str:
    return floatformat(value, places)


def focus_expertise_ids(data: MatchingData, engagement_id: int) -> set[int]:
    """Themes, plus vocabulary terms named in the focus or scope text (worked out once)."""
    cache = data.__dict__.setdefault("_focus_expertise", {})
    if engagement_id not in cache:
        cache[engagement_id] = _focus_expertise_ids(data, engagement_id)
    return set(cache[engagement_id])


def _focus_expertise_ids(data: MatchingData, engagement_id: int) -> set[int]:
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
        from peers.models import Peer

        rows = np.array(
            list(
                Peer.expertise.through.objects.filter(expertise_id__in=missing)
                .order_by()
                .values_list("peer_id", "expertise_id")
            ),
            dtype=np.int64,
        ).reshape(-1, 2)
        indexes = data.pool.indexes_of(rows[:, 0])
        for pk in missing:
            cache[pk] = np.sort(indexes[(rows[:, 1] == pk) & (indexes >= 0)])
    return {pk: cache[pk] for pk in expertise_ids}


def prepare_expertise(data: MatchingData) -> None:
    """Load expertise for every engagement of the set at once (before scoring many)."""
    targets = set()
    for engagement_id in data.facts:
        targets |= focus_expertise_ids(data, engagement_id)
    _expertise_members(data, targets)


@dataclass
class _EngagementParts:
    targets: set[int]
    overlap: np.ndarray
    expertise: np.ndarray
    independence: np.ndarray
    used: np.ndarray
    fairness: np.ndarray
    experience: np.ndarray


def _engagement_parts(data: MatchingData, engagement_id: int) -> _EngagementParts:
    """The parts of the score that are the same for every role on the engagement."""
    facts = data.facts[engagement_id]
    pool = data.pool
    n = pool.size

    # Expertise: the share of the engagement's themes and focus the peer covers.
    targets = focus_expertise_ids(data, engagement_id)
    overlap = np.zeros(n, dtype=np.float64)
    for indexes in _expertise_members(data, targets).values():
        np.add.at(overlap, indexes, 1.0)
    expertise = overlap / len(targets) if targets else overlap

    # Independence: onsite work prefers peers from outside the council's region.
    if facts.has_onsite:
        independence = np.where(pool.is_in("home_region", facts.council_regions), 0.0, 1.0)
    else:
        independence = np.zeros(n)

    # Fairness: fewer days this year, fewer recent engagements; new peers first.
    year = facts.financial_year
    used = data.used[year]
    cap = np.where(pool.is_member, data.cap[year], data.cap[year].max(initial=40.0))
    spare = np.clip(1.0 - used / np.maximum(cap, 1.0), 0.0, 1.0)
    fairness = 0.5 * spare + 0.5 / (1.0 + data.places_recent)
    fairness = np.where(data.places_total == 0, 1.0, fairness)

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
    return _EngagementParts(targets, overlap, expertise, independence, used, fairness, experience)


class RoleScores:
    """Every part of the score for every peer in the pool, for one role on one engagement."""

    def __init__(self, data: MatchingData, engagement_id: int, role: str, weights: Weights):
        self.data, self.role, self.weights = data, role, weights
        self.facts = facts = data.facts[engagement_id]
        pool = data.pool
        n = pool.size
        # The parts that do not depend on the role are worked out once per engagement.
        cache = data.__dict__.setdefault("_engagement_parts", {})
        if engagement_id not in cache:
            cache[engagement_id] = _engagement_parts(data, engagement_id)
        shared = cache[engagement_id]
        self.targets, self.overlap, self.used = shared.targets, shared.overlap, shared.used
        self.parts: dict[str, np.ndarray] = {"expertise": shared.expertise}

        # Role and seniority.
        self.preferred = facts.preferred_category(role)
        if self.preferred:
            neighbours = list(NEIGHBOUR_CATEGORIES.get(self.preferred, ()))
            self.parts["role_fit"] = np.where(
                pool.is_in("role_category", [self.preferred]),
                1.0,
                np.where(pool.is_in("role_category", neighbours), 0.5, 0.0),
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
                self.parts["political_fit"] = np.where(pool.is_in("group", [control]), 1.0, 0.0)
            else:
                self.parts["political_fit"] = np.full(n, 0.5)
        else:
            taken = set(self.team_groups)
            if not taken and control in PARTY_CONTROLS:
                # No lead member peer yet: they will usually share the administration's group.
                taken = {control}
            self.parts["political_fit"] = np.where(pool.is_in("group", taken), 0.0, 1.0)
        self.parts["independence"] = shared.independence
        self.parts["fairness"] = shared.fairness
        self.parts["experience"] = shared.experience

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

    def _target_masks(self) -> dict[int, np.ndarray]:
        """For each theme or focus term, which peers of the pool have it (built once)."""
        if not hasattr(self, "_masks"):
            self._masks = {}
            for pk, indexes in _expertise_members(self.data, self.targets).items():
                mask = np.zeros(self.data.pool.size, dtype=bool)
                mask[indexes] = True
                self._masks[pk] = mask
        return self._masks

    def explain(self, i: int) -> list[Part]:
        """Each part of peer i's score with the reason, in plain words."""
        pool, facts, w = self.data.pool, self.facts, self.weights
        reasons = {}
        if self.targets:
            names = [
                self.data.vocabulary()[pk] for pk, mask in self._target_masks().items() if mask[i]
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
            reasons["independence"] = f"From {pool.home_region[i]}, " + (
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
    peer_ids = set(peer_ids)
    rows = EqualitiesAnswers.objects.order_by()
    if len(peer_ids) <= 500:
        rows = rows.filter(peer_id__in=peer_ids)
    # Else read every row and keep the wanted ones: cheaper than sending thousands of ids.
    answers = {}
    for row in rows.values("peer_id", *DIVERSITY_DIMENSIONS):
        if row["peer_id"] not in peer_ids:
            continue
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
