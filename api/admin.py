"""Integration tokens: managers issue them here (the secret is shown once) and revoke them."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from api.models import ApiWrite, IntegrationToken
from api.services import (
    TOKEN_ISSUE_REFUSED,
    integration_token_create,
    integration_token_issue_allowed,
    integration_token_revoke,
)


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__email", "prefix"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scope"]
        return ["name", "user", "scope", *self.readonly_fields]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form
        issuer = request.user

        class IssueForm(form):
            def clean_user(self):
                # The service refuses too; here the refusal is a message on the form.
                user = self.cleaned_data["user"]
                if not integration_token_issue_allowed(issuer=issuer, user=user):
                    raise forms.ValidationError(TOKEN_ISSUE_REFUSED)
                return user

        return IssueForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Who a token acts as, and what it may do, never change: issue a new one instead.
        return ["user", "scope", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit keeps pointing at the token

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = integration_token_create(
            name=form.cleaned_data["name"],
            user=form.cleaned_data["user"],
            scope=form.cleaned_data["scope"],
            created_by=request.user,
        )
        obj.pk = token.pk
        request._integration_token_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        # The secret is shown on this page only: never stored, never put in a message cookie.
        secret = getattr(request, "_integration_token_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Copy the token now"),
            "opts": self.model._meta,
            "token": IntegrationToken.objects.get(pk=obj.pk),
            "secret": secret,
        }
        response = TemplateResponse(request, "admin/api/integrationtoken/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset:
            integration_token_revoke(token=token, user=request.user)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


@admin.register(ApiWrite)
class ApiWriteAdmin(admin.ModelAdmin):
    list_display = ["at", "method", "path", "status_code", "token", "user"]
    list_filter = ["method", "status_code"]
    search_fields = ["path", "user__email", "token__name"]
    date_hierarchy = "at"
    list_select_related = ["token", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
