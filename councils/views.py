"""Pages of the council portal: thin views over councils.selectors and councils.services.

Every page is for a signed-in council contact (anonymous: sign in; other roles: 403);
an engagement or document of another council answers 404 (the selectors decide).
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts import permissions
from councils import forms, selectors, services
from programmes.selectors import cpc_entitlement_warning

DRAFT_KEY = "council_request:{code}"


def _is_contact_or_manager(user) -> bool:
    return permissions.is_council_contact(user) or permissions.is_manager(user)


class CouncilContactMixin(permissions.RoleRequiredMixin):
    role_check = staticmethod(permissions.is_council_contact)


def _apply_errors(form, error: ValidationError) -> None:
    """Put a service's refusal on the form, by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _surveys_url(user) -> str | None:
    """Link to the surveys addressed to the council, once the surveys pages exist."""
    from django.urls import NoReverseMatch

    try:
        return reverse("surveys:council_list")
    except NoReverseMatch:
        return None


# --- Engagements ---------------------------------------------------------------------------


class EngagementListView(CouncilContactMixin, TemplateView):
    template_name = "councils/engagement_list.html"

    def get_context_data(self, **kwargs):
        current, past = selectors.council_engagements_split(user=self.request.user)
        return super().get_context_data(
            current=current, past=past, surveys_url=_surveys_url(self.request.user), **kwargs
        )


class EngagementDetailView(CouncilContactMixin, TemplateView):
    template_name = "councils/engagement_detail.html"

    def get_context_data(self, **kwargs):
        engagement = selectors.council_engagement_get(
            user=self.request.user, reference=self.kwargs["reference"]
        )
        pending = selectors.pending_change_request(engagement)
        can_ask_change = pending is None and any(
            services.change_request_possible(engagement, kind) for kind in ("postpone", "cancel")
        )
        return super().get_context_data(
            engagement=engagement,
            timeline=selectors.engagement_timeline(engagement),
            # The prefetched team is already what a council may see (empty until confirmed).
            team_confirmed=bool(engagement.confirmed_places),
            pending_change=pending,
            can_ask_change=can_ask_change,
            can_record_publication=services.publication_possible(engagement),
            details=(engagement.request_details or {}).get("answers", {}),
            **kwargs,
        )


# --- Requesting an engagement ----------------------------------------------------------------


class RequestOfferListView(CouncilContactMixin, TemplateView):
    template_name = "councils/request_offers.html"

    def get_context_data(self, **kwargs):
        council = self.request.user.council
        return super().get_context_data(
            offers=selectors.offers_open_to_council(council=council), council=council, **kwargs
        )


