"""URLs of the reports pages."""

app_name = "reports"

urlpatterns: list = []
