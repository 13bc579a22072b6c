"""Notifications: the one way the product sends email.

Queue
    ``notification_queue`` renders the templates and writes one ledger row per key
    (kind + object + recipient + step). The database's unique constraint on the key
    makes queueing idempotent: a second call, a re-run planner or a concurrent one
    gets the existing row and queues nothing. Delivery is queued with
    ``transaction.on_commit`` only when the row was created and is due now; rows due
    later wait for the sweep (never a far-future ETA task: with Redis a countdown
    beyond the visibility timeout is delivered again and again).

Deliver: claim, hand over, record (``notification_deliver``)
    1. In one transaction: lock the row with ``SELECT … FOR UPDATE SKIP LOCKED`` where
       it is still pending and due, count the attempt, open the SMTP connection and
       send the envelope and the whole message *except* the end-of-data mark
       (``<CRLF>.<CRLF>``). Failures here are before the handover: temporary ones put
       the row back to pending with a backoff, permanent ones mark it failed.
    2. Mark the row ``sending`` (``handed_over_at``), write COMMIT to PostgreSQL and,
       without waiting for its reply, write the end-of-data mark to the SMTP server
       (``notifications.commit.commit_then``); then read the COMMIT's reply.
    3. Read the server's reply to the mark; on 250 mark the row ``sent``. A 4xx/5xx
       reply means the server refused the message, so it is treated as in step 1.

    What a killed worker leaves behind:
    - killed before the COMMIT is written: PostgreSQL rolls the transaction back (the
      row is pending again) and the SMTP server discards the unfinished DATA (it never
      got the end-of-data mark, RFC 5321 4.1.1.4). The sweep sends it: once.
    - killed after the mark was written: PostgreSQL has the whole COMMIT and commits,
      the kernel still delivers the mark, the server accepts the message and the row
      stays ``sending``. The sweep does not resend it; once older than
      NOTIFICATION_HANDOVER_TIMEOUT it is recorded as sent with the note "not
      confirmed": delivered once.
    - killed between the two writes (two consecutive system calls, microseconds apart,
      against about 100 ms for a whole message): the message would be lost and the row
      end as "sent, not confirmed". No order removes this last gap completely,
      PostgreSQL and an SMTP server share no atomic commit, so it errs towards not
      sending: a key is never sent twice. Waiting for the COMMIT before writing the
      mark, as a plain ``transaction.atomic`` would, made this gap the COMMIT's round
      trip (2–4 ms) and lost 1 message in 480 in the crash test; writing the mark first
      would turn the same gap into duplicates.
    - PostgreSQL refuses the COMMIT after the mark went out (it crashed, say): the row
      is recorded as ``sending`` in a new transaction so it is not sent again.
    Every attempt carries the same Message-ID, derived from the key, so a mail client
    can also recognise a copy. A manager who doubts an unconfirmed message resends it
    from the admin (a new row, key ``<key>:resend:<n>``).

    Backends without a handover step (console, file, locmem, GOV.UK Notify) send the
    whole message in step 2's place; an error from them that is not a clear refusal is
    likewise left "not confirmed" rather than retried.

Sweep (``notifications_sweep_run``, every minute from beat)
    Records stale handovers as sent-not-confirmed, then delivers due pending rows one
    by one with the same claim, so overlapping sweeps and workers never send the same
    row twice. Temporary failures are retried with exponential backoff through the
    row's ``send_after`` (and promptly by the task's own retry when running under a
    worker); after NOTIFICATION_MAX_ATTEMPTS attempts the row is marked failed.

On SQLite (development) ``select_for_update`` is a no-op; the claim is a conditional
UPDATE on the pending status, which is enough for the single eager process.
"""

import dataclasses
import hashlib
import logging
import smtplib
import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.module_loading import import_string

from core.audit import audited
from notifications.commit import CommitFailed, commit_then
from notifications.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = 255
NOT_CONFIRMED = "Not confirmed: "


class Outcome:
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"
    NOT_CONFIRMED = "not_confirmed"


@dataclasses.dataclass(frozen=True)
class DeliveryResult:
    outcome: str
    retry_in: int = 0


def notification_key(*parts: Any) -> str:
    """Return a ledger key from its parts: kind, the object, the recipient and the step.

    Model instances become ``app.model.pk``; a key longer than the column keeps its
    start and ends with a hash of the whole, so it stays unique.
    """
    texts = []
    for part in parts:
        if isinstance(part, models.Model):
            texts.append(f"{part._meta.label_lower}.{part.pk}")
        else:
            texts.append(str(part).lower() if "@" in str(part) else str(part))
    return _key_fit(":".join(texts))