class RequestFlowMixin(CouncilContactMixin):
    """Loads the offer and its steps; keeps the answers in the session between pages."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and permissions.is_council_contact(request.user):
            self.offer = selectors.offer_open_get(code=kwargs["code"])
            self.steps = forms.request_steps(self.offer)
            self.council = request.user.council
        return super().dispatch(request, *args, **kwargs)

    @property
    def draft_key(self) -> str:
        return DRAFT_KEY.format(code=self.offer.code)

    def get_draft(self, *, create: bool = False) -> dict | None:
        draft = self.request.session.get(self.draft_key)
        if draft and draft.get("council") != self.council.pk:
            draft = None
        if draft is None and create:
            draft = {"token": str(uuid.uuid4()), "council": self.council.pk, "steps": {}}
            self.request.session[self.draft_key] = draft
        return draft

    def step_form(self, step, data=None):
        return step.form_class(data=data, offer=self.offer, council=self.council)

    def stored_form(self, step, draft):
        stored = (draft or {}).get("steps", {}).get(step.slug)
        if stored is None:
            return None
        return self.step_form(step, MultiValueDict(stored))

    def first_incomplete(self, draft):
        """The first step without valid saved answers, or None when all are complete."""
        for step in self.steps:
            form = self.stored_form(step, draft)
            if form is None or not form.is_valid():
                return step, form
        return None

    def step_url(self, step) -> str:
        return reverse("councils:request_step", args=[self.offer.code, step.slug])

    def check_url(self) -> str:
        return reverse("councils:request_check", args=[self.offer.code])

    def flow_context(self, **kwargs):
        return {
            "offer": self.offer,
            "council": self.council,
            "page_caption": _("Request a %(offer)s") % {"offer": self.offer.name},
            **kwargs,
        }


class RequestOfferView(RequestFlowMixin, View):
    """The start page of one offer: what it is, any entitlement warning, and Start now."""

    def get(self, request, code):
        warning = cpc_entitlement_warning(
            council=self.council, offer=self.offer, on=timezone.localdate()
        )
        return render(
            request,
            "councils/request_offer.html",
            self.flow_context(
                entitlement_warning=warning,
                start_url=self.step_url(self.steps[0]),
                panel_for_nsap=self.offer.serves_group and self.council.nsap_funded,
            ),
        )


class RequestStepView(RequestFlowMixin, View):
    template_name = "councils/request_step.html"

    def setup_step(self, slug):
        for index, step in enumerate(self.steps):
            if step.slug == slug:
                return index, step
        raise Http404("No such step")

    def guard(self, index, draft):
        """Send the user to an earlier step they have not answered yet."""
        for step in self.steps[:index]:
            form = self.stored_form(step, draft)
            if form is None or not form.is_valid():
                return redirect(self.step_url(step))
        return None

    def back_url(self, index) -> str:
        if self.request.GET.get("change"):
            return self.check_url()
        if index == 0:
            return reverse("councils:request_offer", args=[self.offer.code])
        return self.step_url(self.steps[index - 1])

    def render_step(self, index, step, form):
        return render(
            self.request,
            self.template_name,
            self.flow_context(
                form=form,
                step=step,
                page_heading=step.title,
                back_url=self.back_url(index),
                step_number=index + 1,
                step_count=len(self.steps),
            ),
        )

    def get(self, request, code, step):
        index, current = self.setup_step(step)
        draft = self.get_draft(create=True)
        redirect_response = self.guard(index, draft)
        if redirect_response:
            return redirect_response
        form = self.stored_form(current, draft) or self.step_form(current)
        return self.render_step(index, current, form)

    def post(self, request, code, step):
        index, current = self.setup_step(step)
        draft = self.get_draft(create=True)
        form = self.step_form(current, request.POST)
        if not form.is_valid():
            return self.render_step(index, current, form)
        draft["steps"][current.slug] = {
            key: request.POST.getlist(key)
            for key in request.POST
            if key not in ("csrfmiddlewaretoken", "submit")
        }
        request.session[self.draft_key] = draft
        missing = self.first_incomplete(draft)
        if missing is None and (request.GET.get("change") or index == len(self.steps) - 1):
            return redirect(self.check_url())
        if index + 1 < len(self.steps):
            return redirect(self.step_url(self.steps[index + 1]))
        return redirect(self.step_url(missing[0]))


class RequestCheckView(RequestFlowMixin, View):
    template_name = "councils/request_check.html"

    def answers_and_sections(self, draft):
        answers, sections = {}, []
        for step in self.steps:
            form = self.stored_form(step, draft)
            form.is_valid()
            answers.update(form.answers())
            sections.append(
                {
                    "title": step.title,
                    "rows": form.summary_rows(),
                    "change_url": f"{self.step_url(step)}?change=1",
                }
            )
        return answers, sections

    def render_check(self, draft, submit_form):
        answers, sections = self.answers_and_sections(draft)
        today = timezone.localdate()
        warnings = [
            services.request_lead_in_warning(offer=self.offer, answers=answers, today=today),
            services.request_entitlement_warning(
                offer=self.offer, council=self.council, answers=answers, today=today
            ),
        ]
        return render(
            self.request,
            self.template_name,
            self.flow_context(
                sections=sections,
                warnings=[w for w in warnings if w],
                submit_form=submit_form,
                back_url=self.step_url(self.steps[-1]),
            ),
        )

    def get(self, request, code):
        draft = self.get_draft()
        if draft is None:
            return redirect("councils:request_offer", code=self.offer.code)
        missing = self.first_incomplete(draft)
        if missing is not None:
            return redirect(self.step_url(missing[0]))
        submit_form = forms.SubmitRequestForm(initial={"token": draft["token"]})
        return self.render_check(draft, submit_form)

    def post(self, request, code):
        submit_form = forms.SubmitRequestForm(request.POST)
        if not submit_form.is_valid():
            return redirect(self.check_url())
        token = submit_form.cleaned_data["token"]
        done = services.request_submission_engagement(token=token, council=self.council)
        if done is not None:
            # Submitted already (double click, or back and submit again): one request only.
            return redirect("councils:request_confirmation", reference=done.reference)
        draft = self.get_draft()
        if draft is None or draft["token"] != str(token):
            messages.error(request, _("We could not find your answers. Please start again."))
            return redirect("councils:request_offer", code=self.offer.code)
        missing = self.first_incomplete(draft)
        if missing is not None:
            return redirect(self.step_url(missing[0]))
        answers, _sections = self.answers_and_sections(draft)
        try:
            engagement, _created = services.engagement_request_submit(
                user=request.user, offer=self.offer, answers=answers, token=token
            )
        except ValidationError as error:
            submit_form.add_error(None, error.messages)
            return self.render_check(draft, submit_form)
        request.session.pop(self.draft_key, None)
        return redirect("councils:request_confirmation", reference=engagement.reference)


class RequestConfirmationView(CouncilContactMixin, TemplateView):
    template_name = "councils/request_confirmation.html"

    def get_context_data(self, **kwargs):
        engagement = selectors.council_engagement_for_action(
            user=self.request.user, reference=self.kwargs["reference"]
        )
        return super().get_context_data(engagement=engagement, **kwargs)


# --- Documents, change requests, publication --------------------------------------------------


class EngagementFormView(CouncilContactMixin, View):
    """A one-form page about one engagement of the contact's council."""

    form_class = None
    template_name = "councils/engagement_form.html"
    page_heading = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and permissions.is_council_contact(request.user):
            self.engagement = selectors.council_engagement_for_action(
                user=request.user, reference=kwargs["reference"]
            )
        return super().dispatch(request, *args, **kwargs)

    def detail_url(self) -> str:
        return reverse("councils:engagement_detail", args=[self.engagement.reference])

    def get_form(self, data=None, files=None):
        return self.form_class(data=data, files=files)

    def refused(self) -> str | None:
        """A reason the form cannot be used now (shown instead of the form)."""
        return None

    def render_form(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "engagement": self.engagement,
                "page_heading": self.page_heading,
                "page_caption": f"{self.engagement.reference} {self.engagement.title}",
                "back_url": self.detail_url(),
                "refused": self.refused(),
            },
            status=status,
        )

    def get(self, request, reference):
        return self.render_form(self.get_form())

    def post(self, request, reference):
        if self.refused():
            return self.render_form(self.get_form(), status=409)
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.save(form)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect(self.detail_url())
        return self.render_form(form)


