"""Every write to programme records: requests, scheduling, status changes, teams, exceptions.

Each service runs in one transaction, enforces the rules in programmes.rules, records who
did what (StatusChange and django-simple-history), and queues follow-up work on commit.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.audit import audited
from councils.models import Council
from peers.models import Peer
from programmes import rules, workflow
from programmes.models import (
    HOLDING_STATUSES,
    ActivityDay,
    DayCapException,
    DeliveryMode,
    Engagement,
    EngagementMilestone,
    EngagementStatus,
    MilestoneAnchor,
    Offer,
    PlaceStatus,
    StatusChange,
    TeamPlace,
)


def _response_due(invited_at) -> date:
    from programmes.dates import add_response_days

    return add_response_days(timezone.localdate(invited_at), settings.INVITATION_RESPONSE_DAYS)


def _next_reference(offer: Offer, year: int) -> str:
    prefix = f"{offer.code}-{year}-"
    last = (
        Engagement.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@audited
@transaction.atomic
def engagement_create(
    *,
    offer: Offer,
    councils: Iterable[Council],
    title: str,
    user=None,
    reference: str | None = None,
    status: str = EngagementStatus.REQUESTED,
    themes: Iterable = (),
    **fields,
) -> Engagement:
    """Record a new engagement (a council's request, or a manager's entry)."""
    councils = list(councils)
    _check_councils(offer=offer, councils=councils, status=status)
    for attempt in range(5):
        try:
            with transaction.atomic():
                engagement = Engagement.objects.create(
                    reference=reference or _next_reference(offer, timezone.localdate().year),
                    offer=offer,
                    title=title,
                    status=status,
                    requested_by=user if user and user.is_authenticated else None,
                    **fields,
                )
            break
        except IntegrityError:
            if reference or attempt == 4:
                raise
    engagement.councils.set(councils)
    if themes:
        engagement.themes.set(themes)
    StatusChange.objects.create(
        engagement=engagement,
        from_status="",
        to_status=status,
        changed_by=user if user and user.is_authenticated else None,
        changed_at=timezone.now(),
        note="Recorded",
    )
    return engagement


def _status_days_recheck(engagement: Engagement) -> None:
    """After a change to days, offer or delivery: the current status's day conditions hold.

    The same conditions (and words) as `workflow.transition_blockers` for moving there.
    """
    blockers = [
        b
        for b in workflow.transition_blockers(
            engagement=engagement, to_status=engagement.status, today=timezone.localdate()
        )
        if b.code in ("days", "onsite")
    ]
    if blockers:
        raise ValidationError([b.message for b in blockers], code=blockers[0].code)


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def _blockers_refuse_or_override(
    *, blockers: list[workflow.Blocker], user, override_reason: str
) -> str:
    """Refuse with every blocker's words, or return them joined when a manager overrides.

    A manager may override the workflow's conditions only with a recorded reason; the
    returned text is stored on the status change beside the reason (the audit).
    """
    if not blockers:
        return ""
    if not override_reason.strip():
        raise ValidationError([b.message for b in blockers], code=blockers[0].code)
    if user is None or not user.has_perm("programmes.change_engagement"):
        raise PermissionDenied("Only a programme manager can override the workflow's conditions.")
    return " ".join(b.message for b in blockers)


def _places_withdraw_for(*, engagement: Engagement, user, reason: str) -> list[TeamPlace]:
    """Withdraw every invited, accepted and reserve place; tell the peers who held one."""
    places = list(
        TeamPlace.objects.select_for_update()
        .filter(
            engagement=engagement,
            status__in=(PlaceStatus.INVITED, PlaceStatus.ACCEPTED, PlaceStatus.RESERVE),
        )
        .order_by("id")
    )
    for place in places:
        _place_withdraw(place=place, user=user, reason=reason)
    return places


@audited
@transaction.atomic
def engagement_transition(
    *,
    engagement: Engagement,
    to_status: str,
    user=None,
    note: str = "",
    override_reason: str = "",
) -> Engagement:
    """Move an engagement to another status when the workflow and its conditions allow.

    The conditions are `workflow.transition_blockers`; a refusal names every one that is
    not met. A manager may override them only with `override_reason`, which is recorded
    with the conditions overridden. Cancelling or postponing withdraws every place and
    tells the peers and the council.
    """
    engagement = (
        Engagement.objects.select_for_update().select_related("offer").get(pk=engagement.pk)
    )
    from_status = engagement.status
    if not workflow.is_allowed(from_status, to_status):
        raise ValidationError(
            f"An engagement that is {EngagementStatus(from_status).label.lower()} cannot "
            f"move to {EngagementStatus(to_status).label.lower()}."
        )
    overridden = _blockers_refuse_or_override(
        blockers=workflow.transition_blockers(
            engagement=engagement, to_status=to_status, today=timezone.localdate()
        ),
        user=user,
        override_reason=override_reason,
    )
    from programmes import tasks

    if overridden:
        note = f"Override: {override_reason.strip()}" + (f" ({note})" if note else "")
    engagement.status = to_status
    engagement._change_reason = note or f"Status {from_status} → {to_status}"
    engagement._history_user = _actor(user)
    engagement.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        engagement=engagement,
        from_status=from_status,
        to_status=to_status,
        changed_by=_actor(user),
        changed_at=timezone.now(),
        note=note,
        guards_overridden=overridden,
    )
    if to_status in (EngagementStatus.CANCELLED, EngagementStatus.POSTPONED):
        label = EngagementStatus(to_status).label.lower()
        _places_withdraw_for(
            engagement=engagement, user=user, reason=f"The engagement was {label}."
        )
        engagement_id = engagement.pk
        transaction.on_commit(
            lambda: tasks.engagement_council_notice.delay(engagement_id, to_status)
        )
    transaction.on_commit(
        lambda: tasks.engagement_status_changed.delay(engagement.pk, from_status, to_status)
    )
    return engagement


@audited
@transaction.atomic
def engagement_activity_days_set(
    *,
    engagement: Engagement,
    days: Iterable[tuple[date, str]],
    user=None,
    withdraw_breaching: bool = False,
) -> Engagement:
    """Replace the activity days; update the dates and move the computed milestones.

    Every invited and accepted place is checked again against every placement rule on the
    new days (clashes, unavailability, the day cap of the new financial year …): the change
    is refused naming the peers and rules, or with `withdraw_breaching` those places are
    withdrawn in the same transaction and their peers told.
    """
    days = sorted(dict(days).items())
    engagement = (
        Engagement.objects.select_for_update().select_related("offer").get(pk=engagement.pk)
    )
    if engagement.effective_delivery == DeliveryMode.REMOTE and engagement.offer.onsite_required:
        raise ValidationError(f"A {engagement.offer.code} cannot be delivered fully remotely.")
    engagement.activity_days.all().delete()
    # bulk_create_with_history: the days' history rows are written too (plain bulk_create
    # would skip django-simple-history).
    bulk_create_with_history(
        [ActivityDay(engagement=engagement, date=d, mode=m) for d, m in days], ActivityDay
    )
    engagement.start_date = days[0][0] if days else None
    engagement.end_date = days[-1][0] if days else None
    engagement._history_user = _actor(user)
    engagement.save(update_fields=["start_date", "end_date", "updated_at"])
    _status_days_recheck(engagement)
    _held_places_recheck(
        engagement=engagement, user=user, withdraw=withdraw_breaching, what="activity days"
    )
    engagement_milestones_recompute(engagement=engagement)
    return engagement


def engagement_milestones_recompute(*, engagement: Engagement) -> None:
    """Compute each milestone's due date from the offer, keeping dates fixed by hand."""
    existing = {m.code: m for m in engagement.milestones.all()}
    for template in engagement.offer.milestones.all():
        anchor = (
            engagement.start_date
            if template.anchor == MilestoneAnchor.START
            else engagement.end_date
        )
        due = anchor + timedelta(days=template.offset_days) if anchor else None
        milestone = existing.get(template.code)
        if milestone is None:
            EngagementMilestone.objects.create(
                engagement=engagement, code=template.code, name=template.name, due_on=due
            )
        elif not milestone.fixed_by_hand and milestone.due_on != due:
            milestone.due_on = due
            milestone.save(update_fields=["due_on"])


