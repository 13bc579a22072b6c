"""Planners: each queues the notifications due on a given day, with unique keys.

A planner is a function ``(*, today: date) -> int`` (how many it newly queued), listed
in settings.NOTIFICATION_PLANNERS and run once a day by the beat task
``notifications.plan_daily``. Running one twice queues nothing new: every key names
the kind, the object, the recipient and the step (and the date or period that makes
the step unique, so a moved date or a new quarter is a new step).

Steps are due on one day; ``notifications.days.is_due`` also accepts the next
NOTIFICATION_CATCH_UP_DAYS - 1 days so a day without a run is caught up.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Min
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from icalendar import Calendar, Event

from notifications.days import is_due, quarter_of
from notifications.models import Notification
from notifications.selectors import managers_for
from notifications.services import notification_key, notification_queue
from peers.models import Peer, PeerKind, PeerStatus
from programmes import periods
from programmes.dates import add_response_days
from programmes.models import (
    DayMode,
    Engagement,
    EngagementMilestone,
    EngagementStatus,
    PlaceStatus,
    TeamPlace,
)
from programmes.selectors import peers_day_cap_map, peers_days_used_map

# The peer portal's pages (the peer portal issue owns the views); one place for the paths.
PEER_PORTAL_PATH = "/peer/"
PEER_PROFILE_CONFIRM_PATH = "/peer/profile/confirm/"

MILESTONE_REMINDER_CODES = ("scoping_meeting", "follow_up", "progress_review")
NOT_RUNNING = (
    EngagementStatus.REQUESTED,
    EngagementStatus.CANCELLED,
    EngagementStatus.POSTPONED,
    EngagementStatus.CLOSED,
)


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _change_url(obj) -> str:
    """The admin page of a record (the staff pages may replace it), else the staff home."""
    try:
        return _url(
            reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        )
    except NoReverseMatch:
        return _url("/manage/")


def _name(user) -> str:
    return user.get_full_name() or user.email


def _queue(**kwargs) -> int:
    return 1 if notification_queue(**kwargs).queued_now else 0


def _invited_places(today: date):
    """Places still waiting for an answer, invited recently enough to matter."""
    window_start = today - timedelta(days=settings.INVITATION_RESPONSE_DAYS * 3 + 14)
    return (
        TeamPlace.objects.filter(status=PlaceStatus.INVITED, invited_at__isnull=False)
        .filter(invited_at__date__gte=window_start)
        .exclude(engagement__status__in=(EngagementStatus.CANCELLED, EngagementStatus.CLOSED))
        .select_related("peer__user", "engagement__manager")
        .prefetch_related("engagement__activity_days", "engagement__councils")
        .order_by("id")
    )


def _response_due(place: TeamPlace, invited_on: date) -> date:
    return place.response_due or add_response_days(invited_on, settings.INVITATION_RESPONSE_DAYS)


def invitation_chasers_plan(*, today: date) -> int:
    """Chase peers who have not answered INVITATION_CHASER_DAYS after the invitation.

    The days are calendar days, or England and Wales working days when
    INVITATION_WORKING_DAYS is set. The engagement's days go with it as a calendar file.
    """
    queued = 0
    for place in _invited_places(today):
        invited_on = timezone.localdate(place.invited_at)
        if not is_due(add_response_days(invited_on, settings.INVITATION_CHASER_DAYS), today):
            continue
        user = place.peer.user
        engagement = place.engagement
        queued += _queue(
            kind="invitation_chaser",
            recipient=user.email,
            user=user,
            about=place,
            ics=engagement_ics(engagement=engagement, days=engagement.activity_days.all()),
            key=notification_key("invitation_chaser", place, user.email, invited_on),
            context={
                "recipient_name": _name(user),
                "engagement": place.engagement,
                "role": place.get_role_display().lower(),
                "invited_on": invited_on,
                "response_due": _response_due(place, invited_on),
                "respond_url": _url(PEER_PORTAL_PATH),
            },
        )
    return queued


def invitations_overdue_plan(*, today: date) -> int:
    """On the response-due day with no answer, tell the managers and invite the next reserve.

    The response-due day is INVITATION_RESPONSE_DAYS after the invitation (calendar or
    working days, as INVITATION_WORKING_DAYS says). The reserve is promoted once, by the
    run that first tells the managers, so a re-run or a catch-up day invites nobody else.
    """
    queued = 0
    for place in _invited_places(today):
        invited_on = timezone.localdate(place.invited_at)
        response_due = _response_due(place, invited_on)
        if not is_due(response_due, today):
            continue
        engagement = place.engagement
        managers = managers_for(engagement=engagement)
        told_now = 0
        for manager in managers:
            told_now += _queue(
                kind="invitation_overdue",
                recipient=manager.email,
                user=manager,
                about=place,
                key=notification_key("invitation_overdue", place, manager.email, invited_on),
                context={
                    "recipient_name": _name(manager),
                    "peer_name": place.peer.name,
                    "engagement": engagement,
                    "invited_on": invited_on,
                    "response_due": response_due,
                    "engagement_url": _change_url(engagement),
                },
            )
        queued += told_now
        if managers and not told_now:
            continue  # an earlier run told the managers and dealt with the reserves
        # The lapsed invitation goes to the next reserve the manager named for the role.
        if engagement.places.filter(role=place.role, status=PlaceStatus.RESERVE).exists():
            from programmes.matching.services import team_reserve_promote

            team_reserve_promote(engagement=engagement, role=place.role, replacing=place)
    return queued


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SERVICE_NAME}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _uid_domain() -> str:
    return settings.SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "localhost"


def engagement_ics(*, engagement: Engagement, days) -> str:
    """Return an iCalendar file with one all-day event per activity day."""
    domain = _uid_domain()
    councils = ", ".join(council.name for council in engagement.councils.all())
    calendar = _calendar()
    stamp = timezone.now()
    for day in days:
        event = Event()
        event.add("uid", f"engagement-{engagement.pk}-{day.date:%Y%m%d}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day.date)
        event.add("dtend", day.date + timedelta(days=1))
        event.add("summary", f"{engagement.title} ({day.get_mode_display().lower()})")
        if day.mode == DayMode.REMOTE:
            event.add("location", "Remote")
            if engagement.remote_joining_details:
                event.add("description", engagement.remote_joining_details)
        elif councils:
            event.add("location", councils)
        calendar.add_component(event)
    return calendar.to_ical().decode()


def milestone_ics(*, milestone: EngagementMilestone) -> str:
    """Return an iCalendar file with the milestone's due date as an all-day event."""
    engagement = milestone.engagement
    calendar = _calendar()
    event = Event()
    event.add("uid", f"milestone-{milestone.pk}-{milestone.due_on:%Y%m%d}@{_uid_domain()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", milestone.due_on)
    event.add("dtend", milestone.due_on + timedelta(days=1))
    event.add("summary", f"Due: {milestone.name} ({engagement.reference})")
    event.add("description", f"{engagement.title}\n{_change_url(engagement)}")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def upcoming_engagements_plan(*, today: date) -> int:
    """Tell the accepted team and the council contacts before the first activity day.

    Sent NOTIFICATION_UPCOMING_DAYS_BEFORE days (7 and 1) before it, with the agenda
    (every activity day, onsite or remote, and what the engagement looks at), the joining
    details when a day is remote, and the days as a calendar file. A missed run is caught
    up as in ``is_due``, but never on or after the first day.
    """
    User = get_user_model()
    queued = 0
    catch_up = timedelta(days=settings.NOTIFICATION_CATCH_UP_DAYS - 1)
    for days_before in settings.NOTIFICATION_UPCOMING_DAYS_BEFORE:
        latest = today + timedelta(days=days_before)
        engagements = (
            Engagement.objects.exclude(status__in=NOT_RUNNING)
            .annotate(first_day=Min("activity_days__date"))
            .filter(first_day__range=(max(latest - catch_up, today + timedelta(days=1)), latest))
            .prefetch_related("activity_days", "councils")
            .order_by("first_day", "id")
        )
        for engagement in engagements:
            first_day = engagement.first_day
            days = list(engagement.activity_days.all())
            ics = engagement_ics(engagement=engagement, days=days)
            has_remote_days = any(day.mode == DayMode.REMOTE for day in days)
            team = [
                place.peer.user
                for place in engagement.places.filter(status=PlaceStatus.ACCEPTED)
                .select_related("peer__user")
                .order_by("id")
            ]
            contacts = User.objects.filter(
                is_active=True, council__in=engagement.councils.all()
            ).order_by("email")
            for user in [*team, *contacts]:
                queued += _queue(
                    kind="upcoming_engagement",
                    recipient=user.email,
                    user=user,
                    about=engagement,
                    ics=ics,
                    key=notification_key(
                        "upcoming_engagement", engagement, user.email, f"{days_before}d", first_day
                    ),
                    context={
                        "recipient_name": _name(user),
                        "engagement": engagement,
                        "first_day": first_day,
                        "days_before": (first_day - today).days,
                        "days": days,
                        "remote_joining_details": (
                            engagement.remote_joining_details if has_remote_days else ""
                        ),
                    },
                )
    return queued


