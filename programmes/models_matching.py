"""Matching records: the score weights managers tune, and allocation runs with their progress."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["AllocationRun", "AllocationRunStatus", "MatchingWeights"]


def _weight(label: str, default: str, help_text: str):
    return models.DecimalField(
        label,
        max_digits=4,
        decimal_places=1,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=help_text,
    )


class MatchingWeights(models.Model):
    """How much each part of a candidate's score counts (one row, edited by managers)."""

    expertise = _weight(
        _("expertise"), "3", _("Overlap of the peer's expertise with the themes and focus.")
    )
    role_fit = _weight(
        _("role and seniority"), "3", _("For example a chief executive as lead officer peer.")
    )
    political_fit = _weight(
        _("political fit"),
        "2",
        _("Member peers: the lead member peer's group and the balance of the team."),
    )
    independence = _weight(
        _("independence"), "1", _("Onsite work: a peer from outside the council's region.")
    )
    fairness = _weight(
        _("fairness"),
        "2",
        _("Fewer days this year and fewer recent engagements; new peers get a first chance."),
    )
    experience = _weight(
        _("experience with similar councils"), "1", _("Councils of the same type or tier.")
    )
    diversity = _weight(
        _("team diversity"),
        "1",
        _("Only improves a team's balance, in aggregate. Never excludes and never shown per peer."),
    )
    candidates_per_group = models.PositiveSmallIntegerField(
        _("candidates offered to the solver per role and group"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self):
        return "Matching weights"

    @classmethod
    def current(cls) -> "MatchingWeights":
        """The one row of weights (created with the defaults on first use)."""
        return cls.objects.get_or_create(pk=1)[0]


class AllocationRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PROPOSED = "proposed", _("Proposal ready")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")


class AllocationRun(models.Model):
    """One allocation across many engagements: its progress, then a proposal to confirm."""

    engagements = models.ManyToManyField("programmes.Engagement", related_name="allocation_runs")
    status = models.CharField(
        max_length=10, choices=AllocationRunStatus.choices, default=AllocationRunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text=_("Percent done.")
    )
    progress_note = models.CharField(max_length=200, blank=True)
    objective = models.FloatField(null=True, blank=True)
    greedy_objective = models.FloatField(null=True, blank=True)
    solver_status = models.CharField(max_length=20, blank=True)
    proposal = models.JSONField(
        default=list, blank=True, help_text=_("Places proposed: engagement, role, peer, days.")
    )
    problems = models.JSONField(
        default=list, blank=True, help_text=_("Why some places could not be filled.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Allocation run {self.pk} ({self.get_status_display()})"
