"""Page-number pagination with a maximum page size; a bad page size is a 400, not ignored."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a page size from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return int(value)

    def paginate_queryset(self, queryset, request, view=None):
        value = request.query_params.get(self.page_query_param)
        if value is not None and not (value.isascii() and value.isdigit() and int(value) >= 1):
            raise ValidationError({self.page_query_param: [_("Enter a page number from 1.")]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters
