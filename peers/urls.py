"""URLs of the peers pages."""

app_name = "peers"

urlpatterns: list = []
