"""Two-factor sign-in for staff (django-otp, time-based one-time passwords).

Optional for staff; required for programme managers and directors when
settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS is on (the production default). A user who has
set up a device must enter a code after their password before any other page opens.
"""

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from crispy_forms_gds.layout import Field
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions
from accounts.forms import GOVUKFormMixin

SETUP_URL_NAME = "accounts:two_factor_setup"
VERIFY_URL_NAME = "accounts:two_factor_verify"


def two_factor_required(user) -> bool:
    """Managers and directors must use two-factor sign-in when the setting says so."""
    return bool(settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS) and permissions.is_manager(user)


class TokenForm(GOVUKFormMixin, forms.Form):
    submit_label = _("Continue")
    token = forms.CharField(
        label=_("Security code"),
        help_text=_("The 6-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        error_messages={
            "required": _("Enter the security code"),
            "min_length": _("Enter the 6-digit security code"),
            "max_length": _("Enter the 6-digit security code"),
        },
    )

    def __init__(self, *args, device_check=None, **kwargs):
        self.device_check = device_check
        super().__init__(*args, **kwargs)

    def get_layout_fields(self):
        return [
            Field.text("token", field_width=5, autocomplete="one-time-code", inputmode="numeric")
        ]

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the security code using numbers only"))
        self.device = self.device_check(token)
        if self.device is None:
            raise forms.ValidationError(_("The security code is wrong or has expired"))
        return token


def _qr_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _verify_redirect(request):
    return redirect(f"{reverse(VERIFY_URL_NAME)}?next={reverse(SETUP_URL_NAME)}")


@login_required
def setup(request):
    """Set up an authenticator app: scan the code, then prove it works with one code.

    Once the user has a confirmed device, only a session verified with a code from it may
    open set-up (to replace the device): the password alone never adds or replaces one.
    """
    if user_has_device(request.user) and not request.user.is_verified():
        return _verify_redirect(request)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )

    def check(token):
        return device if device.verify_token(token) else None

    form = TokenForm(request.POST or None, device_check=check)
    if request.method == "POST" and form.is_valid():
        if not _device_confirm(
            user=request.user, device=device, verified=request.user.is_verified()
        ):
            return _verify_redirect(request)
        otp_login(request, device)
        messages.success(request, _("Two-factor sign-in is set up"))
        return redirect("accounts:home")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": _qr_data_uri(device.config_url), "secret": secret},
    )


@transaction.atomic
def _device_confirm(*, user, device, verified: bool) -> bool:
    """Confirm `device` in place of the user's confirmed ones; return False if not allowed.

    Replacing needs a session verified with the current device. Checked again here, under
    a lock on the user's devices, so a device confirmed by a concurrent request since the
    page opened is never deleted by a session that has not proved it.
    """
    confirmed = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
    if confirmed.exclude(pk=device.pk).exists() and not verified:
        return False
    confirmed.exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@login_required
def verify(request):
    """Ask for a code after the password when the user has a device."""
    if not user_has_device(request.user):
        return redirect(SETUP_URL_NAME)

    def check(token):
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(token):
                return device
        return None

    form = TokenForm(request.POST or None, device_check=check)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("accounts:home")
        return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form})


class TwoFactorMiddleware:
    """Send signed-in users who must give a code (or set a device up) to do so first.

    A session that has not given a code may open only the verify page, or set-up while the
    user has no device yet: with a device, set-up would replace it, so it needs the code
    too (the set-up view checks this as well).
    """

    _always_open = ("/accounts/sign-out/", "/static/", "/healthz")
    _two_factor_pages = "/accounts/two-factor/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(self._always_open)
            or user.is_verified()
        ):
            return self.get_response(request)
        if user_has_device(user):
            if request.path == reverse(VERIFY_URL_NAME):
                return self.get_response(request)
            return redirect(f"{reverse(VERIFY_URL_NAME)}?next={request.path}")
        if two_factor_required(user) and not request.path.startswith(self._two_factor_pages):
            return redirect(SETUP_URL_NAME)
        return self.get_response(request)
