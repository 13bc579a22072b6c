from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from reports import services
from reports.models import DIPWriteUp, ReportJob


class DIPWriteUpForm(forms.ModelForm):
    class Meta:
        model = DIPWriteUp
        fields = ["engagement", "strengths", "good_practice", "emerging_issues", "gaps"]

    def clean(self):
        cleaned = super().clean()
        engagement = cleaned.get("engagement")
        if engagement is not None and engagement.offer.code != "DIP":
            raise ValidationError(
                {"engagement": "Select a Delivery and Impact Panel: only panels have write-ups"}
            )
        return cleaned


@admin.register(DIPWriteUp)
class DIPWriteUpAdmin(SimpleHistoryAdmin):
    """Managers record each panel's write-up; saving goes through the service."""

    form = DIPWriteUpForm
    list_display = ["engagement", "recorded_by", "updated_at"]
    search_fields = ["engagement__reference", "engagement__title"]
    autocomplete_fields: list[str] = []
    raw_id_fields = ["engagement"]
    readonly_fields = ["recorded_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.dip_write_up_record(
            engagement=data["engagement"],
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
