from django.conf import settings


def service(request):
    """Expose the service name and phase to every template."""
    return {"service_name": settings.SERVICE_NAME, "service_phase": "Beta"}
