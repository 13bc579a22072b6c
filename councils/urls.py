"""URLs of the councils pages."""

app_name = "councils"

urlpatterns: list = []