def _held_places_recheck(
    *, engagement: Engagement, user, withdraw: bool, what: str
) -> list[TeamPlace]:
    """Check every held place against every placement rule as the engagement now stands.

    Called by each write that changes what the rules read (days, councils, delivery, offer)
    after it has written, inside its transaction: a refusal rolls the write back. Returns the
    places withdrawn (only with `withdraw`).
    """
    places = list(
        TeamPlace.objects.filter(engagement=engagement, status__in=HOLDING_STATUSES)
        .select_related("peer")
        .order_by("peer_id")
    )
    breaking, messages = [], []
    for place in places:
        peer = _lock_peer(place.peer)
        breaches = rules.placement_breaches(
            peer=peer, engagement=engagement, role=place.role, days=place.days, place=place
        )
        if breaches:
            breaking.append(place)
            messages += [b.message for b in breaches]
    if not breaking:
        return []
    if not withdraw:
        names = workflow._names(breaking)
        messages.append(
            f"Changing the {what} would break the rules above for {names}. Keep the "
            f"{what}, or withdraw {'that place' if len(breaking) == 1 else 'those places'} "
            "first."
        )
        raise ValidationError(messages, code="places")
    for place in breaking:
        locked = TeamPlace.objects.select_for_update().get(pk=place.pk)
        _place_withdraw(
            place=locked,
            user=user,
            reason=f"The engagement's {what} changed, so the place no longer fits the "
            "programme's rules.",
        )
    return breaking