def _key_fit(key: str) -> str:
    if len(key) <= KEY_MAX_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: KEY_MAX_LENGTH - 33]}~{digest}"


def notification_render(*, kind: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Return (subject, plain text, HTML) rendered from templates/notifications/<kind>.*."""
    full_context = {
        "service_name": settings.SERVICE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        **context,
    }
    subject = render_to_string(f"notifications/{kind}_subject.txt", full_context)
    text = render_to_string(f"notifications/{kind}.txt", full_context)
    html = render_to_string(f"notifications/{kind}.html", full_context)
    return " ".join(subject.split())[:255], text.strip() + "\n", html


def _delivery_enqueue(notification_id: int) -> None:
    from notifications.tasks import notification_deliver_task

    notification_deliver_task.delay(notification_id)


def _about_fields(about: models.Model | str | None) -> dict[str, Any]:
    if about is None:
        return {}
    if isinstance(about, models.Model):
        return {
            "about_content_type": ContentType.objects.get_for_model(about),
            "about_object_id": str(about.pk),
            "about_label": str(about)[:200],
        }
    return {"about_label": str(about)[:200]}


@audited
@transaction.atomic
def notification_queue(
    *,
    kind: str,
    recipient: str,
    key: str,
    context: dict[str, Any],
    about: models.Model | str | None = None,
    send_after=None,
    ics: str | None = None,
    user=None,
    contains_secret: bool = False,
) -> Notification:
    """Queue one email and return its ledger row; with an existing key, return that row.

    Delivery is queued after commit when the row is due now; later rows wait for the
    sweep. Nothing is queued for an existing key. The returned row's ``queued_now`` is
    True only when this call created it (planners count those). ``contains_secret``
    marks an email holding a single-use link: its body is removed once it is sent or
    failed (``_secret_bodies_clear``), hidden in the admin before that, never resent.
    """
    key = _key_fit(key)
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        existing.queued_now = False
        return existing
    subject, text, html = notification_render(kind=kind, context=context)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key,
                kind=kind,
                recipient=recipient.strip().lower(),
                user=user,
                subject=subject,
                body_text=text,
                body_html=html,
                ics=ics or "",
                contains_secret=contains_secret,
                send_after=send_after or timezone.now(),
                **_about_fields(about),
            )
    except IntegrityError:
        # A concurrent caller created the same key between our check and insert.
        existing = Notification.objects.get(key=key)
        existing.queued_now = False
        return existing
    notification.queued_now = True
    if notification.send_after <= timezone.now():
        notification_id = notification.pk
        transaction.on_commit(lambda: _delivery_enqueue(notification_id), robust=True)
    return notification


def _message_build(notification: Notification) -> EmailMultiAlternatives:
    if _backend_is_gov_notify():
        from django_gov_notify.message import NotifyEmailMessage

        # GOV.UK Notify takes a subject and a body only: no HTML, headers or attachments.
        return NotifyEmailMessage(
            subject=notification.subject, body=notification.body_text, to=[notification.recipient]
        )
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.recipient],
        headers={"Message-ID": notification.message_id},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    if notification.ics:
        message.attach("invitation.ics", notification.ics, "text/calendar; method=PUBLISH")
    return message


def _backend_is_gov_notify() -> bool:
    return settings.EMAIL_BACKEND.startswith("django_gov_notify.")


def is_temporary_failure(error: BaseException) -> bool:
    """Return True for a failure worth retrying: the server or network may recover.

    Temporary: disconnections, network errors (refused, reset or timed-out connections,
    DNS) and 4xx replies. Everything else (5xx replies, an SMTP feature the server lacks,
    programming errors) is permanent.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException):
        return True  # timeouts, refused or reset connections, DNS and network errors
    status_code = getattr(error, "status_code", None)  # GOV.UK Notify's HTTPError
    return status_code == 429 or (isinstance(status_code, int) and status_code >= 500)


