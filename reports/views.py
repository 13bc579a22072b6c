"""Reports pages under /board/: the board dashboard, stocktakes and the managers' reports.

Thin views: forms validate, services write, selectors read (and decide who sees what).
Board members see aggregates only; nothing on a page open to them names a person.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import permissions
from reports import selectors, services
from reports.dashboard import diversity_side_by_side
from reports.forms import (
    DashboardPeriodForm,
    PeriodForm,
    StocktakeContentForm,
    StocktakeParametersForm,
)
from reports.models import JobStatus, ReportKind
from reports.render.charts import bar_chart_svg, stocktake_charts
from reports.render.html import COUNCIL_HEADLINES, PEER_HEADLINES, document_context
from reports.render.json import render_json
from reports.stocktake import surveys
from reports.stocktake.compute import (
    default_planned_until,
    delivered_engagements,
    good_practice_candidates,
    offers_resolve,
)

DRAFT_SESSION_KEY = "reports_stocktake_draft"


class BoardRequiredMixin(permissions.RoleRequiredMixin):
    role_check = staticmethod(selectors.can_read_board_reports)


class ManagerRequiredMixin(permissions.RoleRequiredMixin):
    role_check = staticmethod(permissions.is_manager)


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class DashboardView(BoardRequiredMixin, TemplateView):
    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        years = selectors.dashboard_years(today=today)
        period_form = DashboardPeriodForm(self.request.GET or None, years=years)
        year = years[0]
        if period_form.is_valid():
            year = period_form.cleaned_data["year"]
        elif self.request.GET:
            raise Http404("No such year")
        figures = selectors.board_dashboard_get(
            user=self.request.user, financial_year=year, today=today
        )
        stocktake = figures["stocktake"]
        pool_regions = [(name, [n]) for name, n in figures["pool"]["by_region"].items()]
        day_bands = [(band["label"], [band["peers"]]) for band in figures["day_caps"]["bands"]]
        charts = stocktake_charts(stocktake)
        charts["pool_region"] = bar_chart_svg(
            chart_id="chart-pool-region",
            title="Active peers by the region of their home council",
            rows=pool_regions or [("No peers", [0])],
            series=["Peers"],
        )
        charts["day_caps"] = bar_chart_svg(
            chart_id="chart-day-caps",
            title="Member peers by days used in the financial year",
            rows=day_bands,
            series=["Member peers"],
        )
        if not period_form.is_bound:
            period_form = DashboardPeriodForm(initial={"year": year}, years=years)
        context.update(
            {
                "period_form": period_form,
                "d": figures,
                "s": stocktake,
                "figures_as_of": datetime.fromisoformat(figures["figures_as_of"]),
                "charts": charts,
                "diversity": diversity_side_by_side(
                    figures["diversity"]["pool"], figures["diversity"]["deployed"]
                ),
                "council_headlines": COUNCIL_HEADLINES,
                "peer_headlines": PEER_HEADLINES,
                "is_manager": permissions.is_manager(self.request.user),
            }
        )
        return context


class ReportListView(BoardRequiredMixin, TemplateView):
    template_name = "reports/report_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        jobs = selectors.report_job_list_visible_to(user=self.request.user).only(
            "pk", "kind", "status", "parameters", "created_at", "finished_at", "progress"
        )
        paginator = Paginator(jobs, 25)
        context["page"] = paginator.get_page(self.request.GET.get("page"))
        context["is_manager"] = permissions.is_manager(self.request.user)
        return context


class StocktakeNewView(ManagerRequiredMixin, FormView):
    """Step 1: the period, the offers and the 'planned until' date (kept in the session)."""

    template_name = "reports/form_page.html"
    form_class = StocktakeParametersForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "page_caption": "New stocktake",
                "page_heading": "Which period and offers should the stocktake cover?",
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        until = data.get("planned_until") or default_planned_until(data["period_to"])
        self.request.session[DRAFT_SESSION_KEY] = {
            "period_from": data["period_from"].isoformat(),
            "period_to": data["period_to"].isoformat(),
            "planned_until": until.isoformat(),
            "offers": [offer.code for offer in data["offers"]],
        }
        return redirect("reports:stocktake_content")


class StocktakeContentView(ManagerRequiredMixin, FormView):
    """Step 2: recommendations, quotes and good-practice examples; then build it."""

    template_name = "reports/stocktake_content.html"
    form_class = StocktakeContentForm

    def dispatch(self, request, *args, **kwargs):
        self.draft = (
            request.session.get(DRAFT_SESSION_KEY) if request.user.is_authenticated else None
        )
        if (
            request.user.is_authenticated
            and permissions.is_manager(request.user)
            and not self.draft
        ):
            return redirect("reports:stocktake_new")
        return super().dispatch(request, *args, **kwargs)

    def _delivered(self):
        offers = offers_resolve(self.draft["offers"])
        return delivered_engagements(
            period_from=date.fromisoformat(self.draft["period_from"]),
            period_to=date.fromisoformat(self.draft["period_to"]),
            offer_ids=[offer.pk for offer in offers],
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        delivered = self._delivered()
        self.good_practice = list(good_practice_candidates(delivered=delivered)[:200])
        self.quotes = surveys.quote_candidates(engagements=delivered.values("pk"))
        kwargs["quote_choices"] = [
            (quote["id"], f"“{quote['text']}” ({quote['audience']}, {quote['offer']})")
            for quote in self.quotes
        ]
        kwargs["good_practice_choices"] = [
            (
                str(engagement.pk),
                f"{', '.join(c.name for c in engagement.councils.all())} "
                f"({engagement.offer.code}): {engagement.good_practice[:200]}",
            )
            for engagement in self.good_practice
        ]
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["draft"] = self.draft
        return context

    def form_valid(self, form):
        try:
            job = services.report_job_request(
                user=self.request.user,
                kind=ReportKind.STOCKTAKE,
                period_from=date.fromisoformat(self.draft["period_from"]),
                period_to=date.fromisoformat(self.draft["period_to"]),
                planned_until=date.fromisoformat(self.draft["planned_until"]),
                offers=self.draft["offers"],
                recommendations=form.recommendation_list(),
                quote_ids=form.cleaned_data["quotes"],
                good_practice_ids=[int(pk) for pk in form.cleaned_data["good_practice"]],
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        self.request.session.pop(DRAFT_SESSION_KEY, None)
        return redirect("reports:report_detail", pk=job.pk)


class RoughSleepingNewView(ManagerRequiredMixin, FormView):
    template_name = "reports/form_page.html"
    form_class = PeriodForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.helper.layout[-1].value = "Build the report"
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "page_caption": "National rough-sleeping report",
                "page_heading": "Which period should the report cover?",
                "page_lead": "It brings together the write-ups of the Delivery and Impact "
                "Panels delivered in the period.",
            }
        )
        return context

    def form_valid(self, form):
        try:
            job = services.report_job_request(
                user=self.request.user,
                kind=ReportKind.ROUGH_SLEEPING,
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        return redirect("reports:report_detail", pk=job.pk)


class ReportDetailView(BoardRequiredMixin, TemplateView):
    """A report: its progress while it is built (owner and managers), then the report."""

    def get(self, request, *args, **kwargs):
        self.job = selectors.report_job_get_visible_to(user=request.user, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if self.job.status == JobStatus.DONE:
            return ["reports/report_detail.html"]
        return ["reports/report_progress.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["job"] = self.job
        context["is_manager"] = permissions.is_manager(self.request.user)
        if self.job.status == JobStatus.DONE:
            context.update(document_context(self.job.result))
        return context


DOWNLOADS = {
    "html": ("html_file", "text/html; charset=utf-8"),
    "pdf": ("pdf_file", "application/pdf"),
    "xlsx": (
        "xlsx_file",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


class ReportDownloadView(BoardRequiredMixin, View):
    """A finished report as HTML, PDF, XLSX (stored when built) or JSON (its result)."""

    def get(self, request, pk: int, fmt: str):
        job = selectors.report_job_get_visible_to(user=request.user, pk=pk)
        if job.status != JobStatus.DONE:
            raise Http404("The report is not ready")
        stem = f"{job.kind}-{job.parameters['period_from']}-{job.parameters['period_to']}"
        if fmt == "json":
            response = HttpResponse(render_json(job.result), content_type="application/json")
            response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
            return response
        if fmt not in DOWNLOADS:
            raise Http404("No such format")
        field_name, content_type = DOWNLOADS[fmt]
        stored = getattr(job, field_name)
        if not stored:
            raise Http404("No such file")
        return FileResponse(
            stored.open("rb"),
            as_attachment=True,
            filename=f"{stem}.{fmt}",
            content_type=content_type,
        )


class PeerPoolReportView(ManagerRequiredMixin, TemplateView):
    template_name = "reports/peer_pool.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = selectors.peer_pool_report(user=self.request.user, today=timezone.localdate())
        context["report"] = report
        context["diversity"] = diversity_side_by_side(report["diversity"])
        context["regions"] = [(row["name"], row["peers"]) for row in report["regions"]]
        return context


class DayCapReportView(ManagerRequiredMixin, TemplateView):
    template_name = "reports/day_caps.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        years = selectors.dashboard_years(today=today)
        form = DashboardPeriodForm(self.request.GET or None, years=years)
        year = form.cleaned_data["year"] if form.is_valid() else years[0]
        peers = selectors.day_cap_report(user=self.request.user, financial_year=year)
        context.update(
            {
                "year_form": form
                if form.is_bound
                else DashboardPeriodForm(initial={"year": year}, years=years),
                "year_label": f"{year}/{(year + 1) % 100:02d}",
                "page": Paginator(peers, 50).get_page(self.request.GET.get("page")),
                "year": year,
            }
        )
        return context


def report_detail_url(job) -> str:
    return reverse("reports:report_detail", kwargs={"pk": job.pk})
