"""URLs of the council portal, mounted at /council/."""

from django.urls import path

from councils import views

app_name = "councils"

urlpatterns = [
    path("", views.EngagementListView.as_view(), name="engagement_list"),
    path(
        "engagements/<str:reference>/",
        views.EngagementDetailView.as_view(),
        name="engagement_detail",
    ),
    path(
        "engagements/<str:reference>/submitted/",
        views.RequestConfirmationView.as_view(),
        name="request_confirmation",
    ),
    path(
        "engagements/<str:reference>/documents/new/",
        views.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "engagements/<str:reference>/change/",
        views.ChangeRequestView.as_view(),
        name="change_request",
    ),
    path(
        "engagements/<str:reference>/publication/",
        views.PublicationView.as_view(),
        name="publication",
    ),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document_download"),
    path("request/", views.RequestOfferListView.as_view(), name="request_offers"),
    path("request/<str:code>/", views.RequestOfferView.as_view(), name="request_offer"),
    path("request/<str:code>/check/", views.RequestCheckView.as_view(), name="request_check"),
    path("request/<str:code>/<slug:step>/", views.RequestStepView.as_view(), name="request_step"),
]
