"""The GOV.UK error pattern for a whole page, used by base.html.

When a form has errors, GOV.UK puts one error summary at the top of the main container,
before the h1, and starts the page title with "Error: ". Pages name their forms freely
(``form``, ``status_form``, ``period_form`` …) and place ``{% crispy %}`` anywhere, so
base.html finds every bound form with errors in the page's context instead of each
template placing its own summary.
"""

from django import template
from django.forms import BaseForm
from django.template.loader import render_to_string
from django.utils.translation import gettext

register = template.Library()

# Set on a form whose errors the page summary listed: error_summary.html (and so every
# {% crispy %} form and {% error_summary %} tag) then leaves it out, so no page has two.
SHOWN = "page_error_summary_shown"


def forms_with_errors(context) -> list[BaseForm]:
    """Return the page's forms that have errors to show, each once, in context order.

    A form whose helper hides errors (``form_show_errors = False``) is left out. Values are
    tested by type only, so lazy objects in the context (the user) are never evaluated.
    """
    found = []
    seen = set()
    for value in context.flatten().values():
        if not issubclass(type(value), BaseForm) or id(value) in seen:
            continue
        seen.add(id(value))
        helper = getattr(value, "helper", None)
        if getattr(helper, "form_show_errors", True) is False:
            continue
        if value.is_bound and value.errors:
            found.append(value)
    return found


@register.simple_tag(takes_context=True)
def page_error_title_prefix(context) -> str:
    """Return "Error: " when a form on the page has errors, else nothing."""
    return gettext("Error: ") if forms_with_errors(context) else ""


@register.simple_tag(takes_context=True)
def page_error_summary(context) -> str:
    """Render one error summary for every form on the page with errors, and mark them shown."""
    forms = forms_with_errors(context)
    if not forms:
        return ""
    html = render_to_string("gds/layout/page_error_summary.html", {"forms": forms})
    for form in forms:
        setattr(form, SHOWN, True)
    return html
