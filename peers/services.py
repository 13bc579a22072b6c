"""Every write a peer (or a manager for them) makes to a peer's own records.

Each service runs in one transaction and refuses with plain GOV.UK-style messages
(django ValidationError); the views only call these with cleaned form data.
"""

import secrets
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.roles import Role
from core.audit import audited
from councils.models import Council
from peers.calendar import places_calendar
from peers.models import (
    EqualitiesAnswers,
    Expertise,
    Peer,
    PeerStatus,
    Unavailability,
    WorkRegion,
)
from peers.selectors import calendar_token_hash
from peers.tokens import peer_invitation_token_generator

EQUALITIES_QUESTIONS = ("sex", "ethnic_group", "disability", "age_band", "sexual_orientation")
CONTACT_USER_FIELDS = ("first_name", "last_name")
CONTACT_PEER_FIELDS = ("phone", "job_title", "role_category")
MAX_UNAVAILABILITY_DAYS = 366
UNAVAILABILITY_REVERSED = "The last day must be the same as or after the first day"

# Profile answers a peer cannot leave blank, with the words every door shows.
PROFILE_REQUIRED = {
    "job_title": "Enter your job title",
    "role_category": "Select the option that best describes your role",
    "work_mode": "Select whether you can work onsite, remotely or both",
}


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _has_password(account) -> bool:
    # An imported account may have an empty password or an unusable one: neither signs in.
    return bool(account.password) and account.has_usable_password()


def _admin_url(name: str, *args) -> str:
    try:
        return _site_url(reverse(name, args=args))
    except NoReverseMatch:  # the model is not in the admin (yet)
        return _site_url(reverse("admin:index"))


def _lock(peer: Peer) -> Peer:
    return Peer.objects.select_for_update().select_related("user").get(pk=peer.pk)


def _is_the_peer(peer: Peer, user) -> bool:
    return user is None or user.pk == peer.user_id


def attribute(instance, *, user, reason: str) -> None:
    """Name who made the next saved change and why, in the record's history.

    Without a user (a task) the history falls back to the signed-in user of the request, if any.
    """
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason


def _peer_changed(peer: Peer, *, user, reason: str) -> None:
    """Write a history row for a change the peer's own fields do not show (m2m, a conflict)."""
    attribute(peer, user=user, reason=reason)
    peer.save(update_fields=["updated_at"])


@audited
@transaction.atomic
def peer_account_invite(*, peer: Peer, user=None):
    """Email the peer a single-use link to set a password; return the notification row.

    Refused for a peer who left the pool, an inactive account or an account that already
    has a password (they use "Forgotten your password?"). At most one invitation per peer
    per day (the notification key names the day); the link expires after
    settings.INVITATION_TOKEN_MAX_AGE and stops working once a password is set.
    """
    from notifications.services import notification_key, notification_queue

    peer = _lock(peer)
    account = peer.user
    if peer.status == PeerStatus.LEFT:
        raise ValidationError(f"{peer} has left the peer pool, so cannot be invited.")
    if not account.is_active:
        raise ValidationError(f"{peer}'s account is inactive. Activate it before inviting them.")
    if _has_password(account):
        raise ValidationError(
            f"{peer} has already set a password. They can use “Forgotten your password?” "
            "on the sign-in page."
        )
    account.groups.add(Group.objects.get_or_create(name=Role.PEER)[0])
    path = reverse(
        "peers:account_set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(account.pk)),
            "token": peer_invitation_token_generator.make_token(account),
        },
    )
    today = timezone.localdate()
    return notification_queue(
        kind="peer_account_invite",
        recipient=account.email,
        user=account,
        about=peer,
        key=notification_key("peer_account_invite", peer, account.email, today),
        contains_secret=True,  # the link signs in: body hidden, removed once sent
        context={
            "recipient_name": peer.name,
            "set_password_url": _site_url(path),
            "expires_on": today + settings.INVITATION_TOKEN_MAX_AGE,
            "sign_in_url": _site_url(reverse("accounts:login")),
        },
    )


