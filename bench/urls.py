"""The site's URLs plus one trivial view: the floor every page is measured against."""

from django.http import HttpResponse
from django.urls import path

from peersupport.urls import urlpatterns as site_urlpatterns


def floor(request):
    """The cheapest Django response: the whole middleware stack, no query, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *site_urlpatterns]
