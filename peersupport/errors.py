"""The service's error pages, on the GOV.UK patterns (registered in peersupport/urls.py).

404, 403 and the CSRF failure page render with the request, so they keep the header with the
account navigation. 500 and 400 render with no request context at all: no context processor,
session, user or database, which may be what failed. They extend base_minimal.html and get
the service name from settings.
"""

import logging

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# The last resort when even the self-contained template cannot render (a missing static
# manifest, a broken URLconf): plain HTML with the same words.
_FALLBACK_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service</title></head><body><main>"
    "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>"
    "</main></body></html>"
)


def _service_context() -> dict:
    """What base_minimal.html needs, from settings (the context processor is not run)."""
    return {"service_name": settings.SERVICE_NAME, "service_phase": "Beta"}


def page_not_found(request, exception):
    """404: also the answer for objects outside the user's scope."""
    return render(request, "404.html", status=404)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the session expired, or the form was sent from an old page."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "csrf_failure.html", status=403)


def bad_request(request, exception):
    """400: often a malformed request or a host not allowed, so the request is not used."""
    return HttpResponseBadRequest(render_to_string("400.html", _service_context()))


def server_error(request):
    """500: renders without the request, the session or the database."""
    try:
        html = render_to_string("500.html", _service_context())
    except Exception:
        logger.exception("The 500 page could not be rendered")
        html = _FALLBACK_500
    return HttpResponseServerError(html)
