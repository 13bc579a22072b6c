"""The REST API, versioned under /api/v1/."""

urlpatterns: list = []
