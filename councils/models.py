from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.TextChoices):
    NORTH_EAST = "North East", _("North East")
    NORTH_WEST = "North West", _("North West")
    YORKSHIRE = "Yorkshire and the Humber", _("Yorkshire and the Humber")
    EAST_MIDLANDS = "East Midlands", _("East Midlands")
    WEST_MIDLANDS = "West Midlands", _("West Midlands")
    EAST = "East of England", _("East of England")
    LONDON = "London", _("London")
    SOUTH_EAST = "South East", _("South East")
    SOUTH_WEST = "South West", _("South West")
    WALES = "Wales", _("Wales")


class CouncilType(models.TextChoices):
    COUNTY = "county", _("County council")
    DISTRICT = "district", _("District council")
    UNITARY = "unitary", _("Unitary authority")
    METROPOLITAN = "metropolitan", _("Metropolitan borough")
    LONDON_BOROUGH = "london_borough", _("London borough")
    WELSH_UNITARY = "welsh_unitary", _("Welsh unitary authority")
    FIRE = "fire", _("Fire and rescue authority")
    COMBINED = "combined", _("Combined authority")


# ONS (GSS) code prefix -> council type.
TYPE_BY_CODE_PREFIX = {
    "E06": CouncilType.UNITARY,
    "E07": CouncilType.DISTRICT,
    "E08": CouncilType.METROPOLITAN,
    "E09": CouncilType.LONDON_BOROUGH,
    "E10": CouncilType.COUNTY,
    "W06": CouncilType.WELSH_UNITARY,
    "E31": CouncilType.FIRE,
    "E47": CouncilType.COMBINED,
}


class PoliticalControl(models.TextChoices):
    CONSERVATIVE = "conservative", _("Conservative")
    LABOUR = "labour", _("Labour")
    LIBERAL_DEMOCRAT = "liberal_democrat", _("Liberal Democrat")
    INDEPENDENT = "independent", _("Independent")
    GREEN = "green", _("Green")
    NO_OVERALL_CONTROL = "no_overall_control", _("No overall control")
    OTHER = "other", _("Other")


class Council(models.Model):
    """A principal council (or fire / combined authority), identified by its ONS code."""

    gss_code = models.CharField(_("ONS code"), max_length=9, unique=True)
    name = models.CharField(max_length=120)
    council_type = models.CharField(max_length=20, choices=CouncilType.choices)
    county = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
        limit_choices_to={"council_type": CouncilType.COUNTY},
        help_text=_("For a district: the county of its two-tier area."),
    )
    region = models.CharField(max_length=32, choices=Region.choices)
    abolished_on = models.DateField(
        null=True, blank=True, help_text=_("Councils abolished by reorganisation stay on record.")
    )
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    political_control = models.CharField(
        max_length=20, choices=PoliticalControl.choices, blank=True
    )
    principal_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advised_councils",
        limit_choices_to={"is_staff": True},
    )
    nsap_funded = models.BooleanField(
        _("received NSAP funding"),
        default=False,
        help_text=_(
            "Next Steps Accommodation Programme: expected to join a Delivery and Impact Panel."
        ),
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["region"]), models.Index(fields=["council_type"])]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.abolished_on is None

    @property
    def is_upper_tier(self) -> bool:
        return self.council_type != CouncilType.DISTRICT

    @property
    def default_cpc_days(self) -> int:
        """Upper-tier councils get 4 onsite days for a CPC, districts 3."""
        return 4 if self.is_upper_tier else 3

    def two_tier_area_ids(self) -> set[int]:
        """Ids of councils in the same two-tier area, itself included.

        A district shares an area with its county and the county's other districts;
        a county with all its districts; any other council only with itself.
        """
        if self.council_type == CouncilType.DISTRICT and self.county_id:
            county_id = self.county_id
        elif self.council_type == CouncilType.COUNTY:
            county_id = self.pk
        else:
            return {self.pk}
        ids = set(Council.objects.filter(county_id=county_id).values_list("pk", flat=True))
        return ids | {county_id, self.pk}


# The council portal's own records live in their own module; importing them registers them.
from councils.portal_models import (  # noqa: E402, F401
    ChangeRequest,
    CouncilRequest,
    RequestSubmission,
)
