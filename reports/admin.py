from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from programmes.admin_support import HistoryViewOnlyMixin, ServiceWritesMixin, call_service
from reports import services
from reports.models import DIPWriteUp, ReportJob


@admin.register(DIPWriteUp)
class DIPWriteUpAdmin(HistoryViewOnlyMixin, ServiceWritesMixin, SimpleHistoryAdmin):
    """Managers record each panel's write-up; saving goes through the service.

    Only panels can be chosen (the model's limit_choices_to); the service refuses a blank
    write-up, and its words are shown on the form, as in the programme admin.
    """

    fields = ["engagement", "strengths", "good_practice", "emerging_issues", "gaps"]
    list_display = ["engagement", "recorded_by", "updated_at"]
    search_fields = ["engagement__reference", "engagement__title"]
    autocomplete_fields: list[str] = []
    raw_id_fields = ["engagement"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, "recorded_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The service keys a write-up by its panel: moving one would leave the old one behind.
        return ["engagement", "recorded_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = call_service(
            services.dip_write_up_record,
            engagement=obj.engagement if change else data["engagement"],
            user=request.user,
            strengths=data.get("strengths", ""),
            good_practice=data.get("good_practice", ""),
            emerging_issues=data.get("emerging_issues", ""),
            gaps=data.get("gaps", ""),
        )
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    """Read-only: reports are built from the Reports pages and never edited."""

    list_display = ["pk", "kind", "status", "progress", "owner_name", "created_at", "data_as_of"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ReportJob._meta.fields]
    exclude = ["result"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
