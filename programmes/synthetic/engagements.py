"""Synthetic engagements of every offer in every state: days, milestones, timelines."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from councils.models import CouncilType
from peers.models import (
    Expertise,
)
from programmes import workflow
from programmes.models import (
    ActionProgress,
    ActivityDay,
    DayMode,
    Engagement,
    EngagementMilestone,
    Funding,
    ImprovementAction,
    MilestoneAnchor,
    Offer,
    StatusChange,
)
from programmes.periods import financial_year_bounds, financial_year_of
from programmes.synthetic.base import (
    ENGAGEMENTS_PER_YEAR,
    FOCUS,
    RECOMMENDATIONS,
    STATES,
    S,
    _timestamps_as_given,
    _weighted,
)


class EngagementsMixin:
    def _first_year(self) -> int:
        return financial_year_of(self.today) - self.years + 1

    def _span_end(self) -> date:
        last_day = financial_year_bounds(financial_year_of(self.today))[1]
        return max(last_day, self.today + timedelta(200))

    def _state_for(self, start: date | None, end: date | None) -> str:
        rng, today = self.rng, self.today
        if start is None:
            return S.REQUESTED
        roll = rng.random()
        if roll < 0.04:
            return S.CANCELLED
        if end < today:
            age = (today - end).days
            if age < 15:
                return S.DELIVERED
            if age < 60:
                return S.DELIVERED if roll < 0.3 else S.FEEDBACK_ISSUED
            if age < 150:
                return S.FEEDBACK_ISSUED if roll < 0.4 else S.FOLLOW_UP
            return S.CLOSED if roll < 0.85 else (S.FOLLOW_UP if roll < 0.95 else S.FEEDBACK_ISSUED)
        if start <= today:
            return S.IN_DELIVERY
        ahead = (start - today).days
        if roll < 0.06:
            return S.POSTPONED
        if ahead < 30:
            return S.TEAM_CONFIRMED if roll < 0.75 else S.SCHEDULED
        if ahead < 120:
            return S.SCHEDULED if roll < 0.55 else (S.TEAM_CONFIRMED if roll < 0.8 else S.SCOPING)
        return S.SCOPING if roll < 0.55 else (S.SCHEDULED if roll < 0.85 else S.REQUESTED)

    def _start_for_state(self, state: str) -> date:
        """A start date in the band where an engagement would be in `state` (coverage rows)."""
        rng, today = self.rng, self.today
        band = {
            S.REQUESTED: (130, 250),
            S.SCOPING: (130, 250),
            S.SCHEDULED: (40, 110),
            S.TEAM_CONFIRMED: (10, 25),
            S.POSTPONED: (20, 120),
            S.IN_DELIVERY: (0, 0),
            S.DELIVERED: (-12, -8),
            S.FEEDBACK_ISSUED: (-55, -25),
            S.FOLLOW_UP: (-140, -70),
            S.CLOSED: (-400, -200),
            S.CANCELLED: (-200, 200),
        }[state]
        return today + timedelta(rng.randint(*band))

    def _activity_days(self, offer: Offer, start: date, councils, *, exact: bool = False):
        rng = self.rng
        day = start if exact else self._weekday(start)
        code = offer.code
        if code in ("RRP", "DIP"):
            dates = [day]
        elif code in ("CPC", "FPC", "GPC"):
            n = 4 if code == "CPC" and any(c.is_upper_tier for c in councils) else 3
            dates = [day]
            while len(dates) < n:
                dates.append(self._weekday(dates[-1] + timedelta(1)))
        else:
            n, gap = {
                "BRPS": (rng.choice([3, 4]), (2, 5)),
                "RCHC": (3, (1, 3)),
                "MENTOR": (4, (6, 9)),
            }.get(code, (max(1, int(offer.typical_days)), (1, 3)))
            dates = [day]
            while len(dates) < n:
                dates.append(self._weekday(dates[-1] + timedelta(rng.randint(*gap))))
        if offer.onsite_required:
            modes = [DayMode.ONSITE] * len(dates)
            if rng.random() < 0.35:
                modes[0] = DayMode.REMOTE  # blended: a remote first day, the rest onsite
        else:
            modes = [DayMode.REMOTE] * len(dates)
        return list(zip(dates, modes, strict=True))

    def _councils_for(self, offer: Offer):
        rng = self.rng
        if offer.serves_group:
            pool = [c for c in self.councils if c.nsap_funded and c.council_type != "county"]
            pool = pool if len(pool) >= 8 else self.councils
            return rng.sample(pool, rng.randint(3, 6))
        council = rng.choice(self.councils)
        if (
            offer.code == "CPC"
            and council.council_type == CouncilType.COUNTY
            and rng.random() < 0.2
        ):
            districts = [c for c in self.councils if c.county_id == council.pk]
            return [council] + rng.sample(districts, min(len(districts), rng.randint(1, 3)))
        return [council]

    def _engagements(self) -> None:
        rng = self.rng
        self.offers = list(
            Offer.objects.prefetch_related("team_roles", "milestones").order_by("code")
        )
        weights = {
            "CPC": 20,
            "RRP": 10,
            "BRPS": 18,
            "RCHC": 10,
            "DIP": 12,
            "FPC": 10,
            "GPC": 10,
            "MENTOR": 10,
        }
        offer_weights = [(o, weights.get(o.code, 5)) for o in self.offers]
        expertise = list(Expertise.objects.order_by("pk").values_list("pk", flat=True))
        per_year = max(1, round(ENGAGEMENTS_PER_YEAR * self.scale))
        # First, one of every offer in every state (counted in their year); then each
        # financial year filled up to its share, and the months planned beyond the current
        # year at the same rate.
        plans = [
            (offer, state, self._start_for_state(state))
            for offer in self.offers
            for state in STATES
        ]
        in_year = Counter(financial_year_of(start) for _, _, start in plans)
        for year in range(self._first_year(), financial_year_of(self.today) + 1):
            first, last = financial_year_bounds(year)
            for _ in range(max(0, per_year - in_year[year])):
                start = first + timedelta(rng.randint(0, (last - first).days))
                plans.append((_weighted(rng, offer_weights), None, start))
        beyond = financial_year_bounds(financial_year_of(self.today) + 1)[0]
        extra_days = (self._span_end() - beyond).days
        for _ in range(round(per_year * max(extra_days, 0) / 365)):
            start = beyond + timedelta(rng.randint(0, extra_days))
            plans.append((_weighted(rng, offer_weights), None, start))

        engagements, days_of, councils_of = [], [], []
        numbers = defaultdict(int)
        for offer, state, start in plans:
            councils = self._councils_for(offer)
            if state == S.REQUESTED:
                days = []
            else:
                days = self._activity_days(offer, start, councils, exact=state == S.IN_DELIVERY)
                if state in workflow.DELIVERED_STATES and days[-1][0] >= self.today:
                    # A long engagement forced into a delivered state: whole weeks earlier.
                    weeks = timedelta(weeks=((days[-1][0] - self.today).days // 7 + 1))
                    days = [(day - weeks, mode) for day, mode in days]
            first = days[0][0] if days else None
            last = days[-1][0] if days else None
            if state is None:
                state = self._state_for(first, last)
                if state == S.IN_DELIVERY and not (first <= self.today <= last):
                    state = S.TEAM_CONFIRMED if first > self.today else S.DELIVERED
                if state == S.REQUESTED:
                    days, first, last = [], None, None
            created = self._created(state, first)
            numbers[(offer.code, created.year)] += 1
            number = numbers[(offer.code, created.year)]
            title = (
                f"{offer.name}: panel of {len(councils)} councils"
                if offer.serves_group
                else f"{offer.name} for {councils[0].name}"
            )
            delivered = workflow.reached(state, S.DELIVERED)
            contact = (self.contacts.get(councils[0].pk) or [None])[0]
            engagements.append(
                Engagement(
                    reference=f"{offer.code}-{created.year}-{number:04d}",
                    offer=offer,
                    title=title,
                    focus=rng.choice(FOCUS),
                    funding=Funding.PAID_FOR
                    if councils[0].council_type == CouncilType.WELSH_UNITARY
                    else Funding.SECTOR_SUPPORT_GRANT,
                    manager=rng.choice(self.managers),
                    status=state,
                    start_date=first,
                    end_date=last,
                    requested_days=Decimal(len(days) or int(offer.typical_days) or 1),
                    requested_by=contact if rng.random() < 0.6 else None,
                    publication_decision=(
                        rng.choice(["publish", "publish", "not_publish"])
                        if workflow.reached(state, S.FEEDBACK_ISSUED)
                        else ""
                    ),
                    good_practice=(
                        "An approach other councils could learn from: "
                        + rng.choice(FOCUS).lower()
                        + "."
                    )
                    if delivered and rng.random() < 0.2
                    else "",
                    created_at=created,
                )
            )
            days_of.append(days)
            councils_of.append(councils)
        with _timestamps_as_given(Engagement, "created_at"):
            self._bulk(Engagement, engagements, "engagements")
        self.engagements = engagements
        self.councils_of = {e.pk: c for e, c in zip(engagements, councils_of, strict=True)}

        council_rows, theme_rows, day_rows = [], [], []
        for engagement, councils, days in zip(engagements, councils_of, days_of, strict=True):
            for council in councils:
                council_rows.append(
                    Engagement.councils.through(engagement_id=engagement.pk, council_id=council.pk)
                )
            for pk in rng.sample(expertise, rng.randint(1, 4)):
                theme_rows.append(
                    Engagement.themes.through(engagement_id=engagement.pk, expertise_id=pk)
                )
            for day, mode in days:
                day_rows.append(ActivityDay(engagement=engagement, date=day, mode=mode))
        self._bulk(Engagement.councils.through, council_rows, "engagement councils")
        self._bulk(Engagement.themes.through, theme_rows, "engagement themes")
        self._bulk(ActivityDay, day_rows, "activity days")
        self.onsite = {
            e.pk
            for e, days in zip(engagements, days_of, strict=True)
            if any(m == DayMode.ONSITE for _, m in days)
        }
        self.day_count = {e.pk: len(d) for e, d in zip(engagements, days_of, strict=True)}
        self._milestones_and_timelines()
        self._teams()

    def _created(self, state: str, start: date | None) -> datetime:
        rng = self.rng
        if start is None:
            return self._at(self.today - timedelta(rng.randint(1, 60)), 9)
        created = min(start - timedelta(rng.randint(100, 240)), self.today - timedelta(1))
        return self._at(created, 9)

    def _milestones_and_timelines(self) -> None:
        rng, today = self.rng, self.today
        milestones, changes, actions = [], [], []
        for engagement in self.engagements:
            state, start, end = engagement.status, engagement.start_date, engagement.end_date
            for template in engagement.offer.milestones.all():
                anchor = start if template.anchor == MilestoneAnchor.START else end
                due = anchor + timedelta(template.offset_days) if anchor else None
                done = None
                if (
                    due
                    and due < today
                    and state not in (S.CANCELLED, S.POSTPONED)
                    and rng.random() < 0.9
                ):
                    done = min(due + timedelta(rng.randint(-5, template.window_days)), today)
                milestones.append(
                    EngagementMilestone(
                        engagement=engagement,
                        code=template.code,
                        name=template.name,
                        due_on=due,
                        done_on=done,
                    )
                )
            changes += self._timeline(engagement)
            if engagement.offer.code in ("CPC", "FPC", "GPC") and workflow.reached(
                state, S.FEEDBACK_ISSUED
            ):
                for text in rng.sample(RECOMMENDATIONS, rng.randint(3, 5)):
                    progress = _weighted(
                        rng,
                        [
                            (ActionProgress.NOT_STARTED, 20),
                            (ActionProgress.IN_PROGRESS, 50),
                            (ActionProgress.DONE, 30),
                        ],
                    )
                    actions.append(
                        ImprovementAction(
                            engagement=engagement, recommendation=text, progress=progress
                        )
                    )
        self._bulk(EngagementMilestone, milestones, "engagement milestones")
        self._bulk(StatusChange, changes, "status changes")
        self._bulk(ImprovementAction, actions, "improvement actions")

    def _timeline(self, engagement) -> list[StatusChange]:
        """The status changes that lead to the engagement's state, in order, never in the future."""
        rng = self.rng
        state, start, end = engagement.status, engagement.start_date, engagement.end_date
        created = engagement.created_at
        if state == S.CANCELLED:
            path = workflow.ORDER[1 : rng.randint(2, 4)] + [S.CANCELLED]
        elif state == S.POSTPONED:
            path = workflow.ORDER[1:3] + [S.POSTPONED]
        else:
            path = workflow.ORDER[1 : workflow.ORDER.index(state) + 1]
        when = {}
        if start:
            before = max((start - created.date()).days, 3)
            when = {
                S.SCOPING: created + timedelta(days=rng.randint(3, 14)),
                S.SCHEDULED: created + timedelta(days=before // 2),
                S.TEAM_CONFIRMED: self._at(start - timedelta(rng.randint(12, 30))),
                S.IN_DELIVERY: self._at(start, 9),
                S.DELIVERED: self._at(end + timedelta(1), 16),
                S.FEEDBACK_ISSUED: self._at(end + timedelta(rng.randint(14, 28))),
                S.FOLLOW_UP: self._at(end + timedelta(rng.randint(60, 100))),
                S.CLOSED: self._at(end + timedelta(rng.randint(150, 190))),
            }
        changes = [
            StatusChange(
                engagement=engagement,
                from_status="",
                to_status=S.REQUESTED,
                changed_by=engagement.requested_by or engagement.manager,
                changed_at=created,
                note="",
            )
        ]
        previous, at = S.REQUESTED, created
        latest = self.now - timedelta(hours=len(path) + 1)
        for step in path:
            proposed = when.get(step) or at + timedelta(days=rng.randint(5, 30))
            at = max(min(proposed, latest), at + timedelta(minutes=5))
            latest += timedelta(hours=1)
            note = "The council asked to move the dates." if step == S.POSTPONED else ""
            if step == S.CANCELLED:
                note = "The council withdrew the request."
            changes.append(
                StatusChange(
                    engagement=engagement,
                    from_status=previous,
                    to_status=step,
                    changed_by=engagement.manager,
                    changed_at=at,
                    note=note,
                )
            )
            previous = step
        return changes

    # --- teams -------------------------------------------------------------------------------