def _lock_peer(peer: Peer) -> Peer:
    # Rule 6: lock the peer's row so concurrent placements are checked one after the other.
    return Peer.objects.select_for_update().select_related("home_council", "user").get(pk=peer.pk)


def _refuse_breaches(breaches: list[rules.Breach]) -> None:
    if breaches:
        raise ValidationError([b.message for b in breaches], code=breaches[0].code)


@audited
@transaction.atomic
def team_place_add(
    *,
    engagement: Engagement,
    peer: Peer,
    role: str,
    days: Decimal,
    user=None,
    status: str = PlaceStatus.INVITED,
    reserve_rank: int | None = None,
) -> TeamPlace:
    """Put a peer on a team (invited, accepted by a manager on their behalf, or reserve)."""
    days = Decimal(days)
    if days < 0 or days % Decimal("0.5"):
        raise ValidationError({"days": "Enter days in whole or half days, like 3 or 0.5."})
    peer = _lock_peer(peer)
    engagement = Engagement.objects.select_related("offer").get(pk=engagement.pk)
    if engagement.status in (EngagementStatus.CANCELLED, EngagementStatus.CLOSED):
        raise ValidationError("This engagement is closed to new team places.")
    if TeamPlace.objects.filter(engagement=engagement, peer=peer).exists():
        raise ValidationError(f"{peer} already has a place on {engagement.reference}.")
    if status in HOLDING_STATUSES:
        _refuse_breaches(
            rules.placement_breaches(peer=peer, engagement=engagement, role=role, days=days)
        )
    now = timezone.now()
    place = TeamPlace(
        engagement=engagement,
        peer=peer,
        role=role,
        days=days,
        status=status,
        reserve_rank=reserve_rank,
    )
    if status in HOLDING_STATUSES:
        place.invited_at = now
        place.response_due = _response_due(now)
    if status == PlaceStatus.ACCEPTED:
        place.responded_at = now
    place.save()
    if status == PlaceStatus.INVITED:
        from programmes import tasks

        transaction.on_commit(lambda: tasks.team_place_invited.delay(place.pk))
    return place


@audited
@transaction.atomic
def team_place_invite(*, place: TeamPlace, user=None) -> TeamPlace:
    """Invite a reserve (or re-invite a withdrawn place), checking every rule again."""
    place = TeamPlace.objects.select_related("engagement").get(pk=place.pk)
    peer = _lock_peer(place.peer)
    if place.status not in (PlaceStatus.RESERVE, PlaceStatus.WITHDRAWN):
        raise ValidationError("Only a reserve or withdrawn place can be invited.")
    _refuse_breaches(
        rules.placement_breaches(
            peer=peer, engagement=place.engagement, role=place.role, days=place.days, place=place
        )
    )
    now = timezone.now()
    place.status = PlaceStatus.INVITED
    place.invited_at = now
    place.response_due = _response_due(now)
    place.responded_at = None
    place.save(update_fields=["status", "invited_at", "response_due", "responded_at"])
    from programmes import tasks

    transaction.on_commit(lambda: tasks.team_place_invited.delay(place.pk))
    return place


