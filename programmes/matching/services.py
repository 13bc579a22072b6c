"""Writes of the matching feature: invite a team in one action, promote reserves, weights,
allocation runs. Every placement goes through programmes.services.team_place_add, so the
rules refuse the same thing with the same words everywhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.audit import audited
from peers.models import Peer
from programmes import services
from programmes.models import (
    HOLDING_STATUSES,
    Engagement,
    OfferTeamRole,
    PlaceStatus,
    TeamPlace,
    TeamRole,
)
from programmes.models_matching import AllocationRun, AllocationRunStatus, MatchingWeights

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pick:
    """One peer the manager ticked: a place to invite, or a reserve."""

    peer_id: int
    role: str
    days: Decimal
    reserve: bool = False


@audited
@transaction.atomic
def team_invite_many(*, engagement: Engagement, picks: list[Pick], user=None) -> list[TeamPlace]:
    """Invite the ticked peers and record the reserves, all or nothing.

    Every refusal is collected (named by peer) and, if there is any, nothing is saved and
    one ValidationError lists them all. Reserves are ranked per role after any existing
    reserves, in the order given. Invitations are emailed after commit.
    """
    if not picks:
        raise ValidationError("Select at least one peer to invite or keep in reserve.")
    peer_ids = [p.peer_id for p in picks]
    if len(set(peer_ids)) != len(peer_ids):
        raise ValidationError("Each peer can have only one place on the team.")
    peers = Peer.objects.select_related("user").in_bulk(peer_ids)
    next_rank = {
        row["role"]: row["last"] or 0
        for row in TeamPlace.objects.filter(engagement=engagement, status=PlaceStatus.RESERVE)
        .values("role")
        .annotate(last=Max("reserve_rank"))
    }
    places, errors = [], []
    for pick in picks:
        peer = peers.get(pick.peer_id)
        if peer is None:
            errors.append("One of the selected peers no longer exists.")
            continue
        rank = None
        if pick.reserve:
            next_rank[pick.role] = rank = next_rank.get(pick.role, 0) + 1
        try:
            with transaction.atomic():
                places.append(
                    services.team_place_add(
                        engagement=engagement,
                        peer=peer,
                        role=pick.role,
                        days=pick.days,
                        user=user,
                        status=PlaceStatus.RESERVE if pick.reserve else PlaceStatus.INVITED,
                        reserve_rank=rank,
                    )
                )
        except ValidationError as error:
            errors.extend(f"{peer}: {message}" for message in error.messages)
    if errors:
        raise ValidationError(errors)
    return places


def _places_wanted(engagement: Engagement, role: str) -> int:
    line = OfferTeamRole.objects.filter(offer_id=engagement.offer_id, role=role).first()
    return line.count if line else 1


@audited
@transaction.atomic
def team_reserve_promote(
    *, engagement: Engagement, role: str, replacing: TeamPlace | None = None, user=None
) -> TeamPlace | None:
    """Invite the next reserve for a role when a place was declined or its answer is overdue.

    Called from the decline path and from the overdue planner. Does nothing while the role
    is still full. With `replacing` (a lapsed invitation), that place is withdrawn once a
    reserve is invited. Reserves who can no longer take the place (a rule now refuses them)
    are skipped. The engagement's manager (or every manager) is told either way.
    """
    # Lock the engagement so two answers at once promote one reserve each, in turn.
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("manager")
        .get(pk=engagement.pk)
    )
    held = TeamPlace.objects.filter(engagement=engagement, role=role, status__in=HOLDING_STATUSES)
    if replacing is not None:
        held = held.exclude(pk=replacing.pk)
    if held.count() >= _places_wanted(engagement, role):
        return None
    promoted, skipped = None, []
    for reserve in TeamPlace.objects.filter(
        engagement=engagement, role=role, status=PlaceStatus.RESERVE
    ).order_by("reserve_rank", "pk"):
        try:
            with transaction.atomic():
                promoted = services.team_place_invite(place=reserve, user=user)
            break
        except ValidationError as error:
            skipped.append(f"{reserve.peer}: {' '.join(error.messages)}")
    if promoted and replacing is not None:
        replacing.refresh_from_db()
        if replacing.status == PlaceStatus.INVITED:
            services.team_place_withdraw(place=replacing, user=user)
    _tell_managers(engagement, role, promoted, skipped)
    return promoted


def _tell_managers(engagement: Engagement, role: str, promoted, skipped: list[str]) -> None:
    from notifications.selectors import managers_for
    from notifications.services import notification_key, notification_queue

    label = TeamRole(role).label.lower()
    if promoted:
        subject = f"Reserve invited: {promoted.peer} for {engagement.reference}"
        body = f"{promoted.peer}, the next reserve, was invited as {label} on {engagement}."
        step = ("promoted", promoted.pk, promoted.invited_at.isoformat())
    else:
        subject = f"No reserve left for {engagement.reference}"
        body = f"A {label} place on {engagement} is open and no reserve could be invited."
        step = ("none", role, timezone.now().date().isoformat())
    if skipped:
        body += "\n\nReserves passed over:\n" + "\n".join(skipped)
    link = settings.SITE_URL.rstrip("/") + f"/manage/engagements/{engagement.pk}/"
    for manager in managers_for(engagement=engagement):
        notification_queue(
            kind="notice",
            recipient=manager.email,
            user=manager,
            about=promoted or engagement,
            key=notification_key("reserve_promote", engagement, manager.email, *step),
            context={
                "recipient_name": manager.get_full_name() or manager.email,
                "subject": subject,
                "body": body,
                "link": link,
            },
        )


@audited
@transaction.atomic
def matching_weights_update(*, user, **weights) -> MatchingWeights:
    """Save the score weights a manager set."""
    row = MatchingWeights.objects.select_for_update().get(pk=MatchingWeights.current().pk)
    for name, value in weights.items():
        setattr(row, name, value)
    row.updated_by = user
    row.full_clean()
    row.save()
    return row


@audited
@transaction.atomic
def allocation_run_create(*, engagements, user) -> AllocationRun:
    """Record an allocation run for the engagements and queue it (after commit)."""
    engagements = list(engagements)
    if not engagements:
        raise ValidationError("Select at least one engagement to allocate.")
    run = AllocationRun.objects.create(created_by=user, progress_note="Waiting to start")
    run.engagements.set(engagements)
    from programmes import tasks_matching

    transaction.on_commit(lambda: tasks_matching.allocation_run_execute.delay(run.pk))
    return run


def allocation_run_progress(*, run_id: int, percent: int, note: str) -> None:
    """Keep the run's progress where the manager's page can read it."""
    AllocationRun.objects.filter(pk=run_id).update(progress=percent, progress_note=note[:200])


def allocation_run_execute(*, run_id: int) -> AllocationRun:
    """Solve the run's allocation and store the proposal (idempotent once finished)."""
    from programmes.matching.allocation import allocate, allocate_greedy, build_instance
    from programmes.matching.scoring import Weights

    run = AllocationRun.objects.get(pk=run_id)
    if run.status not in (AllocationRunStatus.QUEUED, AllocationRunStatus.FAILED):
        return run
    AllocationRun.objects.filter(pk=run_id).update(
        status=AllocationRunStatus.RUNNING, progress=1, progress_note="Loading the peer pool"
    )

    def progress(percent: int, note: str) -> None:
        allocation_run_progress(run_id=run_id, percent=percent, note=note)

    try:
        weights = Weights.current()
        instance = build_instance(list(run.engagements.all()), weights=weights, progress=progress)
        result = allocate(instance=instance, progress=progress)
        greedy = allocate_greedy(instance=instance)
    except Exception:
        logger.exception("Allocation run %s failed", run_id)
        AllocationRun.objects.filter(pk=run_id).update(
            status=AllocationRunStatus.FAILED, progress_note="The allocation failed. Try again."
        )
        raise
    run.refresh_from_db()
    run.status = AllocationRunStatus.PROPOSED
    run.progress = 100
    run.progress_note = "Proposal ready"
    run.objective = result.objective
    run.greedy_objective = greedy.objective
    run.solver_status = result.status
    run.proposal = [a.as_json() for a in result.assignments]
    run.problems = result.problems
    run.finished_at = timezone.now()
    run.save()
    return run


@audited
@transaction.atomic
def allocation_run_confirm(*, run: AllocationRun, user) -> list[TeamPlace]:
    """Invite every proposed place, all or nothing, listing every refusal."""
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != AllocationRunStatus.PROPOSED:
        raise ValidationError("Only a proposal that is ready can be confirmed.")
    by_engagement: dict[int, list[Pick]] = {}
    for item in run.proposal:
        by_engagement.setdefault(item["engagement_id"], []).append(
            Pick(peer_id=item["peer_id"], role=item["role"], days=Decimal(item["days"]))
        )
    engagements = Engagement.objects.in_bulk(list(by_engagement))
    places, errors = [], []
    for engagement_id, picks in by_engagement.items():
        try:
            with transaction.atomic():
                places += team_invite_many(
                    engagement=engagements[engagement_id], picks=picks, user=user
                )
        except ValidationError as error:
            reference = engagements[engagement_id].reference
            errors.extend(f"{reference}: {message}" for message in error.messages)
    if errors:
        raise ValidationError(errors)
    run.status = AllocationRunStatus.CONFIRMED
    run.confirmed_by = user
    run.confirmed_at = timezone.now()
    run.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return places
