"""URLs of the programmes pages."""

app_name = "programmes"

urlpatterns: list = []
