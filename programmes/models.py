from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DeliveryMode(models.TextChoices):
    ONSITE = "onsite", _("Onsite")
    REMOTE = "remote", _("Remote")
    BLENDED = "blended", _("Blended (onsite and remote)")


class DayMode(models.TextChoices):
    ONSITE = "onsite", _("Onsite")
    REMOTE = "remote", _("Remote")


class TeamRole(models.TextChoices):
    LEAD_MEMBER = "lead_member", _("Lead member peer")
    LEAD_OFFICER = "lead_officer", _("Lead officer peer")
    MEMBER = "member", _("Member peer")
    OFFICER = "officer", _("Officer peer")
    SHADOW = "shadow", _("Shadow peer")


MEMBER_ROLES = {TeamRole.LEAD_MEMBER, TeamRole.MEMBER}
OFFICER_ROLES = {TeamRole.LEAD_OFFICER, TeamRole.OFFICER}


class Offer(models.Model):
    """An engagement type (CPC, RRP, …). Offers are data: managers add new ones."""

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    delivery_mode = models.CharField(max_length=10, choices=DeliveryMode.choices)
    onsite_required = models.BooleanField(
        default=False, help_text=_("Cannot be scheduled without at least one onsite day.")
    )
    typical_days = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("1"))
    typical_hours = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, help_text=_("For panels.")
    )
    serves_group = models.BooleanField(
        default=False, help_text=_("Serves a group of councils (for example a DIP panel).")
    )
    open_to_councils = models.BooleanField(
        default=True, help_text=_("Councils may request it through the council portal.")
    )
    free_entitlement = models.BooleanField(
        default=False, help_text=_("Free about every 3–4 years (warn on early repeats).")
    )
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class OfferTeamRole(models.Model):
    """One line of an offer's default team composition."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="team_roles")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    count = models.PositiveSmallIntegerField(default=1)
    preferred_role_category = models.CharField(
        max_length=20, blank=True, help_text=_("For example chief_executive for a lead officer.")
    )

    class Meta:
        ordering = ["offer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "role"], name="offer_team_role_unique")
        ]

    def __str__(self):
        return f"{self.offer.code}: {self.count} × {self.get_role_display()}"


class MilestoneAnchor(models.TextChoices):
    START = "start", _("First activity day")
    END = "end", _("Last activity day")


class OfferMilestone(models.Model):
    """A milestone an offer defines relative to its activity dates."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    anchor = models.CharField(max_length=5, choices=MilestoneAnchor.choices)
    offset_days = models.IntegerField(help_text=_("Negative: before the anchor."))
    window_days = models.PositiveIntegerField(
        default=0, help_text=_("Length of the acceptable window after the due date.")
    )

    class Meta:
        ordering = ["offer", "offset_days"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "code"], name="offer_milestone_unique")
        ]

    def __str__(self):
        return f"{self.offer.code}: {self.name}"


class EngagementStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCOPING = "scoping", _("Scoping")
    SCHEDULED = "scheduled", _("Scheduled")
    TEAM_CONFIRMED = "team_confirmed", _("Team confirmed")
    IN_DELIVERY = "in_delivery", _("In delivery")
    DELIVERED = "delivered", _("Delivered")
    FEEDBACK_ISSUED = "feedback_issued", _("Feedback issued")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    POSTPONED = "postponed", _("Postponed")


class Funding(models.TextChoices):
    SECTOR_SUPPORT_GRANT = "sector_support_grant", _("Sector support grant")
    PAID_FOR = "paid_for", _("Paid for")


