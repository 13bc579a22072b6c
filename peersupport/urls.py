from django.contrib import admin
from django.urls import include, path

from peersupport import health, views

admin.site.site_header = "Peer Support Manager administration"
admin.site.site_title = "Peer Support Manager"

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", health.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/", include("accounts.urls")),
    path("council/", include("councils.urls")),
    path("peer/", include("peers.urls")),
    path("manage/", include("programmes.urls")),
    path("surveys/", include("surveys.urls")),
    path("board/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "peersupport.errors.bad_request"
handler403 = "peersupport.errors.permission_denied"
handler404 = "peersupport.errors.page_not_found"
handler500 = "peersupport.errors.server_error"