def milestone_reminders_plan(*, today: date) -> int:
    """Remind the manager MILESTONE_REMINDER_DAYS before a scoping meeting, follow-up or review.

    Covers the corporate peer challenge's milestones (and the finance and governance
    challenges, which share them) that are not done yet. Their due dates come from the
    offer's milestones (editable in the admin): for the CPC the follow-up session 90 days
    (3 months) after the last activity day and the progress review by 12 months after it.
    The due date goes with the reminder as a calendar file.
    """
    lead = timedelta(days=settings.MILESTONE_REMINDER_DAYS)
    earliest = today + lead - timedelta(days=settings.NOTIFICATION_CATCH_UP_DAYS - 1)
    milestones = (
        EngagementMilestone.objects.filter(
            code__in=MILESTONE_REMINDER_CODES,
            done_on__isnull=True,
            due_on__range=(earliest, today + lead),
        )
        .exclude(engagement__status__in=(EngagementStatus.CANCELLED, EngagementStatus.CLOSED))
        .select_related("engagement__manager")
        .order_by("due_on", "id")
    )
    queued = 0
    for milestone in milestones:
        if not is_due(milestone.due_on - lead, today) or milestone.due_on < today:
            continue
        engagement = milestone.engagement
        ics = milestone_ics(milestone=milestone)
        for manager in managers_for(engagement=engagement):
            queued += _queue(
                kind="milestone_reminder",
                recipient=manager.email,
                user=manager,
                about=milestone,
                ics=ics,
                key=notification_key(
                    "milestone_reminder", milestone, manager.email, milestone.due_on
                ),
                context={
                    "recipient_name": _name(manager),
                    "milestone": milestone,
                    "engagement": engagement,
                    "engagement_url": _change_url(engagement),
                },
            )
    return queued


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def training_lapsed_plan(*, today: date) -> int:
    """Once a quarter, tell member peers without training in TRAINING_VALID_YEARS, and managers.

    Due on the first day of each calendar quarter (caught up as in ``is_due``). Each
    active member peer with no training or member peer conference in the last
    TRAINING_VALID_YEARS years and no training waiver gets a reminder; each manager gets
    one digest listing them all, not one email per peer.
    """
    quarter_start = _quarter_start(today)
    if not is_due(quarter_start, today):
        return 0
    # As at the quarter's first day, so a catch-up run lists the same peers.
    quarter = quarter_of(today)
    peers = list(
        Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE)
        .exclude(periods.training_met_q(on=quarter_start))
        .annotate(last_attended=Max("training_records__attended_on"))
        .select_related("user")
        .order_by("id")
    )
    if not peers:
        return 0
    queued = 0
    for peer in peers:
        queued += _queue(
            kind="training_lapsed",
            recipient=peer.user.email,
            user=peer.user,
            about=peer,
            key=notification_key("training_lapsed", peer, peer.user.email, quarter),
            context={
                "recipient_name": peer.name,
                "last_attended": peer.last_attended,
                "valid_years": settings.TRAINING_VALID_YEARS,
            },
        )
    lapsed = [
        {"name": peer.name, "last_attended": peer.last_attended, "url": _change_url(peer)}
        for peer in peers
    ]
    for manager in managers_for():
        queued += _queue(
            kind="training_lapsed_manager",
            recipient=manager.email,
            user=manager,
            about=f"Training due, {quarter}",
            key=notification_key("training_lapsed_digest", manager.email, quarter),
            context={
                "recipient_name": _name(manager),
                "peers": lapsed,
                "quarter": quarter,
                "valid_years": settings.TRAINING_VALID_YEARS,
            },
        )
    return queued


