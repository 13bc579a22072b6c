"""URLs of the peer portal (mounted at /peer/)."""

from django.urls import path

from peers import views

app_name = "peers"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path(
        "welcome/<uidb64>/<token>/",
        views.AccountSetPasswordView.as_view(),
        name="account_set_password",
    ),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    # The profile-review emails link to exactly this path (notifications.planners).
    path("profile/confirm/", views.ProfileConfirmView.as_view(), name="profile_confirm"),
    path("profile/conflicts/", views.ConflictsView.as_view(), name="conflicts"),
    path(
        "profile/conflicts/<int:council_pk>/remove/",
        views.ConflictRemoveView.as_view(),
        name="conflict_remove",
    ),
    path("profile/unavailability/", views.UnavailabilityView.as_view(), name="unavailability"),
    path(
        "profile/unavailability/<int:pk>/remove/",
        views.UnavailabilityRemoveView.as_view(),
        name="unavailability_remove",
    ),
    path("profile/<slug:section>/", views.ProfileSectionEditView.as_view(), name="profile_edit"),
    path("equalities/", views.EqualitiesView.as_view(), name="equalities"),
    path(
        "equalities/withdraw/", views.EqualitiesWithdrawView.as_view(), name="equalities_withdraw"
    ),
    path("invitations/", views.InvitationListView.as_view(), name="invitations"),
    path("invitations/<int:pk>/", views.InvitationDetailView.as_view(), name="invitation_detail"),
    path(
        "invitations/<int:pk>/decline/",
        views.InvitationDeclineView.as_view(),
        name="invitation_decline",
    ),
    path("engagements/", views.EngagementListView.as_view(), name="engagements"),
    path(
        "engagements/<int:pk>/calendar.ics",
        views.EngagementCalendarView.as_view(),
        name="engagement_calendar",
    ),
    path("calendar/", views.CalendarFeedManageView.as_view(), name="calendar"),
    path("calendar/<str:token>/feed.ics", views.CalendarFeedView.as_view(), name="calendar_feed"),
    path("days/", views.DaysView.as_view(), name="days"),
    path("my-data/", views.DataView.as_view(), name="my_data"),
    path("my-data/download/", views.DataDownloadView.as_view(), name="my_data_download"),
    path("stale-profiles/", views.StaleProfilesView.as_view(), name="stale_profiles"),
]
