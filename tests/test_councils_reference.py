"""The ONS reference list of councils and the service that loads it."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from councils.models import Council, CouncilType, PoliticalControl, Region
from councils.reference import CHANGE_REASON, councils_load_reference
from tests.factories import CouncilFactory

pytestmark = pytest.mark.django_db

REORGANISED_ON = date(2023, 4, 1)


@pytest.fixture
def loaded():
    return councils_load_reference()


def council(gss_code: str) -> Council:
    return Council.objects.select_related("county", "successor").get(gss_code=gss_code)


def test_load_creates_every_lower_tier_council_county_and_2023_unitary(loaded):
    """331 lower-tier rows + 24 counties (2021) + 4 unitaries created in April 2023."""
    assert loaded == {"created": 359, "updated": 0, "unchanged": 0}
    assert Council.objects.count() == 359


def test_load_counts_every_council_type(loaded):
    counts = Counter(Council.objects.values_list("council_type", flat=True))

    assert counts == {
        CouncilType.UNITARY: 59 + 4,
        CouncilType.DISTRICT: 181,
        CouncilType.METROPOLITAN: 36,
        CouncilType.LONDON_BOROUGH: 33,
        CouncilType.COUNTY: 24,
        CouncilType.WELSH_UNITARY: 22,
    }


def test_council_type_follows_the_code_prefix(loaded):
    prefixes = {
        CouncilType.UNITARY: "E06",
        CouncilType.DISTRICT: "E07",
        CouncilType.METROPOLITAN: "E08",
        CouncilType.LONDON_BOROUGH: "E09",
        CouncilType.COUNTY: "E10",
        CouncilType.WELSH_UNITARY: "W06",
    }
    for gss_code, council_type in Council.objects.values_list("gss_code", "council_type"):
        assert gss_code.startswith(prefixes[council_type]), gss_code


def test_after_april_2023_england_has_317_councils_and_wales_22(loaded):
    """20 councils were abolished in 2023; the active ones match the LGA's count of 317."""
    active = Council.objects.filter(abolished_on__isnull=True)

    assert Council.objects.filter(abolished_on__isnull=False).count() == 20
    assert active.filter(gss_code__startswith="E").count() == 317
    assert active.filter(gss_code__startswith="W").count() == 22


def test_every_district_has_a_county_and_takes_its_region(loaded):
    districts = Council.objects.filter(council_type=CouncilType.DISTRICT).select_related("county")

    assert districts.count() == 181
    for district in districts:
        assert district.county is not None, district.gss_code
        assert district.county.council_type == CouncilType.COUNTY
        assert district.region == district.county.region, district.gss_code


def test_only_districts_have_a_county(loaded):
    assert (
        not Council.objects.exclude(council_type=CouncilType.DISTRICT)
        .filter(county__isnull=False)
        .exists()
    )


def test_every_council_has_one_of_the_ten_regions(loaded):
    regions = set(Council.objects.values_list("region", flat=True))

    assert regions == set(Region.values)
    assert len(Region.values) == 10


def test_lower_tier_councils_per_region_match_the_ons_2021_lookup(loaded):
    """Local authority districts per region in the ONS April 2021 lookup (309 in England)."""
    lower_tier = Council.objects.exclude(council_type=CouncilType.COUNTY).exclude(
        gss_code__in=["E06000063", "E06000064", "E06000065", "E06000066"]
    )

    assert Counter(lower_tier.values_list("region", flat=True)) == {
        Region.NORTH_EAST: 12,
        Region.NORTH_WEST: 39,
        Region.YORKSHIRE: 21,
        Region.EAST_MIDLANDS: 35,
        Region.WEST_MIDLANDS: 30,
        Region.EAST: 45,
        Region.LONDON: 33,
        Region.SOUTH_EAST: 64,
        Region.SOUTH_WEST: 30,
        Region.WALES: 22,
    }


def test_london_and_wales_regions_follow_the_code(loaded):
    assert set(
        Council.objects.filter(gss_code__startswith="E09").values_list("region", flat=True)
    ) == {Region.LONDON}
    assert set(
        Council.objects.filter(gss_code__startswith="W06").values_list("region", flat=True)
    ) == {Region.WALES}


