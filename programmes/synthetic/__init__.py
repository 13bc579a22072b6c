"""A believable synthetic programme at any scale, for the benchmark and load tests.

At scale 1: the real councils, 1,000 peers and 300 engagements a financial year of every
offer in every state, with activity days, teams, milestones, timelines and survey answers
at realistic response rates. At scale 10, ten times the peers, engagements and answers
(the councils stay the real ones). Deterministic for a seed and a "today".

Rows are written with ``bulk_create`` in batches, so django-simple-history records no
history for them and no email or task is queued: acceptable for synthetic data, never for
real records (those go through the services). Placements are planned here with their own
bookkeeping of the programme's rules (role, own council and two-tier area, declared
conflicts, clashes, unavailability, the member-peer day cap, onsite work), and
tests/test_synthetic.py checks a random sample with ``programmes.rules.placement_breaches``.
"""

import time
from datetime import date

from django.conf import settings
from django.db import transaction

from accounts.models import User
from programmes.synthetic.base import DOMAIN, BuilderBase
from programmes.synthetic.engagements import EngagementsMixin
from programmes.synthetic.people import PeopleMixin
from programmes.synthetic.surveys import SurveysMixin
from programmes.synthetic.teams import TeamsMixin


def synthetic_exists() -> bool:
    return User.objects.filter(email__endswith="@" + DOMAIN).exists()


def synthetic_build(
    *, scale: float = 1, years: int = 3, seed: int = 1, today: date | None = None
) -> dict:
    """Build the synthetic programme; return what was created with the seconds it took.

    Refuses under the production profile and when synthetic data is already there.
    """
    if settings.PRODUCTION:
        raise RuntimeError("Synthetic data is never created under the production profile.")
    if scale <= 0 or years < 1:
        raise ValueError("The scale must be above 0 and the years at least 1.")
    if synthetic_exists():
        raise RuntimeError("Synthetic data is already here: use a fresh database.")
    started = time.perf_counter()
    with transaction.atomic():
        counts = _Builder(scale=scale, years=years, seed=seed, today=today).run()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


class _Builder(PeopleMixin, EngagementsMixin, TeamsMixin, SurveysMixin, BuilderBase):
    def run(self) -> dict:
        self._councils()
        self._staff()
        self._peers()
        self._engagements()
        self._surveys()
        return self.counts
