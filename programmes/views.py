"""Staff pages for programme managers: dashboard, engagements, team suggestions, allocation.

Managers only (accounts.permissions.is_manager): anonymous users are sent to sign in and
other roles get 403. Reads go through selectors, writes through services.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from accounts import permissions
from councils.models import Council
from peers.models import Peer
from programmes import rules, selectors_staff, services, workflow
from programmes.forms import (
    AllocationForm,
    EngagementFilterForm,
    MatchingWeightsForm,
    PeerCouncilCheckForm,
    StatusChangeForm,
    TeamPicksForm,
)
from programmes.matching import candidates as matching_rules
from programmes.matching import services as matching_services
from programmes.matching.suggestions import suggestions_for
from programmes.models import Engagement, EngagementStatus, TeamRole
from programmes.models_matching import AllocationRun, AllocationRunStatus, MatchingWeights
from programmes.selectors import engagement_get_visible_to, engagement_list_visible_to

PAGE_SIZE = 25


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ManagerRequiredMixin(permissions.RoleRequiredMixin):
    role_check = staticmethod(permissions.is_manager)


class DashboardView(ManagerRequiredMixin, TemplateView):
    template_name = "programmes/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            selectors_staff.manager_dashboard(user=self.request.user, today=timezone.localdate())
        )
        return context


class EngagementListView(ManagerRequiredMixin, TemplateView):
    template_name = "programmes/engagement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET if "filter" in self.request.GET else None
        form = EngagementFilterForm(data)
        filters = {}
        if data is not None and form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        queryset = selectors_staff.engagement_list_filtered(user=self.request.user, **filters)
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form if data is not None and not form.is_valid() else None,
            filter_form=form,
            page=page,
            engagements=list(page.object_list),
            query=query.urlencode(),
        )
        return context


def _detail_context(request, pk, status_form=None) -> dict:
    context = selectors_staff.engagement_detail(user=request.user, pk=pk)
    engagement = context["engagement"]
    form = status_form or StatusChangeForm(allowed=context["allowed_transitions"])
    form.helper.form_action = reverse("programmes:engagement_status", args=[engagement.pk])
    context["status_form"] = form
    if status_form is not None and status_form.errors:
        context["form"] = status_form  # base.html prefixes the title with "Error: "
    return context


class EngagementDetailView(ManagerRequiredMixin, TemplateView):
    template_name = "programmes/engagement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_detail_context(self.request, self.kwargs["pk"]))
        return context


class EngagementStatusView(ManagerRequiredMixin, TemplateView):
    """Change status through the workflow service; a refusal is shown in plain words."""

    template_name = "programmes/engagement_detail.html"
    http_method_names = ["post"]

    def post(self, request, pk):
        engagement = engagement_get_visible_to(user=request.user, pk=pk)
        allowed = workflow.allowed_transitions(engagement.status)
        form = StatusChangeForm(request.POST, allowed=allowed)
        if form.is_valid():
            try:
                services.engagement_transition(
                    engagement=engagement,
                    to_status=form.cleaned_data["to_status"],
                    user=request.user,
                    note=form.cleaned_data["note"],
                    override_reason=form.cleaned_data["override_reason"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                label = EngagementStatus(form.cleaned_data["to_status"]).label.lower()
                messages.success(request, f"{engagement.reference} is now {label}.")
                return redirect("programmes:engagement_detail", pk=pk)
        context = self.get_context_data(**_detail_context(request, pk, status_form=form))
        return self.render_to_response(context, status=400)


def _suggestion_row(candidate, pick, days) -> dict:
    """One candidate's row, with the parts and the place options as plain tuples: the
    page shows some 40 rows of 6 parts and 3 options, and unpacking a tuple in the
    template is much cheaper than looking up each attribute."""
    chosen = pick.value()
    return {
        "candidate": candidate,
        "pick": pick,
        "days": days,
        "parts": [(p.label, p.points_text, p.most_text, p.reason) for p in candidate.parts],
        "options": [
            (value, label if value else "Not chosen", chosen == value)
            for value, label in pick.field.choices
        ],
    }


class SuggestTeamView(ManagerRequiredMixin, TemplateView):
    """Ranked, explained candidates per role; tick, adjust days and invite in one action."""

    template_name = "programmes/suggest_team.html"

    def _suggestions(self):
        self.engagement = engagement_get_visible_to(user=self.request.user, pk=self.kwargs["pk"])
        suggestions = suggestions_for(self.engagement, limit=10)
        rows = [
            (role.role, c.peer_id, role.days) for role in suggestions.roles for c in role.candidates
        ]
        return suggestions, rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "suggestions" in kwargs:
            suggestions, form = kwargs["suggestions"], kwargs["picks_form"]
        else:
            suggestions, rows = self._suggestions()
            initial = {
                f"pick-{role.role}-{c.peer_id}": "invite"
                for role in suggestions.roles
                for c in role.candidates
                if c.suggested
            }
            form = TeamPicksForm(rows=rows, initial=initial)
        context["suggestions"] = suggestions
        context["engagement"] = suggestions.engagement
        context["roles"] = [
            {
                "suggestion": role,
                "rows": [
                    _suggestion_row(
                        c,
                        form[f"pick-{role.role}-{c.peer_id}"],
                        form[f"days-{role.role}-{c.peer_id}"],
                    )
                    for c in role.candidates
                ],
            }
            for role in suggestions.roles
        ]
        if form.is_bound and form.errors:
            context["form"] = form
        return context

    def post(self, request, pk):
        suggestions, rows = self._suggestions()
        form = TeamPicksForm(request.POST, rows=rows)
        if form.is_valid():
            try:
                places = matching_services.team_invite_many(
                    engagement=self.engagement, picks=form.picks(), user=request.user
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                reserves = sum(1 for p in places if p.status == "reserve")
                invited = len(places) - reserves
                text = f"{invited} invitation{'s' if invited != 1 else ''} sent"
                if reserves:
                    text += f" and {reserves} reserve{'s' if reserves != 1 else ''} recorded"
                messages.success(request, text + ".")
                return redirect("programmes:engagement_detail", pk=pk)
        context = self.get_context_data(suggestions=suggestions, picks_form=form)
        return self.render_to_response(context, status=400)


class PeerCouncilCheckView(ManagerRequiredMixin, TemplateView):
    """Can this peer work with this council (and engagement), and if not, why?"""

    template_name = "programmes/peer_check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asked = "peer" in self.request.GET
        form = PeerCouncilCheckForm(self.request.GET if asked else None)
        context["check_form"] = form
        if asked and form.is_valid():
            context.update(self._check(form))
        if asked and form.errors:
            context["form"] = form
        return context

    def _check(self, form) -> dict:
        peers = selectors_staff.peer_find(text=form.cleaned_data["peer"])
        councils = selectors_staff.council_find(text=form.cleaned_data["council"])
        engagement = None
        if form.cleaned_data["engagement"]:
            engagement = (
                engagement_list_visible_to(user=self.request.user)
                .filter(reference__iexact=form.cleaned_data["engagement"].strip())
                .select_related("offer")
                .first()
            )
            if engagement is None:
                form.add_error("engagement", "Enter the reference of an existing engagement")
        if not peers:
            form.add_error("peer", "Enter the email address or full name of a peer in the pool")
        elif len(peers) > 1:
            form.add_error("peer", "More than one peer has that name. Enter their email address")
        if not councils:
            form.add_error("council", "Enter the name or ONS code of a council")
        elif len(councils) > 1:
            names = ", ".join(c.name for c in councils[:5])
            form.add_error("council", f"More than one council matches. Enter one of: {names}")
        if form.errors:
            return {}
        return {"result": peer_check(peer=peers[0], council=councils[0], engagement=engagement)}


def peer_check(*, peer: Peer, council: Council, engagement: Engagement | None) -> dict:
    """The standalone check: the council rules, then dates, cap, onsite and training."""
    breaches = rules.peer_council_check(peer=peer, council=council)
    checked = ["active in the pool", "own council", "two-tier area", "declared conflicts"]
    if engagement is not None:
        role = TeamRole.MEMBER if peer.is_member_peer else TeamRole.OFFICER
        days = matching_rules.default_days(engagement)
        breaches += rules.date_breaches(
            peer=peer,
            start=engagement.start_date,
            end=engagement.end_date,
            exclude_engagement_id=engagement.pk,
        )
        for breach in (
            rules.day_cap_breach(peer=peer, start=engagement.start_date, days=days),
            rules.onsite_breach(peer=peer, engagement=engagement),
            rules.training_breach(peer=peer, engagement=engagement),
        ):
            if breach:
                breaches.append(breach)
        other = [c for c in engagement.councils.all() if c.pk != council.pk]
        if other:
            breaches += [
                b for b in rules.council_breaches(peer=peer, councils=other) if b not in breaches
            ]
        checked += [
            "dates and unavailability",
            f"day cap ({days:g} days as a {TeamRole(role).label.lower()})",
            "onsite work",
            "training",
        ]
    return {
        "peer": peer,
        "council": council,
        "engagement": engagement,
        "breaches": breaches,
        "checked": checked,
    }


class MatchingWeightsView(ManagerRequiredMixin, TemplateView):
    template_name = "programmes/weights.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or MatchingWeightsForm(
            instance=MatchingWeights.current()
        )
        return context

    def post(self, request):
        form = MatchingWeightsForm(request.POST, instance=MatchingWeights.current())
        if form.is_valid():
            try:
                matching_services.matching_weights_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "The matching weights are saved.")
                return redirect("programmes:weights")
        return self.render_to_response(self.get_context_data(form=form), status=400)


ALLOCATABLE = (
    EngagementStatus.REQUESTED,
    EngagementStatus.SCOPING,
    EngagementStatus.SCHEDULED,
)


class AllocationView(ManagerRequiredMixin, TemplateView):
    """Choose engagements starting in a period without a confirmed team; start a run."""

    template_name = "programmes/allocation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asked = "starts_from_0" in self.request.GET
        form = AllocationForm(self.request.GET if asked else None)
        context["period_form"] = form
        if asked and form.is_valid():
            context["engagements"] = list(
                engagement_list_visible_to(user=self.request.user)
                .filter(
                    status__in=ALLOCATABLE,
                    start_date__gte=form.cleaned_data["starts_from"],
                    start_date__lte=form.cleaned_data["starts_to"],
                )
                .select_related("offer")
                .prefetch_related("councils")
                .order_by("start_date", "pk")[:300]
            )
        elif asked:
            context["form"] = form
        context["runs"] = list(
            AllocationRun.objects.select_related("created_by").order_by("-created_at")[:10]
        )
        context["error"] = kwargs.get("error")
        return context

    def post(self, request):
        ids = [int(i) for i in request.POST.getlist("engagement") if i.isdigit()]
        engagements = list(
            engagement_list_visible_to(user=request.user).filter(pk__in=ids, status__in=ALLOCATABLE)
        )
        try:
            run = matching_services.allocation_run_create(
                engagements=engagements, user=request.user
            )
        except ValidationError as error:
            context = self.get_context_data(error=" ".join(error.messages))
            return self.render_to_response(context, status=400)
        return redirect("programmes:allocation_run", pk=run.pk)


class AllocationRunView(ManagerRequiredMixin, TemplateView):
    """A run's progress, then its proposal: objective, the greedy baseline and problems."""

    template_name = "programmes/allocation_run.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = get_object_or_404(
            AllocationRun.objects.select_related("created_by"), pk=self.kwargs["pk"]
        )
        engagements = {
            e.pk: e for e in run.engagements.select_related("offer").prefetch_related("councils")
        }
        peers = Peer.objects.select_related("user", "home_council").in_bulk(
            [item["peer_id"] for item in run.proposal]
        )
        proposal: dict[int, list] = {}
        for item in run.proposal:
            proposal.setdefault(item["engagement_id"], []).append(
                {
                    **item,
                    "peer": peers.get(item["peer_id"]),
                    "role_label": TeamRole(item["role"]).label,
                }
            )
        context.update(
            run=run,
            rows=[
                (engagement, proposal.get(engagement.pk, []))
                for engagement in sorted(
                    engagements.values(),
                    key=lambda e: (e.start_date or timezone.localdate(), e.pk),
                )
            ],
            running=run.status in (AllocationRunStatus.QUEUED, AllocationRunStatus.RUNNING),
            confirm_errors=kwargs.get("confirm_errors"),
        )
        return context

    def post(self, request, pk):
        run = get_object_or_404(AllocationRun, pk=pk)
        try:
            places = matching_services.allocation_run_confirm(run=run, user=request.user)
        except ValidationError as error:
            context = self.get_context_data(confirm_errors=error.messages)
            return self.render_to_response(context, status=400)
        messages.success(request, f"{len(places)} invitations sent.")
        return redirect("programmes:allocation_run", pk=pk)