@pytest.mark.parametrize(
    ("gss_code", "name", "council_type", "region"),
    [
        ("E06000001", "Hartlepool", CouncilType.UNITARY, Region.NORTH_EAST),
        ("E08000003", "Manchester", CouncilType.METROPOLITAN, Region.NORTH_WEST),
        ("W06000015", "Cardiff", CouncilType.WELSH_UNITARY, Region.WALES),
        ("E10000016", "Kent", CouncilType.COUNTY, Region.SOUTH_EAST),
        ("E06000052", "Cornwall", CouncilType.UNITARY, Region.SOUTH_WEST),
        ("E09000033", "Westminster", CouncilType.LONDON_BOROUGH, Region.LONDON),
        ("E10000006", "Cumbria", CouncilType.COUNTY, Region.NORTH_WEST),
        ("E10000023", "North Yorkshire", CouncilType.COUNTY, Region.YORKSHIRE),
        ("E06000054", "Wiltshire", CouncilType.UNITARY, Region.SOUTH_WEST),
        ("E06000060", "Buckinghamshire", CouncilType.UNITARY, Region.SOUTH_EAST),
        ("E06000061", "North Northamptonshire", CouncilType.UNITARY, Region.EAST_MIDLANDS),
        ("E06000062", "West Northamptonshire", CouncilType.UNITARY, Region.EAST_MIDLANDS),
        ("E06000042", "Milton Keynes", CouncilType.UNITARY, Region.SOUTH_EAST),
        ("E06000031", "Peterborough", CouncilType.UNITARY, Region.EAST),
        ("E06000019", "Herefordshire, County of", CouncilType.UNITARY, Region.WEST_MIDLANDS),
        ("E08000037", "Gateshead", CouncilType.METROPOLITAN, Region.NORTH_EAST),
        ("E08000016", "Barnsley", CouncilType.METROPOLITAN, Region.YORKSHIRE),
        ("E08000025", "Birmingham", CouncilType.METROPOLITAN, Region.WEST_MIDLANDS),
        ("E06000012", "North East Lincolnshire", CouncilType.UNITARY, Region.YORKSHIRE),
        ("E10000019", "Lincolnshire", CouncilType.COUNTY, Region.EAST_MIDLANDS),
    ],
)
def test_spot_checks(loaded, gss_code, name, council_type, region):
    found = council(gss_code)

    assert (found.name, found.council_type, found.region) == (name, council_type, region)
    assert found.county is None
    assert found.is_upper_tier


def test_kent_has_its_twelve_districts(loaded):
    kent = council("E10000016")
    maidstone = council("E07000110")

    assert maidstone.name == "Maidstone"
    assert maidstone.council_type == CouncilType.DISTRICT
    assert maidstone.county == kent
    assert maidstone.region == Region.SOUTH_EAST
    assert maidstone.default_cpc_days == 3
    assert kent.default_cpc_days == 4
    assert kent.districts.count() == 12


@pytest.mark.parametrize(
    ("old_code", "old_name", "successor_code", "successor_name"),
    [
        ("E07000026", "Allerdale", "E06000063", "Cumberland"),
        ("E07000028", "Carlisle", "E06000063", "Cumberland"),
        ("E07000029", "Copeland", "E06000063", "Cumberland"),
        ("E07000027", "Barrow-in-Furness", "E06000064", "Westmorland and Furness"),
        ("E07000030", "Eden", "E06000064", "Westmorland and Furness"),
        ("E07000031", "South Lakeland", "E06000064", "Westmorland and Furness"),
        ("E10000006", "Cumbria", "E06000064", "Westmorland and Furness"),
        ("E10000023", "North Yorkshire", "E06000065", "North Yorkshire"),
        ("E07000163", "Craven", "E06000065", "North Yorkshire"),
        ("E07000164", "Hambleton", "E06000065", "North Yorkshire"),
        ("E07000165", "Harrogate", "E06000065", "North Yorkshire"),
        ("E07000166", "Richmondshire", "E06000065", "North Yorkshire"),
        ("E07000167", "Ryedale", "E06000065", "North Yorkshire"),
        ("E07000168", "Scarborough", "E06000065", "North Yorkshire"),
        ("E07000169", "Selby", "E06000065", "North Yorkshire"),
        ("E10000027", "Somerset", "E06000066", "Somerset"),
        ("E07000187", "Mendip", "E06000066", "Somerset"),
        ("E07000188", "Sedgemoor", "E06000066", "Somerset"),
        ("E07000189", "South Somerset", "E06000066", "Somerset"),
        ("E07000246", "Somerset West and Taunton", "E06000066", "Somerset"),
    ],
)
def test_2023_reorganisation_keeps_abolished_councils_with_their_successor(
    loaded, old_code, old_name, successor_code, successor_name
):
    old = council(old_code)

    assert old.name == old_name
    assert old.abolished_on == REORGANISED_ON
    assert not old.is_active
    assert old.successor.gss_code == successor_code
    assert old.successor.name == successor_name
    assert old.successor.is_active
    assert old.region == old.successor.region


def test_abolished_districts_keep_their_county(loaded):
    carlisle = council("E07000028")

    assert carlisle.county.gss_code == "E10000006"
    assert carlisle.successor.name == "Cumberland"


@pytest.mark.parametrize(
    ("gss_code", "name", "region", "predecessors"),
    [
        ("E06000063", "Cumberland", Region.NORTH_WEST, 3),
        ("E06000064", "Westmorland and Furness", Region.NORTH_WEST, 4),
        ("E06000065", "North Yorkshire", Region.YORKSHIRE, 8),
        ("E06000066", "Somerset", Region.SOUTH_WEST, 5),
    ],
)
def test_2023_unitaries_are_active(loaded, gss_code, name, region, predecessors):
    unitary = council(gss_code)

    assert (unitary.name, unitary.council_type, unitary.region) == (
        name,
        CouncilType.UNITARY,
        region,
    )
    assert unitary.is_active
    assert unitary.successor is None
    assert unitary.predecessors.count() == predecessors


