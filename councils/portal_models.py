"""Records of the council portal: change requests and request submissions.

Kept apart from councils.models (the council reference data); imported there so Django
registers them in the councils app.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programmes.models import Engagement


class ChangeKind(models.TextChoices):
    POSTPONE = "postpone", _("Postpone")
    CANCEL = "cancel", _("Cancel")


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Agreed")
    REFUSED = "refused", _("Not agreed")


class ChangeRequest(models.Model):
    """A council's request to postpone or cancel an engagement; a programme manager decides."""

    engagement = models.ForeignKey(
        "programmes.Engagement", on_delete=models.CASCADE, related_name="change_requests"
    )
    kind = models.CharField(max_length=10, choices=ChangeKind.choices)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per engagement: a second one waits for the first decision.
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(status="pending"),
                name="change_request_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.engagement_id} ({self.get_status_display()})"


class RequestSubmission(models.Model):
    """The idempotency key of one submitted request: one token, one engagement.

    The portal's check-your-answers page carries a token, and the API maps a caller's
    Idempotency-Key header onto one; the unique constraint makes a double click, a
    resubmission after "back" or a retried POST find the first engagement instead of
    creating another.
    """

    token = models.UUIDField(unique=True, default=uuid.uuid4)
    engagement = models.OneToOneField(
        "programmes.Engagement",
        null=True,
        on_delete=models.CASCADE,
        related_name="request_submission",
    )
    council = models.ForeignKey(
        "councils.Council", on_delete=models.CASCADE, related_name="request_submissions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    # What was asked (a hash of the offer, councils and answers): the same token sent
    # again with different details is refused rather than answered with the first request.
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self):
        return str(self.token)


class CouncilRequest(Engagement):
    """Engagements as the programme managers' queue of council requests (admin only)."""

    class Meta:
        proxy = True
        ordering = ["-created_at"]
        verbose_name = _("council request")
        verbose_name_plural = _("council requests")
