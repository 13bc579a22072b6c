from django.contrib import admin
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from councils.models import Council


@admin.register(Council)
class CouncilAdmin(ExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "gss_code", "council_type", "region", "county", "abolished_on"]
    list_filter = ["region", "council_type", "political_control", "nsap_funded"]
    list_select_related = ["county"]
    search_fields = ["name", "gss_code"]
    autocomplete_fields = ["county", "successor", "principal_adviser"]
    readonly_fields = ["gss_code"]
