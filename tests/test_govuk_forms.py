"""GOV.UK Frontend assets, the base template and crispy-forms-gds error summaries.

crispy-forms-gds 2.0.1 linked error summaries for radio and checkbox groups to an id that did
not exist (its issue #92). The project overrides its templates in templates/gds/; these tests
check that every error summary link lands on the field's first input.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import ConditionalQuestion, ConditionalRadios, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from tests import factories

CHOICES = [("red", "Red"), ("green", "Green"), ("blue", "Blue")]


class _Page(HTMLParser):
    """Collects every element with an id, in document order, and the error summary links."""

    def __init__(self):
        super().__init__()
        self.elements = {}  # id -> (tag, attributes)
        self.inputs = []  # attributes of every <input>, in document order
        self.summary_links = []  # (href, text) inside .govuk-error-summary
        self.summary_titles = []
        self.summary_count = 0
        self._summary_depth = 0  # open <div>s since the summary began, 0 = outside
        self._in_link = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            assert attributes["id"] not in self.elements, f"duplicate id {attributes['id']}"
            self.elements[attributes["id"]] = (tag, attributes)
        if tag == "input":
            self.inputs.append(attributes)
        classes = (attributes.get("class") or "").split()
        if tag == "div":
            if self._summary_depth:
                self._summary_depth += 1
            elif "govuk-error-summary" in classes:
                self.summary_count += 1
                self._summary_depth = 1
        if self._summary_depth and tag == "a":
            self._in_link = [attributes.get("href", ""), ""]
        if self._summary_depth and "govuk-error-summary__title" in classes:
            self._in_title = True
            self.summary_titles.append("")

    def handle_endtag(self, tag):
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1
        if tag == "a" and self._in_link:
            self.summary_links.append((self._in_link[0], self._in_link[1].strip()))
            self._in_link = None
        if tag == "h2":
            self._in_title = False

    def handle_data(self, data):
        if self._in_link:
            self._in_link[1] += data
        if self._in_title:
            self.summary_titles[-1] += data


def _parse(html):
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _render(form):
    template = engines["django"].from_string("{% load crispy_forms_tags %}{% crispy form %}")
    return template.render({"form": form})


def _first_input_named(page, name):
    return next(attributes for attributes in page.inputs if attributes.get("name") == name)


class AllKindsForm(forms.Form):
    name = forms.CharField(label="Full name", error_messages={"required": "Enter your name"})
    colour = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.RadioSelect,
        help_text="Pick one",
        error_messages={"required": "Select a colour"},
    )
    days = forms.MultipleChoiceField(
        choices=CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one colour"},
    )
    visit_date = DateInputField(label="Date of visit")
    contact = forms.ChoiceField(
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how to contact you"},
    )
    email = forms.EmailField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name"),
            Field.radios("colour"),
            Field.checkboxes("days"),
            Field("visit_date"),
            ConditionalRadios("contact", ConditionalQuestion("Email", "email"), "Phone"),
            Submit("submit", "Continue"),
        )


# The field each summary link must land on: (field name, name of the input it must be).
EXPECTED_TARGETS = {
    "Enter your name": "name",
    "Select a colour": "colour",
    "Select at least one colour": "days",
    "Enter the day, month and year": "visit_date_0",
    "Select how to contact you": "contact",
}


def test_error_summary_comes_first_titled_there_is_a_problem():
    page_html = _render(AllKindsForm(data={}))

    page = _parse(page_html)

    assert page.summary_count == 1
    assert [title.strip() for title in page.summary_titles] == ["There is a problem"]
    assert page_html.index("govuk-error-summary") < page_html.index("<form")


def test_every_error_summary_link_lands_on_its_fields_first_input():
    page = _parse(_render(AllKindsForm(data={})))

    assert {text for _, text in page.summary_links} == set(EXPECTED_TARGETS)
    for href, text in page.summary_links:
        assert href.startswith("#"), href
        target_id = href[1:]
        assert target_id in page.elements, f"{text!r} links to missing #{target_id}"
        tag, attributes = page.elements[target_id]
        input_name = EXPECTED_TARGETS[text]
        assert tag == "input", f"{text!r} links to a <{tag}>, not an input"
        assert attributes["name"] == input_name
        # Radios and checkboxes: the first one in the group (GOV.UK convention).
        assert _first_input_named(page, input_name)["id"] == target_id


@pytest.mark.parametrize(
    ("field_name", "input_type"),
    [("colour", "radio"), ("days", "checkbox"), ("contact", "radio")],
)
def test_grouped_inputs_have_unique_ids_and_labels(field_name, input_type):
    page = _parse(_render(AllKindsForm(data={})))

    group = [attributes for attributes in page.inputs if attributes.get("name") == field_name]

    assert {attributes["type"] for attributes in group} == {input_type}
    assert group[0]["id"] == f"id_{field_name}"
    assert [attributes["id"] for attributes in group[1:]] == [
        f"id_{field_name}_{number}" for number in range(2, len(group) + 1)
    ]


def test_conditional_radio_controls_the_content_it_reveals():
    page = _parse(_render(AllKindsForm(data={})))

    email_radio = _first_input_named(page, "contact")
    revealed_id = email_radio["data-aria-controls"]

    _, revealed = page.elements[revealed_id]
    assert "govuk-radios__conditional" in revealed["class"].split()
    phone_radio = page.elements["id_contact_2"][1]
    assert "data-aria-controls" not in phone_radio


class DateForm(forms.Form):
    visit_date = DateInputField(label="Date of visit", require_all_fields=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field("visit_date"), Submit("submit", "Continue"))


def test_date_part_errors_link_to_the_part_in_error():
    form = DateForm(data={"visit_date_0": "1", "visit_date_1": "", "visit_date_2": "2025"})

    page = _parse(_render(form))

    date_links = [href for href, text in page.summary_links if text == "Enter the month"]
    assert date_links == ["#id_visit_date_1"]
    assert page.elements["id_visit_date_1"][0] == "input"


class RadiosFirstForm(forms.Form):
    colour = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.radios("colour"), Submit("submit", "Continue"))

    def clean(self):
        raise forms.ValidationError("Something went wrong with the whole form")


def test_form_wide_errors_link_to_the_first_fields_first_input():
    page = _parse(_render(RadiosFirstForm(data={})))

    assert page.summary_links == [("#id_colour", "Something went wrong with the whole form")]
    assert page.elements["id_colour"][1]["type"] == "radio"


def test_prefixed_forms_keep_links_and_ids_in_step():
    page = _parse(_render(AllKindsForm(data={}, prefix="visit")))

    for href, _ in page.summary_links:
        assert href[1:] in page.elements, href
    assert page.elements["id_visit-colour"][1]["name"] == "visit-colour"


def test_a_valid_or_unbound_form_has_no_error_summary():
    assert _parse(_render(AllKindsForm())).summary_count == 0


def test_compiled_css_is_not_gov_uk_branded():
    css = (Path(settings.BASE_DIR) / "static" / "govuk" / "govuk-frontend.min.css").read_text()

    assert ".govuk-error-summary" in css
    assert "GDS Transport" not in css
    assert "/assets/fonts" not in css
    assert "govuk-crest" not in css
    assert "arial,sans-serif" in css


def test_frontend_javascript_is_built():
    javascript = Path(settings.BASE_DIR) / "static" / "govuk" / "govuk-frontend.min.js"

    assert "initAll" in javascript.read_text()


_EXTENDS_AN_EMAIL = re.compile(r"""{%\s*extends\s+["'][^"']*email[^"']*["']""")


def _page_templates():
    """Every HTML template served to browsers, leaving out HTML emails.

    Emails are not under the site's Content-Security-Policy, and mail clients need inline
    styles, so templates in an email folder, email base templates and templates extending
    one are skipped.
    """
    templates = sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
    return [
        path
        for path in templates
        if path.parent.name not in {"email", "emails"}
        and not path.name.startswith("base_email")
        and not _EXTENDS_AN_EMAIL.search(path.read_text())
    ]


def test_templates_have_no_inline_scripts_or_styles():
    """A strict Content-Security-Policy forbids inline script and style on every page."""
    problems = []
    for path in _page_templates():
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>(.*?)</script\s*>", text, re.DOTALL | re.I):
            if match.group(1).strip():
                problems.append(f"{path}: inline <script>")
        if re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", text, re.I):
            problems.append(f"{path}: <script> without src")
        if re.search(r"<style\b", text, re.I):
            problems.append(f"{path}: <style> element")
        if re.search(r"\sstyle\s*=", text, re.I):
            problems.append(f"{path}: style= attribute")
        if re.search(r"\son[a-z]+\s*=", text, re.I):
            problems.append(f"{path}: inline event handler")
    assert _page_templates()
    assert problems == []


@pytest.mark.django_db
def test_header_has_the_service_name_and_a_sign_out_form_not_gov_uk(client):
    user = factories.ManagerFactory()
    client.force_login(user)

    response = client.get(reverse("accounts:home"), follow=True)

    html = response.content.decode()
    header = html[html.index('<header class="govuk-header"') : html.index("</header>")]
    assert "GOV.UK" not in header
    assert "<svg" not in header
    assert settings.SERVICE_NAME in header
    assert re.search(
        r'<form method="post" action="' + re.escape(reverse("accounts:logout")) + '"', header
    )
    assert '<button type="submit" class="app-header__sign-out">Sign out</button>' in header


# --- The error summary's place on the page ---------------------------------------------------
# GOV.UK: the error summary is at the top of the main container, before the h1, and the title
# starts with "Error: ". base.html does both for every form on the page with errors, whatever
# its name and wherever the template puts {% crispy %}; the form then renders no summary.


def _main(html):
    return html[html.index('<main class="govuk-main-wrapper"') : html.index("</main>")]


def _assert_summary_first(html):
    """One error summary, the first thing in <main>, before the h1; title starts "Error: "."""
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1).strip()
    assert title.startswith("Error: "), title
    assert not title.startswith("Error: Error: "), title
    main = _main(html)
    assert _parse(html).summary_count == 1
    assert main.index('class="govuk-error-summary"') < main.index("<h1")
    before_summary = main[: main.index('class="govuk-error-summary"')]
    assert re.sub(r"<main[^>]*>", "", before_summary).strip().endswith("<div"), before_summary