def peers_without_password() -> list[Peer]:
    """Active-pool peers whose account has no usable password yet (never signed in)."""
    peers = (
        Peer.objects.exclude(status=PeerStatus.LEFT)
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("id")
    )
    return [peer for peer in peers if not _has_password(peer.user)]


@audited
@transaction.atomic
def peer_profile_update(
    *,
    peer: Peer,
    user=None,
    expertise: Iterable[Expertise] | None = None,
    regions: Iterable[WorkRegion] | None = None,
    **fields,
) -> Peer:
    """Change the peer's contact details, job, expertise, regions or work mode.

    Accepts first_name, last_name (on the account), phone, job_title, role_category and
    work_mode; expertise and regions replace the current choices. Names, job title, role,
    work mode and at least one region are required (the profile pages and the API refuse
    a blank one in the same words).
    """
    allowed = {*CONTACT_USER_FIELDS, *CONTACT_PEER_FIELDS, "work_mode"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))} here")
    peer = _lock(peer)
    user_fields = {k: v.strip() for k, v in fields.items() if k in CONTACT_USER_FIELDS}
    if "first_name" in user_fields and not user_fields["first_name"]:
        raise ValidationError({"first_name": "Enter your first name"})
    if "last_name" in user_fields and not user_fields["last_name"]:
        raise ValidationError({"last_name": "Enter your last name"})
    peer_fields = {k: v for k, v in fields.items() if k not in CONTACT_USER_FIELDS}
    for name, message in PROFILE_REQUIRED.items():
        if name in peer_fields and not (peer_fields[name] or "").strip():
            raise ValidationError({name: message})
    if regions is not None:
        regions = list(regions)
        if not regions:
            raise ValidationError({"regions": "Select at least one region"})
    reason = "Updated by the peer" if _is_the_peer(peer, user) else "Updated by the programme team"
    if user_fields:
        for name, value in user_fields.items():
            setattr(peer.user, name, value)
        attribute(peer.user, user=user, reason=reason)
        peer.user.save(update_fields=list(user_fields))
    if peer_fields:
        for name, value in peer_fields.items():
            setattr(peer, name, value.strip() if isinstance(value, str) else value)
        peer.full_clean(exclude=["user", "home_council", "expertise", "regions", "conflicts"])
    if expertise is not None:
        peer.expertise.set(expertise)
    if regions is not None:
        peer.regions.set(regions)
    if peer_fields or expertise is not None or regions is not None:
        attribute(peer, user=user, reason=reason)
        peer.save(update_fields=[*peer_fields, "updated_at"])
    return peer


@audited
@transaction.atomic
def peer_profile_confirm(*, peer: Peer, user=None, on: date | None = None) -> Peer:
    """Record that the peer confirmed their profile is up to date (today)."""
    peer = _lock(peer)
    peer.profile_confirmed_on = on or timezone.localdate()
    attribute(peer, user=user, reason="Profile confirmed by the peer")
    peer.save(update_fields=["profile_confirmed_on", "updated_at"])
    return peer


