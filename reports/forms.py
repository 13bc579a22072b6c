"""Forms of the reports pages: GOV.UK layout and validation only; views call services."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import GOVUKFormMixin
from programmes.models import Offer


class ReportDateField(DateInputField):
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


class PeriodForm(GOVUKFormMixin, forms.Form):
    """The period a report covers."""

    submit_label = _("Continue")

    period_from = ReportDateField(
        label=_("First day of the period"),
        help_text=_("For example, 1 7 2020"),
        required_message=_("Enter the first day of the period"),
        require_all_fields=False,
    )
    period_to = ReportDateField(
        label=_("Last day of the period"),
        help_text=_("For example, 30 11 2020"),
        required_message=_("Enter the last day of the period"),
        require_all_fields=False,
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and end < start:
            self.add_error(
                "period_to", _("The last day must be the same as or after the first day")
            )
        return cleaned

    def get_layout_fields(self):
        return [
            Field("period_from", legend_size=Size.SMALL),
            Field("period_to", legend_size=Size.SMALL),
        ]


class StocktakeParametersForm(PeriodForm):
    """Step 1 of a stocktake: period, offers and the 'planned until' date."""

    offers = forms.ModelMultipleChoiceField(
        label=_("Offers to include"),
        help_text=_("Select none to include every offer."),
        queryset=Offer.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    planned_until = ReportDateField(
        label=_("Count planned engagements starting up to (optional)"),
        help_text=_(
            "Leave blank for the end of the financial year that contains the period's end."
        ),
        required=False,
        required_message=_("Enter the last day for planned engagements"),
        require_all_fields=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offers"].label_from_instance = lambda offer: f"{offer.name} ({offer.code})"

    def clean(self):
        cleaned = super().clean()
        end, until = cleaned.get("period_to"), cleaned.get("planned_until")
        if end and until and until < end:
            self.add_error(
                "planned_until", _("The date for planned engagements must be after the period")
            )
        return cleaned

    def get_layout_fields(self):
        return [
            *super().get_layout_fields(),
            Field.checkboxes("offers", legend_size=Size.SMALL, small=True),
            Field("planned_until", legend_size=Size.SMALL),
        ]


class StocktakeContentForm(GOVUKFormMixin, forms.Form):
    """Step 2 of a stocktake: recommendations, quotes and good-practice examples."""

    submit_label = _("Build the stocktake")

    recommendations = forms.CharField(
        label=_("Recommendations (optional)"),
        help_text=_("One recommendation per paragraph: leave a blank line between them."),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    quotes = forms.MultipleChoiceField(
        label=_("Quotes to include"),
        help_text=_("Only comments whose authors agreed to be quoted anonymously are listed."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    good_practice = forms.MultipleChoiceField(
        label=_("Good-practice examples to include"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, quote_choices=(), good_practice_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quotes"].choices = list(quote_choices)
        self.fields["good_practice"].choices = list(good_practice_choices)
        # The layout depends on the choices, which exist only now.
        self.helper.layout = Layout(*self.get_layout_fields(), Submit("submit", self.submit_label))

    def recommendation_list(self) -> list[str]:
        text = self.cleaned_data.get("recommendations", "").replace("\r\n", "\n")
        return [part.strip() for part in text.split("\n\n") if part.strip()]

    def get_layout_fields(self):
        fields = [Field.textarea("recommendations")]
        if self.fields["quotes"].choices:
            fields.append(Field.checkboxes("quotes", legend_size=Size.SMALL, small=True))
        if self.fields["good_practice"].choices:
            fields.append(Field.checkboxes("good_practice", legend_size=Size.SMALL, small=True))
        return fields


class DashboardPeriodForm(forms.Form):
    """The financial year the board dashboard shows (a GET form)."""

    year = forms.TypedChoiceField(label=_("Financial year"), coerce=int)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, f"{year}/{(year + 1) % 100:02d}") for year in years]