_PAGE_WITH_A_FORM_AFTER_ITS_H1 = (
    '{% extends "base.html" %}{% load crispy_forms_tags %}'
    "{% block title %}Your details{% endblock %}"
    '{% block content %}<h1 class="govuk-heading-l">Your details</h1>'
    '<p class="govuk-body">Some words.</p>{% crispy details_form %}{% endblock %}'
)


def _render_page(source, **context):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return engines["django"].from_string(source).render(context, request)


def test_a_form_with_errors_puts_its_summary_before_the_h1_whatever_its_name():
    html = _render_page(_PAGE_WITH_A_FORM_AFTER_ITS_H1, details_form=AllKindsForm(data={}))

    _assert_summary_first(html)
    links = {text for _, text in _parse(html).summary_links}
    assert links == set(EXPECTED_TARGETS)  # the same links as the form's own summary


def test_a_page_without_errors_has_no_summary_and_no_error_title():
    for form in (AllKindsForm(), AllKindsForm(data=_valid_answers())):
        html = _render_page(_PAGE_WITH_A_FORM_AFTER_ITS_H1, details_form=form)

        assert "<title>Your details – " in html
        assert _parse(html).summary_count == 0


class VisitForm(DateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field("visit_date"), Submit("send", "Send"))


def test_two_forms_with_errors_share_one_summary():
    source = _PAGE_WITH_A_FORM_AFTER_ITS_H1.replace(
        "{% crispy details_form %}", "{% crispy details_form %}{% crispy visit_form %}"
    )

    html = _render_page(
        source,
        details_form=AllKindsForm(data={}, prefix="one"),
        visit_form=VisitForm(data={"two-visit_date_0": "1"}, prefix="two"),
    )

    _assert_summary_first(html)
    page = _parse(html)
    hrefs = [href for href, _ in page.summary_links]
    assert "#id_one-name" in hrefs and "#id_two-visit_date_1" in hrefs
    assert all(href[1:] in page.elements for href in hrefs)


