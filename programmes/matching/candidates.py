"""Hard filters in bulk: who may take a place on an engagement, and why the others may not.

The rules are those of programmes.rules (the per-pair functions there are the reference;
tests check that these bulk masks agree with ``rules.placement_breaches``): among them,
the peer must be able to work onsite when the engagement has onsite days, and a member
peer needs training or a conference that counts on the first day (programmes.periods)
unless a manager recorded a waiver. Only "already on this team" is matching's own.

Everything is loaded for a whole set of engagements in a fixed handful of queries (no
query per peer), then evaluated with numpy arrays over the pool, so one engagement with
10,000 peers, or a hundred engagements at once, stays fast.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, FloatField, Max, Q
from django.utils import timezone

from councils.models import Council, CouncilType
from peers.models import Peer, PeerKind, PeerStatus, TrainingRecord, Unavailability, WorkMode
from programmes.models import (
    HOLDING_STATUSES,
    MEMBER_ROLES,
    OFFICER_ROLES,
    DayCapException,
    DayMode,
    Engagement,
    EngagementStatus,
    OfferTeamRole,
    PlaceStatus,
    TeamPlace,
    TeamRole,
)
from programmes.periods import (
    COUNTED_PLACE_STATUSES,
    UNCOUNTED_ENGAGEMENT_STATUSES,
    financial_year_bounds,
    financial_year_of,
    training_valid_since,
    years_before,
)
from programmes.rules import engagement_has_onsite

# The order reasons are counted in: each excluded peer counts once, under its first reason.
EXCLUSION_ORDER = (
    "inactive",
    "on_team",
    "own_council",
    "two_tier",
    "conflict",
    "unavailable",
    "clash",
    "day_cap",
    "onsite",
    "training",
)
EXCLUSION_LABELS = {
    "inactive": "not active in the pool",
    "on_team": "already on this team",
    "own_council": "their own council",
    "two_tier": "the same two-tier area",
    "conflict": "declared conflicts",
    "unavailable": "unavailable on these dates",
    "clash": "another engagement on these dates",
    "day_cap": "the day cap",
    "onsite": "cannot work onsite",
    "training": "no peer training in the last {years} years",
}
# The codes rules.placement_breaches also reports (the others are matching-only rules).
RULES_CODES = frozenset(
    {
        "inactive",
        "own_council",
        "two_tier",
        "conflict",
        "unavailable",
        "clash",
        "day_cap",
        "onsite",
        "training",
    }
)
LEAD_ROLES = (TeamRole.LEAD_MEMBER, TeamRole.LEAD_OFFICER)
UPPER_TIER_TYPES = frozenset(t for t in CouncilType.values if t != CouncilType.DISTRICT)
RECENT_YEARS = 2


def exclusion_label(code: str) -> str:
    return EXCLUSION_LABELS[code].format(years=settings.TRAINING_VALID_YEARS)


def role_accepts_kind(role: str, kind: str) -> bool:
    """Member places for member peers, officer places for the others (rules.role_breach)."""
    if role in MEMBER_ROLES:
        return kind == PeerKind.MEMBER
    if role in OFFICER_ROLES:
        return kind != PeerKind.MEMBER
    return True


def default_days(engagement: Engagement, activity_days: int | None = None) -> Decimal:
    """Days a place on the team is planned at: half a day for a panel, else one per day."""
    offer = engagement.offer
    if offer.typical_hours:
        return offer.typical_days
    if activity_days is None:
        activity_days = engagement.activity_days.count()
    if activity_days:
        return Decimal(activity_days)
    return engagement.requested_days or offer.typical_days


# ---------------------------------------------------------------------------------------
# Bulk data


@contextmanager
def gc_paused():
    """Hold the cyclic garbage collector while bulk rows are read and turned into arrays.

    Reading the pool makes tens of thousands of short-lived tuples (reference counting
    frees them; none is in a cycle), and each 700 allocations would otherwise start a
    collection that walks every young object, now and then every object in the process:
    a third of the page's CPU and most of its slow outliers. Collection resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _plain_rows(queryset) -> list[tuple]:
    """The rows of a values_list query as the database driver returns them.

    For the pool-wide aggregates only: skipping the ORM's per-value converters (ints and
    floats already) saves a few milliseconds on ten thousand rows. Still one query, made
    through the connection's cursor, so it is counted and logged like any other.
    """
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter on an empty list: nothing to ask, as the ORM does
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass
class EngagementFacts:
    """What the filters and the score need to know about one engagement."""

    engagement: Engagement
    council_ids: frozenset[int]
    council_regions: frozenset[str]
    council_types: frozenset[str]
    political_control: str  # the councils' control when they share one, else ""
    area_ids: frozenset[int]  # two-tier areas of its councils, minus the councils themselves
    start: date | None
    end: date | None
    has_onsite: bool
    days: Decimal
    composition: list[tuple[str, int, str]]  # (role, count, preferred role category)
    held: list[TeamPlace] = field(default_factory=list)  # invited or accepted places
    place_peer_ids: frozenset[int] = frozenset()  # any place on the team, any status
    theme_ids: frozenset[int] = frozenset()
    theme_names: dict[int, str] = field(default_factory=dict)
    political_controls: frozenset[str] = frozenset()  # each council's, "" when not recorded

    @property
    def reference(self) -> date:
        return self.start or timezone.localdate()

    @property
    def financial_year(self) -> int:
        return financial_year_of(self.reference)

    def needed(self) -> dict[str, int]:
        """Places still to fill per role: the offer's composition less the held places."""
        held: dict[str, int] = {}
        for place in self.held:
            held[place.role] = held.get(place.role, 0) + 1
        return {role: count - held.get(role, 0) for role, count, _ in self.composition}

    def preferred_category(self, role: str) -> str:
        for line_role, _, category in self.composition:
            if line_role == role and category:
                return category
        return {TeamRole.LEAD_OFFICER: "chief_executive", TeamRole.LEAD_MEMBER: "leader"}.get(
            role, ""
        )


