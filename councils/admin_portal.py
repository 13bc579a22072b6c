"""Admin pages of the council portal: the request queue and change-request decisions.

Registered from councils/admin.py. Programme managers see both (whatever the group's
model permissions say); decisions go through councils.services, never a raw save.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from accounts import permissions
from councils import services
from councils.models import Council
from councils.portal_models import ChangeRequest, ChangeRequestStatus, CouncilRequest


class ManagersOnlyAdmin(admin.ModelAdmin):
    """Read by programme managers; written only through services (admin actions)."""

    def has_module_permission(self, request):
        return permissions.is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.is_manager(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _engagement_link(engagement):
    try:
        url = reverse("admin:programmes_engagement_change", args=[engagement.pk])
    except NoReverseMatch:
        url = reverse("admin:councils_councilrequest_change", args=[engagement.pk])
    return format_html('<a href="{}">{}</a>', url, engagement.reference)


@admin.register(CouncilRequest)
class CouncilRequestAdmin(ManagersOnlyAdmin):
    """Every request a council made through the portal, newest first."""

    list_display = ["reference", "offer", "council_names", "status", "requested_by", "created_at"]
    list_filter = ["status", "offer"]
    list_select_related = ["offer", "requested_by"]
    search_fields = ["reference", "title", "councils__name"]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    fields = [
        "reference",
        "title",
        "offer",
        "status",
        "council_names",
        "requested_by",
        "created_at",
        "focus",
        "delivery",
        "requested_days",
        "answers",
        "engagement_record",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(requested_by__council__isnull=False)
            .prefetch_related(Prefetch("councils", queryset=Council.objects.only("name")))
        )

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Councils")
    def council_names(self, obj):
        return ", ".join(c.name for c in obj.councils.all())

    @admin.display(description="Answers")
    def answers(self, obj):
        answers = (obj.request_details or {}).get("answers", {})
        rows = ((key, json.dumps(value, ensure_ascii=False)) for key, value in answers.items())
        return format_html("<dl>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))

    @admin.display(description="Engagement")
    def engagement_record(self, obj):
        return _engagement_link(obj)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ManagersOnlyAdmin):
    """A council's request to postpone or cancel; agree or refuse it with the actions."""

    list_display = [
        "engagement",
        "kind",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["engagement", "requested_by", "decided_by"]
    search_fields = ["engagement__reference", "reason"]
    ordering = ["-requested_at", "-id"]
    readonly_fields = [
        "engagement_record",
        "kind",
        "reason",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
    ]
    fields = readonly_fields
    actions = ["approve_selected", "refuse_selected"]

    @admin.display(description="Engagement")
    def engagement_record(self, obj):
        return _engagement_link(obj.engagement)

    def _decide(self, request, queryset, *, approve: bool):
        done = 0
        for change in queryset.filter(status=ChangeRequestStatus.PENDING):
            try:
                services.change_request_decide(
                    change_request=change, user=request.user, approve=approve
                )
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{change.engagement.reference}: {' '.join(error.messages)}",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            verb = "agreed" if approve else "refused"
            self.message_user(request, f"{done} change request(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Agree: postpone or cancel the engagement")
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="Refuse the selected requests")
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, approve=False)
