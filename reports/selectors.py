"""Reads of the reports domain, scoped to what the user may see.

Board members and managers read dashboards and finished reports (aggregates only); a
report's progress is visible to its owner and to managers; managers alone read the
peer-pool and day-cap reports, which name peers.
"""

import hashlib

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts import permissions
from programmes.periods import financial_year_of, months_before
from reports.models import JobStatus, ReportJob

DASHBOARD_CACHE_SECONDS = 60 * 60


def can_read_board_reports(user) -> bool:
    """Board members and managers (or anyone given reports.view_board_dashboard)."""
    return user.is_authenticated and (
        permissions.is_board_member(user) or user.has_perm("reports.view_board_dashboard")
    )


def report_job_list_visible_to(*, user) -> QuerySet[ReportJob]:
    """Managers see every job; board members finished reports only; others none."""
    jobs = ReportJob.objects.all()
    if permissions.is_manager(user):
        return jobs
    if can_read_board_reports(user):
        return jobs.filter(status=JobStatus.DONE)
    return jobs.none()


def report_job_get_visible_to(*, user, pk: int) -> ReportJob:
    """One report job the user may see, or 404 (both missing and forbidden).

    An unfinished job (its progress) is visible to its owner and to managers only.
    """
    job = report_job_list_visible_to(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such report")
    if job.status != JobStatus.DONE and not (
        job.owner_id == user.pk or permissions.is_manager(user)
    ):
        raise Http404("No such report")
    return job


def _fingerprint_tables():
    """(table, column) pairs whose MAX and COUNT change whenever dashboard inputs change.

    History tables get a row on every save and delete made through the models; the
    many-to-many tables (councils and themes of engagements) have no history, so their
    own ids and counts are used. Surveys' tables join once that app has them.
    """
    from peers.models import EqualitiesAnswers, Peer, TrainingRecord
    from programmes.models import (
        ActivityDay,
        DayCapException,
        Engagement,
        ImprovementAction,
        TeamPlace,
    )

    tables = [
        (model.history.model._meta.db_table, "history_id")
        for model in (
            Engagement,
            ActivityDay,
            TeamPlace,
            Peer,
            TrainingRecord,
            ImprovementAction,
            DayCapException,
        )
    ]
    from councils.models import Council

    tables.append((Council.history.model._meta.db_table, "history_id"))
    tables.append((EqualitiesAnswers._meta.db_table, "updated_at"))
    tables.append((Engagement.councils.through._meta.db_table, "id"))
    tables.append((Engagement.themes.through._meta.db_table, "id"))
    tables.extend(_survey_tables())
    return tables


def _survey_tables():
    try:
        from reports.stocktake.surveys import fingerprint_tables
    except ImportError:
        return []
    return fingerprint_tables()


def dashboard_data_version() -> str:
    """A short fingerprint of the dashboard's input tables, in ONE query."""
    quote = connection.ops.quote_name
    parts = []
    for table, column in _fingerprint_tables():
        # Table and column names come from the models (quoted), never from input.
        if column != "history_id":
            # History rows are only ever added (a save or a delete adds one), so their
            # newest id alone moves on every change: no COUNT, which reads the whole
            # (ever-growing) history table. Other tables need it to see deletions.
            parts.append(f"(SELECT COUNT(*) FROM {quote(table)})")  # noqa: S608
        parts.append(f"(SELECT MAX({quote(column)}) FROM {quote(table)})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.sha256(repr(row).encode()).hexdigest()[:16]


def board_dashboard_get(*, user, financial_year: int | None = None, today=None) -> dict:
    """The dashboard figures, from the cache while the records have not changed.

    The cache key holds the year, the day and a fingerprint of the input tables, so any
    change through the models (or a new day) computes the figures afresh; otherwise the
    figures are as of the time shown on the page.
    """
    if not can_read_board_reports(user):
        raise Http404("No such page")
    today = today or timezone.localdate()
    financial_year = financial_year if financial_year is not None else financial_year_of(today)
    return _dashboard_cached(financial_year=financial_year, today=today)[0]


def _dashboard_cached(*, financial_year: int, today) -> tuple[dict, bool]:
    """Return (figures, computed now): from the cache, else computed and cached."""
    from reports.dashboard import board_dashboard_compute

    # v2: figures cached before complementary suppression must never be served again.
    key = f"reports:dashboard:v2:{financial_year}:{today.isoformat()}:{dashboard_data_version()}"
    figures = cache.get(key)
    if figures is not None:
        return figures, False
    figures = board_dashboard_compute(financial_year=financial_year, today=today)
    cache.set(key, figures, DASHBOARD_CACHE_SECONDS)
    return figures, True


def board_dashboard_warm(*, today=None) -> bool:
    """Compute this financial year's dashboard into the cache unless it is there already.

    Run every few minutes by beat (reports.dashboard_warm), so after a change to the
    records the figures are rebuilt by the worker, not by the next board member to open
    the page. Return True when it computed them. No user: it serves no one directly.
    """
    today = today or timezone.localdate()
    return _dashboard_cached(financial_year=financial_year_of(today), today=today)[1]


def dashboard_years(*, today) -> list[int]:
    """Financial years a dashboard can show: the current one and the seven before it."""
    current = financial_year_of(today)
    return list(range(current, current - 8, -1))


def peer_pool_report(*, user, today) -> dict:
    """Managers only: the pool's composition and its gaps (expertise, regions, roles)."""
    if not permissions.is_manager(user):
        raise Http404("No such page")
    from django.db.models import Count, Q

    from peers.models import (
        EqualitiesAnswers,
        Expertise,
        Peer,
        PeerStatus,
        RoleCategory,
        WorkRegion,
    )
    from programmes.models import Engagement
    from reports.dashboard import _equalities_table, _peer_pool

    active = Q(peers__status=PeerStatus.ACTIVE)
    year_ago = months_before(today, 12)
    expertise = list(
        Expertise.objects.annotate(
            peers_n=Count("peers", filter=active, distinct=True),
            requested_n=Count(
                "engagements",
                filter=Q(engagements__start_date__gte=year_ago),
                distinct=True,
            ),
        ).order_by("peers_n", "name")
    )
    regions = list(
        WorkRegion.objects.annotate(peers_n=Count("peers", filter=active, distinct=True)).order_by(
            "peers_n", "name"
        )
    )
    role_labels = dict(RoleCategory.choices)
    roles = [
        {"label": str(role_labels.get(row["role_category"], row["role_category"])), "n": row["n"]}
        for row in Peer.objects.filter(status=PeerStatus.ACTIVE)
        .values("role_category")
        .annotate(n=Count("pk"))
        .order_by("-n")
    ]
    return {
        "pool": _peer_pool(today),
        "expertise": [
            {
                "name": item.name,
                "peers": item.peers_n,
                "requested": item.requested_n,
                "gap": item.requested_n > item.peers_n,
            }
            for item in expertise
        ],
        "regions": [{"name": item.name, "peers": item.peers_n} for item in regions],
        "roles": roles,
        "diversity": _equalities_table(
            EqualitiesAnswers.objects.filter(peer__status=PeerStatus.ACTIVE)
        ),
        "engagements_last_year": Engagement.objects.filter(start_date__gte=year_ago).count(),
    }


def day_cap_report(*, user, financial_year: int):
    """Managers only: member peers' days against their cap, busiest first (a queryset)."""
    if not permissions.is_manager(user):
        raise Http404("No such page")
    from django.db.models import F

    from peers.models import Peer, PeerKind, PeerStatus
    from programmes.selectors import peers_with_days_against_cap

    return (
        peers_with_days_against_cap(
            Peer.objects.filter(kind=PeerKind.MEMBER, status=PeerStatus.ACTIVE),
            financial_year=financial_year,
        )
        .select_related("user", "home_council")
        .annotate(remaining=F("cap") - F("used"))
        .order_by("remaining", "user__last_name", "pk")
    )
