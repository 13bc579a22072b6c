"""Synthetic teams planned with their own bookkeeping of the placement rules."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from peers.models import (
    PeerKind,
    PeerStatus,
    WorkMode,
)
from programmes.models import (
    MEMBER_ROLES,
    DayCapException,
    PlaceStatus,
    TeamPlace,
)
from programmes.periods import financial_year_of, training_is_valid
from programmes.synthetic.base import DAY_CAP, HELD, S


class TeamsMixin:
    def _teams(self) -> None:
        rng = self.rng
        active = [i for i, p in enumerate(self.peers) if p.status == PeerStatus.ACTIVE]
        self.pool = defaultdict(list)  # (is member, category) and (is member, "") -> indexes
        for i in active:
            peer = self.peers[i]
            member = peer.kind == PeerKind.MEMBER
            self.pool[(member, "")].append(i)
            self.pool[(member, peer.role_category)].append(i)
        self.busy = defaultdict(list)  # peer index -> [(start, end)] of held places
        self.used = defaultdict(Decimal)  # (peer index, year) -> days held
        self.cap = {}  # (peer index, year) -> cap with any exception
        places, exceptions = [], []
        for engagement in self.engagements:
            state = engagement.status
            if state == S.REQUESTED or engagement.start_date is None:
                continue
            team = set()
            if state in (S.CANCELLED, S.POSTPONED):
                plan = PlaceStatus.WITHDRAWN if rng.random() < 0.5 else None
            elif state == S.SCOPING:
                plan = PlaceStatus.RESERVE if rng.random() < 0.3 else None
            elif state == S.SCHEDULED:
                # Some scheduled engagements are still waiting for a team to be found.
                plan = "mixed" if rng.random() < 0.65 else None
            else:
                plan = PlaceStatus.ACCEPTED
            if plan is None:
                continue
            rank = 0
            for line in engagement.offer.team_roles.all():
                for _ in range(line.count):
                    status = plan
                    if plan == "mixed":
                        status = (
                            PlaceStatus.ACCEPTED if rng.random() < 0.55 else PlaceStatus.INVITED
                        )
                    place = self._place(
                        engagement,
                        line.role,
                        line.preferred_role_category,
                        status,
                        team,
                        exceptions,
                    )
                    if place:
                        if status == PlaceStatus.RESERVE:
                            rank += 1
                            place.reserve_rank = rank
                        places.append(place)
            if plan in (PlaceStatus.ACCEPTED, "mixed") and rng.random() < 0.15:
                lines = list(engagement.offer.team_roles.all())
                line = rng.choice(lines)
                place = self._place(
                    engagement, line.role, "", PlaceStatus.DECLINED, team, exceptions
                )
                if place:
                    places.append(place)
        self._bulk(DayCapException, exceptions, "day-cap exceptions")
        self._bulk(TeamPlace, places, "team places")
        self.places = places

    def _fits(self, i: int, engagement, councils, days: Decimal, book: bool, exceptions) -> bool:
        peer = self.peers[i]
        home = peer.home_council_id
        for council in councils:
            if council.pk == home or home in self.area[council.pk]:
                return False
            if council.pk in self.conflicts.get(peer.pk, ()):
                return False
        if engagement.pk in self.onsite and peer.work_mode == WorkMode.REMOTE:
            return False
        if (
            book
            and peer.kind == PeerKind.MEMBER
            and not peer.training_waived
            and not training_is_valid(
                last_attended=self.last_training.get(peer.pk), on=engagement.start_date
            )
        ):
            return False
        start, end = engagement.start_date, engagement.end_date
        for other_start, other_end in self.busy.get(i, ()):
            if other_start <= end and other_end >= start:
                return False
        for off_start, off_end in self.unavailable.get(peer.pk, ()):
            if off_start <= end and off_end >= start:
                return False
        if book and peer.kind == PeerKind.MEMBER:
            year = financial_year_of(start)
            cap = self.cap.get((i, year), DAY_CAP)
            if self.used[(i, year)] + days > cap:
                if (i, year) in self.cap or self.rng.random() < 0.5:
                    return False
                # The Director of Improvement approved an exception for a busy member peer.
                self.cap[(i, year)] = cap + Decimal("10")
                exceptions.append(
                    DayCapException(
                        peer=peer,
                        financial_year=year,
                        extra_days=Decimal("10"),
                        reason="A busy year of corporate peer challenges.",
                        approved_by=self.director,
                        approved_at=self._at(start - timedelta(days=30)),
                    )
                )
                if self.used[(i, year)] + days > self.cap[(i, year)]:
                    return False
        return True

    def _place(self, engagement, role, category, status, team, exceptions):
        rng = self.rng
        member = role in MEMBER_ROLES
        if role == "shadow":
            member = rng.random() < 0.5
        councils = self.councils_of[engagement.pk]
        per_day = Decimal("0.5") if engagement.offer.code in ("RRP", "DIP", "MENTOR") else 1
        days = Decimal(self.day_count[engagement.pk]) * per_day
        book = status in HELD
        pools = []
        if category and self.pool.get((member, category)):
            pools.append(self.pool[(member, category)])
        pools.append(self.pool[(member, "")])
        for pool in pools:
            for _ in range(40):
                # Skewed: a few peers are asked far more often (as in the real pool).
                i = pool[int(len(pool) * rng.random() ** 2.5)]
                if i in team or not self._fits(i, engagement, councils, days, book, exceptions):
                    continue
                team.add(i)
                if book:
                    self.busy[i].append((engagement.start_date, engagement.end_date))
                    self.used[(i, financial_year_of(engagement.start_date))] += days
                return self._place_row(engagement, i, role, days, status)
        return None

    def _place_row(self, engagement, i, role, days, status) -> TeamPlace:
        rng = self.rng
        invited = responded = due = declared = None
        if status != PlaceStatus.RESERVE:
            lead = rng.randint(45, 110)
            invited_day = min(engagement.start_date - timedelta(lead), self.today - timedelta(1))
            invited = self._at(invited_day, 11)
            due = invited_day + timedelta(days=settings.INVITATION_RESPONSE_DAYS)
            if status != PlaceStatus.INVITED:
                responded = min(invited + timedelta(days=rng.randint(1, 9)), self.now)
            if status == PlaceStatus.ACCEPTED:
                declared = responded
        return TeamPlace(
            engagement=engagement,
            peer=self.peers[i],
            role=role,
            days=days,
            status=status,
            invited_at=invited,
            responded_at=responded,
            response_due=due,
            decline_reason="Not available on those dates."
            if status == PlaceStatus.DECLINED
            else "",
            no_conflict_declared_at=declared,
        )

    # --- surveys -----------------------------------------------------------------------------
