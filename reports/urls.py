"""URLs of the reports pages, mounted at /board/."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/stocktake/new/", views.StocktakeNewView.as_view(), name="stocktake_new"),
    path(
        "reports/stocktake/new/content/",
        views.StocktakeContentView.as_view(),
        name="stocktake_content",
    ),
    path(
        "reports/rough-sleeping/new/",
        views.RoughSleepingNewView.as_view(),
        name="rough_sleeping_new",
    ),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path(
        "reports/<int:pk>/download/<str:fmt>/",
        views.ReportDownloadView.as_view(),
        name="report_download",
    ),
    path("peer-pool/", views.PeerPoolReportView.as_view(), name="peer_pool"),
    path("day-caps/", views.DayCapReportView.as_view(), name="day_caps"),
]