def _is_refusal(error: BaseException) -> bool:
    """Return True when the server answered the end of data with a refusal (not delivered)."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 400
    status_code = getattr(error, "status_code", None)
    return isinstance(status_code, int) and 400 <= status_code < 500


def backoff_seconds(attempts: int) -> int:
    """Return the wait before the next attempt: 1, 2, 4 … minutes, at most 30 minutes."""
    return min(60 * 2 ** max(attempts - 1, 0), 30 * 60)


SECRET_REMOVED_NOTE = "Removed after sending: this email contained a single-use sign-in link."


def _secret_bodies_clear(notification_id: int) -> None:
    """Replace a finished secret row's bodies with a note, so its link is not kept.

    Called wherever a row becomes sent or failed; does nothing to other rows.
    """
    Notification.objects.filter(
        pk=notification_id,
        contains_secret=True,
        status__in=[NotificationStatus.SENT, NotificationStatus.FAILED],
    ).update(body_text=SECRET_REMOVED_NOTE, body_html=SECRET_REMOVED_NOTE)


def _attempt_failed(notification_id: int, attempts: int, error: BaseException) -> DeliveryResult:
    description = f"{type(error).__name__}: {error}"[:2000]
    if is_temporary_failure(error) and attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        wait = backoff_seconds(attempts)
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.PENDING,
            send_after=timezone.now() + timedelta(seconds=wait),
            last_error=description,
            updated_at=timezone.now(),
        )
        logger.warning("Notification %s: temporary failure, retry in %ss", notification_id, wait)
        return DeliveryResult(Outcome.RETRY, retry_in=wait)
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.FAILED, last_error=description, updated_at=timezone.now()
    )
    _secret_bodies_clear(notification_id)
    logger.error("Notification %s failed: %s", notification_id, description)
    return DeliveryResult(Outcome.FAILED)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection must not mask the result
        logger.debug("Closing the email connection failed", exc_info=True)


def notification_deliver(*, notification_id: int) -> DeliveryResult:
    """Send one due pending notification exactly once: claim, hand over, record.

    See the module docstring for the order and for what a killed worker leaves. Call it
    outside any transaction (the task and the sweep do), so that step 2 really commits.
    Returns SKIPPED when another worker holds the row or it is not pending and due.
    """
    handed_over = False
    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=notification_id,
                    status=NotificationStatus.PENDING,
                    send_after__lte=timezone.now(),
                )
                .first()
            )
            if notification is None:
                return DeliveryResult(Outcome.SKIPPED)
            claimed = Notification.objects.filter(
                pk=notification.pk, status=NotificationStatus.PENDING
            ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
            if not claimed:
                return DeliveryResult(Outcome.SKIPPED)
            attempts = notification.attempts + 1
            message = _message_build(notification)
            connection = get_connection()
            try:
                if getattr(connection, "supports_handover", False):
                    handover = connection.send_until_handover(message)
                else:
                    handover = _WholeMessageHandover(connection, message)
            except Exception as error:  # noqa: BLE001 - classified: temporary or permanent
                _close_quietly(connection)
                return _attempt_failed(notification.pk, attempts, error)
            Notification.objects.filter(pk=notification.pk).update(
                status=NotificationStatus.SENDING,
                handed_over_at=timezone.now(),
                updated_at=timezone.now(),
            )
            # COMMIT "sending", then the end-of-data mark right behind it (notifications.commit).
            handed_over = True
            mark_sent = commit_then(handover.end_mark_send)
        # Committed: the row said "sending" before the server could accept the message.
        if not mark_sent:
            handover.end_mark_send()
        handover.confirm()
    except CommitFailed as error:
        # The mark went out behind a COMMIT that PostgreSQL refused: the row is pending
        # again but the server is taking the message. Record that, or it would be resent.
        _close_quietly(connection)
        Notification.objects.filter(pk=notification_id).update(
            status=NotificationStatus.SENDING,
            handed_over_at=timezone.now(),
            last_error=f"{NOT_CONFIRMED}{error}"[:2000],
            updated_at=timezone.now(),
        )
        logger.error("Notification %s: handover recorded after a failed COMMIT", notification_id)
        return DeliveryResult(Outcome.NOT_CONFIRMED)
    except Exception as error:  # noqa: BLE001 - a refusal is retried, anything else is unknown
        if not handed_over:
            raise
        _close_quietly(connection)
        if _is_refusal(error):
            with transaction.atomic():
                return _attempt_failed(notification_id, attempts, error)
        Notification.objects.filter(pk=notification_id).update(
            last_error=f"{NOT_CONFIRMED}{type(error).__name__}: {error}"[:2000],
            updated_at=timezone.now(),
        )
        logger.warning("Notification %s: delivery not confirmed (%s)", notification_id, error)
        return DeliveryResult(Outcome.NOT_CONFIRMED)
    _close_quietly(connection)
    now = timezone.now()
    Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT, sent_at=now, last_error="", updated_at=now
    )
    _secret_bodies_clear(notification_id)
    return DeliveryResult(Outcome.SENT)


class _WholeMessageHandover:
    """For backends without a handover step (console, file, locmem, GOV.UK Notify)."""

    def __init__(self, connection, message):
        self._connection = connection
        self._message = message

    def end_mark_send(self) -> None:
        self._connection.send_messages([self._message])

    def confirm(self) -> None:
        """Nothing to read: ``send_messages`` returned, so the backend accepted it."""


def notifications_stale_handovers_settle(*, older_than: timedelta | None = None) -> int:
    """Record rows stuck in "sending" as sent, not confirmed; return how many.

    A row is stuck when its worker died after handing the message over. It is never
    sent again automatically (the server most likely has it); a manager can resend.
    """
    timeout = settings.NOTIFICATION_HANDOVER_TIMEOUT if older_than is None else older_than
    stale = Notification.objects.filter(
        status=NotificationStatus.SENDING, handed_over_at__lte=timezone.now() - timeout
    )
    settled = 0
    for notification in stale:
        note = notification.last_error or (
            "the worker stopped after handing the message to the mail server"
        )
        if not note.startswith(NOT_CONFIRMED):
            note = NOT_CONFIRMED + note
        settled += Notification.objects.filter(
            pk=notification.pk, status=NotificationStatus.SENDING
        ).update(
            status=NotificationStatus.SENT,
            sent_at=notification.handed_over_at,
            last_error=note,
            updated_at=timezone.now(),
        )
        _secret_bodies_clear(notification.pk)
    return settled


def notifications_sweep_run(
    *, limit: int = 500, time_budget_seconds: float = 50, handover_timeout: timedelta | None = None
) -> dict[str, int]:
    """Settle stale handovers and deliver due pending notifications; return counts by outcome.

    Stops after ``limit`` rows or ``time_budget_seconds`` so sweeps started every minute
    do not pile up; the next sweep carries on. Overlapping sweeps are safe (row claims).
    """
    counts = {"settled": notifications_stale_handovers_settle(older_than=handover_timeout)}
    deadline = time.monotonic() + time_budget_seconds
    due_ids = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, send_after__lte=timezone.now()
        )
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )
    for notification_id in due_ids:
        if time.monotonic() > deadline:
            break
        outcome = notification_deliver(notification_id=notification_id).outcome
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@audited
@transaction.atomic
def notification_resend(*, notification: Notification, user=None) -> Notification:
    """Queue a deliberate copy of a finished notification as a new row; return it.

    The copy's key is ``<original key>:resend:<n>``, so resending never reuses or
    bypasses the original key, and each resend is its own ledger entry with its own
    attempts. Refused while the original is still pending or being sent, and for an
    email that held a single-use link (its body is gone, and the link worked once).
    """
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.contains_secret:
        raise ValidationError(
            "This email contained a single-use link, so it cannot be sent again. "
            "Send a new password reset or account invitation instead."
        )
    if notification.status in (NotificationStatus.PENDING, NotificationStatus.SENDING):
        raise ValidationError("This notification is still being sent. Wait for it to finish.")
    original = notification.resend_of or notification
    number = original.resends.count() + 1
    while True:
        key = _key_fit(f"{original.key}:resend:{number}")
        try:
            with transaction.atomic():
                copy = Notification.objects.create(
                    key=key,
                    kind=original.kind,
                    recipient=original.recipient,
                    user=original.user,
                    subject=original.subject,
                    body_text=original.body_text,
                    body_html=original.body_html,
                    ics=original.ics,
                    about_content_type=original.about_content_type,
                    about_object_id=original.about_object_id,
                    about_label=original.about_label,
                    resend_of=original,
                    resent_by=user,
                )
            break
        except IntegrityError:
            number += 1
    copy_id = copy.pk
    transaction.on_commit(lambda: _delivery_enqueue(copy_id), robust=True)
    return copy


def notification_planners_run(*, today: date) -> dict[str, int]:
    """Run every planner in settings.NOTIFICATION_PLANNERS for ``today``; return counts queued.

    Safe to run twice: planners queue with unique keys. A failing planner is logged
    and does not stop the others (its count is -1).
    """
    counts: dict[str, int] = {}
    for path in settings.NOTIFICATION_PLANNERS:
        planner = import_string(path)
        try:
            counts[path] = planner(today=today)
        except Exception:
            logger.exception("Notification planner %s failed for %s", path, today)
            counts[path] = -1
    return counts
