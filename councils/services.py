"""Writes of the council portal: requests, documents, change requests, publication.

Engagements are recorded by programmes.services (engagement_create, engagement_transition)
so the programme's rules are written once; this module adds what a council's request
needs. The API's request (POST /api/v1/engagements/) is this same request.
"""

import hashlib
import json
import logging
import re
import unicodedata
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import PurePath

import filetype
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from accounts import permissions
from accounts.roles import Role
from core.audit import audited
from councils.portal_models import (
    ChangeKind,
    ChangeRequest,
    ChangeRequestStatus,
    RequestSubmission,
)
from peers.models import Expertise
from programmes import workflow
from programmes.models import (
    DeliveryMode,
    DocumentKind,
    Engagement,
    EngagementDocument,
    EngagementStatus,
    Offer,
)
from programmes.services import engagement_create, engagement_transition

logger = logging.getLogger(__name__)

LEAD_IN_MONTHS = 4


def request_lead_in_warning(*, offer: Offer, answers: dict, today: date) -> str | None:
    """Warn (never block) when a challenge is wanted sooner than the 4–6 month lead-in."""
    preferred_from = answers.get("preferred_from")
    if not offer.onsite_required or not preferred_from:
        return None
    if date.fromisoformat(preferred_from) >= today + relativedelta(months=LEAD_IN_MONTHS):
        return None
    return (
        f"Your earliest start date is less than {LEAD_IN_MONTHS} months away. The programme "
        "recommends 4 to 6 months between the scoping meeting and the challenge, so the "
        "programme manager may suggest later dates."
    )


# A request's refusals, in the words every door shows (the portal's forms use them too).
CORE_COMPONENTS_UNCONFIRMED = "Confirm that you understand the challenge covers the core components"
START_NOT_IN_FUTURE = "The earliest start date must be in the future"
LATEST_BEFORE_EARLIEST = (
    "The latest start date must be the same as or after the earliest start date"
)
REQUEST_SENT_WITH_OTHER_DETAILS = (
    "This request has already been sent with different details. "
    "Send a new request to ask for something else."
)
REQUEST_TOKEN_REUSED = "request_token_reused"  # the code of that refusal

# The answer that carries the request's focus, by flow (councils.forms.request_steps).
FOCUS_ANSWERS = ("focus_areas", "issue", "panel_focus")


def request_focus_answer(offer: Offer) -> str:
    """The name of the answer that holds the focus in the offer's request flow."""
    if offer.onsite_required:
        return "focus_areas"
    if offer.serves_group:
        return "panel_focus"
    return "issue"


def request_dates_errors(
    *, preferred_from: date | None, preferred_to: date | None, today: date
) -> dict[str, str]:
    """The refusals of a request's preferred start dates (either may be missing), by answer."""
    if preferred_from and preferred_from <= today:
        return {"preferred_from": START_NOT_IN_FUTURE}
    if preferred_from and preferred_to and preferred_to < preferred_from:
        return {"preferred_to": LATEST_BEFORE_EARLIEST}
    return {}


def _answer_date(answers: dict, name: str) -> date | None:
    value = answers.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({name: "Enter a real date"}) from None


def _request_title(offer: Offer, councils) -> str:
    return f"{offer.name} for {', '.join(c.name for c in councils)}"[:200]


def _request_councils(*, user, councils) -> list:
    """The councils a request is for: a contact's own council; those a manager names."""
    if permissions.is_manager(user):
        councils = list(councils or [])
        if not councils:
            raise ValidationError({"councils": "Select at least one council."})
        return councils
    if permissions.is_council_contact(user):
        if councils is not None and {c.pk for c in councils} != {user.council_id}:
            raise ValidationError({"councils": f"You can only request support for {user.council}."})
        return [user.council]
    raise PermissionDenied(
        "Only programme managers and council contacts can request an engagement."
    )


def _request_check(*, user, offer: Offer, answers: dict, today: date) -> None:
    """Refuse a request the programme's rules do not allow, naming every answer at fault."""
    errors = {}
    if not offer.is_active:
        errors["offer"] = f"The {offer.name} is not offered at the moment."
    elif not offer.open_to_councils and not permissions.is_manager(user):
        errors["offer"] = f"Councils cannot request a {offer.name}."
    if offer.onsite_required and answers.get("delivery") == DeliveryMode.REMOTE:
        errors["delivery"] = f"A {offer.code} cannot be delivered fully remotely."
    if offer.code == "CPC" and not answers.get("acknowledged"):
        errors["acknowledged"] = CORE_COMPONENTS_UNCONFIRMED
    errors.update(
        request_dates_errors(
            preferred_from=_answer_date(answers, "preferred_from"),
            preferred_to=_answer_date(answers, "preferred_to"),
            today=today,
        )
    )
    if errors:
        raise ValidationError(errors)


