"""Integration tokens for the REST API, and the audit of every write made through it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class IntegrationToken(models.Model):
    """A secret one integration (a CRM, LG Inform, a spreadsheet) uses to call the API.

    The token acts as its user: it sees and changes exactly what that person may on the
    web pages. Only a SHA-256 hash of the secret is stored; the secret is shown once.
    """

    name = models.CharField(
        max_length=120, help_text=_("What the token is for, for example “CRM nightly sync”.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="integration_tokens",
        verbose_name=_("acts as"),
        help_text=_("The token sees and changes exactly what this person may."),
    )
    scope = models.CharField(max_length=12, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(
        max_length=12, editable=False, help_text=_("The start of the secret, to recognise it.")
    )
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("integration token")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE


class ApiWrite(models.Model):
    """One write call to the API (POST, PUT, PATCH, DELETE), refused or not."""

    token = models.ForeignKey(
        IntegrationToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="writes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API write")

    def __str__(self):
        return f"{self.method} {self.path} → {self.status_code}"