class Engagement(models.Model):
    """One piece of peer support for one or more councils."""

    reference = models.CharField(max_length=30, unique=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="engagements")
    councils = models.ManyToManyField("councils.Council", related_name="engagements")
    title = models.CharField(max_length=200)
    focus = models.TextField(blank=True)
    scope = models.TextField(_("scope and key questions"), blank=True)
    themes = models.ManyToManyField("peers.Expertise", blank=True, related_name="engagements")
    funding = models.CharField(
        max_length=24, choices=Funding.choices, default=Funding.SECTOR_SUPPORT_GRANT
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_engagements",
        limit_choices_to={"is_staff": True},
        verbose_name=_("LGA manager"),
    )
    status = models.CharField(
        max_length=20, choices=EngagementStatus.choices, default=EngagementStatus.REQUESTED
    )
    delivery = models.CharField(
        max_length=10,
        choices=DeliveryMode.choices,
        blank=True,
        help_text=_("Blank: the offer's default."),
    )
    # Denormalised from the activity days by the services; used for year, overlap and sorting.
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    requested_days = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    request_details = models.JSONField(
        default=dict, blank=True, help_text=_("What the council told us in its request form.")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_engagements",
    )
    published_report_url = models.URLField(blank=True)
    publication_decision = models.CharField(
        max_length=20,
        blank=True,
        choices=[("publish", _("Publish")), ("not_publish", _("Not publish"))],
    )
    good_practice = models.TextField(_("good-practice examples"), blank=True)
    agenda = models.TextField(
        blank=True,
        help_text=_(
            "Sessions, times and who the team meets on each day. Sent to the team and the "
            "council contacts with the reminders before the first day."
        ),
    )
    remote_joining_details = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Councils and themes are in the history too (who changed them, and when).
    history = HistoricalRecords(m2m_fields=[councils, themes])

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "start_date"]),
            models.Index(fields=["start_date"]),
            # Newest first: the admin list, the new-requests queue, the council portal.
            models.Index(fields=["-created_at", "-id"], name="engagement_newest_idx"),
            # Delivered in a period (by the last activity day): stocktakes and the dashboard.
            models.Index(fields=["end_date"], name="engagement_end_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="engagement_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def effective_delivery(self) -> str:
        return self.delivery or self.offer.delivery_mode


class ActivityDay(models.Model):
    """One day of activity, onsite or remote."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="activity_days"
    )
    date = models.DateField()
    mode = models.CharField(max_length=10, choices=DayMode.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "date"], name="activity_day_unique")
        ]

    def __str__(self):
        return f"{self.date} ({self.get_mode_display()})"


class EngagementMilestone(models.Model):
    """A milestone date of an engagement, computed from its offer unless fixed by hand."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="milestones")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    due_on = models.DateField(null=True, blank=True)
    fixed_by_hand = models.BooleanField(
        default=False, help_text=_("Keep this date when the activity days move.")
    )
    done_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "code"], name="engagement_milestone_unique"
            )
        ]

    def __str__(self):
        return f"{self.name}: {self.due_on}"


class StatusChange(models.Model):
    """The timeline: every status transition with who and when."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=20, choices=EngagementStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=EngagementStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    note = models.TextField(blank=True)
    guards_overridden = models.TextField(
        blank=True,
        help_text=_(
            "The workflow's conditions a manager overrode for this change (the note says why)."
        ),
    )

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["engagement", "changed_at"])]

    def __str__(self):
        return f"{self.engagement_id}: {self.from_status} → {self.to_status}"


class DocumentKind(models.TextChoices):
    POSITION_STATEMENT = "position_statement", _("Position statement")
    PREPARATORY = "preparatory", _("Other preparatory material")
    FEEDBACK_LETTER = "feedback_letter", _("Feedback letter or report")
    PANEL_WRITE_UP = "panel_write_up", _("Panel write-up")


def document_upload_to(instance, filename):
    # Never the user's name: a random name under the engagement, outside the web root.
    import uuid

    return f"engagements/{instance.engagement_id}/{uuid.uuid4().hex}"


class EngagementDocument(models.Model):
    """A document stored privately and served only through a permission check."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=24, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    released_to_council = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.original_name


class ActionProgress(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class ImprovementAction(models.Model):
    """A recommendation of a feedback letter and its progress at follow-up."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="improvement_actions"
    )
    recommendation = models.TextField()
    progress = models.CharField(
        max_length=12, choices=ActionProgress.choices, default=ActionProgress.NOT_STARTED
    )
    progress_note = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.recommendation[:60]


class PlaceStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    RESERVE = "reserve", _("Reserve (not yet invited)")


HOLDING_STATUSES = (PlaceStatus.INVITED, PlaceStatus.ACCEPTED)


class TeamPlace(models.Model):
    """A peer's place on an engagement's team."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="places")
    peer = models.ForeignKey("peers.Peer", on_delete=models.PROTECT, related_name="places")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    days = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Halves allowed: a panel is half a day."),
    )
    status = models.CharField(max_length=10, choices=PlaceStatus.choices)
    invited_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    response_due = models.DateField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    no_conflict_declared_at = models.DateTimeField(null=True, blank=True)
    reserve_rank = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Reserves are invited in this order.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["engagement", "role", "id"]
        indexes = [models.Index(fields=["peer", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "peer"], name="team_place_unique"),
            models.CheckConstraint(
                condition=Q(days__gte=0) & Q(days__lte=99), name="team_place_days_range"
            ),
        ]

    def __str__(self):
        return f"{self.peer} – {self.get_role_display()} ({self.engagement.reference})"


class DayCapException(models.Model):
    """Extra days above the member-peer cap for one peer and financial year."""

    peer = models.ForeignKey("peers.Peer", on_delete=models.CASCADE, related_name="cap_exceptions")
    financial_year = models.PositiveSmallIntegerField(
        help_text=_("The year the financial year starts in: 2024 means April 2024 – March 2025.")
    )
    extra_days = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    reason = models.TextField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year"]
        permissions = [
            ("approve_daycapexception", "Can approve exceptions to the member-peer day cap")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "financial_year"], name="day_cap_exception_unique"
            )
        ]

    def __str__(self):
        year = self.financial_year
        return f"{self.peer}: +{self.extra_days} days in {year}/{(year + 1) % 100:02d}"


from programmes.models_matching import *  # noqa