def _day_cap_key(peer: Peer, manager, financial_year: int, percent: int) -> str:
    return notification_key("day_cap", peer, manager.email, financial_year, f"{percent}pc")


def day_cap_plan(*, today: date) -> int:
    """Tell the managers when a member peer reaches NOTIFICATION_DAY_CAP_PERCENTS of the cap.

    The percentages (80 and 100) are of the peer's cap for the financial year (the
    setting plus any approved exception), counting invited and accepted places. Keys name
    the financial year and the percentage; when a peer passes both at once, only the
    highest is sent. A fixed number of queries however many peers: days and caps come
    in one query each, and keys already in the ledger are skipped without rendering.
    """
    financial_year = periods.financial_year_of(today)
    label = periods.financial_year_label(financial_year)
    percents = sorted(settings.NOTIFICATION_DAY_CAP_PERCENTS, reverse=True)
    counted = TeamPlace.objects.filter(periods.days_counted_q(financial_year=financial_year))
    peers = list(
        Peer.objects.filter(kind=PeerKind.MEMBER)
        .exclude(status=PeerStatus.LEFT)
        .filter(pk__in=counted.values("peer_id"))
        .select_related("user")
        .order_by("id")
    )
    if not peers:
        return 0
    peer_ids = [peer.pk for peer in peers]
    used_map = peers_days_used_map(peer_ids=peer_ids, financial_year=financial_year)
    cap_map = peers_day_cap_map(peer_ids=peer_ids, financial_year=financial_year)
    due = []
    for peer in peers:
        used = used_map.get(peer.pk, Decimal("0"))
        cap = cap_map[peer.pk]
        reached = [p for p in percents if cap and used * 100 >= cap * Decimal(p)]
        if reached:
            due.append((peer, used, cap, reached[0]))
    if not due:
        return 0
    managers = managers_for()
    keys = [
        _day_cap_key(peer, manager, financial_year, percent)
        for peer, _, _, percent in due
        for manager in managers
    ]
    already = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    queued = 0
    for peer, used, cap, percent in due:
        for manager in managers:
            key = _day_cap_key(peer, manager, financial_year, percent)
            if key in already:
                continue
            queued += _queue(
                kind="day_cap_reached",
                recipient=manager.email,
                user=manager,
                about=peer,
                key=key,
                context={
                    "recipient_name": _name(manager),
                    "peer_name": peer.name,
                    "days_used": used.normalize(),
                    "cap": cap.normalize(),
                    "threshold": percent,
                    "financial_year_label": label,
                    "peer_url": _change_url(peer),
                },
            )
    return queued


