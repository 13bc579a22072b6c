"""The notification ledger: one row per email the product sends (see notifications.services)."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Handed to the mail server, not yet confirmed")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """One email to one recipient, unique by its key (kind + object + recipient + step).

    The unique key is the guarantee that a retried, duplicated or concurrently re-run
    task or planner sends a given email at most once. Rows are written only by
    notifications.services; bodies are rendered when the row is queued.
    """

    key = models.CharField(max_length=255)
    kind = models.CharField(max_length=60, db_index=True)
    recipient = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    subject = models.CharField(max_length=255)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    ics = models.TextField(blank=True, help_text=_("Calendar attachment (.ics), if any."))
    contains_secret = models.BooleanField(
        default=False,
        help_text=_(
            "The email holds a single-use sign-in link: its body is hidden in the admin, "
            "removed once sent or failed, and it cannot be resent."
        ),
    )
    about_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    about_object_id = models.CharField(max_length=64, blank=True)
    about = GenericForeignKey("about_content_type", "about_object_id")
    about_label = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    send_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    handed_over_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the whole message was handed to the mail server, before confirmation."),
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "send_after"]),
            models.Index(fields=["about_content_type", "about_object_id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="notification_key_unique"),
        ]
        permissions = [("resend_notification", "Can deliberately resend a notification")]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """The Message-ID header, derived from the key so every attempt carries the same one."""
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:40]
        domain = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"<{digest}@{domain}>"