@audited
@transaction.atomic
def peer_training_waiver_set(*, peer: Peer, waived: bool, reason: str = "", user) -> Peer:
    """Record (or withdraw) a waiver of the training expectation, with who approved it and why.

    Only a programme manager or the Director of Improvement may; a waiver needs a reason.
    With a waiver, a member peer may be placed without training that counts
    (programmes.rules.training_breach). The peer's history keeps every change and its author.
    """
    from accounts import permissions

    if user is None or not permissions.is_manager(user):
        raise PermissionDenied(
            "Only a programme manager or the Director of Improvement can waive the training "
            "expectation."
        )
    reason = reason.strip()
    if waived and not reason:
        raise ValidationError(
            {"training_waiver_reason": "Enter why the training expectation is waived."}
        )
    peer = _lock(peer)
    if waived:
        if peer.training_waived and peer.training_waiver_reason == reason:
            return peer
        peer.training_waived, peer.training_waiver_reason = True, reason
        peer.training_waiver_approved_by, peer.training_waiver_approved_at = user, timezone.now()
        peer._change_reason = f"Training waiver recorded: {reason}"[:100]
    else:
        if not peer.training_waived:
            return peer
        peer.training_waived, peer.training_waiver_reason = False, ""
        peer.training_waiver_approved_by, peer.training_waiver_approved_at = None, None
        peer._change_reason = "Training waiver withdrawn"
    peer._history_user = user
    peer.save(
        update_fields=[
            "training_waived",
            "training_waiver_reason",
            "training_waiver_approved_by",
            "training_waiver_approved_at",
            "updated_at",
        ]
    )
    return peer


@audited
@transaction.atomic
def peer_conflict_add(*, peer: Peer, council: Council, user=None) -> Peer:
    """Declare a conflict of interest with a council (an existing one, not yet declared)."""
    peer = _lock(peer)
    if council.abolished_on:
        raise ValidationError({"council": f"{council.name} no longer exists. Select another."})
    if peer.conflicts.filter(pk=council.pk).exists():
        raise ValidationError({"council": f"You have already declared {council.name}."})
    peer.conflicts.add(council)
    _peer_changed(peer, user=user, reason=f"Conflict of interest declared with {council.name}")
    return peer


@audited
@transaction.atomic
def peer_conflict_remove(*, peer: Peer, council: Council, user=None) -> Peer:
    """Remove a declared conflict of interest."""
    peer = _lock(peer)
    if not peer.conflicts.filter(pk=council.pk).exists():
        raise ValidationError(f"You have not declared a conflict with {council.name}.")
    peer.conflicts.remove(council)
    _peer_changed(peer, user=user, reason=f"Conflict of interest with {council.name} removed")
    return peer