def test_a_form_hiding_its_errors_is_left_out():
    form = AllKindsForm(data={})
    form.helper.form_show_errors = False

    html = _render_page(_PAGE_WITH_A_FORM_AFTER_ITS_H1, details_form=form)

    assert "<title>Your details – " in html
    assert _parse(html).summary_count == 0


def _valid_answers():
    return {
        "name": "Sam",
        "colour": "red",
        "days": ["red"],
        "visit_date_0": "1",
        "visit_date_1": "2",
        "visit_date_2": "2025",
        "contact": "phone",
    }


@pytest.mark.django_db
def test_sign_in_errors_are_summarised_before_the_h1(client):
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""})

    html = response.content.decode()
    _assert_summary_first(html)
    assert "Enter your email address" in _main(html)[: _main(html).index("<h1")]


@pytest.mark.django_db
def test_a_form_below_the_page_content_is_summarised_before_the_h1(client):
    """The engagement page's status form sits under the h1 and a heading of its own."""
    from tests.factories_records import EngagementFactory

    engagement = EngagementFactory()
    client.force_login(factories.ManagerFactory())

    response = client.post(reverse("programmes:engagement_status", args=[engagement.pk]), {})

    assert response.status_code == 400
    html = response.content.decode()
    _assert_summary_first(html)
    assert "Select a new status" in html


@pytest.mark.django_db
def test_a_form_whose_layout_holds_the_h1_is_summarised_before_it(client):
    contact = factories.CouncilContactFactory()
    client.force_login(contact)
    client.get(reverse("councils:request_offer", args=["BRPS"]))

    response = client.post(reverse("councils:request_step", args=["BRPS", "issue"]), {})

    _assert_summary_first(response.content.decode())
