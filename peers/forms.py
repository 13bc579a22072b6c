"""Peer portal forms: validation and the GOV.UK layout only; views pass cleaned data on."""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import GOVUKFormMixin
from councils.models import Council
from peers.models import (
    AgeBand,
    Disability,
    EthnicGroup,
    Expertise,
    RoleCategory,
    Sex,
    SexualOrientation,
    WorkMode,
    WorkRegion,
)


class ContactForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Save")

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        error_messages={"required": _("Enter your first name")},
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, error_messages={"required": _("Enter your last name")}
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        required=False,
        help_text=_("Optional. For the programme team to reach you about an engagement."),
    )
    job_title = forms.CharField(
        label=_("Job title"),
        max_length=150,
        error_messages={"required": _("Enter your job title")},
        help_text=_("For example, Leader of the council or Director of finance."),
    )
    role_category = forms.ChoiceField(
        label=_("Which best describes your role?"),
        choices=RoleCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the option that best describes your role")},
    )

    def get_layout_fields(self):
        return [
            Field.text("first_name", field_width=Fluid.ONE_HALF, autocomplete="given-name"),
            Field.text("last_name", field_width=Fluid.ONE_HALF, autocomplete="family-name"),
            Field.text("phone", field_width=Fluid.ONE_HALF, autocomplete="tel"),
            Field.text(
                "job_title", field_width=Fluid.TWO_THIRDS, autocomplete="organization-title"
            ),
            Field.radios("role_category", legend_size=Size.MEDIUM),
        ]


class ExpertiseForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Save")

    expertise = forms.ModelMultipleChoiceField(
        label=_("Which areas do you have expertise in?"),
        queryset=Expertise.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Select all that apply. Managers use these to match you to engagements."),
    )

    def get_layout_fields(self):
        return [Field.checkboxes("expertise", legend_size=Size.MEDIUM, small=True)]


class RegionsForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Save")

    regions = forms.ModelMultipleChoiceField(
        label=_("Which regions are you willing to work in?"),
        queryset=WorkRegion.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one region")},
        help_text=_("Select all that apply."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].label_from_instance = lambda region: region.get_name_display()

    def get_layout_fields(self):
        return [Field.checkboxes("regions", legend_size=Size.MEDIUM, small=True)]


class WorkModeForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Save")

    work_mode = forms.ChoiceField(
        label=_("Can you work onsite, remotely or both?"),
        choices=WorkMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you can work onsite, remotely or both")},
        help_text=_("Onsite work means travelling to the council for one or more days."),
    )

    def get_layout_fields(self):
        return [Field.radios("work_mode", legend_size=Size.MEDIUM)]


class CouncilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, council):
        return council.name


class ConflictAddForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Add conflict")

    council = CouncilChoiceField(
        label=_("Council"),
        queryset=Council.objects.none(),
        empty_label=_("Select a council"),
        error_messages={"required": _("Select a council")},
        help_text=_(
            "For example, a council you have worked for recently, where a close relative "
            "works, or that you are in dispute with."
        ),
    )

    def __init__(self, *args, councils=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["council"]
        # Any council is accepted, so the service refuses one that was abolished or already
        # declared in its own words (the admin's words too); only the ones left are offered.
        field.queryset = Council.objects.order_by("name")
        if councils is not None:
            field.widget.choices = [("", field.empty_label)] + [
                (council.pk, field.label_from_instance(council)) for council in councils
            ]

    def get_layout_fields(self):
        return [Field.select("council")]


class UnavailabilityForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Add period")

    starts_on = DateInputField(
        label=_("First day you are unavailable"),
        help_text=_("For example, 27 3 2026"),
        require_all_fields=False,
    )
    ends_on = DateInputField(
        label=_("Last day you are unavailable"),
        help_text=_("For example, 10 4 2026"),
        require_all_fields=False,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only the programme team sees this. You do not have to give a reason."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].error_messages.update(
            {
                "required": _("Enter the first day you are unavailable"),
                "incomplete": _("Enter the first day you are unavailable"),
            }
        )
        self.fields["ends_on"].error_messages.update(
            {
                "required": _("Enter the last day you are unavailable"),
                "incomplete": _("Enter the last day you are unavailable"),
            }
        )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day must be the same as or after the first day"))
        return cleaned

    def get_layout_fields(self):
        return [
            Field("starts_on", legend_size=Size.SMALL),
            Field("ends_on", legend_size=Size.SMALL),
            Field.text("reason", field_width=Fluid.TWO_THIRDS),
        ]


def _question(label, choices, required_message):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


class EqualitiesForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Save my answers")

    sex = _question(_("What is your sex?"), Sex.choices, _("Select your sex, or prefer not to say"))
    ethnic_group = _question(
        _("What is your ethnic group?"),
        EthnicGroup.choices,
        _("Select your ethnic group, or prefer not to say"),
    )
    disability = _question(
        _("Do you consider yourself to have a disability?"),
        Disability.choices,
        _("Select whether you have a disability, or prefer not to say"),
    )
    age_band = _question(
        _("What is your age?"), AgeBand.choices, _("Select your age, or prefer not to say")
    )
    sexual_orientation = _question(
        _("What is your sexual orientation?"),
        SexualOrientation.choices,
        _("Select your sexual orientation, or prefer not to say"),
    )
    consent_given = forms.BooleanField(
        label=_(
            "I agree that the programme may hold these answers and use them, in aggregate, "
            "to see gaps in the peer pool"
        ),
        error_messages={
            "required": _("Confirm that you agree to share this information, or leave the page")
        },
    )

    def get_layout_fields(self):
        return [
            *(
                Field.radios(name, legend_size=Size.SMALL, small=True)
                for name in ("sex", "ethnic_group", "disability", "age_band", "sexual_orientation")
            ),
            Field.checkbox("consent_given"),
        ]


class InvitationAcceptForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Accept invitation")

    # Not required here: programmes.services.team_place_respond refuses an acceptance
    # without the declaration, in the words the API shows too.
    no_conflict_declared = forms.BooleanField(label="", required=False)

    def __init__(self, *args, councils: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["no_conflict_declared"].label = _(
            "I declare that I have no conflict of interest with %(councils)s"
        ) % {"councils": councils or _("the council")}

    def get_layout_fields(self):
        return [Field.checkbox("no_conflict_declared")]


class InvitationDeclineForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Decline invitation")

    reason = forms.CharField(
        label=_("Why are you declining? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("This helps the programme team plan future teams."),
    )

    def get_layout_fields(self):
        return [Field.textarea("reason", label_size=Size.SMALL)]