def _unavailability_check(
    *, peer: Peer, starts_on: date | None, ends_on: date | None, other_than: int | None = None
) -> None:
    """Refuse a period the peer portal refuses: incomplete, reversed, past, long, overlapping."""
    if starts_on is None:
        raise ValidationError({"starts_on": "Enter the first day you are unavailable"})
    if ends_on is None:
        raise ValidationError({"ends_on": "Enter the last day you are unavailable"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": UNAVAILABILITY_REVERSED})
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": "The end date must be today or in the future"})
    if (ends_on - starts_on).days >= MAX_UNAVAILABILITY_DAYS:
        raise ValidationError(
            {"ends_on": "A period must be a year or shorter. Add longer absences in parts."}
        )
    overlapping = peer.unavailability.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    period = overlapping.exclude(pk=other_than).order_by("starts_on").first()
    if period is not None:
        raise ValidationError(
            {
                "starts_on": (
                    f"These dates overlap a period you already added "
                    f"({period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y})"
                )
            }
        )


def _by(peer: Peer, user) -> str:
    return "by the peer" if _is_the_peer(peer, user) else "by the programme team"


@audited
@transaction.atomic
def peer_unavailability_add(
    *, peer: Peer, starts_on: date | None, ends_on: date | None, reason: str = "", user=None
) -> Unavailability:
    """Add a period the peer cannot take part in (inclusive dates, not in the past).

    The same rules wherever it is added (the peer portal, the admin): at most a year, and
    not overlapping another of the peer's periods.
    """
    peer = _lock(peer)
    _unavailability_check(peer=peer, starts_on=starts_on, ends_on=ends_on)
    period = Unavailability(
        peer=peer, starts_on=starts_on, ends_on=ends_on, reason=(reason or "").strip()
    )
    attribute(period, user=user, reason=f"Added {_by(peer, user)}")
    period.save()
    return period


@audited
@transaction.atomic
def peer_unavailability_update(
    *,
    period: Unavailability,
    starts_on: date | None,
    ends_on: date | None,
    reason: str = "",
    user=None,
) -> Unavailability:
    """Change one of the peer's periods, under the same rules as adding one."""
    peer = _lock(period.peer)
    period = Unavailability.objects.get(pk=period.pk, peer=peer)
    _unavailability_check(peer=peer, starts_on=starts_on, ends_on=ends_on, other_than=period.pk)
    period.starts_on, period.ends_on, period.reason = starts_on, ends_on, (reason or "").strip()
    attribute(period, user=user, reason=f"Changed {_by(peer, user)}")
    period.save()
    return period


@audited
@transaction.atomic
def peer_unavailability_remove(*, peer: Peer, period_id: int, user=None) -> None:
    """Remove one of the peer's unavailability periods."""
    period = Unavailability.objects.filter(peer=peer, pk=period_id).first()
    if period is None:
        raise ValidationError("That period has already been removed.")
    attribute(period, user=user, reason=f"Removed {_by(peer, user)}")
    period.delete()


@audited
@transaction.atomic
def peer_equalities_save(
    *, peer: Peer, consent_given: bool, user=None, **answers
) -> EqualitiesAnswers:
    """Record (or change) the peer's equalities answers; consent is required and dated.

    Consent is dated when first given and kept while the peer keeps sharing.
    """
    if not consent_given:
        raise ValidationError(
            {"consent_given": "Confirm that you agree to share this information, or leave the page"}
        )
    unknown = set(answers) - set(EQUALITIES_QUESTIONS)
    if unknown:
        raise ValueError(f"Unknown questions: {', '.join(sorted(unknown))}")
    peer = _lock(peer)
    record = EqualitiesAnswers.objects.filter(peer=peer).first() or EqualitiesAnswers(
        peer=peer, consent_given_at=timezone.now()
    )
    for name, value in answers.items():
        setattr(record, name, value)
    record.full_clean(exclude=["peer"])
    record.save()
    return record


@audited
@transaction.atomic
def peer_equalities_withdraw(*, peer: Peer, user=None) -> bool:
    """Withdraw consent: delete the answers (no history is kept of them); True if any existed."""
    deleted, _ = EqualitiesAnswers.objects.filter(peer=peer).delete()
    return bool(deleted)


@audited
@transaction.atomic
def peer_calendar_token_create(*, peer: Peer, user=None) -> str:
    """Make a new calendar feed token and return it; any earlier feed URL stops working.

    Only the token's SHA-256 hash is stored, so the URL can be shown once, just after
    it is made; a peer who loses it makes a new one.
    """
    peer = _lock(peer)
    token = secrets.token_urlsafe(32)
    peer.calendar_token = calendar_token_hash(token)
    peer.save(update_fields=["calendar_token", "updated_at"])
    return token


@audited
@transaction.atomic
def peer_calendar_token_revoke(*, peer: Peer, user=None) -> Peer:
    """Turn the calendar feed off: the feed URL answers "not found" from now on."""
    peer = _lock(peer)
    peer.calendar_token = ""
    peer.save(update_fields=["calendar_token", "updated_at"])
    return peer


def team_place_invitation_send(*, place_id: int) -> int:
    """Email the peer their invitation with a link to answer it; return how many were queued.

    Keyed by the invitation time, so re-running queues nothing and a re-invitation is new.
    """
    from notifications.services import notification_key, notification_queue
    from programmes.models import PlaceStatus, TeamPlace

    place = (
        TeamPlace.objects.select_related("peer__user", "engagement__offer")
        .prefetch_related("engagement__councils", "engagement__activity_days")
        .filter(pk=place_id, status=PlaceStatus.INVITED)
        .first()
    )
    if place is None or place.invited_at is None:
        return 0
    account = place.peer.user
    engagement = place.engagement
    notification = notification_queue(
        kind="peer_team_invitation",
        recipient=account.email,
        user=account,
        about=place,
        key=notification_key(
            "peer_team_invitation", place, account.email, place.invited_at.isoformat()
        ),
        context={
            "recipient_name": place.peer.name,
            "engagement": engagement,
            "councils": ", ".join(c.name for c in engagement.councils.all()),
            "offer": engagement.offer.name,
            "role": place.get_role_display().lower(),
            "days": place.days.normalize(),
            "response_due": place.response_due,
            "invitation_url": _site_url(reverse("peers:invitation_detail", args=[place.pk])),
        },
        # The activity days, with the same event UIDs as the peer's calendar feed.
        ics=(
            places_calendar(places=[place], name=engagement.title).decode()
            if engagement.activity_days.all()
            else None
        ),
    )
    return 1 if notification.queued_now else 0


def team_place_answer_send(*, place_id: int) -> int:
    """Tell the engagement's manager (or every manager) how the peer answered; return count."""
    from notifications.selectors import managers_for
    from notifications.services import notification_key, notification_queue
    from programmes.models import PlaceStatus, TeamPlace

    place = (
        TeamPlace.objects.select_related("peer__user", "engagement__manager")
        .filter(pk=place_id, status__in=(PlaceStatus.ACCEPTED, PlaceStatus.DECLINED))
        .first()
    )
    if place is None or place.responded_at is None:
        return 0
    engagement = place.engagement
    queued = 0
    for manager in managers_for(engagement=engagement):
        notification = notification_queue(
            kind="peer_invitation_answered",
            recipient=manager.email,
            user=manager,
            about=place,
            key=notification_key(
                "peer_invitation_answered", place, manager.email, place.responded_at.isoformat()
            ),
            context={
                "recipient_name": manager.get_full_name() or manager.email,
                "peer_name": place.peer.name,
                "accepted": place.status == PlaceStatus.ACCEPTED,
                "decline_reason": place.decline_reason,
                "engagement": engagement,
                "role": place.get_role_display().lower(),
                "days": place.days.normalize(),
                "engagement_url": _admin_url("admin:programmes_engagement_change", engagement.pk),
            },
        )
        queued += 1 if notification.queued_now else 0
    return queued


def team_place_withdrawn_send(*, place_id: int, reason: str = "") -> int:
    """Tell the peer a place they held was withdrawn; return how many emails were queued.

    Keyed by the place and its withdrawal, so re-running queues nothing.
    """
    from notifications.services import notification_key, notification_queue
    from programmes.models import PlaceStatus, TeamPlace

    place = (
        TeamPlace.objects.select_related("peer__user", "engagement")
        .filter(pk=place_id, status=PlaceStatus.WITHDRAWN)
        .first()
    )
    if place is None or place.peer.user is None or not place.peer.user.email:
        return 0
    account = place.peer.user
    engagement = place.engagement
    withdrawn = place.history.filter(status=PlaceStatus.WITHDRAWN).order_by("-history_date")
    stamp = withdrawn.values_list("history_date", flat=True).first()
    body = (
        f"Your place as {place.get_role_display().lower()} on {engagement.title} "
        f"({engagement.reference}) has been withdrawn. {reason}".strip()
        + "\n\nThese days no longer count towards your day cap. You do not need to do "
        "anything. If you have questions, reply to your programme manager."
    )
    notification = notification_queue(
        kind="notice",
        recipient=account.email,
        user=account,
        about=place,
        key=notification_key(
            "peer_place_withdrawn", place, account.email, stamp.isoformat() if stamp else ""
        ),
        context={
            "recipient_name": place.peer.name,
            "subject": f"Your place on {engagement.reference} has been withdrawn",
            "body": body,
            "link": _site_url(reverse("peers:engagements")),
        },
    )
    return 1 if notification.queued_now else 0
