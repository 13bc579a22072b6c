"""The peer pool in the admin: profiles, expertise vocabulary, availability, training.

Equalities answers are special-category data: visible only to holders of
peers.view_equalities, and never edited here (the peer gives or withdraws them).
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from peers.models import (
    EqualitiesAnswers,
    Expertise,
    Peer,
    TrainingRecord,
    Unavailability,
    WorkRegion,
)
from programmes.admin_export import SafeExportMixin
from programmes.admin_support import QuickActionCheckboxMixin, SubqueryDistinctMixin

EQUALITIES_PERMISSION = "peers.view_equalities"


def _may_see_equalities(request) -> bool:
    return request.user.is_active and request.user.has_perm(EQUALITIES_PERMISSION)


@admin.register(Expertise)
class ExpertiseAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(WorkRegion)
class WorkRegionAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class UnavailabilityInline(admin.TabularInline):
    model = Unavailability
    extra = 0


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    extra = 0


class EqualitiesMixin:
    """Visible only with peers.view_equalities; read-only for everyone."""

    def has_module_permission(self, request):
        return _may_see_equalities(request)

    def has_view_permission(self, request, obj=None):
        return _may_see_equalities(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EqualitiesInline(EqualitiesMixin, admin.StackedInline):
    model = EqualitiesAnswers
    extra = 0
    fields = [
        "consent_given_at",
        "sex",
        "ethnic_group",
        "disability",
        "age_band",
        "sexual_orientation",
    ]
    readonly_fields = fields


@admin.register(Peer)
class PeerAdmin(
    QuickActionCheckboxMixin, SubqueryDistinctMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = [
        "name",
        "email",
        "kind",
        "home_council",
        "political_group",
        "role_category",
        "status",
        "profile_confirmed_on",
    ]
    list_filter = [
        "status",
        "kind",
        "role_category",
        "political_group",
        "work_mode",
        "regions",
        "expertise",
        "home_council__region",
        "training_waived",
    ]
    list_select_related = ["user", "home_council"]
    search_fields = [
        "user__first_name",
        "user__last_name",
        "user__email",
        "job_title",
        "home_council__name",
    ]
    autocomplete_fields = ["user", "home_council"]
    filter_horizontal = ["expertise", "regions", "conflicts"]
    readonly_fields = ["created_at", "updated_at"]
    exclude = ["calendar_token"]
    inlines = [UnavailabilityInline, TrainingRecordInline, EqualitiesInline]
    ordering = ["user__last_name", "user__first_name"]  # accounts' user_name_idx
    # Rendering is most of this page's cost, row by row: 50 rows keep it quick; "Show all"
    # still lists up to list_max_show_all. One count (of the filtered rows), not two.
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="Name", ordering="user__last_name")
    def name(self, peer):
        return str(peer)

    @admin.display(description="Email", ordering="user__email")
    def email(self, peer):
        return peer.user.email

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering peers by their equalities answers, even by whether they have any
        # (?equalities__isnull=False), reads them: only with the permission that reads them.
        # Django already refuses lookups two relations deep (?peer__equalities__… elsewhere).
        if lookup.split("__")[0] == "equalities" and not (
            request is not None and _may_see_equalities(request)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(Unavailability)
class UnavailabilityAdmin(QuickActionCheckboxMixin, SafeExportMixin, SimpleHistoryAdmin):
    list_display = ["peer", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on"]
    list_select_related = ["peer__user"]
    search_fields = ["peer__user__first_name", "peer__user__last_name", "peer__user__email"]
    autocomplete_fields = ["peer"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(QuickActionCheckboxMixin, SafeExportMixin, SimpleHistoryAdmin):
    list_display = ["peer", "kind", "course", "attended_on"]
    list_filter = ["kind", "attended_on"]
    list_select_related = ["peer__user"]
    search_fields = [
        "peer__user__first_name",
        "peer__user__last_name",
        "peer__user__email",
        "course",
    ]
    autocomplete_fields = ["peer"]


@admin.register(EqualitiesAnswers)
class EqualitiesAnswersAdmin(
    QuickActionCheckboxMixin, EqualitiesMixin, SafeExportMixin, admin.ModelAdmin
):
    list_display = ["peer", "consent_given_at", "updated_at"]
    list_select_related = ["peer__user"]
    search_fields = ["peer__user__first_name", "peer__user__last_name", "peer__user__email"]