def _request_fingerprint(*, offer: Offer, councils, title: str, scope: str, answers) -> str:
    asked = {
        "offer": offer.pk,
        "councils": sorted(c.pk for c in councils),
        "title": title,
        "scope": scope,
        "answers": answers,
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()


def _request_replay(*, token, council, fingerprint: str) -> Engagement | None:
    """The engagement a submission with this token created; refused if it asked otherwise."""
    submission = (
        RequestSubmission.objects.filter(token=token, engagement__isnull=False)
        .select_related("engagement")
        .first()
    )
    if submission is None:
        return None
    if submission.council_id != council.pk or (
        submission.fingerprint and submission.fingerprint != fingerprint
    ):
        raise ValidationError(REQUEST_SENT_WITH_OTHER_DETAILS, code=REQUEST_TOKEN_REUSED)
    return submission.engagement


@audited
@transaction.atomic
def engagement_request_submit(
    *,
    user,
    offer: Offer,
    answers: dict,
    token: uuid.UUID,
    councils: list | None = None,
    title: str = "",
    scope: str = "",
    source: str = "council_portal",
) -> tuple[Engagement, bool]:
    """Record a request for peer support; return the engagement and whether it is new.

    Every door that requests an engagement calls this: the council portal's request flow
    and POST /api/v1/engagements/. A council contact requests an offer open to councils
    for their own council; a programme manager may request any offer on behalf of the
    councils they name. `answers` are the request flow's (councils.forms.request_steps),
    JSON-ready with dates as ISO strings. The warnings (lead-in, entitlement) are kept
    with the request; the requester's confirmation and the managers' alert are queued on
    commit.

    The token makes the submission idempotent: the same token (a double click, back and
    submit again, an API retry with the same Idempotency-Key) returns the engagement the
    first submission created, and is refused if it asks for something else. The unique
    token in the database decides between concurrent submissions.
    """
    councils = _request_councils(user=user, councils=councils)
    fingerprint = _request_fingerprint(
        offer=offer, councils=councils, title=title, scope=scope, answers=answers
    )
    existing = _request_replay(token=token, council=councils[0], fingerprint=fingerprint)
    if existing is not None:
        return existing, False
    today = timezone.localdate()
    _request_check(user=user, offer=offer, answers=answers, today=today)
    try:
        with transaction.atomic():
            submission = RequestSubmission.objects.create(
                token=token,
                council=councils[0],
                submitted_by=user,
                submitted_at=timezone.now(),
                fingerprint=fingerprint,
            )
    except IntegrityError:
        # Another request with this token won the race; it has committed by now.
        engagement = _request_replay(token=token, council=councils[0], fingerprint=fingerprint)
        if engagement is None:
            raise ValidationError("This request has already been sent.") from None
        return engagement, False
    warnings = [
        request_lead_in_warning(offer=offer, answers=answers, today=today),
        *(
            request_entitlement_warning(offer=offer, council=council, answers=answers, today=today)
            for council in councils
        ),
    ]
    warnings = [w for w in warnings if w]
    themes = list(Expertise.objects.filter(slug__in=answers.get("themes") or []))
    focus = next((answers[name] for name in FOCUS_ANSWERS if answers.get(name)), "")
    days = answers.get("days")
    engagement = engagement_create(
        offer=offer,
        councils=councils,
        title=title or _request_title(offer, councils),
        user=user,
        themes=themes,
        focus=focus,
        scope=scope,
        delivery=answers.get("delivery", ""),
        requested_days=Decimal(str(days)) if days not in (None, "") else None,
        request_details={
            "form": source,
            "version": 1,
            "answers": answers,
            "theme_names": [t.name for t in themes],
            "warnings": warnings,
        },
    )
    submission.engagement = engagement
    submission.save(update_fields=["engagement"])
    engagement_id = engagement.pk
    from councils import tasks

    transaction.on_commit(lambda: tasks.engagement_request_received.delay(engagement_id))
    return engagement, True


def request_entitlement_warning(*, offer, council, answers, today):
    from programmes.selectors import cpc_entitlement_warning

    on = date.fromisoformat(answers["preferred_from"]) if answers.get("preferred_from") else today
    return cpc_entitlement_warning(council=council, offer=offer, on=on)


def request_submission_engagement(*, token, council) -> Engagement | None:
    submission = (
        RequestSubmission.objects.filter(token=token, council=council, engagement__isnull=False)
        .select_related("engagement")
        .first()
    )
    return submission.engagement if submission else None


def _manager_recipients():
    from accounts.models import User

    return list(
        User.objects.filter(groups__name=Role.MANAGER, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )


def engagement_request_notifications_queue(*, engagement_id: int) -> int:
    """Queue the confirmation to the requester and the alert to every programme manager.

    A council contact's request is confirmed to them and links managers to the council
    requests queue. A manager's request (made on a council's behalf) gets no confirmation
    (the council portal's page is not theirs) and alerts the other managers with a link
    to the engagement. Safe to run twice: each email has a unique key. Returns how many
    were newly queued.
    """
    from notifications.services import notification_key, notification_queue

    engagement = (
        Engagement.objects.select_related("offer", "requested_by").filter(pk=engagement_id).first()
    )
    if engagement is None:
        return 0
    councils = ", ".join(c.name for c in engagement.councils.all())
    site_url = settings.SITE_URL.rstrip("/")
    context = {
        "engagement": engagement,
        "councils": councils,
        "details": (engagement.request_details or {}).get("answers", {}),
        "warnings": (engagement.request_details or {}).get("warnings", []),
    }
    queued = 0
    requester = engagement.requested_by
    by_contact = requester is not None and permissions.is_council_contact(requester)
    if by_contact and requester.email:
        row = notification_queue(
            kind="council_request_received",
            recipient=requester.email,
            key=notification_key("council_request_received", engagement, requester.email),
            context={
                **context,
                "recipient_name": requester.get_full_name(),
                "link": f"{site_url}/council/engagements/{engagement.reference}/",
            },
            about=engagement,
            user=requester,
        )
        queued += int(row.queued_now)
    if by_contact:
        link = f"{site_url}/admin/councils/councilrequest/{engagement.pk}/change/"
    else:
        link = f"{site_url}/admin/programmes/engagement/{engagement.pk}/change/"
    for manager in _manager_recipients():
        if requester is not None and manager.pk == requester.pk:
            continue
        row = notification_queue(
            kind="council_request_new",
            recipient=manager.email,
            key=notification_key("council_request_new", engagement, manager.email),
            context={**context, "recipient_name": manager.get_full_name(), "link": link},
            about=engagement,
            user=manager,
        )
        queued += int(row.queued_now)
    return queued


# --- Documents ----------------------------------------------------------------------------

# Detected type -> (file extension, content type)
ALLOWED_DOCUMENT_TYPES = {
    "pdf": ("pdf", "application/pdf"),
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
}
_OOXML_MAIN = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
}
_MAX_ZIP_ENTRIES = 5000
_CONTENT_TYPES_MAX_BYTES = 512 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
WRONG_TYPE = "The selected file must be a PDF, DOCX, XLSX or ODT"


def document_max_bytes() -> int:
    return getattr(settings, "COUNCIL_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)


def document_type_detect(uploaded_file) -> str | None:
    """Return "pdf", "docx", "xlsx" or "odt" from the file's content, or None.

    The name is not trusted. PDF by its signature; the office formats are zip containers,
    so the container's inner structure decides ([Content_Types].xml and the main part for
    DOCX/XLSX, the uncompressed first ``mimetype`` entry for ODT). Macro-enabled variants
    (docm, xlsm) declare a different main content type and are refused.
    """
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    guessed = filetype.guess(head)
    if guessed is not None and guessed.mime == "application/pdf":
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):  # every zip container starts with a local header
        return None
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            names = archive.namelist()
            if len(names) > _MAX_ZIP_ENTRIES:
                return None
            if names and names[0] == "mimetype":
                info = archive.getinfo("mimetype")
                is_odt = (
                    info.compress_type == zipfile.ZIP_STORED
                    and info.file_size < 100
                    and archive.read("mimetype").strip() == ODT_MIMETYPE
                    and "content.xml" in names
                )
                return "odt" if is_odt else None
            if "[Content_Types].xml" not in names:
                return None
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX_BYTES:
                return None
            content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
            for detected, (part, main_type) in _OOXML_MAIN.items():
                if part in names and main_type in content_types:
                    return detected
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError):
        return None
    finally:
        uploaded_file.seek(0)
    return None