def _profile_prompt_key(peer: Peer) -> str:
    cycle = peer.profile_confirmed_on.isoformat() if peer.profile_confirmed_on else "never"
    return notification_key("profile_review", peer, peer.user.email, cycle)


def profile_reviews_plan(*, today: date) -> int:
    """Prompt peers whose profile is PROFILE_STALE_MONTHS old (or never confirmed) to confirm it.

    A reminder follows PROFILE_REMINDER_DAYS after the prompt while still unconfirmed.
    Confirming the profile changes the date in the key, so the next prompt is a new step.
    """
    peers = (
        Peer.objects.exclude(status=PeerStatus.LEFT)
        .filter(periods.profile_stale_q(today=today))
        .select_related("user")
        .order_by("id")
    )
    peers = list(peers)
    prompt_keys = {_profile_prompt_key(peer): peer for peer in peers}
    prompts = {n.key: n for n in Notification.objects.filter(key__in=prompt_keys)}
    reminder_after = timedelta(days=settings.PROFILE_REMINDER_DAYS)
    queued = 0
    for key, peer in prompt_keys.items():
        context = {
            "recipient_name": peer.name,
            "confirmed_on": peer.profile_confirmed_on,
            "confirm_url": _url(PEER_PROFILE_CONFIRM_PATH),
        }
        prompt = prompts.get(key)
        if prompt is None:
            queued += _queue(
                kind="profile_review",
                recipient=peer.user.email,
                user=peer.user,
                about=peer,
                key=key,
                context=context,
            )
            continue
        prompted_on = timezone.localdate(prompt.created_at)
        if today >= prompted_on + reminder_after:
            queued += _queue(
                kind="profile_review_reminder",
                recipient=peer.user.email,
                user=peer.user,
                about=peer,
                key=f"{key}:reminder",
                context={**context, "prompted_on": prompted_on},
            )
    return queued