@audited
@transaction.atomic
def team_place_respond(
    *,
    place: TeamPlace,
    accept: bool,
    user=None,
    reason: str = "",
    no_conflict_declared: bool = False,
) -> TeamPlace:
    """Record a peer's answer. Accepting re-checks the rules and needs a no-conflict declaration."""
    place = TeamPlace.objects.select_related("engagement").get(pk=place.pk)
    if place.status != PlaceStatus.INVITED:
        raise ValidationError("This invitation has already been answered or withdrawn.")
    now = timezone.now()
    if accept:
        if not no_conflict_declared:
            raise ValidationError(
                {"no_conflict_declared": "Confirm that you have no conflict of interest."}
            )
        peer = _lock_peer(place.peer)
        _refuse_breaches(
            rules.placement_breaches(
                peer=peer,
                engagement=place.engagement,
                role=place.role,
                days=place.days,
                place=place,
            )
        )
        place.status = PlaceStatus.ACCEPTED
        place.no_conflict_declared_at = now
    else:
        place.status = PlaceStatus.DECLINED
        place.decline_reason = reason
    place.responded_at = now
    place.save(
        update_fields=["status", "no_conflict_declared_at", "decline_reason", "responded_at"]
    )
    reserves = TeamPlace.objects.filter(
        engagement=place.engagement, role=place.role, status=PlaceStatus.RESERVE
    )
    if not accept and reserves.exists():
        # A declined place goes to the next reserve for the role the manager named.
        from programmes.matching.services import team_reserve_promote

        team_reserve_promote(engagement=place.engagement, role=place.role, user=user)
    from programmes import tasks

    transaction.on_commit(lambda: tasks.team_place_answered.delay(place.pk))
    return place


@audited
@transaction.atomic
def team_place_confirm(*, place: TeamPlace, user=None) -> TeamPlace:
    """A manager confirms a place on the peer's behalf (for example after a phone call)."""
    place = TeamPlace.objects.select_related("engagement").get(pk=place.pk)
    if place.status == PlaceStatus.ACCEPTED:
        return place
    peer = _lock_peer(place.peer)
    _refuse_breaches(
        rules.placement_breaches(
            peer=peer, engagement=place.engagement, role=place.role, days=place.days, place=place
        )
    )
    now = timezone.now()
    place.status = PlaceStatus.ACCEPTED
    place.invited_at = place.invited_at or now
    place.response_due = place.response_due or _response_due(now)
    place.responded_at = now
    place.save(update_fields=["status", "invited_at", "response_due", "responded_at"])
    return place


def _place_withdraw(*, place: TeamPlace, user, reason: str) -> None:
    # The caller holds the place's row lock. A peer who held an invited or accepted place
    # is told; a reserve was never asked, so is not.
    from programmes import tasks

    held = place.status in HOLDING_STATUSES
    place.status = PlaceStatus.WITHDRAWN
    place._change_reason = reason or "Withdrawn"
    place._history_user = _actor(user)
    place.save(update_fields=["status"])
    if held:
        place_id = place.pk
        transaction.on_commit(lambda: tasks.team_place_withdrawn.delay(place_id, reason))


@audited
@transaction.atomic
def team_place_withdraw(*, place: TeamPlace, user=None, reason: str = "") -> TeamPlace:
    """Withdraw a place (its days no longer count towards the cap) and tell the peer.

    Only an invited, accepted or reserve place can be withdrawn; the place's row is locked
    so a peer's answer and a withdrawal cannot cross.
    """
    place = TeamPlace.objects.select_for_update().select_related("peer").get(pk=place.pk)
    if place.status not in (*HOLDING_STATUSES, PlaceStatus.RESERVE):
        raise ValidationError(
            f"{place.peer}'s place is {place.get_status_display().lower()}, so there is "
            "nothing to withdraw."
        )
    _place_withdraw(place=place, user=user, reason=reason)
    return place


@audited
@transaction.atomic
def team_place_update(*, place: TeamPlace, user=None, role=None, days=None) -> TeamPlace:
    """Change a place's role or days, checking the rules again for a held place."""
    place = TeamPlace.objects.select_related("engagement").get(pk=place.pk)
    role = role or place.role
    days = Decimal(days) if days is not None else place.days
    if place.status in HOLDING_STATUSES:
        peer = _lock_peer(place.peer)
        _refuse_breaches(
            rules.placement_breaches(
                peer=peer, engagement=place.engagement, role=role, days=days, place=place
            )
        )
    place.role, place.days = role, days
    place.save(update_fields=["role", "days"])
    return place


@audited
@transaction.atomic
def day_cap_exception_approve(
    *, peer: Peer, financial_year: int, extra_days: Decimal, reason: str, user
) -> DayCapException:
    """Approve extra days above the cap: only the Director of Improvement may."""
    if not user.has_perm("programmes.approve_daycapexception"):
        raise PermissionDenied("Only the Director of Improvement can approve a day-cap exception.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the exception is needed."})
    exception, _ = DayCapException.objects.update_or_create(
        peer=peer,
        financial_year=financial_year,
        defaults={
            "extra_days": Decimal(extra_days),
            "reason": reason,
            "approved_by": user,
            "approved_at": timezone.now(),
        },
    )
    return exception


