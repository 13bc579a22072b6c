from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notifications.models import Notification
from notifications.services import SECRET_REMOVED_NOTE, notification_resend

SECRET_HIDDEN = _("Hidden: contains a single-use link")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The ledger: what was sent to whom, when, about what, and failures. Read-only.

    Resending is deliberate: an action on chosen rows, needing the resend permission,
    that queues a new row (key ``<key>:resend:<n>``) instead of changing the original.
    The body of an email holding a single-use link (``contains_secret``) is never shown.
    """

    list_display = [
        "created_at",
        "kind",
        "recipient",
        "subject",
        "about_label",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["recipient", "key", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["about_content_type"]
    actions = ["resend"]
    fieldsets = [
        (None, {"fields": ["kind", "recipient", "user", "subject", "key"]}),
        (_("About"), {"fields": ["about_content_type", "about_object_id", "about_label"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "status",
                    "send_after",
                    "attempts",
                    "handed_over_at",
                    "sent_at",
                    "last_error",
                    "resend_of",
                    "resent_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (
            _("Content"),
            {"fields": ["contains_secret", "body_text_shown", "body_html_shown", "ics"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] + [
            "body_text_shown",
            "body_html_shown",
        ]

    @admin.display(description=_("Body text"))
    def body_text_shown(self, obj):
        return self._body_shown(obj, obj.body_text)

    @admin.display(description=_("Body HTML"))
    def body_html_shown(self, obj):
        return self._body_shown(obj, obj.body_html)

    @staticmethod
    def _body_shown(obj, body):
        # A secret row's link works until used: show only the note left after sending.
        if obj.contains_secret and body != SECRET_REMOVED_NOTE:
            return SECRET_HIDDEN
        return body

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing only: the ledger is written by notifications.services.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_notification")

    @admin.action(description=_("Resend the selected notifications"), permissions=["resend"])
    def resend(self, request, queryset):
        resent = 0
        for notification in queryset:
            try:
                notification_resend(notification=notification, user=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{notification.recipient}: {error.messages[0]}", messages.WARNING
                )
            else:
                resent += 1
        if resent:
            self.message_user(
                request, f"Queued {resent} notification(s) to be sent again.", messages.SUCCESS
            )