def document_name_sanitise(name: str, extension: str) -> str:
    """A safe display name: no path, no control characters, the detected type's extension."""
    name = unicodedata.normalize("NFKC", PurePath(name.replace("\\", "/")).name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"\s+", " ", stem).strip(" .")
    stem = get_valid_filename(stem) if stem else ""
    stem = stem[: 150 - len(extension) - 1] or "document"
    return f"{stem}.{extension}"


@audited
@transaction.atomic
def engagement_document_upload(
    *, engagement: Engagement, user, kind: str, uploaded_file
) -> EngagementDocument:
    """Store a council's document privately after checking its size and its content."""
    allowed = permissions.is_manager(user) or (
        permissions.is_council_contact(user)
        and engagement.councils.filter(pk=user.council_id).exists()
    )
    if not allowed:
        raise PermissionDenied("You cannot add documents to this engagement.")
    # Councils send their position statement and preparatory material; managers also store
    # the team's feedback letter and panel write-ups.
    kinds = [DocumentKind.POSITION_STATEMENT, DocumentKind.PREPARATORY]
    if permissions.is_manager(user):
        kinds += [DocumentKind.FEEDBACK_LETTER, DocumentKind.PANEL_WRITE_UP]
    if kind not in kinds:
        raise ValidationError({"kind": "Select what the document is"})
    limit = document_max_bytes()
    if uploaded_file.size > limit:
        raise ValidationError(
            {"file": f"The selected file must be smaller than {limit // (1024 * 1024)} MB"}
        )
    if uploaded_file.size == 0:
        raise ValidationError({"file": "The selected file is empty"})
    detected = document_type_detect(uploaded_file)
    if detected is None:
        raise ValidationError({"file": WRONG_TYPE})
    extension, content_type = ALLOWED_DOCUMENT_TYPES[detected]
    document = EngagementDocument(
        engagement=engagement,
        kind=kind,
        original_name=document_name_sanitise(uploaded_file.name or "", extension),
        content_type=content_type,
        size=uploaded_file.size,
        released_to_council=False,
        uploaded_by=user,
    )
    # The stored name is random (programmes.models.document_upload_to), never the user's.
    document.file.save("upload", uploaded_file, save=False)
    stored_name = document.file.name
    try:
        document.save()
    except Exception:
        document.file.storage.delete(stored_name)
        raise
    return document