class PeerPool:
    """The peer pool as numpy arrays (index i is the i-th peer by id) and per-peer facts."""

    def __init__(self, rows: list[tuple], councils: dict[int, tuple]):
        """rows: (id, kind, status, home council, group, role category, work mode, waived)
        in id order; councils: council id -> (county, type, region)."""
        n = len(rows)
        self.size = n
        columns = list(zip(*rows, strict=True)) if rows else [()] * 8
        self.ids = np.array(columns[0], dtype=np.int64)
        self.index = {peer_id: i for i, peer_id in enumerate(columns[0])}
        self.kind = np.array(columns[1], dtype=object)
        self.is_member = self.kind == PeerKind.MEMBER
        self.active = np.array(columns[2], dtype=object) == PeerStatus.ACTIVE
        self.home_council = np.array(columns[3], dtype=np.int64)
        # Region and type by council, then spread over the pool (no join, no repeated text).
        council_ids = sorted(councils)
        position = np.searchsorted(np.array(council_ids, dtype=np.int64), self.home_council)
        types = np.array([councils[pk][1] for pk in council_ids] or [""], dtype=object)
        regions = np.array([councils[pk][2] for pk in council_ids] or [""], dtype=object)
        self.home_type = types[position] if n else np.array([], dtype=object)
        self.home_region = regions[position] if n else np.array([], dtype=object)
        self._codes: dict[str, tuple[list, np.ndarray]] = {}
        if n:
            # Coded by council (a few hundred values) rather than by peer.
            for column, values in (("home_type", types), ("home_region", regions)):
                labels, codes = np.unique(values, return_inverse=True)
                self._codes[column] = (labels.tolist(), codes.reshape(-1)[position])
        self.group = np.array(columns[4], dtype=object)
        self.role_category = np.array(columns[5], dtype=object)
        self.remote_only = np.array(columns[6], dtype=object) == WorkMode.REMOTE
        self.training_waived = np.array(columns[7], dtype=bool)

    def coded(self, column: str) -> tuple[list, np.ndarray]:
        """(sorted distinct values, each peer's position in them) of a text column.

        Comparing small integers instead of Python strings makes the per-role masks and
        the per-group choice of candidates cheap when a hundred engagements are scored.
        """
        if column not in self._codes:
            values = getattr(self, column).tolist()
            labels = sorted(set(values))
            position = {label: code for code, label in enumerate(labels)}
            codes = np.fromiter((position[v] for v in values), dtype=np.int64, count=len(values))
            self._codes[column] = (labels, codes)
        return self._codes[column]

    def is_in(self, column: str, values) -> np.ndarray:
        """Which peers have one of the values in a text column (like np.isin, faster)."""
        labels, codes = self.coded(column)
        table = np.array([any(label == v for v in values) for label in labels], dtype=bool)
        return table[codes] if len(labels) else np.zeros(self.size, dtype=bool)

    def indexes_of(self, peer_ids) -> np.ndarray:
        """Pool indexes of many peer ids at once (-1 for an id not in the pool)."""
        peer_ids = np.asarray(peer_ids, dtype=np.int64)
        if not self.size:
            return np.full(len(peer_ids), -1, dtype=np.int64)
        # The pool is ordered by id, so a binary search finds each one.
        found = np.minimum(np.searchsorted(self.ids, peer_ids), self.size - 1)
        return np.where(self.ids[found] == peer_ids, found, -1)

    def mask_of(self, peer_ids) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        indexes = [self.index[p] for p in peer_ids if p in self.index]
        if indexes:
            mask[indexes] = True
        return mask


