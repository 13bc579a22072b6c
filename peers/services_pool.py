"""Writes the programme team makes about a peer: putting them in the pool, their pool details
and their training records.

The peer's own details (profile, conflicts, unavailability) are in peers.services; every door
(the admin, the importers, the API) calls these rather than saving the models, so a rule is
written once and refuses in the same words everywhere. Each records the acting user.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from core.audit import audited
from peers.models import Expertise, Peer, PeerKind, TrainingKind, TrainingRecord, WorkRegion
from peers.services import CONTACT_PEER_FIELDS, attribute


def _lock(peer: Peer) -> Peer:
    return Peer.objects.select_for_update().select_related("user").get(pk=peer.pk)


POOL_FIELDS = (
    "kind",
    "home_council",
    "political_group",
    "status",
)


def _pool_check(peer: Peer, *, council_changed: bool) -> None:
    """Refuse pool details the programme's rules forbid (the form of each door aside)."""
    if council_changed and peer.home_council.abolished_on:
        raise ValidationError(
            {"home_council": f"{peer.home_council.name} no longer exists. Select another."}
        )
    if peer.political_group and peer.kind != PeerKind.MEMBER:
        raise ValidationError({"political_group": "Only member peers have a political group."})
    if peer.training_waived and not peer.training_waiver_reason.strip():
        raise ValidationError(
            {"training_waiver_reason": "Enter why the training expectation is waived"}
        )


@audited
@transaction.atomic
def peer_create(
    *,
    account,
    user=None,
    expertise: Iterable[Expertise] = (),
    regions: Iterable[WorkRegion] = (),
    **fields,
) -> Peer:
    """Put a person in the peer pool (a manager in the admin); return the new peer.

    Accepts the pool details (kind, home_council, political_group, status, training_waived,
    training_waiver_reason) and the profile's phone, job_title, role_category and work_mode.
    The account gets the Peer role, so the person can be invited to sign in.
    """
    allowed = {*POOL_FIELDS, *CONTACT_PEER_FIELDS, "work_mode"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot set {', '.join(sorted(unknown))} here")
    if Peer.objects.filter(user=account).exists():
        raise ValidationError({"user": f"{account} is already in the peer pool."})
    peer = Peer(
        user=account,
        **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
    )
    _pool_check(peer, council_changed=True)
    peer.full_clean(exclude=["expertise", "regions", "conflicts"])
    attribute(peer, user=user, reason="Added to the pool by the programme team")
    peer.save()
    peer.expertise.set(expertise)
    peer.regions.set(regions)
    account.groups.add(Group.objects.get_or_create(name=Role.PEER)[0])
    return peer


@audited
@transaction.atomic
def peer_pool_details_update(*, peer: Peer, user=None, **fields) -> Peer:
    """Change what the programme team keeps about a peer: kind, home council, political group,
    status in the pool and the training waiver (which needs a reason)."""
    unknown = set(fields) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))} here")
    peer = _lock(peer)
    council_changed = "home_council" in fields and fields["home_council"] != peer.home_council
    for name, value in fields.items():
        setattr(peer, name, value.strip() if isinstance(value, str) else value)
    _pool_check(peer, council_changed=council_changed)
    peer.full_clean(exclude=["user", "expertise", "regions", "conflicts"])
    if fields:
        attribute(peer, user=user, reason="Updated by the programme team")
        peer.save(update_fields=[*fields, "updated_at"])
    return peer


def _training_check(
    *, peer: Peer, kind: str, course: str, attended_on: date | None, other_than: int | None = None
) -> None:
    """Refuse a record of training that cannot be: unknown kind, no course, no or a future date,
    or the same training on the same day twice."""
    errors = {}
    if kind not in TrainingKind.values:
        errors["kind"] = "Select peer training or member peer conference"
    if not course.strip():
        errors["course"] = "Enter the name of the course or conference"
    if attended_on is None:
        errors["attended_on"] = "Enter the date attended"
    elif attended_on > timezone.localdate():
        errors["attended_on"] = "The date attended must be today or in the past"
    if errors:
        raise ValidationError(errors)
    twice = peer.training_records.filter(kind=kind, attended_on=attended_on).exclude(pk=other_than)
    if twice.exists():
        raise ValidationError(
            {
                "attended_on": (
                    f"{TrainingKind(kind).label} on {attended_on:%-d %B %Y} is already recorded"
                )
            }
        )


@audited
@transaction.atomic
def training_record_add(
    *, peer: Peer, kind: str, course: str, attended_on: date | None, user=None
) -> TrainingRecord:
    """Record that the peer attended peer training or a member peer conference."""
    peer = _lock(peer)
    course = (course or "").strip()
    _training_check(peer=peer, kind=kind or "", course=course, attended_on=attended_on)
    record = TrainingRecord(peer=peer, kind=kind, course=course, attended_on=attended_on)
    attribute(record, user=user, reason="Recorded by the programme team")
    record.save()
    return record


@audited
@transaction.atomic
def training_record_update(
    *, record: TrainingRecord, kind: str, course: str, attended_on: date | None, user=None
) -> TrainingRecord:
    """Correct a training record, under the same rules as recording one."""
    peer = _lock(record.peer)
    record = TrainingRecord.objects.get(pk=record.pk, peer=peer)
    course = (course or "").strip()
    _training_check(
        peer=peer, kind=kind or "", course=course, attended_on=attended_on, other_than=record.pk
    )
    record.kind, record.course, record.attended_on = kind, course, attended_on
    attribute(record, user=user, reason="Corrected by the programme team")
    record.save()
    return record


@audited
@transaction.atomic
def training_record_remove(*, record: TrainingRecord, user=None) -> None:
    """Remove a training record entered by mistake."""
    record = TrainingRecord.objects.filter(pk=record.pk).first()
    if record is None:
        raise ValidationError("That training record has already been removed.")
    attribute(record, user=user, reason="Removed by the programme team")
    record.delete()