class DocumentUploadView(EngagementFormView):
    form_class = forms.DocumentUploadForm
    page_heading = gettext_lazy("Upload a document")
    success_message = gettext_lazy("Your document has been uploaded")

    def refused(self):
        if self.engagement.status in ("cancelled", "closed"):
            return _("This engagement is closed, so you cannot add documents to it.")
        return None

    def save(self, form):
        services.engagement_document_upload(
            engagement=self.engagement,
            user=self.request.user,
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
        )


class ChangeRequestView(EngagementFormView):
    form_class = forms.ChangeRequestForm
    page_heading = gettext_lazy("Ask to postpone or cancel")
    success_message = gettext_lazy("Your request has been sent to the programme manager")

    def refused(self):
        if self.engagement.change_requests.filter(status="pending").exists():
            return _(
                "You have already asked to change this engagement. The programme manager will "
                "reply to that request first."
            )
        if not any(
            services.change_request_possible(self.engagement, kind)
            for kind in ("postpone", "cancel")
        ):
            return _("This engagement can no longer be postponed or cancelled.")
        return None

    def save(self, form):
        services.change_request_create(
            engagement=self.engagement,
            user=self.request.user,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
        )


class PublicationView(EngagementFormView):
    form_class = forms.PublicationForm
    page_heading = gettext_lazy("Publishing the feedback report")
    success_message = gettext_lazy("Your publication decision has been saved")

    def get_form(self, data=None, files=None):
        initial = {
            "publication_decision": self.engagement.publication_decision,
            "published_report_url": self.engagement.published_report_url,
        }
        return self.form_class(data=data, initial=initial)

    def refused(self):
        if not services.publication_possible(self.engagement):
            return _("You can record publication once the engagement has been delivered.")
        return None

    def save(self, form):
        services.engagement_publication_record(
            engagement=self.engagement,
            user=self.request.user,
            decision=form.cleaned_data["publication_decision"],
            url=form.cleaned_data["published_report_url"],
        )


class DocumentDownloadView(permissions.RoleRequiredMixin, View):
    """Serve a private document as an attachment: contacts their council's, managers any."""

    role_check = staticmethod(_is_contact_or_manager)

    def get(self, request, pk):
        document = selectors.document_get_visible_to(user=request.user, pk=pk)
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