class MatchingData:
    """Everything the filters and scores need for a set of engagements, in bulk."""

    def __init__(self, engagements: list[Engagement]):
        self.facts: dict[int, EngagementFacts] = {}
        self._masks: dict = {}
        with gc_paused():
            self._load(list(engagements))

    # -- loading ---------------------------------------------------------------------

    def _load(self, engagements: list[Engagement]) -> None:
        engagement_ids = [e.pk for e in engagements]
        engagements = list(
            Engagement.objects.filter(pk__in=engagement_ids)
            .select_related("offer")
            .prefetch_related("councils", "themes")
            .annotate(
                day_count=Count("activity_days", distinct=True),
                onsite_count=Count(
                    "activity_days",
                    filter=Q(activity_days__mode=DayMode.ONSITE),
                    distinct=True,
                ),
            )
            .order_by("start_date", "pk")
        )
        self.engagements = engagements
        councils = {c.pk: c for e in engagements for c in e.councils.all()}
        self._load_councils()
        areas = self._two_tier_areas(councils)
        composition: dict[int, list] = {}
        for line in OfferTeamRole.objects.filter(
            offer_id__in={e.offer_id for e in engagements}
        ).order_by("id"):
            composition.setdefault(line.offer_id, []).append(
                (line.role, line.count, line.preferred_role_category)
            )
        places: dict[int, list[TeamPlace]] = {}
        for place in TeamPlace.objects.filter(engagement_id__in=engagement_ids).only(
            "pk", "engagement_id", "peer_id", "role", "status", "days"
        ):
            places.setdefault(place.engagement_id, []).append(place)
        for engagement in engagements:
            ids = frozenset(c.pk for c in engagement.councils.all())
            controls = frozenset(councils[c].political_control for c in ids)
            area_ids = set()
            for council_id in ids:
                area_ids |= areas.get(council_id, {council_id}) - {council_id}
            themes = {t.pk: t.name for t in engagement.themes.all()}
            team = places.get(engagement.pk, [])
            self.facts[engagement.pk] = EngagementFacts(
                engagement=engagement,
                council_ids=ids,
                council_regions=frozenset(councils[c].region for c in ids),
                council_types=frozenset(councils[c].council_type for c in ids),
                political_control=next(iter(controls)) if len(controls) == 1 else "",
                political_controls=controls,
                area_ids=frozenset(area_ids),
                start=engagement.start_date,
                end=engagement.end_date or engagement.start_date,
                has_onsite=engagement_has_onsite(engagement, engagement.onsite_count),
                days=default_days(engagement, engagement.day_count),
                composition=composition.get(engagement.offer_id, []),
                held=[p for p in team if p.status in HOLDING_STATUSES],
                place_peer_ids=frozenset(p.peer_id for p in team),
                theme_ids=frozenset(themes),
                theme_names=themes,
            )
        self._load_pool()
        self._load_dates()
        self._load_days()
        self._load_training()
        self._load_conflicts()

    def _load_councils(self) -> None:
        """Every council's county, type and region (one query, a few hundred rows)."""
        self.council_rows = {
            pk: (county_id, council_type, region)
            for pk, county_id, council_type, region in Council.objects.order_by().values_list(
                "pk", "county_id", "council_type", "region"
            )
        }

    def _two_tier_areas(self, council_ids) -> dict[int, set[int]]:
        """Council.two_tier_area_ids for many councils, from the councils already loaded."""
        county_of = {}
        for pk in council_ids:
            county_id, council_type, _ = self.council_rows[pk]
            if council_type == CouncilType.DISTRICT and county_id:
                county_of[pk] = county_id
            elif council_type == CouncilType.COUNTY:
                county_of[pk] = pk
        counties = set(county_of.values())
        districts: dict[int, set[int]] = {}
        for pk, (county_id, _, _) in self.council_rows.items():
            if county_id in counties:
                districts.setdefault(county_id, set()).add(pk)
        return {
            pk: districts.get(county_id, set()) | {county_id, pk}
            for pk, county_id in county_of.items()
        }

    def _load_pool(self) -> None:
        rows = list(
            Peer.objects.order_by("pk").values_list(
                "pk",
                "kind",
                "status",
                "home_council_id",
                "political_group",
                "role_category",
                "work_mode",
                "training_waived",
            )
        )
        self.pool = PeerPool(rows, self.council_rows)

    def _window(self) -> tuple[date, date] | None:
        dated = [f for f in self.facts.values() if f.start]
        if not dated:
            return None
        return min(f.start for f in dated), max(f.end for f in dated)

    def _load_dates(self) -> None:
        """Held places and unavailability that touch any of the engagements' dates."""
        window = self._window()
        self.held_places = np.zeros((0, 4), dtype=np.int64)  # peer index, engagement, start, end
        self.unavailability = np.zeros((0, 3), dtype=np.int64)
        if window is None:
            return
        start, end = window
        rows = (
            TeamPlace.objects.filter(status__in=HOLDING_STATUSES, engagement__start_date__lte=end)
            .filter(
                Q(engagement__end_date__gte=start)
                | Q(engagement__end_date__isnull=True, engagement__start_date__gte=start)
            )
            .exclude(engagement__status=EngagementStatus.CANCELLED)
            .order_by()
            .values_list(
                "peer_id", "engagement_id", "engagement__start_date", "engagement__end_date"
            )
        )
        # An engagement with no end date lasts its start day: the rule's "no end date and
        # starting on or after the start" is then the same test as "ending on or after".
        self.held_places = np.array(
            [
                (self.pool.index.get(p, -1), e, s.toordinal(), (f or s).toordinal())
                for p, e, s, f in rows
            ],
            dtype=np.int64,
        ).reshape(-1, 4)
        rows = (
            Unavailability.objects.filter(starts_on__lte=end, ends_on__gte=start)
            .order_by()
            .values_list("peer_id", "starts_on", "ends_on")
        )
        self.unavailability = np.array(
            [(self.pool.index.get(p, -1), s.toordinal(), e.toordinal()) for p, s, e in rows],
            dtype=np.int64,
        ).reshape(-1, 3)

    def _load_days(self) -> None:
        """Days used and caps per financial year involved, how often each peer served, and
        the council types they served.

        Two queries whatever the number of years: one pass over the held places sums the
        days of each year (the rule of selectors.peers_days_used_map), counts the places
        and flags the council types of the accepted ones; the cap is the setting plus any
        approved exception (selectors.peers_day_cap_map).
        """
        years = sorted({f.financial_year for f in self.facts.values()})
        # Council types each peer knows: their own council's, and those of councils they
        # served on an accepted place. Only the types that can count for these engagements
        # (their own and those of the same tier) are read from the places.
        relevant = set()
        for facts in self.facts.values():
            for council_type in facts.council_types:
                upper = council_type in UPPER_TIER_TYPES
                relevant |= UPPER_TIER_TYPES if upper else {council_type}
        relevant = sorted(relevant)
        size = self.pool.size
        self.places_total = np.zeros(size, dtype=np.int64)
        self.places_recent = np.zeros(size, dtype=np.int64)
        self.used: dict[int, np.ndarray] = {year: np.zeros(size) for year in years}
        self.knows_type: dict[str, np.ndarray] = {}
        labels, codes = self.pool.coded("home_type")
        for code in np.unique(codes).tolist():
            self.knows_type[labels[code]] = codes == code
        rows = self._place_history(years, relevant)
        if rows:
            # None (no days that year, no such council) becomes NaN, then 0.
            table = np.nan_to_num(np.array(rows, dtype=np.float64))
            indexes = self.pool.indexes_of(table[:, 0].astype(np.int64))
            known = indexes >= 0
            indexes, table = indexes[known], table[known]
            self.places_total[indexes] = table[:, 1]
            self.places_recent[indexes] = table[:, 2]
            for column, year in enumerate(years, start=3):
                self.used[year][indexes] = table[:, column]
            for column, council_type in enumerate(relevant, start=3 + len(years)):
                served = table[:, column] > 0
                if served.any():
                    if council_type not in self.knows_type:
                        self.knows_type[council_type] = np.zeros(size, dtype=bool)
                    self.knows_type[council_type][indexes[served]] = True
        base = float(settings.PEER_DAY_CAP)
        self.cap: dict[int, np.ndarray] = {year: np.full(size, base) for year in years}
        for peer_id, year, extra in (
            DayCapException.objects.filter(financial_year__in=years)
            .order_by()
            .values_list("peer_id", "financial_year", "extra_days")
        ):
            i = self.pool.index.get(peer_id)
            if i is not None:
                self.cap[year][i] = base + float(extra)

    def _place_history(self, years: list[int], council_types: list[str]) -> list[tuple]:
        """Per peer with a held place on an engagement not cancelled, in one grouped query:
        (peer id, places, places since RECENT_YEARS ago, days used in each of `years`,
        then for each of `council_types` 1 if an accepted place was with such a council).

        Written in SQL because the council types come from a join grouped per engagement
        first: joined directly, an engagement with two councils would count its places
        twice. Days counted as periods.days_counted_q counts them (the same statuses and
        financial years); counted and logged like any other query.
        """
        connection = connections[TeamPlace.objects.db]
        quote, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
        since = years_before(timezone.localdate(), RECENT_YEARS)
        columns = ["tp.peer_id", "COUNT(*)", "SUM(CASE WHEN e.start_date >= %s THEN 1 ELSE 0 END)"]
        params: list = [adapt(since)]
        # As a float: decimals would each go through a converter on 10,000 rows.
        number = FloatField().db_type(connection)
        for year in years:
            first, last = financial_year_bounds(year)
            columns.append(
                f"CAST(SUM(CASE WHEN e.start_date BETWEEN %s AND %s THEN tp.days END) AS {number})"
            )
            params += [adapt(first), adapt(last)]
        join = ""
        if council_types:
            flags = []
            for k in range(len(council_types)):
                columns.append(f"MAX(CASE WHEN tp.status = %s THEN et.t{k} END)")
                params.append(PlaceStatus.ACCEPTED)
                flags.append(f"MAX(CASE WHEN c.council_type = %s THEN 1 ELSE 0 END) AS t{k}")
            through = Engagement.councils.through._meta.db_table
            # Only placeholders and quoted table names are put in the text.
            join = (
                f"LEFT JOIN (SELECT ec.engagement_id, {', '.join(flags)} "  # noqa: S608
                f"FROM {quote(through)} ec "
                f"INNER JOIN {quote(Council._meta.db_table)} c ON ec.council_id = c.id "
                f"WHERE c.council_type IN ({', '.join(['%s'] * len(council_types))}) "
                "GROUP BY ec.engagement_id) et ON et.engagement_id = tp.engagement_id "
            )
            params += [*council_types, *council_types]
        # The join's parameters come before the WHERE clause's.
        sql = (
            f"SELECT {', '.join(columns)} "  # noqa: S608
            f"FROM {quote(TeamPlace._meta.db_table)} tp "
            f"INNER JOIN {quote(Engagement._meta.db_table)} e ON tp.engagement_id = e.id "
            f"{join}"
            f"WHERE tp.status IN ({', '.join(['%s'] * len(COUNTED_PLACE_STATUSES))}) "
            f"AND e.status NOT IN ({', '.join(['%s'] * len(UNCOUNTED_ENGAGEMENT_STATUSES))}) "
            "GROUP BY tp.peer_id"
        )
        params += [*COUNTED_PLACE_STATUSES, *UNCOUNTED_ENGAGEMENT_STATUSES]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _load_training(self) -> None:
        self.last_training = np.zeros(self.pool.size, dtype=np.int64)  # 0: never
        rows = list(
            TrainingRecord.objects.order_by()
            .values("peer_id")
            .annotate(last=Max("attended_on"))
            .values_list("peer_id", "last")
        )
        if rows:
            peer_ids, lasts = zip(*rows, strict=True)
            indexes = self.pool.indexes_of(peer_ids)
            ordinals = np.fromiter((d.toordinal() for d in lasts), dtype=np.int64, count=len(lasts))
            known = indexes >= 0
            self.last_training[indexes[known]] = ordinals[known]

    def _load_conflicts(self) -> None:
        council_ids = set().union(*(f.council_ids for f in self.facts.values()))
        self.conflicts: dict[int, set[int]] = {}
        for peer_id, council_id in Peer.conflicts.through.objects.filter(
            council_id__in=council_ids
        ).values_list("peer_id", "council_id"):
            self.conflicts.setdefault(council_id, set()).add(peer_id)

    # -- filters ---------------------------------------------------------------------

    def reason_masks(self, engagement_id: int, *, days: Decimal | None = None) -> dict:
        """A boolean mask over the pool for every exclusion reason (role-independent)."""
        facts = self.facts[engagement_id]
        days = facts.days if days is None else Decimal(days)
        key = (engagement_id, days)
        if key not in self._masks:
            self._masks[key] = self._reason_masks(facts, engagement_id, days)
        return self._masks[key]

    def _reason_masks(self, facts: EngagementFacts, engagement_id: int, days: Decimal) -> dict:
        pool = self.pool
        masks = {
            "inactive": ~pool.active,
            "on_team": pool.mask_of(facts.place_peer_ids),
            "own_council": np.isin(pool.home_council, list(facts.council_ids)),
            "two_tier": np.isin(pool.home_council, list(facts.area_ids))
            if facts.area_ids
            else np.zeros(pool.size, dtype=bool),
            "conflict": pool.mask_of(
                set().union(*(self.conflicts.get(c, set()) for c in facts.council_ids))
            ),
        }
        if facts.start is not None:
            start, end = facts.start.toordinal(), facts.end.toordinal()
            places = self.held_places
            hit = (
                (places[:, 2] <= end)
                & (places[:, 3] >= start)
                & (places[:, 1] != engagement_id)
                & (places[:, 0] >= 0)
            )
            masks["clash"] = np.zeros(pool.size, dtype=bool)
            masks["clash"][places[hit, 0]] = True
            periods = self.unavailability
            hit = (periods[:, 1] <= end) & (periods[:, 2] >= start) & (periods[:, 0] >= 0)
            masks["unavailable"] = np.zeros(pool.size, dtype=bool)
            masks["unavailable"][periods[hit, 0]] = True
            year = facts.financial_year
            if days:
                masks["day_cap"] = pool.is_member & (
                    self.used[year] + float(days) > self.cap[year] + 1e-9
                )
            else:
                masks["day_cap"] = np.zeros(pool.size, dtype=bool)
        else:
            for code in ("clash", "unavailable", "day_cap"):
                masks[code] = np.zeros(pool.size, dtype=bool)
        masks["onsite"] = pool.remote_only if facts.has_onsite else np.zeros(pool.size, bool)
        cutoff = training_valid_since(facts.reference).toordinal()
        masks["training"] = pool.is_member & ~pool.training_waived & (self.last_training < cutoff)
        return masks

    def role_mask(self, role: str) -> np.ndarray:
        if role in MEMBER_ROLES:
            return self.pool.is_member.copy()
        if role in OFFICER_ROLES:
            return ~self.pool.is_member
        return np.ones(self.pool.size, dtype=bool)

    def eligible(self, engagement_id: int, role: str, *, days: Decimal | None = None):
        """(eligible mask, first-reason counts) for a role on an engagement."""
        masks = self.reason_masks(engagement_id, days=days)
        in_role = self.role_mask(role)
        remaining = in_role.copy()
        counts = {}
        for code in EXCLUSION_ORDER:
            hit = remaining & masks[code]
            number = int(hit.sum())
            if number:
                counts[code] = number
            remaining &= ~masks[code]
        return remaining, counts

    def reasons_for(self, engagement_id: int, peer_id: int, *, days=None) -> set[str]:
        """Every reason the bulk filter excludes one peer (for the agreement tests)."""
        masks = self.reason_masks(engagement_id, days=days)
        i = self.pool.index[peer_id]
        return {code for code, mask in masks.items() if mask[i]}
