from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Submit
from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


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
    submit_label = _("Send reset link")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = _("Enter your email address")


class SetPasswordForm(GOVUKFormMixin, auth_forms.SetPasswordForm):
    submit_label = _("Set password")


class EmptyForm(forms.Form):
    pass
