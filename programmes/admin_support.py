"""Admin plumbing: every admin write goes through a service, and a refusal saves nothing.

``call_service`` turns a service's ValidationError (or PermissionDenied) into
``ServiceRefused``. ``ServiceWritesMixin`` runs the admin's save in a transaction; when a
service refuses, the transaction is rolled back and the same form is shown again with
the service's own words as errors at the top, so nothing of the submission is kept.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _


class ServiceRefused(Exception):
    """A service refused an admin write; `messages` are its plain-English reasons."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def refusal_reasons(error: Exception) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or "You do not have permission to do that."]


def call_service(service, **kwargs):
    """Call a service; raise ServiceRefused with its reasons when it refuses."""
    try:
        return service(**kwargs)
    except (ValidationError, PermissionDenied) as error:
        raise ServiceRefused(refusal_reasons(error)) from error


class ServiceWritesMixin:
    """Re-show the change form with the service's reasons when a save is refused."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # Everything the first attempt wrote is rolled back. Show the submission again,
            # made invalid by the reasons, so the manager can correct it.
            request._service_refusals = refused.reasons
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        reasons = getattr(request, "_service_refusals", None)
        if not reasons:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                for reason in reasons:
                    self.add_error(None, reason)
                return cleaned_data

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm


class HistoryViewOnlyMixin:
    """Old versions in the history can be read but not saved back ("Revert").

    django-simple-history's revert saves the old version with the admin's save_model and
    then the form's many-to-many fields directly, outside the change page's transaction and
    refusal display: for records written through services it would skip their rules.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def report_each(modeladmin, request, items, action, *, label, done: str) -> int:
    """Run `action(item)` for each item; report each refusal with its reason. Return successes."""
    succeeded = 0
    for item in items:
        try:
            action(item)
        except (ValidationError, PermissionDenied) as error:
            modeladmin.message_user(
                request, f"{label(item)}: {' '.join(refusal_reasons(error))}", messages.ERROR
            )
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done.format(count=succeeded), messages.SUCCESS)
    return succeeded


class ReadOnlyAdminMixin:
    """Records written only by services elsewhere (derived or audit data)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class QuickActionCheckboxMixin:
    """The changelist's action checkbox as one format_html call instead of a widget render.

    Django renders each row's checkbox through the form renderer's template (about a third
    of a 100-row changelist's CPU time). The markup is the same, attribute for attribute.
    """

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class SubqueryDistinctChangeList(ChangeList):
    """A changelist that removes duplicate rows with a subquery instead of SELECT DISTINCT.

    Filtering or searching across a many-to-many relation (an engagement's councils, a
    peer's regions or expertise) joins it, and Django then adds DISTINCT over every column
    of every matching row, for the count, the page and the date hierarchy alike. Here each
    row is kept when a correlated subquery finds it, and the rows are read plainly, so the
    page can still be read in index order and cut at the page size.
    """

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if not queryset.query.distinct or self.root_queryset.query.distinct:
            return queryset
        # EXISTS rather than IN: PostgreSQL then walks the ordering's index and stops at the
        # page size even when the filter matches a large share of the rows.
        matching = queryset.order_by().filter(pk=OuterRef("pk"))
        plain = self.root_queryset.filter(Exists(matching))
        plain.query.select_related = queryset.query.select_related
        return plain.order_by(*queryset.query.order_by)


class SubqueryDistinctMixin:
    """Use SubqueryDistinctChangeList for this admin's list."""

    def get_changelist(self, request, **kwargs):
        return SubqueryDistinctChangeList


def search_words(search_term: str) -> list[str]:
    """The words of an admin search, split as Django's own search splits them ("a b" is one)."""
    words = []
    for word in smart_split(search_term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        words.append(word)
    return words
