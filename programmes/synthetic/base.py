"""Shared pieces of the synthetic builder: constants, helpers and the base class."""

import contextlib
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from councils.models import CouncilType
from programmes import workflow
from programmes.models import (
    EngagementStatus,
    PlaceStatus,
)

S = EngagementStatus
DOMAIN = "synthetic.example.org"
PEERS_PER_SCALE = 1000
ENGAGEMENTS_PER_YEAR = 300
BATCH = 2000
DAY_CAP = Decimal(str(getattr(settings, "PEER_DAY_CAP", 40)))
STATES = list(workflow.ORDER) + [S.CANCELLED, S.POSTPONED]
HELD = (PlaceStatus.INVITED, PlaceStatus.ACCEPTED)
PRINCIPAL = (
    CouncilType.COUNTY,
    CouncilType.DISTRICT,
    CouncilType.UNITARY,
    CouncilType.METROPOLITAN,
    CouncilType.LONDON_BOROUGH,
    CouncilType.WELSH_UNITARY,
)

FIRST = (  # noqa: SIM905 - a readable list of names
    "Aisha Ben Chloe Dev Ellen Farid Grace Hugh Imran Jo Kate Liam Maya Nadia Owen Pat Rosa "
    "Sunil Tara Will Amir Bethan Carys Dafydd Emeka Fiona Gareth Hannah Ian Jasmine Kwame Leah "
    "Mohammed Niamh Oliver Priya Rhys Sarah Tom Usha Victoria Wendy Yusuf Zara Alan Brenda "
    "Colin Deborah Edward Fatima George Helen Iqra Julian Karen Lucy Martin Nigel Olivia Paul"
).split()
LAST = (  # noqa: SIM905 - a readable list of names
    "Adams Begum Clarke Davies Evans Fox Green Hussain Iqbal Jones Khan Lewis Morgan Patel "
    "Reid Singh Taylor Walker Wright Young Ahmed Baker Campbell Dixon Edwards Fraser Griffiths "
    "Hall Hughes Jackson Kaur Lee Martin Nelson Owen Parry Quinn Roberts Smith Thomas Turner "
    "Vaughan Ward Watson White Williams Wilson Wood Ali Brown Chowdhury Doyle Ellis Foster "
    "Grant Harris"
).split()
FOCUS = [
    "Financial sustainability and the medium-term financial plan",
    "Recovery from the pandemic and renewal of the local economy",
    "Governance, scrutiny and decision-making",
    "Housing, homelessness and rough sleeping",
    "Organisational capacity and transformation",
    "Place leadership and partnerships",
    "Children's services improvement",
    "Climate change and the council's net zero plan",
]
COMMENTS = [
    "The team understood our context quickly and challenged us constructively.",
    "Very useful; the feedback letter gave us a clear plan to work from.",
    "The remote format worked better than we expected.",
    "We would have liked more time with the team on finance.",
    "Excellent preparation and a well-balanced team.",
    "Some recommendations were generic, but the roundtable was valuable.",
    "A good experience; I learned a lot from the other peers.",
    "The scoping meeting made the difference: the focus was right.",
]
LEARNED = [
    "How another council runs its budget consultation.",
    "Better ways to involve scrutiny early.",
    "Ideas for partnership working with health.",
    "A practical approach to tracking improvement actions.",
]
RECOMMENDATIONS = [
    "Refresh the council plan and link it to the medium-term financial strategy.",
    "Strengthen the role of scrutiny in policy development.",
    "Develop a workforce strategy that addresses recruitment and retention.",
    "Set out a clear narrative for the place with partners.",
    "Review the governance of the council's companies.",
    "Invest in the capacity of the transformation programme.",
]
# Answer weights by question code (choice codes in order): realistic, mostly satisfied.
ANSWER_WEIGHTS = {
    "satisfaction": [62, 28, 6, 3, 1],
    "goals_achieved": [35, 45, 17, 3],
    "would_recommend": [70, 25, 4, 1],
    "understood_issues": [65, 30, 4, 1],
}
RESPONSE_RATES = {"council_feedback": 0.7, "peer_feedback": 0.5, "pre_panel": 0.8}


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


@contextlib.contextmanager
def _timestamps_as_given(model, *names):
    """Let bulk_create keep the created_at values we set (auto_now_add would overwrite them)."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [field.auto_now_add for field in fields]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in zip(fields, saved, strict=True):
            field.auto_now_add = value


class BuilderBase:
    """Randomness, dates and bulk writing shared by every part of the build."""

    def __init__(self, *, scale, years, seed, today):
        self.rng = random.Random(seed)
        self.scale = scale
        self.years = years
        self.today = today or timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.now = datetime(self.today.year, self.today.month, self.today.day, 8, tzinfo=self.tz)
        self.counts: dict[str, int] = {}

    def _bulk(self, model, rows, label=None):
        model.objects.bulk_create(rows, batch_size=BATCH)
        label = label or model._meta.verbose_name_plural
        self.counts[str(label)] = self.counts.get(str(label), 0) + len(rows)
        return rows

    def _password(self) -> str:
        # The unusable-password form Django writes itself ("!" + random): no hashing per user.
        return UNUSABLE_PASSWORD_PREFIX + f"{self.rng.getrandbits(160):040x}"

    def _at(self, day: date, hour: int = 10) -> datetime:
        return datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59), tzinfo=self.tz)

    def _weekday(self, day: date) -> date:
        while day.weekday() > 4:
            day += timedelta(days=1)
        return day
