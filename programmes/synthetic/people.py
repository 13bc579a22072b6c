"""The synthetic councils, staff, council contacts and peer pool."""

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from councils.models import Council, CouncilType, PoliticalControl
from councils.reference import councils_load_reference
from peers.models import (
    AgeBand,
    Disability,
    EqualitiesAnswers,
    EthnicGroup,
    Expertise,
    Peer,
    PeerKind,
    PeerStatus,
    PoliticalGroup,
    RoleCategory,
    Sex,
    SexualOrientation,
    TrainingKind,
    TrainingRecord,
    Unavailability,
    WorkMode,
    WorkRegion,
)
from programmes.periods import financial_year_bounds
from programmes.synthetic.base import (
    BATCH,
    DOMAIN,
    FIRST,
    LAST,
    PEERS_PER_SCALE,
    PRINCIPAL,
    _weighted,
)


class PeopleMixin:
    def _councils(self) -> None:
        councils_load_reference()
        rng = self.rng
        councils = list(Council.objects.order_by("gss_code"))
        controls = [c for c, _ in PoliticalControl.choices if c != PoliticalControl.OTHER]
        blank = [c for c in councils if not c.political_control]
        for council in blank:
            council.political_control = rng.choice(controls)
            council.nsap_funded = rng.random() < 0.25
        Council.objects.bulk_update(blank, ["political_control", "nsap_funded"], batch_size=BATCH)
        self.councils = [
            c for c in councils if c.abolished_on is None and c.council_type in PRINCIPAL
        ]
        self.by_id = {c.pk: c for c in councils}
        districts = defaultdict(set)
        for c in councils:
            if c.council_type == CouncilType.DISTRICT and c.county_id:
                districts[c.county_id].add(c.pk)
        self.area = {}
        for c in councils:
            if c.council_type == CouncilType.DISTRICT and c.county_id:
                self.area[c.pk] = districts[c.county_id] | {c.county_id, c.pk}
            elif c.council_type == CouncilType.COUNTY:
                self.area[c.pk] = districts[c.pk] | {c.pk}
            else:
                self.area[c.pk] = {c.pk}
        self.counts["councils"] = len(councils)

    def _staff(self) -> None:
        groups = {g.name: g.pk for g in Group.objects.filter(name__in=Role.ALL)}
        users, roles = [], []

        def add(email, first, last, role, *, staff=False, council=None, group=""):
            user = User(
                email=email,
                first_name=first,
                last_name=last,
                is_staff=staff,
                council=council,
                political_group=group,
                password=self._password(),
            )
            users.append(user)
            roles.append(role)
            return user

        rng = self.rng
        self.managers = [
            add(
                f"manager{i}@{DOMAIN}",
                rng.choice(FIRST),
                rng.choice(LAST),
                Role.MANAGER,
                staff=True,
            )
            for i in range(1, 9)
        ]
        self.director = add(f"director@{DOMAIN}", "Graham", "Okafor", Role.DIRECTOR, staff=True)
        self.board = [
            add(f"board{i}@{DOMAIN}", rng.choice(FIRST), rng.choice(LAST), Role.BOARD)
            for i in range(1, 4)
        ]
        for group in ("conservative", "labour", "liberal_democrat", "independent"):
            add(f"office.{group}@{DOMAIN}", "Group", "Office", Role.GROUP_OFFICE, group=group)
        # One contact for every council, a second for a third of them: they answer surveys.
        self.contacts = defaultdict(list)
        for council in self.councils:
            for n in range(1 if rng.random() < 0.67 else 2):
                user = add(
                    f"contact{n + 1}.{council.gss_code.lower()}@{DOMAIN}",
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    Role.COUNCIL_CONTACT,
                    council=council,
                )
                self.contacts[council.pk].append(user)
        self._bulk(User, users, "staff, board, group office and council users")
        through = User.groups.through
        self._bulk(
            through,
            [through(user_id=u.pk, group_id=groups[r]) for u, r in zip(users, roles, strict=True)],
            "role memberships",
        )

    def _peers(self) -> None:
        rng, today = self.rng, self.today
        total = max(1, round(PEERS_PER_SCALE * self.scale))
        expertise = list(Expertise.objects.order_by("pk").values_list("pk", flat=True))
        regions = dict(WorkRegion.objects.values_list("name", "pk"))
        region_ids = list(regions.values())
        homes = list(self.councils)
        users, peers = [], []
        for i in range(total):
            kind = _weighted(
                rng, [(PeerKind.MEMBER, 48), (PeerKind.OFFICER, 47), (PeerKind.OTHER, 5)]
            )
            first, last = rng.choice(FIRST), rng.choice(LAST)
            users.append(
                User(
                    email=f"{first.lower()}.{last.lower()}.{i}@{DOMAIN}",
                    first_name=first,
                    last_name=last,
                    password=self._password(),
                )
            )
            if kind == PeerKind.MEMBER:
                category = _weighted(
                    rng,
                    [
                        (RoleCategory.LEADER, 15),
                        (RoleCategory.CABINET_MEMBER, 45),
                        (RoleCategory.OTHER, 40),
                    ],
                )
                group = _weighted(
                    rng,
                    [
                        (PoliticalGroup.CONSERVATIVE, 35),
                        (PoliticalGroup.LABOUR, 35),
                        (PoliticalGroup.LIBERAL_DEMOCRAT, 15),
                        (PoliticalGroup.INDEPENDENT, 10),
                        (PoliticalGroup.GREEN, 3),
                        (PoliticalGroup.OTHER, 2),
                    ],
                )
                title = {"leader": "Leader of the council", "cabinet_member": "Cabinet member"}
                job_title = title.get(category, "Councillor")
            elif kind == PeerKind.OFFICER:
                category = _weighted(
                    rng,
                    [
                        (RoleCategory.CHIEF_EXECUTIVE, 20),
                        (RoleCategory.DIRECTOR, 35),
                        (RoleCategory.FINANCE, 15),
                        (RoleCategory.LEGAL_DEMOCRATIC, 15),
                        (RoleCategory.OTHER, 15),
                    ],
                )
                group, job_title = "", RoleCategory(category).label
            else:
                category, group = RoleCategory.OTHER, ""
                job_title = rng.choice(["Business adviser", "Civil servant", "Charity director"])
            home = rng.choice(homes)
            confirmed = None if rng.random() < 0.05 else today - timedelta(rng.randint(0, 900))
            waived = kind == PeerKind.MEMBER and rng.random() < 0.05
            peers.append(
                Peer(
                    kind=kind,
                    home_council=home,
                    political_group=group,
                    job_title=job_title,
                    role_category=category,
                    work_mode=_weighted(
                        rng, [(WorkMode.BOTH, 65), (WorkMode.REMOTE, 25), (WorkMode.ONSITE, 10)]
                    ),
                    status=_weighted(
                        rng, [(PeerStatus.ACTIVE, 90), (PeerStatus.PAUSED, 6), (PeerStatus.LEFT, 4)]
                    ),
                    profile_confirmed_on=confirmed,
                    training_waived=waived,
                    training_waiver_reason="Very experienced peer" if waived else "",
                    training_waiver_approved_by=self.director if waived else None,
                    training_waiver_approved_at=self.now - timedelta(days=400) if waived else None,
                )
            )
        self._bulk(User, users, "peer users")
        peer_group = Group.objects.get(name=Role.PEER).pk
        through = User.groups.through
        self._bulk(
            through, [through(user_id=u.pk, group_id=peer_group) for u in users], "role memberships"
        )
        for user, peer in zip(users, peers, strict=True):
            peer.user = user
        self._bulk(Peer, peers, "peers")
        self.peers = peers

        expertise_rows, region_rows, conflict_rows = [], [], []
        unavailable, training, equalities = [], [], []
        self.conflicts = defaultdict(set)
        self.unavailable = defaultdict(list)
        span_start = financial_year_bounds(self._first_year())[0]
        span_end = self._span_end()
        for peer in peers:
            for pk in rng.sample(expertise, rng.randint(2, 6)):
                expertise_rows.append(Peer.expertise.through(peer_id=peer.pk, expertise_id=pk))
            home_region = regions.get(peer.home_council.region)
            chosen = set(
                region_ids if rng.random() < 0.1 else rng.sample(region_ids, rng.randint(1, 5))
            )
            if home_region:
                chosen.add(home_region)
            for pk in sorted(chosen):
                region_rows.append(Peer.regions.through(peer_id=peer.pk, workregion_id=pk))
            if rng.random() < 0.08:
                for council in rng.sample(self.councils, rng.randint(1, 2)):
                    self.conflicts[peer.pk].add(council.pk)
                    conflict_rows.append(
                        Peer.conflicts.through(peer_id=peer.pk, council_id=council.pk)
                    )
            if rng.random() < 0.3:
                for _ in range(rng.randint(1, 2)):
                    starts = span_start + timedelta(rng.randint(0, (span_end - span_start).days))
                    ends = starts + timedelta(rng.randint(0, 20))
                    self.unavailable[peer.pk].append((starts, ends))
                    unavailable.append(
                        Unavailability(
                            peer=peer,
                            starts_on=starts,
                            ends_on=ends,
                            reason=rng.choice(["Holiday", "Council budget setting", "Leave", ""]),
                        )
                    )
            member = peer.kind == PeerKind.MEMBER
            if rng.random() < (0.85 if member else 0.4):
                for _ in range(rng.randint(1, 3 if member else 1)):
                    kind = rng.choice(list(TrainingKind)) if member else TrainingKind.TRAINING
                    training.append(
                        TrainingRecord(
                            peer=peer,
                            kind=kind,
                            course="Member peer conference"
                            if kind == TrainingKind.CONFERENCE
                            else rng.choice(
                                [
                                    "Peer challenge training",
                                    "Member peer training",
                                    "Officer peer induction",
                                ]
                            ),
                            attended_on=self.today - timedelta(rng.randint(20, 1800)),
                        )
                    )
            if rng.random() < 0.45:
                equalities.append(self._equalities(peer))
        self._bulk(Peer.expertise.through, expertise_rows, "peer expertise")
        self._bulk(Peer.regions.through, region_rows, "peer regions")
        self._bulk(Peer.conflicts.through, conflict_rows, "declared conflicts")
        self._bulk(Unavailability, unavailable, "unavailability periods")
        self._bulk(TrainingRecord, training, "training records")
        self.last_training = {}  # peer id -> the day of their latest training or conference
        for record in training:
            last = self.last_training.get(record.peer_id)
            if last is None or record.attended_on > last:
                self.last_training[record.peer_id] = record.attended_on
        self._bulk(EqualitiesAnswers, equalities, "equalities answers")

    def _equalities(self, peer) -> EqualitiesAnswers:
        rng = self.rng
        pnts = "prefer_not_to_say"
        return EqualitiesAnswers(
            peer=peer,
            consent_given_at=self.now - timedelta(days=rng.randint(1, 700)),
            sex=_weighted(rng, [(Sex.FEMALE, 45), (Sex.MALE, 50), (pnts, 5)]),
            ethnic_group=_weighted(
                rng,
                [
                    (EthnicGroup.WHITE, 80),
                    (EthnicGroup.ASIAN, 8),
                    (EthnicGroup.BLACK, 4),
                    (EthnicGroup.MIXED, 2),
                    (EthnicGroup.OTHER, 1),
                    (pnts, 5),
                ],
            ),
            disability=_weighted(rng, [(Disability.NO, 83), (Disability.YES, 10), (pnts, 7)]),
            age_band=_weighted(
                rng,
                [
                    (AgeBand.UNDER_35, 5),
                    (AgeBand.FROM_35_TO_44, 14),
                    (AgeBand.FROM_45_TO_54, 30),
                    (AgeBand.FROM_55_TO_64, 32),
                    (AgeBand.OVER_65, 14),
                    (pnts, 5),
                ],
            ),
            sexual_orientation=_weighted(
                rng,
                [
                    (SexualOrientation.HETEROSEXUAL, 86),
                    (SexualOrientation.GAY_LESBIAN, 4),
                    (SexualOrientation.BISEXUAL, 2),
                    (SexualOrientation.OTHER, 1),
                    (pnts, 7),
                ],
            ),
        )

    # --- engagements -------------------------------------------------------------------------
