"""Query filters (django-filter). Codes, not ids, name councils and offers: they are stable.

The schema says exactly what the filters accept (a code of 1 to 120 characters, an id from
1 to MAX_ID), so a request the schema allows is never refused with a 400, and one it does
not allow (an empty value, id 0) is.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.drainage import set_override

from api.selectors import MAX_ID
from councils.models import Council, CouncilType, Region
from peers.models import Peer, PeerKind, PeerStatus, PoliticalGroup
from programmes.models import Engagement, EngagementStatus, PlaceStatus, TeamPlace, TeamRole


class StrictFilterSet(django_filters.FilterSet):
    """Refuses what the schema does not allow instead of ignoring it: a filter given with no
    value, or a true/false filter given anything else."""

    def is_valid(self):
        super().is_valid()
        for name, filter_ in self.filters.items():
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if not values or name in self.form.errors:
                continue
            if any(value == "" for value in values):
                self.form.add_error(name, f"Enter a value for {name}, or leave it out.")
            elif isinstance(filter_, django_filters.BooleanFilter) and any(
                value not in ("true", "false") for value in values
            ):
                self.form.add_error(name, "Enter true or false.")
        return not self.form.errors


class WholeNumberField(forms.IntegerField):
    default_error_messages = {"invalid": "Enter a whole number."}

    def to_python(self, value):
        if value not in self.empty_values and not (str(value).isascii() and str(value).isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def _documented(filter_, schema: dict):
    """Describe the filter in the schema as exactly what its field accepts."""
    help_text = filter_.extra.get("help_text")
    if help_text:
        schema["description"] = str(help_text)
    set_override(filter_, "field", schema)


class IdFilter(django_filters.NumberFilter):
    """A whole-number id within what a database can hold (anything else is a 400)."""

    field_class = WholeNumberField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
        _documented(
            self,
            {"type": "integer", "minimum": kwargs["min_value"], "maximum": kwargs["max_value"]},
        )


class CodeFilter(django_filters.CharFilter):
    """A code: 1 to 120 characters, no NUL (an empty value is refused, not ignored)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 120)
        super().__init__(*args, **kwargs)
        _documented(
            self,
            {
                "type": "string",
                "minLength": 1,
                "maxLength": kwargs["max_length"],
                "pattern": "^[^\\x00]+$",
            },
        )


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """ISO 8601 converted to UTC: PostgreSQL refuses offsets past ±15:59 (Python allows ±23:59)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            # Within a day of the first or last moment Python can hold: any ISO 8601 time
            # the schema allows is answered, with the earliest or latest instant.
            edge = datetime.datetime.min if value.year == 1 else datetime.datetime.max
            return edge.replace(tzinfo=datetime.UTC)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class IsoDateFilter(django_filters.DateFilter):
    """A date written as YYYY-MM-DD only (the schema's "date" format)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class CouncilFilter(StrictFilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices)
    council_type = django_filters.ChoiceFilter(choices=CouncilType.choices)
    county = CodeFilter(field_name="county__gss_code", help_text="The county's ONS code.")
    active = django_filters.BooleanFilter(
        method="filter_active", help_text="true: existing councils; false: abolished ones."
    )

    class Meta:
        model = Council
        fields = ["region", "council_type", "county", "active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(abolished_on__isnull=value)


class EngagementFilter(StrictFilterSet):
    offer = CodeFilter(field_name="offer__code", help_text="An offer code, for example CPC.")
    status = django_filters.MultipleChoiceFilter(choices=EngagementStatus.choices)
    council = CodeFilter(
        field_name="councils__gss_code", distinct=True, help_text="A council's ONS code."
    )
    region = django_filters.ChoiceFilter(
        field_name="councils__region", choices=Region.choices, distinct=True
    )
    reference = CodeFilter()
    starts_after = IsoDateFilter(
        field_name="start_date", lookup_expr="gte", help_text="First activity day on or after."
    )
    starts_before = IsoDateFilter(
        field_name="start_date", lookup_expr="lte", help_text="First activity day on or before."
    )
    ends_after = IsoDateFilter(
        field_name="end_date", lookup_expr="gte", help_text="Last activity day on or after."
    )
    ends_before = IsoDateFilter(
        field_name="end_date", lookup_expr="lte", help_text="Last activity day on or before."
    )
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)."
    )

    class Meta:
        model = Engagement
        fields = [
            "offer",
            "status",
            "council",
            "region",
            "reference",
            "starts_after",
            "starts_before",
            "ends_after",
            "ends_before",
            "updated_since",
        ]


class TeamPlaceFilter(StrictFilterSet):
    engagement = IdFilter(field_name="engagement_id")
    peer = IdFilter(field_name="peer_id")
    status = django_filters.MultipleChoiceFilter(choices=PlaceStatus.choices)
    role = django_filters.ChoiceFilter(choices=TeamRole.choices)
    offer = CodeFilter(field_name="engagement__offer__code")
    council = CodeFilter(field_name="engagement__councils__gss_code", distinct=True)
    region = django_filters.ChoiceFilter(
        field_name="engagement__councils__region", choices=Region.choices, distinct=True
    )
    starts_after = IsoDateFilter(field_name="engagement__start_date", lookup_expr="gte")
    starts_before = IsoDateFilter(field_name="engagement__start_date", lookup_expr="lte")

    class Meta:
        model = TeamPlace
        fields = [
            "engagement",
            "peer",
            "status",
            "role",
            "offer",
            "council",
            "region",
            "starts_after",
            "starts_before",
        ]


class PeerFilter(StrictFilterSet):
    kind = django_filters.ChoiceFilter(choices=PeerKind.choices)
    status = django_filters.ChoiceFilter(choices=PeerStatus.choices)
    political_group = django_filters.ChoiceFilter(choices=PoliticalGroup.choices)
    home_council = CodeFilter(field_name="home_council__gss_code")
    region = django_filters.ChoiceFilter(
        method="filter_region",
        choices=Region.choices,
        help_text="Peers willing to work in the region.",
    )
    expertise = CodeFilter(field_name="expertise__slug", distinct=True)

    class Meta:
        model = Peer
        fields = ["kind", "status", "political_group", "home_council", "region", "expertise"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(Q(regions__name=value)).distinct()
