"""URLs of the programmes staff pages, mounted at /manage/."""

from django.urls import path

from programmes import views

app_name = "programmes"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("engagements/", views.EngagementListView.as_view(), name="engagement_list"),
    path("engagements/<int:pk>/", views.EngagementDetailView.as_view(), name="engagement_detail"),
    path(
        "engagements/<int:pk>/status/",
        views.EngagementStatusView.as_view(),
        name="engagement_status",
    ),
    path("engagements/<int:pk>/suggest/", views.SuggestTeamView.as_view(), name="suggest_team"),
    path("check/", views.PeerCouncilCheckView.as_view(), name="peer_check"),
    path("matching-weights/", views.MatchingWeightsView.as_view(), name="weights"),
    path("allocation/", views.AllocationView.as_view(), name="allocation"),
    path("allocation/<int:pk>/", views.AllocationRunView.as_view(), name="allocation_run"),
]
