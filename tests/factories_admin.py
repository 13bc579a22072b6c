"""Helpers for driving the admin over HTTP in tests: form data as the browser would send it."""

from datetime import date, datetime
from decimal import Decimal


def _encode(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, datetime):
        return None  # read-only in our forms
    if isinstance(value, (date, Decimal, int)):
        return str(value)
    return value


def _form_values(form, data):
    for name in form.fields:
        value = _encode(form[name].value())
        if value is None or value == "":
            continue
        data[form.add_prefix(name)] = value


def admin_form_data(response) -> dict:
    """The POST data of an admin add or change page as it stands (what "Save" would send)."""
    data = {}
    _form_values(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
        # Like a browser: the extra (empty) forms send their initial values too.
        for form in formset.forms:
            _form_values(form, data)
    return data


def inline_prefix(response, model, *, adding: bool = False) -> str:
    """The formset prefix of the inline for `model` (the add-only team inline when `adding`)."""
    from programmes.admin import TeamPlaceAddForm

    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        if formset.model is model and issubclass(formset.form, TeamPlaceAddForm) == adding:
            return formset.prefix
    raise LookupError(f"No inline for {model.__name__}")


def add_inline_row(data: dict, prefix: str, values: dict) -> None:
    """Fill the next extra form of an inline, adding one to the count when needed."""
    added_key = f"_added-{prefix}"  # ignored by Django; counts the rows this helper filled
    index = int(data[f"{prefix}-INITIAL_FORMS"]) + int(data.get(added_key, 0))
    data[added_key] = str(int(data.get(added_key, 0)) + 1)
    for name, value in values.items():
        encoded = _encode(value)
        if encoded is not None:
            data[f"{prefix}-{index}-{name}"] = encoded
    data[f"{prefix}-TOTAL_FORMS"] = str(max(int(data[f"{prefix}-TOTAL_FORMS"]), index + 1))