# --- Change requests ----------------------------------------------------------------------

_TARGET_STATUS = {
    ChangeKind.POSTPONE: EngagementStatus.POSTPONED,
    ChangeKind.CANCEL: EngagementStatus.CANCELLED,
}


def change_request_possible(engagement: Engagement, kind: str) -> bool:
    return workflow.is_allowed(engagement.status, _TARGET_STATUS[kind])


@audited
@transaction.atomic
def change_request_create(*, engagement: Engagement, user, kind: str, reason: str) -> ChangeRequest:
    """Record a council's request to postpone or cancel an undelivered engagement."""
    if not (
        permissions.is_council_contact(user)
        and engagement.councils.filter(pk=user.council_id).exists()
    ):
        raise PermissionDenied("You cannot ask to change this engagement.")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if kind not in _TARGET_STATUS:
        raise ValidationError({"kind": "Select whether you want to postpone or cancel"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you want to postpone or cancel"})
    if not change_request_possible(engagement, kind):
        label = EngagementStatus(engagement.status).label.lower()
        raise ValidationError({"kind": f"You cannot ask to {kind} an engagement that is {label}."})
    if engagement.change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
        raise ValidationError(
            "You have already asked to change this engagement. The programme manager will "
            "reply to that request first."
        )
    change = ChangeRequest.objects.create(
        engagement=engagement,
        kind=kind,
        reason=reason.strip(),
        requested_by=user,
        requested_at=timezone.now(),
    )
    change_id = change.pk
    from councils import tasks

    transaction.on_commit(lambda: tasks.change_request_received.delay(change_id))
    return change


@audited
@transaction.atomic
def change_request_decide(
    *, change_request: ChangeRequest, user, approve: bool, note: str = ""
) -> ChangeRequest:
    """A programme manager agrees (moving the engagement) or refuses a change request."""
    if not permissions.is_manager(user):
        raise PermissionDenied("Only a programme manager can decide a change request.")
    change = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
    if change.status != ChangeRequestStatus.PENDING:
        raise ValidationError("This request has already been decided.")
    if approve:
        engagement_transition(
            engagement=change.engagement,
            to_status=_TARGET_STATUS[change.kind],
            user=user,
            note=f"Council asked to {change.kind}: {change.reason}"[:2000],
        )
    change.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REFUSED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return change


def change_request_notifications_queue(*, change_request_id: int) -> int:
    """Tell every programme manager a council asked to postpone or cancel (unique keys)."""
    from notifications.services import notification_key, notification_queue

    change = (
        ChangeRequest.objects.select_related("engagement", "requested_by")
        .filter(pk=change_request_id)
        .first()
    )
    if change is None:
        return 0
    site_url = settings.SITE_URL.rstrip("/")
    queued = 0
    for manager in _manager_recipients():
        row = notification_queue(
            kind="council_change_request",
            recipient=manager.email,
            key=notification_key("council_change_request", change, manager.email),
            context={
                "change": change,
                "engagement": change.engagement,
                "recipient_name": manager.get_full_name(),
                "link": f"{site_url}/admin/councils/changerequest/{change.pk}/change/",
            },
            about=change.engagement,
            user=manager,
        )
        queued += int(row.queued_now)
    return queued


# --- Publication --------------------------------------------------------------------------


def publication_possible(engagement: Engagement) -> bool:
    return engagement.status in workflow.DELIVERED_STATES


@audited
@transaction.atomic
def engagement_publication_record(
    *, engagement: Engagement, user, decision: str, url: str = ""
) -> Engagement:
    """Record whether and where the council publishes its feedback report."""
    if not (
        permissions.is_council_contact(user)
        and engagement.councils.filter(pk=user.council_id).exists()
    ) and not permissions.is_manager(user):
        raise PermissionDenied("You cannot record publication for this engagement.")
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if not publication_possible(engagement):
        raise ValidationError("You can record publication once the engagement has been delivered.")
    if decision not in ("publish", "not_publish"):
        raise ValidationError(
            {"publication_decision": "Select whether your council will publish the report"}
        )
    engagement.publication_decision = decision
    engagement.published_report_url = url if decision == "publish" else ""
    engagement._change_reason = "Publication recorded by the council"
    engagement.save(update_fields=["publication_decision", "published_report_url", "updated_at"])
    return engagement


def engagement_status_notice_send(*, engagement_id: int, to_status: str) -> int:
    """Tell the council's contacts their engagement was cancelled or postponed; return count.

    Keyed by the engagement, the status and the contact, so re-running queues nothing.
    """
    from accounts.models import User
    from notifications.services import notification_key, notification_queue

    engagement = (
        Engagement.objects.filter(pk=engagement_id, status=to_status)
        .prefetch_related("councils")
        .first()
    )
    if engagement is None:
        return 0
    changes = engagement.status_changes.filter(to_status=to_status).order_by("-changed_at")
    stamp = changes.values_list("changed_at", flat=True).first()
    contacts = (
        User.objects.filter(
            is_active=True, groups__name=Role.COUNCIL_CONTACT, council__in=engagement.councils.all()
        )
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    label = EngagementStatus(to_status).label.lower()
    site_url = settings.SITE_URL.rstrip("/")
    queued = 0
    for contact in contacts:
        body = (
            f"{engagement.title} ({engagement.reference}) has been {label}. The peers who "
            "held places on its team have been told their places are withdrawn."
        )
        if to_status == EngagementStatus.POSTPONED:
            body += " Your programme manager will agree new dates with you."
        row = notification_queue(
            kind="notice",
            recipient=contact.email,
            key=notification_key(
                "council_engagement_status", engagement, to_status, contact.email, stamp
            ),
            context={
                "recipient_name": contact.get_full_name(),
                "subject": f"{engagement.reference} has been {label}",
                "body": body,
                "link": f"{site_url}/council/engagements/{engagement.reference}/",
            },
            about=engagement,
            user=contact,
        )
        queued += int(row.queued_now)
    return queued
