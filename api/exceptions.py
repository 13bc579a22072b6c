"""One error format for every API answer that is not a success.

    {"detail": "<one sentence>", "errors": {"<field>": ["<message>", …]}}

`errors` is present on 400 answers only. Django ValidationErrors raised by the services are
turned into the same answer with the same words the forms and the admin show.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def django_validation_error_as_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    """Keep the service's field names and words; errors with no field go to non_field_errors."""
    if hasattr(exc, "error_dict"):
        detail = {
            (NON_FIELD if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    else:
        detail = {NON_FIELD: exc.messages}
    return exceptions.ValidationError(detail)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """{"councils": {"0": ["…"]}} → {"councils.0": ["…"]}: one list of messages per field."""
    if isinstance(detail, dict):
        result: dict[str, list[str]] = {}
        for key, value in detail.items():
            result.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return result
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]}
        result = {}
        for index, item in enumerate(detail):
            if item:
                result.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return result
    return {prefix or NON_FIELD: [str(detail)]}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error_as_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) else None)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(response.data)
        first = next(iter(errors.values()), [_("Check the request.")])[0]
        response.data = {"detail": first, "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"detail": str(detail or response.data)}
        if response.status_code == status.HTTP_400_BAD_REQUEST:  # for example unreadable JSON
            response.data["errors"] = {NON_FIELD: [response.data["detail"]]}
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """JSON 404 for any unknown path under /api/ (instead of the site's HTML page)."""
    from rest_framework.renderers import JSONRenderer

    response = Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    response.accepted_renderer = JSONRenderer()
    response.accepted_media_type = "application/json"
    response.renderer_context = {}
    response.render()
    return response
