from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from councils.models import Region


class PeerKind(models.TextChoices):
    MEMBER = "member", _("Member peer (councillor)")
    OFFICER = "officer", _("Officer peer")
    OTHER = "other", _("Other (business, civil service, voluntary sector)")


class PoliticalGroup(models.TextChoices):
    CONSERVATIVE = "conservative", _("Conservative")
    LABOUR = "labour", _("Labour")
    LIBERAL_DEMOCRAT = "liberal_democrat", _("Liberal Democrat")
    INDEPENDENT = "independent", _("Independent")
    GREEN = "green", _("Green")
    OTHER = "other", _("Other")


class RoleCategory(models.TextChoices):
    CHIEF_EXECUTIVE = "chief_executive", _("Chief executive")
    LEADER = "leader", _("Leader")
    CABINET_MEMBER = "cabinet_member", _("Cabinet member")
    DIRECTOR = "director", _("Director")
    FINANCE = "finance", _("Finance (S151 officer)")
    LEGAL_DEMOCRATIC = "legal_democratic", _("Monitoring officer, legal or democratic services")
    OTHER = "other", _("Other")


class WorkMode(models.TextChoices):
    ONSITE = "onsite", _("Onsite only")
    REMOTE = "remote", _("Remote only")
    BOTH = "both", _("Onsite or remote")


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left the pool")


class Expertise(models.Model):
    """The vocabulary of expertise areas and engagement themes, edited by managers."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "expertise"

    def __str__(self):
        return self.name


class WorkRegion(models.Model):
    """One of the ten regions a peer may be willing to work in."""

    name = models.CharField(max_length=32, choices=Region.choices, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Peer(models.Model):
    """A member, officer or other peer in the programme's pool."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer"
    )
    kind = models.CharField(max_length=10, choices=PeerKind.choices)
    home_council = models.ForeignKey(
        "councils.Council", on_delete=models.PROTECT, related_name="home_peers"
    )
    political_group = models.CharField(
        max_length=20,
        choices=PoliticalGroup.choices,
        blank=True,
        help_text=_("Member peers only."),
    )
    job_title = models.CharField(max_length=150, blank=True)
    role_category = models.CharField(
        max_length=20, choices=RoleCategory.choices, default=RoleCategory.OTHER
    )
    phone = models.CharField(max_length=40, blank=True)
    expertise = models.ManyToManyField(Expertise, blank=True, related_name="peers")
    regions = models.ManyToManyField(
        WorkRegion, blank=True, related_name="peers", verbose_name=_("regions willing to work in")
    )
    work_mode = models.CharField(max_length=10, choices=WorkMode.choices, default=WorkMode.BOTH)
    conflicts = models.ManyToManyField(
        "councils.Council",
        blank=True,
        related_name="conflicted_peers",
        verbose_name=_("declared conflicts"),
    )
    status = models.CharField(max_length=10, choices=PeerStatus.choices, default=PeerStatus.ACTIVE)
    profile_confirmed_on = models.DateField(null=True, blank=True)
    training_waived = models.BooleanField(
        default=False,
        help_text=_(
            "A manager or the Director of Improvement waived the 3-year training expectation "
            "(for example a very experienced peer): the peer may be placed without it."
        ),
    )
    training_waiver_reason = models.CharField(max_length=200, blank=True)
    training_waiver_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("training waiver approved by"),
    )
    training_waiver_approved_at = models.DateTimeField(
        _("training waiver approved at"), null=True, blank=True
    )
    calendar_token = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["calendar_token"], m2m_fields=[conflicts])

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["role_category"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="member") | Q(political_group=""),
                name="peer_political_group_member_only",
                violation_error_message=_("Only member peers have a political group."),
            ),
        ]

    def __str__(self):
        return self.user.get_full_name() or self.user.email

    @property
    def name(self) -> str:
        return str(self)

    @property
    def is_member_peer(self) -> bool:
        return self.kind == PeerKind.MEMBER

    @property
    def can_work_onsite(self) -> bool:
        return self.work_mode in (WorkMode.ONSITE, WorkMode.BOTH)


class Unavailability(models.Model):
    """A period in which the peer cannot take part (inclusive dates)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="unavailability")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_on"]
        verbose_name_plural = "unavailability periods"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="unavailability_ends_after_start",
                # The words of peers.services, so every door refuses alike.
                violation_error_message=_(
                    "The last day must be the same as or after the first day"
                ),
            )
        ]

    def __str__(self):
        return f"{self.starts_on} to {self.ends_on}"


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("Peer training")
    CONFERENCE = "conference", _("Member peer conference")


class TrainingRecord(models.Model):
    """Attendance at peer training or a member peer conference (recorded by managers)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="training_records")
    kind = models.CharField(max_length=12, choices=TrainingKind.choices)
    course = models.CharField(max_length=150)
    attended_on = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-attended_on"]
        indexes = [models.Index(fields=["peer", "attended_on"])]

    def __str__(self):
        return f"{self.course} ({self.attended_on})"


PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class EthnicGroup(models.TextChoices):
    ASIAN = "asian", _("Asian or Asian British")
    BLACK = "black", _("Black, Black British, Caribbean or African")
    MIXED = "mixed", _("Mixed or multiple ethnic groups")
    WHITE = "white", _("White")
    OTHER = "other", _("Other ethnic group")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class Disability(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class AgeBand(models.TextChoices):
    UNDER_35 = "under_35", _("Under 35")
    FROM_35_TO_44 = "35_44", _("35 to 44")
    FROM_45_TO_54 = "45_54", _("45 to 54")
    FROM_55_TO_64 = "55_64", _("55 to 64")
    OVER_65 = "65_plus", _("65 or over")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class SexualOrientation(models.TextChoices):
    HETEROSEXUAL = "heterosexual", _("Heterosexual or straight")
    GAY_LESBIAN = "gay_lesbian", _("Gay or lesbian")
    BISEXUAL = "bisexual", _("Bisexual")
    OTHER = "other", _("Other sexual orientation")
    PREFER_NOT_TO_SAY = PREFER_NOT_TO_SAY, _("Prefer not to say")


class EqualitiesAnswers(models.Model):
    """Special-category data a peer chose to share; readable only with peers.view_equalities.

    Withdrawing consent deletes the row (and its history), erasing the answers.
    """

    peer = models.OneToOneField(Peer, on_delete=models.CASCADE, related_name="equalities")
    consent_given_at = models.DateTimeField()
    sex = models.CharField(max_length=20, choices=Sex.choices, default=PREFER_NOT_TO_SAY)
    ethnic_group = models.CharField(
        max_length=20, choices=EthnicGroup.choices, default=PREFER_NOT_TO_SAY
    )
    disability = models.CharField(
        max_length=20, choices=Disability.choices, default=PREFER_NOT_TO_SAY
    )
    age_band = models.CharField(max_length=20, choices=AgeBand.choices, default=PREFER_NOT_TO_SAY)
    sexual_orientation = models.CharField(
        max_length=20, choices=SexualOrientation.choices, default=PREFER_NOT_TO_SAY
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "equalities answers"
        default_permissions = ()
        permissions = [
            ("view_equalities", "Can read individual peers' equalities answers"),
        ]

    def __str__(self):
        return f"Equalities answers of peer {self.peer_id}"
