"""The REST API: resources under /api/v1/, the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import exceptions, views

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("councils", views.CouncilViewSet, basename="council")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("engagements", views.EngagementViewSet, basename="engagement")
router.register("team-places", views.TeamPlaceViewSet, basename="team-place")
router.register("peers", views.PeerViewSet, basename="peer")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/survey-results/", views.SurveyResultsView.as_view(), name="survey-results"),
    path("v1/stocktake/", views.StocktakeView.as_view(), name="stocktake"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        views.ApiDocsView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    re_path(r"^.*$", exceptions.not_found),
]
