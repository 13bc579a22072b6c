from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from councils.models import Council
from programmes.admin_export import SafeExportMixin


@admin.register(Council)
class CouncilAdmin(SafeExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "gss_code", "council_type", "region", "county", "abolished_on"]
    list_filter = ["region", "council_type", "political_control", "nsap_funded"]
    list_select_related = ["county"]
    search_fields = ["name", "gss_code"]
    autocomplete_fields = ["county", "successor", "principal_adviser"]
    readonly_fields = ["gss_code"]


# The council portal's admin (request queue, change-request decisions).
from councils import admin_portal  # noqa: E402, F401
