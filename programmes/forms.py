"""Staff page forms: validation and the GOV.UK layout only; views call services."""

from decimal import Decimal

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import GOVUKFormMixin
from councils.models import Region
from programmes.matching.scoring import PARTS
from programmes.models import EngagementStatus, Offer
from programmes.models_matching import MatchingWeights


class EngagementFilterForm(forms.Form):
    """The filters above the engagement list (GET)."""

    offer = forms.ModelChoiceField(
        label=_("Offer"), queryset=Offer.objects.all(), required=False, empty_label=_("Any")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + EngagementStatus.choices, required=False
    )
    council = forms.CharField(
        label=_("Council"),
        required=False,
        max_length=120,
        help_text=_("Name or ONS code"),
    )
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", _("Any"))] + Region.choices, required=False
    )
    starts_from = DateInputField(
        label=_("Starts on or after"), required=False, require_all_fields=False
    )
    starts_to = DateInputField(
        label=_("Starts on or before"), required=False, require_all_fields=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.select("offer"),
            Field.select("status"),
            Field.text("council", field_width=Fluid.FULL),
            Field.select("region"),
            Field("starts_from", legend_size=Size.SMALL),
            Field("starts_to", legend_size=Size.SMALL),
            Submit("filter", _("Apply filters")),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_from"), data.get("starts_to")
        if start and end and end < start:
            self.add_error("starts_to", _("Enter a date the same as or after the first date"))
        return data


class StatusChoiceField(forms.ChoiceField):
    """Offers the allowed moves but accepts any status: the workflow service refuses the
    others, in the words the admin and the API show (a stale page must not say less)."""

    def valid_value(self, value):
        return value in EngagementStatus.values


class StatusChangeForm(GOVUKFormMixin, forms.Form):
    """Move an engagement on; the service decides whether it may."""

    submit_label = _("Change status")

    to_status = StatusChoiceField(
        label=_("New status"),
        choices=EngagementStatus.choices,
        error_messages={"required": _("Select a new status")},
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=500, widget=forms.Textarea
    )
    override_reason = forms.CharField(
        label=_("Reason for going ahead anyway (optional)"),
        help_text=_(
            "Only when the engagement does not meet the conditions for the new status and you "
            "have decided to go ahead. The reason is recorded on the timeline."
        ),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        if allowed:
            self.fields["to_status"].choices = [
                (value, label) for value, label in EngagementStatus.choices if value in allowed
            ]

    def get_layout_fields(self):
        return [
            Field.radios("to_status", legend_size=Size.MEDIUM, small=True),
            Field.textarea("note", rows=2),
            Field.textarea("override_reason", rows=2),
        ]


class PeerCouncilCheckForm(GOVUKFormMixin, forms.Form):
    """Can this peer work with this council, and if not, why?"""

    submit_label = _("Check")
    form_method = "get"

    peer = forms.CharField(
        label=_("Peer"),
        max_length=200,
        help_text=_("Email address or full name"),
        error_messages={"required": _("Enter the peer's email address or full name")},
    )
    council = forms.CharField(
        label=_("Council"),
        max_length=200,
        help_text=_("Name or ONS code"),
        error_messages={"required": _("Enter the council's name or ONS code")},
    )
    engagement = forms.CharField(
        label=_("Engagement reference (optional)"),
        max_length=30,
        required=False,
        help_text=_("Also checks the dates, the day cap, onsite work and training"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_method = "get"

    def get_layout_fields(self):
        return [
            Field.text("peer", field_width=Fluid.TWO_THIRDS),
            Field.text("council", field_width=Fluid.TWO_THIRDS),
            Field.text("engagement", field_width=Fluid.ONE_THIRD),
        ]


class MatchingWeightsForm(GOVUKFormMixin, forms.ModelForm):
    submit_label = _("Save weights")

    class Meta:
        model = MatchingWeights
        fields = [*PARTS, "diversity", "candidates_per_group"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [*PARTS, "diversity"]:
            field = self.fields[name]
            field.label = field.label[:1].upper() + field.label[1:]
            field.error_messages["required"] = _("Enter a weight from 0 to 10")
            field.error_messages["invalid"] = _("Enter a weight from 0 to 10, like 2 or 1.5")
            field.error_messages["min_value"] = _("Enter a weight from 0 to 10")
            field.error_messages["max_value"] = _("Enter a weight from 0 to 10")
        field = self.fields["candidates_per_group"]
        field.label = _("Candidates offered to the solver per role and group")
        field.error_messages["required"] = _("Enter a number from 1 to 50")

    def get_layout_fields(self):
        return [Field.text(name, field_width=Fluid.ONE_QUARTER) for name in self.fields]


class TeamPicksForm(forms.Form):
    """The ticked candidates of the suggestion page: built from the POST by the view.

    Each candidate row posts ``pick-<role>-<peer>`` (invite / reserve / absent) and
    ``days-<role>-<peer>``.
    """

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)  # (role, peer_id, default days)
        for role, peer_id, days in self.rows:
            self.fields[f"pick-{role}-{peer_id}"] = forms.ChoiceField(
                choices=[("", "-"), ("invite", _("Invite")), ("reserve", _("Reserve"))],
                required=False,
            )
            self.fields[f"days-{role}-{peer_id}"] = forms.DecimalField(
                min_value=Decimal("0.5"),
                max_value=Decimal("99"),
                decimal_places=1,
                required=False,
                initial=days,
                error_messages={
                    "invalid": _("Enter days as a number, like 3 or 0.5"),
                    "min_value": _("Enter at least half a day"),
                    "max_value": _("Enter 99 days or fewer"),
                },
            )

    def clean(self):
        data = super().clean()
        seen = {}
        for role, peer_id, _days in self.rows:
            choice = data.get(f"pick-{role}-{peer_id}")
            if not choice:
                continue
            if peer_id in seen:
                self.add_error(
                    f"pick-{role}-{peer_id}",
                    _("Choose one place for each peer: they are ticked for two roles"),
                )
            seen[peer_id] = role
            # Whole or half days: team_place_add refuses the rest, naming the peer.
        if not seen and not self.errors:
            raise forms.ValidationError(_("Select at least one peer to invite or keep in reserve"))
        return data

    def picks(self):
        from programmes.matching.services import Pick

        picks = []
        for role, peer_id, days in self.rows:
            choice = self.cleaned_data.get(f"pick-{role}-{peer_id}")
            if choice:
                picks.append(
                    Pick(
                        peer_id=peer_id,
                        role=role,
                        days=self.cleaned_data.get(f"days-{role}-{peer_id}") or days,
                        reserve=choice == "reserve",
                    )
                )
        return picks


class AllocationForm(GOVUKFormMixin, forms.Form):
    """Choose the engagements to allocate: those starting in a period without a full team."""

    submit_label = _("Find engagements")

    starts_from = DateInputField(
        label=_("Starting on or after"),
        require_all_fields=False,
    )
    starts_to = DateInputField(
        label=_("Starting on or before"),
        require_all_fields=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_method = "get"
        for name, words in (("starts_from", "first"), ("starts_to", "last")):
            message = _("Enter the %(which)s start date") % {"which": words}
            self.fields[name].error_messages.update({"required": message, "incomplete": message})

    def get_layout_fields(self):
        return [
            Field("starts_from", legend_size=Size.SMALL),
            Field("starts_to", legend_size=Size.SMALL),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_from"), data.get("starts_to")
        if start and end and end < start:
            self.add_error("starts_to", _("Enter a date the same as or after the first date"))
        return data
