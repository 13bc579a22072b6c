"""The programme's windows and measures, each defined once.

Matching, the placement rules, the notification planners, the peer portal, the board
dashboard and the reports all ask these functions (or the query expressions beside them),
so on any date they agree about the same peer:

- the financial year: 1 April to 31 March, named by the year it starts in;
- training validity: peer training or a member peer conference counts on a day when it
  was attended on or after the same date ``TRAINING_VALID_YEARS`` years earlier;
- profile staleness: a profile is stale when never confirmed, or confirmed on or before
  the same date ``PROFILE_STALE_MONTHS`` months earlier;
- days in a financial year: the days of a peer's invited and accepted places on
  engagements starting in the year and not cancelled (the day cap counts these).

Month and year arithmetic is python-dateutil's ``relativedelta``: a month before 31 May is
30 April, a month before 31 March is 28 (or 29) February, a year before 29 February is
28 February.
"""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q, Sum

from peers.models import TrainingRecord
from programmes.models import HOLDING_STATUSES, EngagementStatus, PlaceStatus
from programmes.workflow import DELIVERED_STATES

# --- The financial year ----------------------------------------------------------------------

FINANCIAL_YEAR_FIRST_MONTH = 4  # April


def financial_year_of(day: date) -> int:
    """Return the year the financial year containing `day` starts in (1 April – 31 March)."""
    return day.year if day.month >= FINANCIAL_YEAR_FIRST_MONTH else day.year - 1


def financial_year_bounds(financial_year: int) -> tuple[date, date]:
    """Return the first and last day of a financial year (1 April and the next 31 March)."""
    first = date(financial_year, FINANCIAL_YEAR_FIRST_MONTH, 1)
    return first, first + relativedelta(years=1) - timedelta(days=1)


def financial_year_label(financial_year: int) -> str:
    """The short name of a financial year: 2026 → "2026/27"."""
    return f"{financial_year}/{(financial_year + 1) % 100:02d}"


# --- Month and year arithmetic ----------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    return day - relativedelta(months=months)


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier (28 February for 29 February)."""
    return day - relativedelta(years=years)


# --- Training validity -----------------------------------------------------------------------


def training_valid_since(on: date) -> date:
    """The earliest attendance that still counts on `on`: the same date TRAINING_VALID_YEARS
    years before (so training counts up to and including its anniversary)."""
    return years_before(on, settings.TRAINING_VALID_YEARS)


def training_is_valid(*, last_attended: date | None, on: date) -> bool:
    """True when training or a conference attended on `last_attended` still counts on `on`."""
    return last_attended is not None and last_attended >= training_valid_since(on)


def training_valid_until(last_attended: date) -> date:
    """The last day training attended on `last_attended` counts (its anniversary, usually).

    Derived from training_valid_since so the two can never disagree, even around
    29 February.
    """
    day = last_attended + relativedelta(years=settings.TRAINING_VALID_YEARS)
    while training_valid_since(day + timedelta(days=1)) <= last_attended:
        day += timedelta(days=1)
    return day


def training_valid_q(*, on: date, prefix: str = "") -> Q:
    """Peers (reached through `prefix`) with training or a conference that counts on `on`.

    One pass over the training records (a hashed set in the database), not a lookup per
    peer; usable in filter(), exclude() and as a filtered aggregate's condition.
    """
    recent = TrainingRecord.objects.filter(attended_on__gte=training_valid_since(on))
    return Q(**{f"{prefix}pk__in": recent.values("peer_id")})


def training_met_q(*, on: date, prefix: str = "") -> Q:
    """Peers whose training expectation is met on `on`: training that counts, or a waiver."""
    return training_valid_q(on=on, prefix=prefix) | Q(**{f"{prefix}training_waived": True})


# --- Profile staleness -----------------------------------------------------------------------


def profile_stale_on_or_before(today: date) -> date:
    """Profiles confirmed on or before this day are stale on `today`."""
    return months_before(today, settings.PROFILE_STALE_MONTHS)


def profile_is_stale(*, confirmed_on: date | None, today: date) -> bool:
    """True when the profile was never confirmed, or PROFILE_STALE_MONTHS or more ago."""
    return confirmed_on is None or confirmed_on <= profile_stale_on_or_before(today)


def profile_stale_q(*, today: date, prefix: str = "") -> Q:
    """Peers (reached through `prefix`) whose profile is stale on `today` (see above)."""
    return Q(**{f"{prefix}profile_confirmed_on__isnull": True}) | Q(
        **{f"{prefix}profile_confirmed_on__lte": profile_stale_on_or_before(today)}
    )


# --- Days in a financial year ----------------------------------------------------------------

COUNTED_PLACE_STATUSES = HOLDING_STATUSES  # invited or accepted
UNCOUNTED_ENGAGEMENT_STATUSES = (EngagementStatus.CANCELLED,)


def days_counted_q(*, financial_year: int, prefix: str = "") -> Q:
    """Team places (reached through `prefix`) whose days count in a financial year.

    Invited or accepted, on an engagement starting in the year and not cancelled; the year
    is decided by the engagement's first day. For a query over the places themselves or as
    a filtered aggregate's condition (``Sum("places__days", filter=...)``), not to filter
    peers through ``places__`` (the negation would then look at every place of the peer).
    """
    start, end = financial_year_bounds(financial_year)
    return Q(
        **{
            f"{prefix}status__in": COUNTED_PLACE_STATUSES,
            f"{prefix}engagement__start_date__range": (start, end),
        }
    ) & ~Q(**{f"{prefix}engagement__status__in": UNCOUNTED_ENGAGEMENT_STATUSES})


def days_sums(*, financial_year: int, prefix: str = "") -> dict[str, Sum]:
    """Sums of days over the counted places of a financial year, by what became of them.

    ``used`` (what the cap counts) is ``invited`` + ``accepted`` + ``delivered``:
    invited places, accepted places on engagements not yet delivered, and accepted places
    on delivered engagements. Each sum is None when there is nothing to add.
    """
    counted = days_counted_q(financial_year=financial_year, prefix=prefix)
    days = f"{prefix}days"
    status, engagement_status = f"{prefix}status", f"{prefix}engagement__status__in"
    accepted = counted & Q(**{status: PlaceStatus.ACCEPTED})
    return {
        "used": Sum(days, filter=counted),
        "invited": Sum(days, filter=counted & Q(**{status: PlaceStatus.INVITED})),
        "accepted": Sum(days, filter=accepted & ~Q(**{engagement_status: DELIVERED_STATES})),
        "delivered": Sum(days, filter=accepted & Q(**{engagement_status: DELIVERED_STATES})),
    }
