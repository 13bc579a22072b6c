"""Allocation across many engagements: the best proposal that breaks no rule.

The model (OR-Tools CP-SAT, integer weights):

- a yes/no variable per place still to fill and candidate; candidates are each role's best
  K peers per group (political group for member places, role category for officer places),
  all of whom already pass every hard filter for that engagement;
- each role gets at most the places it still needs; lead member and lead officer places
  must all be filled (when the supply check says they can be);
- a peer takes at most one place per engagement, at most one of any set of engagements
  whose dates overlap, and a member peer's days across all the engagements stay within
  their cap for each financial year (days already used counted);
- the objective: for each filled place 1 plus its score, plus the team-diversity weight for
  each equalities value a team gains (teams only; never per person).

Before solving, supply is checked against demand so an impossible request is explained
rather than attempted. The same instance feeds a greedy baseline for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from ortools.sat.python import cp_model

from programmes.matching.candidates import LEAD_ROLES, MatchingData
from programmes.matching.scoring import (
    DIVERSITY_DIMENSIONS,
    RoleScores,
    Weights,
    balance_gain,
    equalities_values,
    prepare_expertise,
)
from programmes.models import MEMBER_ROLES, Engagement, TeamRole

SCALE = 1000
Progress = Callable[[int, str], None]


@dataclass
class Slot:
    """The places still to fill for one role on one engagement, and who may fill them."""

    engagement_id: int
    reference: str
    role: str
    need: int
    required: bool
    days: Decimal
    candidates: list[int]  # pool indexes
    scores: dict[int, float]  # pool index -> visible score
    eligible: int
    excluded: dict[str, int]

    @property
    def label(self) -> str:
        return TeamRole(self.role).label.lower()


@dataclass
class Instance:
    data: MatchingData
    weights: Weights
    slots: list[Slot]
    answers: dict[int, dict[str, str]]  # peer id -> shared equalities answers
    covered: dict[int, dict[str, set[str]]]  # engagement id -> values the held team has
    cliques: list[frozenset[int]]  # sets of engagements whose dates overlap
    problems: list[str] = field(default_factory=list)
    build_seconds: float = 0.0

    def peer_id(self, index: int) -> int:
        return int(self.data.pool.ids[index])

    def financial_year(self, engagement_id: int) -> int:
        return self.data.facts[engagement_id].financial_year


@dataclass
class Assignment:
    engagement_id: int
    role: str
    peer_id: int
    days: Decimal
    score: float

    def as_json(self) -> dict:
        return {
            "engagement_id": self.engagement_id,
            "role": self.role,
            "peer_id": self.peer_id,
            "days": str(self.days),
            "score": round(self.score, 3),
        }


@dataclass
class AllocationResult:
    method: str
    status: str
    objective: float
    assignments: list[Assignment]
    problems: list[str]
    seconds: float
    stats: dict = field(default_factory=dict)


def _top_per_group(codes: np.ndarray, scores: np.ndarray, eligible: np.ndarray, k: int):
    """Pool indexes of the best k eligible peers in each group (groups as integer codes,
    numbered in the order of the groups' names)."""
    chosen = []
    for group in np.unique(codes[eligible]):
        indexes = np.flatnonzero(eligible & (codes == group))
        if len(indexes) > k:
            indexes = indexes[np.argpartition(-scores[indexes], k - 1)[:k]]
        chosen.extend(indexes.tolist())
    return chosen


def _cliques(data: MatchingData) -> list[frozenset[int]]:
    """Maximal sets of engagements sharing a day (interval graph: one per start date)."""
    dated = [f for f in data.facts.values() if f.start]
    found = set()
    for point in sorted({f.start for f in dated}):
        clique = frozenset(f.engagement.pk for f in dated if f.start <= point <= f.end)
        if len(clique) > 1:
            found.add(clique)
    return [c for c in found if not any(c < other for other in found)]


def build_instance(
    engagements: list[Engagement],
    *,
    weights: Weights | None = None,
    candidates_per_group: int | None = None,
    progress: Progress | None = None,
) -> Instance:
    """Load, filter and score everything the solver and the baseline need."""
    started = time.perf_counter()
    weights = weights or Weights.current()
    k = candidates_per_group or weights.candidates_per_group
    data = MatchingData(engagements)
    prepare_expertise(data)
    if progress:
        progress(20, "Filtering and scoring candidates")
    pool = data.pool
    slots: list[Slot] = []
    total = len(data.facts)
    for n, facts in enumerate(data.facts.values(), start=1):
        needed = facts.needed()
        for role, _, _ in sorted(facts.composition, key=lambda line: line[0] not in LEAD_ROLES):
            need = needed.get(role, 0)
            if need <= 0:
                continue
            eligible, excluded = data.eligible(facts.engagement.pk, role)
            scores = RoleScores(data, facts.engagement.pk, role, weights).total
            _, groups = pool.coded("group" if role in MEMBER_ROLES else "role_category")
            candidates = _top_per_group(groups, scores, eligible, k)
            slots.append(
                Slot(
                    engagement_id=facts.engagement.pk,
                    reference=facts.engagement.reference,
                    role=role,
                    need=need,
                    required=role in LEAD_ROLES,
                    days=facts.days,
                    candidates=candidates,
                    scores={i: float(scores[i]) for i in candidates},
                    eligible=int(eligible.sum()),
                    excluded=excluded,
                )
            )
        if progress and n % 10 == 0:
            progress(20 + int(20 * n / total), f"Scored {n} of {total} engagements")
    peer_ids = {int(pool.ids[i]) for s in slots for i in s.candidates}
    held = {f.engagement.pk: [p.peer_id for p in f.held] for f in data.facts.values()}
    answers = equalities_values(peer_ids | {p for ids in held.values() for p in ids})
    covered = {}
    for engagement_id, ids in held.items():
        covered[engagement_id] = {}
        for peer_id in ids:
            for dimension, value in answers.get(peer_id, {}).items():
                covered[engagement_id].setdefault(dimension, set()).add(value)
    instance = Instance(
        data=data,
        weights=weights,
        slots=slots,
        answers=answers,
        covered=covered,
        cliques=_cliques(data),
    )
    supply_check(instance)
    instance.build_seconds = time.perf_counter() - started
    return instance


def supply_check(instance: Instance) -> None:
    """Compare supply with demand; explain and relax lead places that cannot be filled."""
    from programmes.matching.suggestions import RoleSuggestion

    for slot in instance.slots:
        if slot.required and len(slot.candidates) < slot.need:
            explained = RoleSuggestion(
                role=slot.role,
                count=slot.need,
                needed=slot.need,
                days=slot.days,
                pool_size=0,
                eligible=slot.eligible,
                excluded=slot.excluded,
            )
            instance.problems.append(f"{slot.reference}: {explained.blocked}")
            slot.required = False
    # Engagements on the same days compete for the same peers.
    for clique in instance.cliques:
        for kind_roles, kind in (
            ((TeamRole.LEAD_MEMBER,), "lead member"),
            ((TeamRole.LEAD_OFFICER,), "lead officer"),
        ):
            slots = [
                s
                for s in instance.slots
                if s.engagement_id in clique and s.role in kind_roles and s.required
            ]
            demand = sum(s.need for s in slots)
            supply = len({i for s in slots for i in s.candidates})
            if demand > supply:
                references = ", ".join(sorted(s.reference for s in slots))
                instance.problems.append(
                    f"{references} overlap and need {demand} {kind} peers, but only {supply} "
                    "eligible peers are free for them. Fill what can be filled and move a date."
                )
                for s in slots:
                    s.required = False


def objective_of(instance: Instance, assignments: list[Assignment]) -> float:
    """The value of a proposal: 1 plus the score per place, plus team diversity gained."""
    value = sum(1.0 + a.score for a in assignments)
    weight = instance.weights.diversity
    if weight:
        teams: dict[int, dict[str, set[str]]] = {}
        for a in assignments:
            team = teams.setdefault(a.engagement_id, {})
            existing = instance.covered.get(a.engagement_id, {})
            for dimension, answer in instance.answers.get(a.peer_id, {}).items():
                if answer not in existing.get(dimension, ()):
                    team.setdefault(dimension, set()).add(answer)
        value += (
            weight
            * sum(len(values) for team in teams.values() for values in team.values())
            / len(DIVERSITY_DIMENSIONS)
        )
    return round(value, 4)


def _add_cap_and_overlap(model, instance: Instance, x: dict) -> None:
    by_peer: dict[int, list[tuple[Slot, int]]] = {}
    for (s, i), var in x.items():
        by_peer.setdefault(i, []).append((instance.slots[s], var))
    pool = instance.data.pool
    for i, entries in by_peer.items():
        # One place per engagement.
        per_engagement: dict[int, list] = {}
        for slot, var in entries:
            per_engagement.setdefault(slot.engagement_id, []).append(var)
        for variables in per_engagement.values():
            if len(variables) > 1:
                model.add(sum(variables) <= 1)
        # One of any overlapping engagements.
        if len(per_engagement) > 1:
            for clique in instance.cliques:
                variables = [v for e, vs in per_engagement.items() if e in clique for v in vs]
                if len(variables) > 1:
                    model.add(sum(variables) <= 1)
        # The day cap across all the engagements, per financial year.
        if pool.is_member[i]:
            per_year: dict[int, list] = {}
            for slot, var in entries:
                year = instance.financial_year(slot.engagement_id)
                per_year.setdefault(year, []).append((int(slot.days * 2), var))
            for year, terms in per_year.items():
                spare = int(
                    np.floor(2 * (instance.data.cap[year][i] - instance.data.used[year][i]) + 1e-9)
                )
                if sum(days for days, _ in terms) > spare:
                    model.add(sum(days * var for days, var in terms) <= spare)


# The least time a solver pass gets, even past the deadline: enough to read the greedy
# start back, which the proposal never falls below anyway.
MINIMUM_SOLVE_SECONDS = 0.5


def _solve(
    instance: Instance, *, deadline: float, workers: int, hard_leads: bool, hint=frozenset()
):
    model = cp_model.CpModel()
    x = {}
    objective = []
    lead_bonus = 0 if hard_leads else 100 * SCALE
    for s, slot in enumerate(instance.slots):
        variables = []
        for i in slot.candidates:
            var = model.new_bool_var(f"x{s}_{i}")
            x[(s, i)] = var
            variables.append(var)
            bonus = lead_bonus if slot.role in LEAD_ROLES else 0
            objective.append((int(round(SCALE * (1.0 + slot.scores[i]))) + bonus, var))
        if not variables:
            continue
        if slot.required and hard_leads:
            model.add(sum(variables) == slot.need)
        else:
            model.add(sum(variables) <= slot.need)
    _add_cap_and_overlap(model, instance, x)
    weight = instance.weights.diversity
    if weight:
        per_value = int(round(SCALE * weight / len(DIVERSITY_DIMENSIONS)))
        by_engagement: dict[int, dict[tuple[str, str], list]] = {}
        for (s, i), var in x.items():
            slot = instance.slots[s]
            existing = instance.covered.get(slot.engagement_id, {})
            for dimension, answer in instance.answers.get(instance.peer_id(i), {}).items():
                if answer not in existing.get(dimension, ()):
                    by_engagement.setdefault(slot.engagement_id, {}).setdefault(
                        (dimension, answer), []
                    ).append(var)
        for engagement_id, values in by_engagement.items():
            for (dimension, answer), variables in values.items():
                gained = model.new_bool_var(f"d{engagement_id}_{dimension}_{answer}")
                model.add(gained <= sum(variables))
                objective.append((per_value, gained))
    model.maximize(sum(c * v for c, v in objective))
    # Start from the greedy proposal, so a run cut short by the time limit is never worse.
    for key, var in x.items():
        model.add_hint(var, key in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        deadline - time.perf_counter(), MINIMUM_SOLVE_SECONDS
    )
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    return solver, status, x


def allocate(
    engagements: list[Engagement] | None = None,
    *,
    instance: Instance | None = None,
    weights: Weights | None = None,
    candidates_per_group: int | None = None,
    time_limit: float | None = None,
    workers: int = 8,
    progress: Progress | None = None,
) -> AllocationResult:
    """The best proposal for the engagements under every rule (CP-SAT); never saved or sent.

    time_limit (default settings.MATCHING_SOLVER_SECONDS) bounds the whole solve once the
    instance is loaded: the greedy start, building the model and every solver pass.
    """
    started = time.perf_counter()
    if instance is None:
        instance = build_instance(
            engagements,
            weights=weights,
            candidates_per_group=candidates_per_group,
            progress=progress,
        )
    if time_limit is None:
        time_limit = settings.MATCHING_SOLVER_SECONDS
    deadline = time.perf_counter() + time_limit
    if progress:
        progress(50, f"Solving for {len(instance.slots)} roles")
    problems = list(instance.problems)
    greedy = allocate_greedy(instance=instance)
    slot_index = {(slot.engagement_id, slot.role): s for s, slot in enumerate(instance.slots)}
    peer_index = {instance.peer_id(i): i for slot in instance.slots for i in slot.candidates}
    hint = frozenset(
        (slot_index[(a.engagement_id, a.role)], peer_index[a.peer_id])
        for a in greedy.assignments
        if (a.engagement_id, a.role) in slot_index and a.peer_id in peer_index
    )
    solver, status, x = _solve(
        instance, deadline=deadline, workers=workers, hard_leads=True, hint=hint
    )
    if status == cp_model.INFEASIBLE:
        problems.append(
            "No proposal fills every lead place within the day caps and dates at once; "
            "the proposal below fills as many lead places as it can."
        )
        solver, status, x = _solve(
            instance, deadline=deadline, workers=workers, hard_leads=False, hint=hint
        )
    assignments = []
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (s, i), var in x.items():
            if solver.boolean_value(var):
                slot = instance.slots[s]
                assignments.append(
                    Assignment(
                        slot.engagement_id,
                        slot.role,
                        instance.peer_id(i),
                        slot.days,
                        slot.scores[i],
                    )
                )
    objective = objective_of(instance, assignments)
    if greedy.objective > objective and greedy.assignments:
        # The solver stopped at its time limit below the greedy start: keep the better one.
        assignments, objective = list(greedy.assignments), greedy.objective
    problems += _unfilled(instance, assignments)
    if progress:
        progress(90, "Proposal found")
    return AllocationResult(
        method="cp-sat",
        status=solver.status_name(status),
        objective=objective,
        assignments=sorted(assignments, key=lambda a: (a.engagement_id, a.role, a.peer_id)),
        problems=problems,
        seconds=round(time.perf_counter() - started, 3),
        stats={
            "variables": len(x),
            "slots": len(instance.slots),
            "build_seconds": round(instance.build_seconds, 3),
            "bound": solver.best_objective_bound / SCALE,
        },
    )


def _unfilled(instance: Instance, assignments: list[Assignment]) -> list[str]:
    filled: dict[tuple[int, str], int] = {}
    for a in assignments:
        filled[(a.engagement_id, a.role)] = filled.get((a.engagement_id, a.role), 0) + 1
    problems = []
    for slot in instance.slots:
        missing = slot.need - filled.get((slot.engagement_id, slot.role), 0)
        if missing > 0 and slot.role in LEAD_ROLES:
            problems.append(f"{slot.reference}: the {slot.label} place is not filled.")
    return problems


def _overlaps(a, b) -> bool:
    return bool(a.start and b.start and a.start <= b.end and b.start <= a.end)


def allocate_greedy(
    engagements: list[Engagement] | None = None,
    *,
    instance: Instance | None = None,
    weights: Weights | None = None,
    candidates_per_group: int | None = None,
) -> AllocationResult:
    """The baseline: engagements by date, lead places first, best candidate that still fits."""
    started = time.perf_counter()
    if instance is None:
        instance = build_instance(
            engagements, weights=weights, candidates_per_group=candidates_per_group
        )
    data = instance.data
    taken: dict[int, list[int]] = {}  # pool index -> engagement ids
    days: dict[tuple[int, int], float] = {}
    covered = {e: {d: set(v) for d, v in c.items()} for e, c in instance.covered.items()}
    assignments = []
    slots = sorted(
        instance.slots,
        key=lambda s: (
            data.facts[s.engagement_id].start or data.facts[s.engagement_id].reference,
            s.role not in LEAD_ROLES,
        ),
    )
    for slot in slots:
        facts = data.facts[slot.engagement_id]
        year = facts.financial_year
        team = covered.setdefault(slot.engagement_id, {})
        for _ in range(slot.need):
            best, best_value = None, None
            for i in slot.candidates:
                engagements_of = taken.get(i, [])
                if slot.engagement_id in engagements_of:
                    continue
                if any(_overlaps(facts, data.facts[e]) for e in engagements_of):
                    continue
                if data.pool.is_member[i]:
                    used = data.used[year][i] + days.get((i, year), 0.0) + float(slot.days)
                    if used > data.cap[year][i] + 1e-9:
                        continue
                answers = instance.answers.get(instance.peer_id(i), {})
                value = (
                    1.0 + slot.scores[i] + instance.weights.diversity * balance_gain(answers, team)
                )
                if best_value is None or value > best_value:
                    best, best_value = i, value
            if best is None:
                break
            taken.setdefault(best, []).append(slot.engagement_id)
            days[(best, year)] = days.get((best, year), 0.0) + float(slot.days)
            for dimension, answer in instance.answers.get(instance.peer_id(best), {}).items():
                team.setdefault(dimension, set()).add(answer)
            assignments.append(
                Assignment(
                    slot.engagement_id,
                    slot.role,
                    instance.peer_id(best),
                    slot.days,
                    slot.scores[best],
                )
            )
    return AllocationResult(
        method="greedy",
        status="FEASIBLE",
        objective=objective_of(instance, assignments),
        assignments=sorted(assignments, key=lambda a: (a.engagement_id, a.role, a.peer_id)),
        problems=list(instance.problems) + _unfilled(instance, assignments),
        seconds=round(time.perf_counter() - started, 3),
    )


__all__ = [
    "AllocationResult",
    "Assignment",
    "Instance",
    "allocate",
    "allocate_greedy",
    "build_instance",
    "objective_of",
]
