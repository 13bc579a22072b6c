"""Writes of the reports domain: asking for a report, building it, recording DIP write-ups."""

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts import permissions
from core.audit import audited
from programmes.models import Engagement
from reports.models import DIPWriteUp, JobStatus, ReportJob, ReportKind
from reports.render.html import render_html
from reports.render.xlsx import render_xlsx
from reports.rough_sleeping import DIP_CODE, rough_sleeping_compute
from reports.stocktake import stocktake_compute
from reports.stocktake.compute import default_planned_until, offers_resolve
from reports.version import code_version

logger = logging.getLogger(__name__)


def _stocktake_parameters(
    *,
    period_from: date,
    period_to: date,
    planned_until: date | None,
    offers,
    recommendations,
    quote_ids,
    good_practice_ids,
) -> dict:
    if period_to < period_from:
        raise ValidationError(
            {"period_to": "The last day must be the same as or after the first day"}
        )
    planned_until = planned_until or default_planned_until(period_to)
    if planned_until < period_to:
        raise ValidationError(
            {"planned_until": "The date for planned engagements must be after the period"}
        )
    codes = [offer.code for offer in offers_resolve(offers)] if offers else []
    return {
        "period_from": period_from.isoformat(),
        "period_to": period_to.isoformat(),
        "planned_until": planned_until.isoformat(),
        "offers": codes,
        "recommendations": [str(text) for text in (recommendations or [])],
        "quote_ids": None if quote_ids is None else [str(pk) for pk in quote_ids],
        "good_practice_ids": (
            None if good_practice_ids is None else [int(pk) for pk in good_practice_ids]
        ),
    }


@audited
@transaction.atomic
def report_job_request(
    *,
    user,
    kind: str,
    period_from: date,
    period_to: date,
    planned_until: date | None = None,
    offers=None,
    recommendations=None,
    quote_ids=None,
    good_practice_ids=None,
) -> ReportJob:
    """Record a report to build and queue the Celery task that builds it (after commit).

    Only programme managers (and directors) may ask for reports.
    """
    if not permissions.is_manager(user):
        raise PermissionDenied("Only programme managers can build reports")
    if kind == ReportKind.STOCKTAKE:
        parameters = _stocktake_parameters(
            period_from=period_from,
            period_to=period_to,
            planned_until=planned_until,
            offers=offers,
            recommendations=recommendations,
            quote_ids=quote_ids,
            good_practice_ids=good_practice_ids,
        )
    elif kind == ReportKind.ROUGH_SLEEPING:
        if period_to < period_from:
            raise ValidationError(
                {"period_to": "The last day must be the same as or after the first day"}
            )
        parameters = {"period_from": period_from.isoformat(), "period_to": period_to.isoformat()}
    else:
        raise ValidationError("Select a kind of report")
    job = ReportJob.objects.create(
        kind=kind,
        owner=user,
        owner_name=(user.get_full_name() or user.email)[:150],
        parameters=parameters,
        progress_message="Waiting for a worker",
    )
    from reports.tasks import report_job_build

    transaction.on_commit(lambda: report_job_build.delay(job.pk))
    return job


def _progress(job: ReportJob, percent: int, message: str) -> None:
    # A plain UPDATE in its own (auto)commit, so the progress page sees it at once.
    ReportJob.objects.filter(pk=job.pk).update(progress=percent, progress_message=message)


def report_compute(*, kind: str, parameters: dict) -> dict:
    """The report's one computed result, from a job's stored parameters."""
    if kind == ReportKind.ROUGH_SLEEPING:
        return rough_sleeping_compute(
            period_from=parameters["period_from"], period_to=parameters["period_to"]
        )
    result = stocktake_compute(
        period_from=parameters["period_from"],
        period_to=parameters["period_to"],
        planned_until=parameters.get("planned_until"),
        offers=parameters.get("offers") or None,
        quote_ids=parameters.get("quote_ids"),
        good_practice_ids=parameters.get("good_practice_ids"),
        recommendations=parameters.get("recommendations"),
    )
    result["kind"] = ReportKind.STOCKTAKE.value
    return result


def report_job_build(*, job_id: int) -> ReportJob | None:
    """Build a queued report: compute once, then render HTML, PDF and XLSX from that result.

    Not one transaction on purpose: each progress step commits on its own so the owner's
    progress page can show it. Safe to run twice: a finished job is left alone, and a
    re-delivered job (its worker died) is built again from the start.
    """
    claimed = ReportJob.objects.filter(
        pk=job_id, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        progress=5,
        progress_message="Counting engagements, councils and peers",
    )
    if not claimed:
        return None
    job = ReportJob.objects.get(pk=job_id)
    try:
        result = report_compute(kind=job.kind, parameters=job.parameters)
        result["meta"].update(
            {
                "report_id": job.pk,
                "generated_at": timezone.now().isoformat(),
                "parameters": job.parameters,
            }
        )
        _progress(job, 50, "Writing the web page")
        html = render_html(result)
        _progress(job, 60, "Laying out the PDF")
        # Imported here: only the worker needs WeasyPrint, the web processes never load it.
        from reports.render.pdf import render_pdf

        pdf = render_pdf(result)
        _progress(job, 85, "Writing the spreadsheet")
        xlsx = render_xlsx(result)
        _progress(job, 95, "Saving the report")
        stem = f"{job.kind}-{job.parameters['period_from']}-{job.parameters['period_to']}"
        with transaction.atomic():
            job = ReportJob.objects.select_for_update().get(pk=job_id)
            for field, data, extension in (
                (job.html_file, html, "html"),
                (job.pdf_file, pdf, "pdf"),
                (job.xlsx_file, xlsx, "xlsx"),
            ):
                field.save(f"{stem}.{extension}", ContentFile(data), save=False)
            job.result = result
            job.data_as_of = result["meta"]["data_as_of"]
            job.code_version = result["meta"].get("code_version") or code_version()
            job.status = JobStatus.DONE
            job.progress = 100
            job.progress_message = "Ready"
            job.finished_at = timezone.now()
            job.error = ""
            job.save()
        return job
    except Exception as error:
        logger.exception("Report job %s failed", job_id)
        ReportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            progress_message="Failed",
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        return None


@audited
@transaction.atomic
def dip_write_up_record(
    *,
    engagement: Engagement,
    user,
    strengths: str = "",
    good_practice: str = "",
    emerging_issues: str = "",
    gaps: str = "",
) -> DIPWriteUp:
    """Create or update the write-up of a Delivery and Impact Panel."""
    if engagement.offer.code != DIP_CODE:
        raise ValidationError(
            {"engagement": "Select a Delivery and Impact Panel: only panels have write-ups"}
        )
    if not any(text.strip() for text in (strengths, good_practice, emerging_issues, gaps)):
        raise ValidationError("Enter at least one of strengths, good practice, issues or gaps")
    write_up, _ = DIPWriteUp.objects.update_or_create(
        engagement=engagement,
        defaults={
            "strengths": strengths.strip(),
            "good_practice": good_practice.strip(),
            "emerging_issues": emerging_issues.strip(),
            "gaps": gaps.strip(),
            "recorded_by": user,
        },
    )
    return write_up