# --- Services used by the admin and the importers ----------------------------------------

_ENGAGEMENT_DETAIL_FIELDS = (
    "title",
    "focus",
    "scope",
    "funding",
    "manager",
    "delivery",
    "offer",
    "requested_days",
    "published_report_url",
    "publication_decision",
    "good_practice",
    "agenda",
    "remote_joining_details",
)


def _check_councils(*, offer: Offer, councils: list, status: str) -> None:
    # The same checks engagement_create makes when an engagement is recorded.
    if not councils:
        raise ValidationError({"councils": "Select at least one council."})
    if len(councils) > 1 and not offer.serves_group and offer.code not in ("CPC", "FPC", "GPC"):
        raise ValidationError(
            {"councils": f"A {offer.code} is for one council. Request one for each council."}
        )
    abolished = [c.name for c in councils if c.abolished_on]
    if abolished and status in workflow.OPEN_STATES:
        raise ValidationError(
            {"councils": f"{', '.join(abolished)} no longer exists. Choose its successor."}
        )


@audited
@transaction.atomic
def engagement_update(
    *,
    engagement: Engagement,
    user=None,
    councils: Iterable[Council] | None = None,
    themes: Iterable | None = None,
    withdraw_breaching: bool = False,
    **fields,
) -> Engagement:
    """Change an engagement's details (not its status or days); return it.

    Councils are checked as when recorded; an offer that requires an onsite element can
    never be set to fully remote. A change of councils, offer or delivery checks every held
    place against every placement rule again: refused naming the peers and rules, or with
    `withdraw_breaching` those places are withdrawn and their peers told.
    """
    unknown = set(fields) - set(_ENGAGEMENT_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"engagement_update cannot change {sorted(unknown)}")
    engagement = (
        Engagement.objects.select_for_update().select_related("offer").get(pk=engagement.pk)
    )
    changed = [name for name, value in fields.items() if getattr(engagement, name) != value]
    recheck = False
    for name in changed:
        setattr(engagement, name, fields[name])
    if ("offer" in changed or "delivery" in changed) and (
        engagement.effective_delivery == DeliveryMode.REMOTE and engagement.offer.onsite_required
    ):
        raise ValidationError(f"A {engagement.offer.code} cannot be delivered fully remotely.")
    if councils is not None:
        councils = list(councils)
        if {c.pk for c in councils} != set(engagement.councils.values_list("pk", flat=True)):
            _check_councils(offer=engagement.offer, councils=councils, status=engagement.status)
            engagement.councils.set(councils)
            recheck = True
    if themes is not None:
        themes = list(themes)
        if {t.pk for t in themes} != set(engagement.themes.values_list("pk", flat=True)):
            engagement.themes.set(themes)
    if changed:
        engagement._history_user = _actor(user)
        engagement.save(update_fields=[*changed, "updated_at"])
    if {"offer", "delivery"} & set(changed):
        _status_days_recheck(engagement)
    if recheck or {"offer", "delivery"} & set(changed):
        _held_places_recheck(
            engagement=engagement, user=user, withdraw=withdraw_breaching, what="details"
        )
    return engagement


@audited
@transaction.atomic
def engagement_status_record(
    *, engagement: Engagement, to_status: str, user=None, note: str = "Imported"
) -> Engagement:
    """Set the status of an engagement whose history is being migrated; return it.

    The workflow's order is not applied (an imported engagement may start in any state),
    but the onsite rule (rule 4) is, and nothing is queued: importers send no email.
    """
    engagement = (
        Engagement.objects.select_for_update().select_related("offer").get(pk=engagement.pk)
    )
    from_status = engagement.status
    if from_status == to_status:
        return engagement
    blockers = workflow.transition_blockers(
        engagement=engagement, to_status=to_status, today=timezone.localdate(), history=True
    )
    # The team and the feedback letter may follow in the same import, or be held elsewhere:
    # those conditions are recorded as overridden by the import. Days and dates are not.
    hard = [b for b in blockers if b.code not in _IMPORT_RECORDED]
    if hard:
        raise ValidationError([b.message for b in hard], code=hard[0].code)
    engagement.status = to_status
    engagement._change_reason = note
    engagement._history_user = _actor(user)
    engagement.save(update_fields=["status", "updated_at"])
    StatusChange.objects.create(
        engagement=engagement,
        from_status=from_status,
        to_status=to_status,
        changed_by=_actor(user),
        changed_at=timezone.now(),
        note=note,
        guards_overridden=" ".join(b.message for b in blockers),
    )
    return engagement


