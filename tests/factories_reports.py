"""Factories and builders for the reports tests: engagements with given days, report jobs."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from programmes.models import ActivityDay, DayMode, Engagement, PlaceStatus, TeamPlace, TeamRole
from reports.models import DIPWriteUp, JobStatus, ReportJob, ReportKind
from tests.factories import ManagerFactory
from tests.factories_records import EngagementFactory, offer


def engagement_with_days(
    code: str, status: str, councils, days=(), start_date=None, themes=(), **extra
) -> Engagement:
    """An engagement of offer `code` for `councils` with activity days on `days`.

    Start and end dates are denormalised from the days as the services do; `start_date`
    alone (no days) gives an engagement with a start date but no activity days.
    """
    days = sorted(days)
    engagement = EngagementFactory(
        offer=offer(code),
        status=status,
        councils=list(councils),
        start_date=days[0] if days else start_date,
        end_date=days[-1] if days else None,
        **extra,
    )
    for day in days:
        ActivityDay.objects.create(engagement=engagement, date=day, mode=DayMode.REMOTE)
    if themes:
        engagement.themes.set(themes)
    return engagement


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def place(engagement, peer, status=PlaceStatus.ACCEPTED, days="1", **extra) -> TeamPlace:
    return TeamPlace.objects.create(
        engagement=engagement,
        peer=peer,
        role=extra.pop("role", TeamRole.MEMBER),
        days=Decimal(days),
        status=status,
        **extra,
    )


class ReportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportJob

    kind = ReportKind.STOCKTAKE
    status = JobStatus.QUEUED
    owner = factory.SubFactory(ManagerFactory)
    parameters = factory.LazyFunction(
        lambda: {"period_from": "2020-07-01", "period_to": "2020-11-30", "offers": []}
    )


class DIPWriteUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DIPWriteUp

    engagement = factory.LazyFunction(
        lambda: EngagementFactory(offer=offer("DIP"), status="delivered")
    )
    strengths = "Strong partnership with health."
    good_practice = "A single front door for people sleeping rough."
    emerging_issues = "Move-on accommodation is scarce."
    gaps = "Data on hidden homelessness."


def build_known_data_set() -> dict:
    """The hand-worked data set of the stocktake tests (period 1 Jul – 30 Nov 2020).

    Councils A–C North West (B a district of county C), D London, E South West (abolished
    1 Aug 2020), F Yorkshire, G West Midlands, H North East. See test_reports_stocktake.py
    for every figure worked out by hand.
    """
    from councils.models import CouncilType, Region
    from peers.models import Expertise
    from tests.factories import CouncilFactory
    from tests.factories_records import OfficerPeerFactory, PeerFactory

    c = {}
    c["A"] = CouncilFactory(name="Alpha Council", region=Region.NORTH_WEST)
    c["C"] = CouncilFactory(
        name="Gamma County Council",
        region=Region.NORTH_WEST,
        council_type=CouncilType.COUNTY,
        gss_code="E10999001",
    )
    c["B"] = CouncilFactory(
        name="Beta District Council",
        region=Region.NORTH_WEST,
        council_type=CouncilType.DISTRICT,
        county=c["C"],
        gss_code="E07999001",
    )
    c["D"] = CouncilFactory(
        name="Delta London Borough",
        region=Region.LONDON,
        council_type=CouncilType.LONDON_BOROUGH,
        gss_code="E09999001",
    )
    c["E"] = CouncilFactory(
        name="Epsilon Council", region=Region.SOUTH_WEST, abolished_on=date(2020, 8, 1)
    )
    c["F"] = CouncilFactory(name="Zeta Council", region=Region.YORKSHIRE)
    c["G"] = CouncilFactory(name="Eta Council", region=Region.WEST_MIDLANDS)
    c["H"] = CouncilFactory(
        name="Theta Metropolitan Borough",
        region=Region.NORTH_EAST,
        council_type="metropolitan",
        gss_code="E08999001",
    )
    governance, _ = Expertise.objects.get_or_create(
        slug="governance", defaults={"name": "Governance"}
    )
    tourism, _ = Expertise.objects.get_or_create(slug="tourism", defaults={"name": "Tourism"})

    p = {
        "P1": PeerFactory(
            home_council=c["F"], user__first_name="Perpetua", user__last_name="Onesworth"
        ),
        "P2": OfficerPeerFactory(
            home_council=c["G"], user__first_name="Quintus", user__last_name="Twomley"
        ),
        "P3": PeerFactory(
            home_council=c["A"], user__first_name="Rosalind", user__last_name="Threadgold"
        ),
        "P4": OfficerPeerFactory(
            home_council=c["D"], user__first_name="Septimus", user__last_name="Fouracre"
        ),
        "P5": PeerFactory(
            home_council=c["B"], user__first_name="Tertia", user__last_name="Fiveash"
        ),
        "P6": PeerFactory(
            home_council=c["H"], user__first_name="Ulrica", user__last_name="Sixsmith"
        ),
        "P7": PeerFactory(
            home_council=c["F"], user__first_name="Valentin", user__last_name="Sevenoaks"
        ),
    }
    d = date
    e = {}
    e["E1"] = engagement_with_days(
        "RRP", "delivered", [c["A"]], [d(2020, 7, 10)], themes=[governance],
        good_practice="A chatbot guided residents to support.",
    )  # fmt: skip
    e["E2"] = engagement_with_days(
        "BRPS", "feedback_issued", [c["A"]], days_between(d(2020, 9, 1), d(2020, 9, 3)),
        themes=[governance, tourism],
    )  # fmt: skip
    e["E3"] = engagement_with_days("BRPS", "closed", [c["B"], c["C"]], [d(2020, 11, 30)])
    e["E4"] = engagement_with_days("BRPS", "follow_up", [c["B"]], [d(2020, 6, 30)])
    e["E5"] = engagement_with_days("RRP", "delivered", [c["H"]], [d(2020, 11, 29), d(2020, 12, 1)])
    e["E6"] = engagement_with_days("RRP", "delivered", [c["D"]], start_date=d(2020, 8, 15))
    e["E7"] = engagement_with_days(
        "CPC", "delivered", [c["E"], c["D"]], days_between(d(2020, 10, 5), d(2020, 10, 8)),
        good_practice="Ethical debt collection with a neighbouring council.",
    )  # fmt: skip
    e["E8"] = engagement_with_days("BRPS", "in_delivery", [c["G"]], [d(2020, 10, 1)])
    e["E9"] = engagement_with_days("BRPS", "scheduled", [c["H"]], [d(2021, 1, 10)])
    e["E10"] = engagement_with_days("RRP", "requested", [c["A"]], start_date=d(2021, 3, 31))
    e["E11"] = engagement_with_days("RRP", "postponed", [c["B"]], start_date=d(2021, 2, 1))
    e["E12"] = engagement_with_days("BRPS", "scoping", [c["C"]], start_date=d(2021, 4, 1))
    e["E13"] = engagement_with_days("BRPS", "cancelled", [c["C"]], [d(2020, 9, 9)])
    e["E14"] = engagement_with_days("MENTOR", "delivered", [c["F"]], [d(2020, 10, 20)])
    e["E15"] = engagement_with_days("CPC", "team_confirmed", [c["B"]], [d(2020, 12, 15)])
    e["E16"] = engagement_with_days("BRPS", "delivered", [c["G"]])

    place(e["E1"], p["P1"], days="0.5")
    place(e["E1"], p["P2"], days="0.5")
    place(e["E1"], p["P6"], status=PlaceStatus.DECLINED, days="0.5")
    place(e["E2"], p["P1"], days="3")
    place(e["E2"], p["P3"], days="3")
    place(e["E3"], p["P4"], days="0")
    place(e["E3"], p["P5"], status=PlaceStatus.INVITED, days="1")
    place(e["E5"], p["P6"], days="1")  # delivered after the period: P6 does not count
    place(e["E7"], p["P2"], days="4")
    place(e["E14"], p["P7"], days="2")
    place(e["E9"], p["P3"], days="3")  # planned: does not make P3's home count twice
    return {"councils": c, "peers": p, "engagements": e, "themes": [governance, tourism]}


def build_volume(count: int, *, on: date = date(2020, 9, 15)) -> list[Engagement]:
    """`count` delivered engagements on `on`, each with two accepted peers (for query counts)."""
    from tests.factories import CouncilFactory
    from tests.factories_records import PeerFactory

    made = []
    for n in range(count):
        engagement = engagement_with_days(
            ("RRP", "BRPS", "CPC")[n % 3], "delivered", [CouncilFactory()], [on]
        )
        place(engagement, PeerFactory(), days="1")
        place(engagement, PeerFactory(), days="2")
        made.append(engagement)
    return made
