from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class BoardDashboardAccess(models.Model):
    """Holds the permission to read board dashboards (no rows are stored)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_board_dashboard", "Can read board dashboards and stocktakes")]

    def __str__(self):
        return "Board dashboard access"


class ReportKind(models.TextChoices):
    STOCKTAKE = "stocktake", _("Stocktake")
    ROUGH_SLEEPING = "rough_sleeping", _("National rough-sleeping report")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def report_file_upload_to(instance, filename):
    # Private storage, never under a public URL; the view serves it after a permission check.
    return f"reports/{instance.pk}/{filename}"


class ReportJob(models.Model):
    """One report built by a Celery worker: its parameters, progress and frozen result.

    Once done, `result` is a snapshot: the figures as they were at `data_as_of`, computed by
    `code_version`. Every download (HTML, PDF, XLSX, JSON) is made from that one result.
    """

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    progress_message = models.CharField(max_length=120, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_jobs",
    )
    owner_name = models.CharField(
        max_length=150, blank=True, help_text=_("Who asked for it, kept if the account goes.")
    )
    parameters = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    data_as_of = models.DateTimeField(null=True, blank=True)
    code_version = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    html_file = models.FileField(upload_to=report_file_upload_to, max_length=200, blank=True)
    pdf_file = models.FileField(upload_to=report_file_upload_to, max_length=200, blank=True)
    xlsx_file = models.FileField(upload_to=report_file_upload_to, max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_job_progress_at_most_100"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def title(self) -> str:
        params = self.parameters or {}
        period = f"{params.get('period_from', '?')} to {params.get('period_to', '?')}"
        return f"{self.get_kind_display()}, {period}"


class DIPWriteUp(models.Model):
    """The manager's summary of one Delivery and Impact Panel (rough sleeping)."""

    engagement = models.OneToOneField(
        "programmes.Engagement",
        on_delete=models.CASCADE,
        related_name="dip_write_up",
        limit_choices_to={"offer__code": "DIP"},
    )
    strengths = models.TextField(blank=True)
    good_practice = models.TextField(_("good practice"), blank=True)
    emerging_issues = models.TextField(_("emerging issues"), blank=True)
    gaps = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("DIP write-up")

    def __str__(self):
        return f"Write-up of {self.engagement.reference}"