_IMPORT_RECORDED = {"team", "feedback"}


@audited
@transaction.atomic
def team_place_record(
    *,
    engagement: Engagement,
    peer: Peer,
    role: str,
    days: Decimal,
    status: str,
    user=None,
) -> tuple[TeamPlace, bool]:
    """Create or update a place from migrated records; return it and whether it changed.

    The placement rules apply to invited and accepted places as everywhere else. Nothing
    is queued: importers send no invitations.
    """
    days = Decimal(days)
    if days < 0 or days % Decimal("0.5"):
        raise ValidationError({"days": "Enter days in whole or half days, like 3 or 0.5."})
    peer = _lock_peer(peer)
    engagement = Engagement.objects.select_related("offer").get(pk=engagement.pk)
    place = TeamPlace.objects.filter(engagement=engagement, peer=peer).first()
    if place and (place.role, place.days, place.status) == (role, days, status):
        return place, False
    if engagement.status == EngagementStatus.CANCELLED and status in HOLDING_STATUSES:
        raise ValidationError("A cancelled engagement cannot have invited or accepted places.")
    if status in HOLDING_STATUSES:
        _refuse_breaches(
            rules.placement_breaches(
                peer=peer, engagement=engagement, role=role, days=days, place=place
            )
        )
    now = timezone.now()
    if place is None:
        place = TeamPlace(engagement=engagement, peer=peer)
    place.role, place.days, place.status = role, days, status
    if status != PlaceStatus.RESERVE and place.invited_at is None:
        place.invited_at = now
        place.response_due = _response_due(now)
    if status in (PlaceStatus.ACCEPTED, PlaceStatus.DECLINED) and place.responded_at is None:
        place.responded_at = now
    place._change_reason = "Imported"
    place.save()
    return place, True


_UNCHANGED = object()


@audited
@transaction.atomic
def engagement_milestone_update(
    *,
    milestone: EngagementMilestone,
    user=None,
    due_on=_UNCHANGED,
    done_on=_UNCHANGED,
    fixed_by_hand: bool | None = None,
) -> EngagementMilestone:
    """Record a milestone's date or completion; a date set by hand is kept when days move.

    Clearing "fixed by hand" puts the computed date back.
    """
    milestone = EngagementMilestone.objects.select_for_update().get(pk=milestone.pk)
    changed = []
    if fixed_by_hand is not None and fixed_by_hand != milestone.fixed_by_hand:
        milestone.fixed_by_hand = fixed_by_hand
        changed.append("fixed_by_hand")
    if (
        due_on is not _UNCHANGED
        and due_on != milestone.due_on
        and (fixed_by_hand or "fixed_by_hand" not in changed)
    ):
        milestone.due_on = due_on
        milestone.fixed_by_hand = True
        changed += ["due_on", "fixed_by_hand"]
    if done_on is not _UNCHANGED and done_on != milestone.done_on:
        milestone.done_on = done_on
        changed.append("done_on")
    if changed:
        milestone.save(update_fields=sorted(set(changed)))
    if "fixed_by_hand" in changed and not milestone.fixed_by_hand:
        engagement_milestones_recompute(engagement=milestone.engagement)
        milestone.refresh_from_db()
    return milestone


@audited
@transaction.atomic
def improvement_action_save(
    *,
    engagement: Engagement,
    recommendation: str,
    progress: str,
    progress_note: str = "",
    action=None,
    user=None,
):
    """Record a feedback letter's recommendation, or its progress at follow-up; return it."""
    from programmes.models import ImprovementAction

    if not recommendation.strip():
        raise ValidationError({"recommendation": "Enter the recommendation."})
    if action is None:
        return ImprovementAction.objects.create(
            engagement=engagement,
            recommendation=recommendation,
            progress=progress,
            progress_note=progress_note,
        )
    action = ImprovementAction.objects.select_for_update().get(pk=action.pk, engagement=engagement)
    values = {
        "recommendation": recommendation,
        "progress": progress,
        "progress_note": progress_note,
    }
    changed = [name for name, value in values.items() if getattr(action, name) != value]
    for name in changed:
        setattr(action, name, values[name])
    if changed:
        action.save(update_fields=[*changed, "updated_at"])
    return action


@audited
@transaction.atomic
def improvement_action_delete(*, action, user=None) -> None:
    """Remove a recommendation recorded by mistake (its history stays)."""
    action.delete()
