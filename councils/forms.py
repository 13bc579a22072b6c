"""Forms of the council portal: validation and GOV.UK layout only.

The request forms are steps of one flow; which steps an offer asks is decided by
``request_steps`` from the offer's data (onsite element, group panel), not from its code
alone, so offers managers add later get a sensible flow.
"""

import dataclasses
from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import HTML, Field, Size
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.forms import GOVUKFormMixin
from councils import services
from councils.models import Council
from councils.portal_models import ChangeKind
from peers.models import Expertise
from programmes.models import DeliveryMode, DocumentKind

CORE_COMPONENTS = [
    _("Local context and priority setting"),
    _("Financial planning and viability"),
    _("Political and managerial leadership"),
    _("Governance and decision-making"),
    _("Organisational capacity"),
]

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class GOVUKDateField(DateInputField):
    """A GOV.UK date input with the Design System's error wording."""

    def __init__(self, *, required_message: str, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = required_message
        self.error_messages["incomplete"] = required_message

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            return date(day=int(day), month=int(month), year=int(year))
        except ValueError as error:
            raise ValidationError(_("Enter a real date"), code="invalid") from error


# The page's caption and heading come from the view's context (autoescaped), never from
# the layout's source, so names typed by managers are never read as template code.
PAGE_HEADING = HTML(
    '{% if page_caption %}<span class="govuk-caption-l">{{ page_caption }}</span>{% endif %}'
    '<h1 class="govuk-heading-l">{{ page_heading }}</h1>'
)


class PortalFormMixin(GOVUKFormMixin):
    """The GOV.UK base form with the page heading first, under the error summary."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout.fields.insert(0, PAGE_HEADING)
        # The service validates; the browser's own bubbles would hide the error summary.
        self.helper.attrs = {"novalidate": ""}


class StepForm(PortalFormMixin, forms.Form):
    """One page of the request flow. Knows the offer and the council it is for."""

    title = ""
    # Short keys for the check-your-answers page (defaults to the field's label).
    summary_labels: dict[str, str] = {}

    def __init__(self, *args, offer, council, **kwargs):
        self.offer = offer
        self.council = council
        super().__init__(*args, **kwargs)

    def answers(self) -> dict:
        """The cleaned answers as JSON-ready values (dates as ISO strings)."""
        result = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, date):
                value = value.isoformat()
            result[name] = value
        return result

    def summary_rows(self) -> list[tuple[str, str]]:
        """(key, value) rows for the check-your-answers page."""
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            rows.append((self.summary_labels.get(name, field.label), _display(field, value)))
        return rows


def _display(field, value) -> str:
    if value in (None, "", [], False) and not isinstance(field, forms.BooleanField):
        return str(_("Not given"))
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, date):
        return f"{value:%-d %B %Y}"
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))


def _theme_field(label):
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply. You can also leave this blank."),
    )


def _theme_choices():
    return list(Expertise.objects.order_by("name").values_list("slug", "name"))


def _delivery_choices(offer):
    """Onsite offers may be blended, never fully remote; remote offers are remote by default."""
    if offer.onsite_required or offer.delivery_mode != DeliveryMode.REMOTE:
        return [
            (DeliveryMode.ONSITE, _("Onsite: the team works at the council")),
            (DeliveryMode.BLENDED, _("Blended: onsite days with some remote work")),
        ]
    return [
        (DeliveryMode.REMOTE, _("Remote: online meetings and interviews")),
        (DeliveryMode.BLENDED, _("Blended: some time onsite as well")),
    ]


# --- Challenge flow (CPC, FPC, GPC and other offers with an onsite element) -------------------


class FocusForm(StepForm):
    title = _("What should the challenge focus on?")
    summary_labels = {"focus_areas": _("Focus areas"), "themes": _("Themes")}

    focus_areas = forms.CharField(
        label=_("Describe the areas you would like the peer team to look at"),
        help_text=_(
            "For example, a new corporate plan, a budget gap, or the council's place leadership."
        ),
        widget=forms.Textarea,
        max_length=3000,
        error_messages={"required": _("Enter the areas you would like the challenge to focus on")},
    )
    themes = _theme_field(_("Themes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = _theme_choices()

    def get_layout_fields(self):
        return [
            Field.textarea("focus_areas", rows=6, max_characters=3000),
            Field.checkboxes("themes", legend_size=Size.SMALL, small=True),
        ]


class CoreComponentsForm(StepForm):
    title = _("The five core components")
    summary_labels = {"acknowledged": _("Core components")}

    acknowledged = forms.BooleanField(
        label=_("I understand the challenge always covers the five core components"),
        error_messages={"required": services.CORE_COMPONENTS_UNCONFIRMED},
    )

    def get_layout_fields(self):
        items = format_html(
            '<ul class="govuk-list govuk-list--bullet">{}</ul>',
            format_html_join("", "<li>{}</li>", ((c,) for c in CORE_COMPONENTS)),
        )
        return [
            HTML.p(
                _(
                    "Every corporate peer challenge covers these areas, as well as the focus "
                    "you choose:"
                )
            ),
            HTML(items),
            Field.checkbox("acknowledged"),
        ]


class TimingForm(StepForm):
    title = _("When would you like the challenge?")
    summary_labels = {
        "preferred_from": _("Earliest start"),
        "preferred_to": _("Latest start"),
        "scoping_availability": _("Scoping meeting availability"),
    }

    preferred_from = GOVUKDateField(
        label=_("Earliest start date"),
        help_text=_("For example, 14 9 2027"),
        required_message=_("Enter the earliest date the challenge could start"),
    )
    preferred_to = GOVUKDateField(
        label=_("Latest start date"),
        help_text=_("For example, 30 11 2027"),
        required_message=_("Enter the latest date the challenge could start"),
    )
    scoping_availability = forms.CharField(
        label=_("When could your leader and chief executive meet us for a scoping meeting?"),
        help_text=_(
            "The scoping meeting agrees the focus, the team, the timing and the preparatory "
            "material. It is usually 4 to 6 months before the challenge."
        ),
        widget=forms.Textarea,
        max_length=1000,
        error_messages={"required": _("Enter when you could meet us for a scoping meeting")},
    )

    def get_layout_fields(self):
        return [
            HTML.p(
                _(
                    "The programme recommends starting the challenge 4 to 6 months after the "
                    "scoping meeting. You can ask for earlier dates."
                )
            ),
            Field("preferred_from"),
            Field("preferred_to"),
            Field.textarea("scoping_availability", rows=4),
        ]

    def clean(self):
        # The service's rule, on this page (it checks again when the request is sent).
        cleaned = super().clean()
        errors = services.request_dates_errors(
            preferred_from=cleaned.get("preferred_from"),
            preferred_to=cleaned.get("preferred_to"),
            today=timezone.localdate(),
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned


class DaysDeliveryForm(StepForm):
    title = _("Days and delivery")
    summary_labels = {"days": _("Number of days"), "delivery": _("Delivery")}

    days = forms.TypedChoiceField(
        label=_("How many days of onsite activity would you like?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how many days you would like")},
    )
    delivery = forms.ChoiceField(
        label=_("How should the challenge be delivered?"),
        help_text=_("A peer challenge always has an onsite element; it is never fully remote."),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how the challenge should be delivered")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = default_days(self.offer, self.council)
        choices = sorted({2, 3, 4, 5, default})
        self.fields["days"].choices = [(n, _("%(n)s days") % {"n": n}) for n in choices]
        self.fields["days"].initial = default
        self.fields["days"].help_text = _(
            "Upper-tier councils usually have 4 days and district councils 3. "
            "We have suggested %(n)s days for %(council)s."
        ) % {"n": default, "council": self.council.name}
        self.fields["delivery"].choices = _delivery_choices(self.offer)
        self.fields["delivery"].initial = DeliveryMode.BLENDED

    def get_layout_fields(self):
        return [
            Field.radios("days", legend_size=Size.SMALL),
            Field.radios("delivery", legend_size=Size.SMALL),
        ]


def default_days(offer, council) -> int:
    """A CPC's days follow the council's tier; other offers their typical length."""
    if offer.code == "CPC":
        return council.default_cpc_days
    return max(1, int(offer.typical_days))


class OtherCouncilsForm(StepForm):
    title = _("Other councils")
    summary_labels = {
        "joining": _("Other councils joining"),
        "joining_councils": _("Councils in your area"),
        "joining_other": _("Other councils"),
    }

    joining = forms.ChoiceField(
        label=_("Will other councils take part?"),
        help_text=_("For example, a county and its districts, or councils in a sub-region."),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select yes if other councils will take part")},
    )
    joining_councils = forms.TypedMultipleChoiceField(
        label=_("Councils in your two-tier area"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    joining_other = forms.CharField(
        label=_("Other councils taking part"),
        help_text=_("If yes, name any councils not listed above."),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        area = self.council.two_tier_area_ids() - {self.council.pk}
        choices = list(
            Council.objects.filter(pk__in=area, abolished_on__isnull=True)
            .order_by("name")
            .values_list("pk", "name")
        )
        if choices:
            self.fields["joining_councils"].choices = choices
        else:
            del self.fields["joining_councils"]

    def get_layout_fields(self):
        fields = [Field.radios("joining", legend_size=Size.SMALL, inline=True)]
        if "joining_councils" in self.fields:
            fields.append(Field.checkboxes("joining_councils", legend_size=Size.SMALL, small=True))
        fields.append(Field.textarea("joining_other", rows=3))
        return fields

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("joining") == "yes" and not (
            cleaned.get("joining_councils") or (cleaned.get("joining_other") or "").strip()
        ):
            self.add_error("joining_other", _("Enter the councils that will take part"))
        if cleaned.get("joining") == "no":
            cleaned["joining_councils"] = []
            cleaned["joining_other"] = ""
        return cleaned


# --- Remote flow (RRP, BRPS, RCHC and other remote offers) ----------------------------------


class IssueForm(StepForm):
    title = _("What would you like help with?")
    summary_labels = {"issue": _("Issue or service area"), "themes": _("Themes")}

    issue = forms.CharField(
        label=_("Describe the issue or service area"),
        help_text=_("For example, governance, transformation, planning or communications."),
        widget=forms.Textarea,
        max_length=3000,
        error_messages={"required": _("Enter the issue or service area you would like help with")},
    )
    themes = _theme_field(_("Themes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = _theme_choices()

    def get_layout_fields(self):
        return [
            Field.textarea("issue", rows=6, max_characters=3000),
            Field.checkboxes("themes", legend_size=Size.SMALL, small=True),
        ]


class RemoteDatesForm(StepForm):
    title = _("Dates and delivery")
    summary_labels = {
        "preferred_dates": _("Preferred dates and times"),
        "pattern": _("Days"),
        "delivery": _("Delivery"),
    }

    preferred_dates = forms.CharField(
        label=_("When would suit you?"),
        help_text=_("Give dates or weeks, and times of day. For example, mornings in March 2027."),
        widget=forms.Textarea,
        max_length=1000,
        error_messages={"required": _("Enter the dates and times that would suit you")},
    )
    pattern = forms.ChoiceField(
        label=_("Should the days be consecutive or spread out?"),
        choices=[
            ("consecutive", _("Consecutive days")),
            ("spread", _("Spread out over a few weeks")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether the days should be consecutive or spread")},
    )
    delivery = forms.ChoiceField(
        label=_("How should it be delivered?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how it should be delivered")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.offer.code != "BRPS":
            del self.fields["pattern"]
        self.fields["delivery"].choices = _delivery_choices(self.offer)
        self.fields["delivery"].initial = self.fields["delivery"].choices[0][0]
        self.fields["delivery"].help_text = _("%(offer)s is remote by default.") % {
            "offer": self.offer.name
        }

    def get_layout_fields(self):
        fields = [Field.textarea("preferred_dates", rows=4)]
        if "pattern" in self.fields:
            fields.append(Field.radios("pattern", legend_size=Size.SMALL))
        fields.append(Field.radios("delivery", legend_size=Size.SMALL))
        return fields


# --- Panel flow (DIP and other offers for a group of councils) ------------------------------


class PanelForm(StepForm):
    title = _("Panel dates")
    summary_labels = {
        "preferred_panel_dates": _("Preferred panel dates"),
        "panel_focus": _("What the panel should know"),
    }

    preferred_panel_dates = forms.CharField(
        label=_("Which panel dates would suit you?"),
        help_text=_(
            "Panels are 2.5 hours online. The programme manager groups councils with similar "
            "characteristics into panels."
        ),
        widget=forms.Textarea,
        max_length=1000,
        error_messages={"required": _("Enter the panel dates that would suit you")},
    )
    panel_focus = forms.CharField(
        label=_("Is there anything the panel should know? (optional)"),
        widget=forms.Textarea,
        required=False,
        max_length=3000,
    )

    def get_layout_fields(self):
        return [
            Field.textarea("preferred_panel_dates", rows=4),
            Field.textarea("panel_focus", rows=5),
        ]


@dataclasses.dataclass(frozen=True)
class Step:
    slug: str
    form_class: type[StepForm]

    @property
    def title(self):
        return self.form_class.title


def request_steps(offer) -> list[Step]:
    """The pages an offer's request asks, in order."""
    if offer.onsite_required:
        steps = [Step("focus", FocusForm)]
        if offer.code == "CPC":
            steps.append(Step("core-components", CoreComponentsForm))
        return [
            *steps,
            Step("timing", TimingForm),
            Step("days-and-delivery", DaysDeliveryForm),
            Step("other-councils", OtherCouncilsForm),
        ]
    if offer.serves_group:
        return [Step("panel-dates", PanelForm)]
    return [Step("issue", IssueForm), Step("dates", RemoteDatesForm)]


class SubmitRequestForm(forms.Form):
    """The check-your-answers button: carries the request's idempotency token."""

    token = forms.UUIDField(widget=forms.HiddenInput)


# --- Documents, change requests, publication --------------------------------------------------


class DocumentUploadForm(PortalFormMixin, forms.Form):
    submit_label = _("Upload document")

    kind = forms.ChoiceField(
        label=_("What is the document?"),
        choices=[
            (DocumentKind.POSITION_STATEMENT, DocumentKind.POSITION_STATEMENT.label),
            (DocumentKind.PREPARATORY, DocumentKind.PREPARATORY.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select what the document is")},
    )
    file = forms.FileField(
        label=_("Upload a file"),
        error_messages={
            "required": _("Select a file"),
            "empty": _("The selected file is empty"),
            "invalid": _("Select a file"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_enctype = "multipart/form-data"
        megabytes = document_max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = _(
            "The file must be a PDF, DOCX, XLSX or ODT and smaller than %(mb)s MB."
        ) % {"mb": megabytes}

    def get_layout_fields(self):
        return [Field.radios("kind", legend_size=Size.SMALL), Field("file")]


def document_max_bytes() -> int:
    return getattr(settings, "COUNCIL_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)


class ChangeRequestForm(PortalFormMixin, forms.Form):
    submit_label = _("Send request")

    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=ChangeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you want to postpone or cancel")},
    )
    reason = forms.CharField(
        label=_("Why?"),
        help_text=_("The programme manager reads this before deciding."),
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": _("Enter why you want to postpone or cancel")},
    )

    def get_layout_fields(self):
        return [Field.radios("kind", legend_size=Size.SMALL), Field.textarea("reason", rows=5)]


class PublicationForm(PortalFormMixin, forms.Form):
    submit_label = _("Save")

    publication_decision = forms.ChoiceField(
        label=_("Will your council publish the feedback report?"),
        choices=[("publish", _("Yes, we will publish it")), ("not_publish", _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether your council will publish the report")},
    )
    published_report_url = forms.URLField(
        label=_("Web address of the published report (optional)"),
        help_text=_("For example, https://www.example.gov.uk/peer-challenge"),
        required=False,
        max_length=200,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address in the correct format")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound and self.data.get("publication_decision") == "not_publish":
            # The address is cleared when the council does not publish; do not judge it.
            self.fields["published_report_url"].validators = []

    def get_layout_fields(self):
        return [
            Field.radios("publication_decision", legend_size=Size.SMALL),
            Field.text("published_report_url"),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("publication_decision") == "not_publish":
            cleaned["published_report_url"] = ""
        return cleaned
