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

from peers.models import PREFER_NOT_TO_SAY, EqualitiesAnswers, Expertise, RoleCategory
from programmes.matching.candidates import UPPER_TIER_TYPES, MatchingData
from programmes.matching.politics import (
    PARTY_CONTROLS,
    TeamMember,
    group_fit,
    group_fit_reason,
    single_party,
)
from programmes.models import MEMBER_ROLES, PlaceStatus, TeamRole

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
    """Every part of the score for every peer in the pool, for one role on one engagement.

    Political fit compares member peers with `team`: the member peers already on the team
    (by default its invited and accepted places; the suggested team passes those it chose
    before this role as well). See programmes.matching.politics.
    """

    def __init__(
        self,
        data: MatchingData,
        engagement_id: int,
        role: str,
        weights: Weights,
        team: list[TeamMember] | None = None,
    ):
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

        self.parts["independence"] = shared.independence
        self.parts["fairness"] = shared.fairness
        self.parts["experience"] = shared.experience
        self.most = sum(weights.of(p) for p in PARTS)
        self.set_team(held_members(data, engagement_id) if team is None else team)

    def set_team(self, team: list[TeamMember]) -> None:
        """Compare member peers with this team: political fit and the totals again."""
        self.team = list(team)
        self.parts["political_fit"] = self.political_fit(self.team)
        self.total = sum(self.parts[p] * self.weights.of(p) for p in PARTS)

    def political_fit(self, team: list[TeamMember]) -> np.ndarray:
        """Each peer's political fit against `team` (worked out once per group)."""
        if self.role not in MEMBER_ROLES:
            return np.zeros(self.data.pool.size)
        labels, codes = self.data.pool.coded("group")
        control = single_party(self.facts.political_controls)
        table = np.array(
            [group_fit(self.role, label, control=control, team=team) for label in labels] or [0.0]
        )
        return table[codes]

    def _target_masks(self) -> dict[int, np.ndarray]:
        """For each theme or focus term, which peers of the pool have it (built once)."""
        if not hasattr(self, "_masks"):
            self._masks = {}
            for pk, indexes in _expertise_members(self.data, self.targets).items():
                mask = np.zeros(self.data.pool.size, dtype=bool)
                mask[indexes] = True
                self._masks[pk] = mask
        return self._masks

    def explain(self, i: int, team: list[TeamMember] | None = None) -> list[Part]:
        """Each part of peer i's score with the reason, in plain words.

        With `team`, political fit is judged against that team instead (a suggested peer
        chosen after others of the same role is explained as they were chosen).
        """
        pool, facts, w = self.data.pool, self.facts, self.weights
        team = self.team if team is None else team
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
        political_fit = float(self.parts["political_fit"][i])
        if self.role in MEMBER_ROLES:
            control = single_party(facts.political_controls)
            political_fit = group_fit(self.role, group, control=control, team=team)
        reasons["political_fit"] = group_fit_reason(
            self.role, group, controls=facts.political_controls, team=team
        )
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
        fits = {part: float(self.parts[part][i]) for part in PARTS}
        fits["political_fit"] = political_fit
        return [
            Part(
                code=part,
                label=PART_LABELS[part],
                points=round(fits[part] * w.of(part), 2),
                most=w.of(part),
                reason=reasons[part],
            )
            for part in PARTS
        ]


def held_members(data: MatchingData, engagement_id: int) -> list[TeamMember]:
    """The member peers holding places on the team (invited or accepted), leads first."""
    pool = data.pool
    held = [p for p in data.facts[engagement_id].held if p.role in MEMBER_ROLES]
    held.sort(key=lambda place: place.role != TeamRole.LEAD_MEMBER)
    return [
        TeamMember(
            peer_id=place.peer_id,
            role=place.role,
            group=pool.group[pool.index[place.peer_id]] if place.peer_id in pool.index else "",
            source=PlaceStatus(place.status).label.lower(),
        )
        for place in held
    ]


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
    "PARTY_CONTROLS",
    "Part",
    "RoleScores",
    "Weights",
    "balance_gain",
    "equalities_values",
    "held_members",
    "prepare_expertise",
    "team_balance",
]
