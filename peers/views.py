"""The peer portal: a peer's own profile, invitations, engagements, days and data.

Every page is for the signed-in peer only and reads through peers.selectors, which
takes the peer from the signed-in user: another peer's objects answer 404. Writes go
through peers.services (and programmes.services for answering invitations).
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import permissions
from accounts.forms import SetPasswordForm
from peers import forms, selectors, services
from peers.calendar import places_calendar
from peers.models import EqualitiesAnswers
from peers.tokens import peer_invitation_token_generator
from programmes import services as programme_services
from programmes.models import PlaceStatus

CALENDAR_TOKEN_SESSION_KEY = "peers_new_calendar_token"


def _apply_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class PeerRequiredMixin(AccessMixin):
    """Anonymous users sign in; other roles get 403; a peer without a record gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not permissions.is_peer(request.user):
            raise PermissionDenied
        self.peer = selectors.peer_get_for_user(user=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["peer"] = self.peer
        return context


class AccountSetPasswordView(auth_views.PasswordResetConfirmView):
    """First sign-in: a peer sets their password from the single-use invitation link."""

    template_name = "peers/account_set_password.html"
    form_class = SetPasswordForm
    token_generator = peer_invitation_token_generator
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("peers:dashboard")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set and you are signed in.")
        return response


class DashboardView(PeerRequiredMixin, TemplateView):
    template_name = "peers/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["invitations"] = list(selectors.peer_invitation_list(peer=self.peer))
        context["upcoming"] = selectors.peer_engagement_places(peer=self.peer, today=today)[
            "upcoming"
        ][:3]
        context["days"] = selectors.peer_days_summary(peer=self.peer, today=today)
        context["profile_stale"] = selectors.peer_profile_is_stale(peer=self.peer, today=today)
        return context


class ProfileView(PeerRequiredMixin, TemplateView):
    template_name = "peers/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = selectors.peer_profile_get(peer=self.peer)
        context["profile_stale"] = selectors.peer_profile_is_stale(peer=self.peer)
        context["training"] = selectors.peer_training_status(peer=context["profile"])
        return context


PROFILE_SECTIONS = {
    "contact": (forms.ContactForm, "Contact details and role"),
    "expertise": (forms.ExpertiseForm, "Areas of expertise"),
    "regions": (forms.RegionsForm, "Regions you will work in"),
    "work-mode": (forms.WorkModeForm, "Onsite or remote work"),
}


class ProfileSectionEditView(PeerRequiredMixin, FormView):
    template_name = "peers/profile_edit.html"
    success_url = reverse_lazy("peers:profile")

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in PROFILE_SECTIONS:
            raise Http404("No such section")
        self.form_class, self.title = PROFILE_SECTIONS[kwargs["section"]]
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        peer, user = self.peer, self.peer.user
        section = self.kwargs["section"]
        if section == "contact":
            return {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": peer.phone,
                "job_title": peer.job_title,
                "role_category": peer.role_category,
            }
        if section == "expertise":
            return {"expertise": list(peer.expertise.all())}
        if section == "regions":
            return {"regions": list(peer.regions.all())}
        return {"work_mode": peer.work_mode}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.title
        return context

    def form_valid(self, form):
        try:
            services.peer_profile_update(
                peer=self.peer, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.title}: saved.")
        return super().form_valid(form)


class ConflictsView(PeerRequiredMixin, FormView):
    """Declared conflicts: a list with remove buttons and a select to add one at a time."""

    template_name = "peers/conflicts.html"
    form_class = forms.ConflictAddForm
    success_url = reverse_lazy("peers:conflicts")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["councils"] = selectors.conflict_choices_for(peer=self.peer)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["conflicts"] = list(self.peer.conflicts.order_by("name"))
        return context

    def form_valid(self, form):
        council = form.cleaned_data["council"]
        try:
            services.peer_conflict_add(peer=self.peer, council=council, user=self.request.user)
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Conflict of interest with {council.name} added.")
        return super().form_valid(form)


class ConflictRemoveView(PeerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, council_pk):
        council = self.peer.conflicts.filter(pk=council_pk).first()
        if council is None:
            raise Http404("No such conflict")
        services.peer_conflict_remove(peer=self.peer, council=council, user=request.user)
        messages.success(request, f"Conflict of interest with {council.name} removed.")
        return redirect("peers:conflicts")


class UnavailabilityView(PeerRequiredMixin, FormView):
    """Unavailability periods: a list with remove buttons and a form to add one."""

    template_name = "peers/unavailability.html"
    form_class = forms.UnavailabilityForm
    success_url = reverse_lazy("peers:unavailability")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["periods"] = list(self.peer.unavailability.order_by("starts_on"))
        context["today"] = timezone.localdate()
        return context

    def form_valid(self, form):
        try:
            period = services.peer_unavailability_add(
                peer=self.peer, user=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Unavailable from {period.starts_on:%-d %B %Y} to {period.ends_on:%-d %B %Y}: added.",
        )
        return super().form_valid(form)


class UnavailabilityRemoveView(PeerRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        if not self.peer.unavailability.filter(pk=pk).exists():
            raise Http404("No such period")
        services.peer_unavailability_remove(peer=self.peer, period_id=pk, user=request.user)
        messages.success(request, "Unavailability period removed.")
        return redirect("peers:unavailability")


class ProfileConfirmView(PeerRequiredMixin, TemplateView):
    """The one-click "my profile is up to date" page the review emails link to."""

    template_name = "peers/profile_confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = selectors.peer_profile_get(peer=self.peer)
        return context

    def post(self, request):
        peer = services.peer_profile_confirm(peer=self.peer, user=request.user)
        messages.success(
            request,
            f"Thank you. Your profile is confirmed as up to date on "
            f"{peer.profile_confirmed_on:%-d %B %Y}.",
        )
        return redirect("peers:profile")


class EqualitiesView(PeerRequiredMixin, FormView):
    """Optional equalities questions; the peer sees and changes only their own answers."""

    template_name = "peers/equalities.html"
    form_class = forms.EqualitiesForm
    success_url = reverse_lazy("peers:equalities")

    def get_answers(self):
        return EqualitiesAnswers.objects.filter(peer=self.peer).first()

    def get_initial(self):
        answers = self.get_answers()
        if answers is None:
            return {}
        initial = {name: getattr(answers, name) for name in services.EQUALITIES_QUESTIONS}
        initial["consent_given"] = True
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["answers"] = self.get_answers()
        return context

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        consent = data.pop("consent_given")
        try:
            services.peer_equalities_save(
                peer=self.peer, consent_given=consent, user=self.request.user, **data
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your equalities answers are saved.")
        return super().form_valid(form)


class EqualitiesWithdrawView(PeerRequiredMixin, TemplateView):
    template_name = "peers/equalities_withdraw.html"

    def get(self, request, *args, **kwargs):
        if not EqualitiesAnswers.objects.filter(peer=self.peer).exists():
            return redirect("peers:equalities")
        return super().get(request, *args, **kwargs)

    def post(self, request):
        services.peer_equalities_withdraw(peer=self.peer, user=request.user)
        messages.success(request, "Your consent is withdrawn and your answers are deleted.")
        return redirect("peers:equalities")


class InvitationListView(PeerRequiredMixin, TemplateView):
    template_name = "peers/invitation_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invitations"] = list(selectors.peer_invitation_list(peer=self.peer))
        return context


class InvitationDetailView(PeerRequiredMixin, TemplateView):
    """One invitation with the accept form (declaration) and a link to decline."""

    template_name = "peers/invitation_detail.html"

    def get_place(self):
        return selectors.peer_place_get(peer=self.peer, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        place = kwargs.get("place") or self.get_place()
        councils = ", ".join(c.name for c in place.engagement.councils.all())
        context.update(
            place=place,
            engagement=place.engagement,
            councils=councils,
            is_open=place.status == PlaceStatus.INVITED,
            form=kwargs.get("form") or forms.InvitationAcceptForm(councils=councils),
        )
        return context

    def post(self, request, pk):
        """Accept: refused, with the rule's plain reason, when it would break a rule."""
        place = self.get_place()
        councils = ", ".join(c.name for c in place.engagement.councils.all())
        form = forms.InvitationAcceptForm(request.POST, councils=councils)
        if form.is_valid():
            try:
                programme_services.team_place_respond(
                    place=place,
                    accept=True,
                    user=request.user,
                    no_conflict_declared=form.cleaned_data["no_conflict_declared"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request, f"You accepted a place on {place.engagement.title}. Thank you."
                )
                return redirect("peers:engagements")
        return self.render_to_response(self.get_context_data(place=place, form=form))


class InvitationDeclineView(PeerRequiredMixin, FormView):
    template_name = "peers/invitation_decline.html"
    form_class = forms.InvitationDeclineForm
    success_url = reverse_lazy("peers:invitations")

    def get_place(self):
        if not hasattr(self, "_place"):
            self._place = selectors.peer_place_get(peer=self.peer, pk=self.kwargs["pk"])
        return self._place

    def get(self, request, *args, **kwargs):
        if self.get_place().status != PlaceStatus.INVITED:
            return redirect("peers:invitation_detail", pk=self.get_place().pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["place"] = self.get_place()
        context["engagement"] = self.get_place().engagement
        return context

    def form_valid(self, form):
        place = self.get_place()
        try:
            programme_services.team_place_respond(
                place=place,
                accept=False,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"You declined the invitation to {place.engagement.title}.")
        return super().form_valid(form)


class EngagementListView(PeerRequiredMixin, TemplateView):
    template_name = "peers/engagement_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.peer_engagement_places(peer=self.peer))
        return context


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class EngagementCalendarView(PeerRequiredMixin, View):
    """An .ics file of one engagement the peer holds a place on (invited or accepted)."""

    http_method_names = ["get"]

    def get(self, request, pk):
        place = selectors.peer_place_get(peer=self.peer, pk=pk)
        if place.status not in (PlaceStatus.INVITED, PlaceStatus.ACCEPTED):
            raise Http404("No calendar for this place")
        content = places_calendar(places=[place], name=place.engagement.title)
        return _ics_response(content, f"{place.engagement.reference}.ics")


class CalendarFeedManageView(PeerRequiredMixin, TemplateView):
    """Create, replace or turn off the personal calendar feed; its URL is shown once."""

    template_name = "peers/calendar_feed.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.request.session.pop(CALENDAR_TOKEN_SESSION_KEY, None)
        if token:
            context["feed_url"] = self.request.build_absolute_uri(
                reverse("peers:calendar_feed", args=[token])
            )
        context["feed_enabled"] = bool(self.peer.calendar_token)
        return context

    def post(self, request):
        action = request.POST.get("action")
        if action == "create":
            token = services.peer_calendar_token_create(peer=self.peer, user=request.user)
            request.session[CALENDAR_TOKEN_SESSION_KEY] = token
            messages.success(request, "Your calendar link is ready. Copy it now.")
        elif action == "revoke":
            services.peer_calendar_token_revoke(peer=self.peer, user=request.user)
            messages.success(request, "Your calendar link is turned off.")
        return HttpResponseRedirect(reverse("peers:calendar"))


class CalendarFeedView(View):
    """The personal feed, opened by its token alone (calendar apps cannot sign in)."""

    http_method_names = ["get", "head"]

    def get(self, request, token):
        peer = selectors.peer_get_by_calendar_token(token=token)
        content = places_calendar(
            places=selectors.peer_calendar_places(peer=peer), name="Peer support engagements"
        )
        return _ics_response(content, "peer-support.ics")


class DaysView(PeerRequiredMixin, TemplateView):
    template_name = "peers/days.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["days"] = selectors.peer_days_summary(peer=self.peer)
        return context


class DataView(PeerRequiredMixin, TemplateView):
    template_name = "peers/my_data.html"


class DataDownloadView(PeerRequiredMixin, View):
    """Everything held about the peer as a JSON file (a subject access request)."""

    http_method_names = ["get"]

    def get(self, request):
        data = selectors.peer_data_export(peer=self.peer)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="my-peer-data-{stamp}.json"'
        response["Cache-Control"] = "private, no-store"
        return response


class StaleProfilesView(permissions.RoleRequiredMixin, TemplateView):
    """Managers: peers whose profile is out of date, with the prompts already sent."""

    role_check = staticmethod(permissions.is_manager)
    template_name = "peers/stale_profiles.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["peers"] = selectors.stale_profile_list(user=self.request.user)
        context["stale_months"] = settings.PROFILE_STALE_MONTHS
        return context
