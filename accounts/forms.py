import logging

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from accounts.services import password_reset_email_queue

logger = logging.getLogger(__name__)


class GOVUKFormMixin:
    """Gives a form the GOV.UK layout: fields as given, one primary button."""

    submit_label = _("Continue")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(*self.get_layout_fields(), Submit("submit", self.submit_label))

    def get_layout_fields(self):
        return [Field(name) for name in self.fields]


class SignInForm(GOVUKFormMixin, auth_forms.AuthenticationForm):
    submit_label = _("Sign in")
    error_messages = {
        "invalid_login": _("Enter a correct email address and password"),
        "inactive": _("This account is inactive"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email address")
        self.fields["username"].error_messages["required"] = _("Enter your email address")
        self.fields["password"].error_messages["required"] = _("Enter your password")

    def get_layout_fields(self):
        return [
            Field.text("username", field_width=Fluid.TWO_THIRDS, autocomplete="email"),
            Field("password", autocomplete="current-password"),
        ]


class PasswordResetForm(GOVUKFormMixin, auth_forms.PasswordResetForm):
    """Django's reset form (same answer whether or not the account exists), emailing
    through the notification ledger instead of sending directly."""

    submit_label = _("Send reset link")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = _("Enter your email address")

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Called by save() once per active account with a usable password for the address.
        # Like Django's, a failure is logged, not shown: the page must not reveal the account.
        try:
            password_reset_email_queue(user=context["user"], token=context["token"])
        except Exception:
            logger.exception("Failed to queue the password reset email to %s", context["user"].pk)


class SetPasswordForm(GOVUKFormMixin, auth_forms.SetPasswordForm):
    submit_label = _("Set password")


class EmptyForm(forms.Form):
    pass