def test_second_load_changes_nothing_in_one_select(loaded, django_assert_num_queries):
    history_before = Council.history.count()

    # One SELECT; the other two are the service's savepoint and its release.
    with django_assert_num_queries(3):
        counts = councils_load_reference()

    assert counts == {"created": 0, "updated": 0, "unchanged": 359}
    assert Council.history.count() == history_before


def test_load_keeps_manager_edits(loaded):
    """Given a manager's edits, when the reference is loaded again, then they stay."""
    manager_edit = {
        "notes": "Prefers a March start.",
        "political_control": PoliticalControl.NO_OVERALL_CONTROL,
        "nsap_funded": True,
    }
    Council.objects.filter(gss_code="E07000110").update(**manager_edit)

    counts = councils_load_reference()

    maidstone = council("E07000110")
    assert counts["updated"] == 0
    assert {field: getattr(maidstone, field) for field in manager_edit} == manager_edit


def test_load_keeps_an_abolition_the_reference_does_not_know(loaded):
    """A later reorganisation recorded by a manager is not undone by the next load."""
    Council.objects.filter(gss_code="E07000110").update(
        abolished_on=date(2028, 4, 1), successor=council("E10000016")
    )

    councils_load_reference()

    maidstone = council("E07000110")
    assert maidstone.abolished_on == date(2028, 4, 1)
    assert maidstone.successor.gss_code == "E10000016"


def test_load_restores_reference_fields_and_records_history(loaded):
    Council.objects.filter(gss_code="E06000001").update(
        name="Hartlepool Borough", region=Region.WALES, notes="kept"
    )

    counts = councils_load_reference()

    hartlepool = council("E06000001")
    assert counts == {"created": 0, "updated": 1, "unchanged": 358}
    assert (hartlepool.name, hartlepool.region, hartlepool.notes) == (
        "Hartlepool",
        Region.NORTH_EAST,
        "kept",
    )
    latest = hartlepool.history.latest()
    assert latest.history_type == "~"
    assert latest.history_change_reason == CHANGE_REASON


def test_first_load_records_history_for_every_council(loaded):
    assert Council.history.filter(
        history_type="+", history_change_reason=CHANGE_REASON
    ).count() == (359)


def test_load_updates_a_council_that_already_exists_by_code():
    """Given a council entered by hand under its ONS code, the load completes it, no duplicate."""
    county = CouncilFactory(
        gss_code="E10000016", name="Kent CC", council_type=CouncilType.UNITARY, notes="ours"
    )

    counts = councils_load_reference()

    kent = council("E10000016")
    assert counts == {"created": 358, "updated": 1, "unchanged": 0}
    assert kent.pk == county.pk
    assert (kent.name, kent.council_type, kent.region, kent.notes) == (
        "Kent",
        CouncilType.COUNTY,
        Region.SOUTH_EAST,
        "ours",
    )
    assert kent.districts.count() == 12


def test_load_leaves_councils_outside_the_reference_alone():
    fire = CouncilFactory(
        gss_code="E31000001", name="A fire authority", council_type=CouncilType.FIRE
    )

    councils_load_reference()

    fire.refresh_from_db()
    assert (fire.name, fire.council_type, fire.region) == (
        "A fire authority",
        CouncilType.FIRE,
        Region.NORTH_WEST,
    )


def test_command_prints_a_summary_and_credits_the_source():
    out = StringIO()

    call_command("load_councils", stdout=out)

    output = out.getvalue()
    assert output.count("\n") == 1
    assert "359 created, 0 updated" in output
    assert "Office for National Statistics" in output
    assert "Open Government Licence v3.0" in output


def test_two_tier_area_of_a_district_is_its_county_and_sibling_districts(loaded):
    kent = council("E10000016")
    maidstone = council("E07000110")
    kent_ids = set(Council.objects.filter(county=kent).values_list("pk", flat=True)) | {kent.pk}

    assert len(kent_ids) == 13
    assert maidstone.two_tier_area_ids() == kent_ids
    assert council("E07000105").two_tier_area_ids() == kent_ids  # Ashford
    assert kent.two_tier_area_ids() == kent_ids


def test_two_tier_area_does_not_cross_counties(loaded):
    maidstone_area = council("E07000110").two_tier_area_ids()

    assert council("E10000030").pk not in maidstone_area  # Surrey
    assert council("E07000207").pk not in maidstone_area  # Elmbridge, Surrey


@pytest.mark.parametrize("gss_code", ["E06000001", "E08000003", "W06000015", "E06000065"])
def test_two_tier_area_of_a_single_tier_council_is_itself(loaded, gss_code):
    single = council(gss_code)

    assert single.two_tier_area_ids() == {single.pk}
