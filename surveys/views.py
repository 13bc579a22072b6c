"""Survey pages, reached through the private link in the invitation email (no sign-in).

A link answers once. A second visit shows the answers read-only until the closing date:
the counts the board reads never change under it, and a link found later shows nothing. A
closed survey says so; an unknown link is a 404.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from surveys.forms import SurveyForm
from surveys.selectors import invitation_get_by_token, response_answers_display
from surveys.services import (
    invitation_answers_visible,
    invitation_is_open,
    survey_questions,
    survey_response_submit,
)


def _private(response):
    # The token is a credential: never sent to another site in a Referer, never indexed.
    # Not "no-referrer": browsers then send "Origin: null" with the form and Django's
    # CSRF check refuses the answers (403) - found by the browser journey.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@method_decorator(never_cache, name="dispatch")
class SurveyAnswerView(View):
    """Show the survey's questions and record the answers once."""

    template_name = "surveys/answer.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.invitation = invitation_get_by_token(kwargs["token"])
        except Http404:
            return _not_found(request)
        if hasattr(self.invitation, "response") and invitation_answers_visible(self.invitation):
            return _private(self._answered(request))
        if hasattr(self.invitation, "response") or not invitation_is_open(self.invitation):
            return _private(self._closed(request))
        return _private(super().dispatch(request, *args, **kwargs))

    def get(self, request, token):
        return self._form_page(request, self._form())

    def post(self, request, token):
        form = self._form(data=request.POST)
        if form.is_valid():
            try:
                survey_response_submit(invitation=self.invitation, answers=form.answers())
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for code, messages in error.message_dict.items():
                        field = f"q_{code}" if f"q_{code}" in form.fields else None
                        for message in messages:
                            form.add_error(field, message)
                else:
                    # Answered or closed in the meantime (another tab): show that page.
                    self.invitation = invitation_get_by_token(token)
                    if hasattr(self.invitation, "response"):
                        return self._answered(request)
                    return self._closed(request)
            else:
                return redirect("surveys:thank_you", token=token)
        return self._form_page(request, form)

    def _form(self, data=None) -> SurveyForm:
        return SurveyForm(data=data, questions=survey_questions(self.invitation.template))

    def _form_page(self, request, form):
        return render(
            request,
            self.template_name,
            {"invitation": self.invitation, "form": form, **_context(self.invitation)},
        )

    def _answered(self, request):
        return render(
            request,
            "surveys/answered.html",
            {
                "invitation": self.invitation,
                "answers": response_answers_display(self.invitation.response),
                **_context(self.invitation),
            },
        )

    def _closed(self, request):
        return render(
            request,
            "surveys/closed.html",
            {
                "invitation": self.invitation,
                "closed_on": (
                    timezone.localdate(self.invitation.closes_at)
                    if self.invitation.closes_at
                    else None
                ),
                **_context(self.invitation),
            },
            status=410,
        )


def _not_found(request):
    return _private(render(request, "surveys/not_found.html", status=404))


def _context(invitation) -> dict:
    return {
        "survey": invitation.template,
        "engagement": invitation.engagement,
        "council": invitation.council,
    }


@never_cache
def survey_thank_you(request, token):
    """Confirm the answers were sent (the link then shows them read-only)."""
    try:
        invitation = invitation_get_by_token(token)
    except Http404:
        return _not_found(request)
    if not hasattr(invitation, "response") or not invitation_answers_visible(invitation):
        return redirect("surveys:answer", token=token)
    return _private(
        render(
            request, "surveys/thank_you.html", {"invitation": invitation, **_context(invitation)}
        )
    )
