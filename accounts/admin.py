"""People and roles in the admin.

What a person may do (roles, permissions, staff and superuser status) and other people's
passwords are changed only by access administrators (accounts.permissions), and only
through accounts.services, which records and reports every change. For everyone else
those fields are read-only, and whatever a POST says about them is not saved.
"""

import copy
import functools

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from accounts import permissions, services
from accounts.models import User

# The fields that decide what a person may do.
ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's password form, saving through accounts.services as the signed-in user."""

    def __init__(self, user, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_password_set(user=self.user, actor=self.actor, password=password)


class HistoryWithoutRevertAdmin(SimpleHistoryAdmin):
    """History shown, never reverted: a revert would save old access, unchecked and unreported."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" or not self.has_view_permission(request):
            raise PermissionDenied  # before looking the version up: no hint it exists
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(User)
class UserAdmin(HistoryWithoutRevertAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "council", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_active", "groups"]
    list_select_related = ["council"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["council"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("first_name", "last_name")}),
        ("Role", {"fields": ("groups", "council", "political_group")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # --- Who may open what ---------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        # A manager edits only people with no more rights than theirs (their email is a
        # way in, through a password reset); a superuser only a superuser edits.
        return permissions.may_change_user(actor=request.user, user=obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return permissions.may_change_user(actor=request.user, user=obj)

    def delete_queryset(self, request, queryset):
        # The bulk action checks the model permission only: check each person too.
        if not all(permissions.may_change_user(actor=request.user, user=u) for u in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly  # adding: email and password only (add_fieldsets)
        if not permissions.may_change_access(actor=request.user, user=obj):
            readonly += ACCESS_FIELDS
        elif not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    # --- Saving: access through the service, never with the record ------------------------

    def save_model(self, request, obj, form, change):
        form.access_requested = {
            name: form.cleaned_data[name] for name in ACCESS_FIELDS if name in form.cleaned_data
        }
        # Whatever the form held, the record is saved with the access it had (none when
        # new); save_related hands the requested access to the service.
        stored = User.objects.filter(pk=obj.pk).first() if change else None
        obj.is_staff = stored.is_staff if stored else False
        obj.is_superuser = stored.is_superuser if stored else False
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        requested = getattr(form, "access_requested", {})
        for name in ("groups", "user_permissions"):
            form.cleaned_data.pop(name, None)  # not saved by form.save_m2m()
        super().save_related(request, form, formsets, change)
        if requested:
            services.user_access_change(
                user=form.instance,
                actor=request.user,
                is_staff=requested.get("is_staff"),
                is_superuser=requested.get("is_superuser"),
                groups=requested.get("groups"),
                permissions=requested.get("user_permissions"),
            )

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and not permissions.may_set_password(actor=request.user, user=user):
            raise PermissionDenied
        # Django's view, on a copy of this admin whose password form saves through
        # accounts.services as the signed-in user (the admin itself is shared by requests).
        bound = copy.copy(self)
        bound.change_password_form = functools.partial(PasswordSetForm, actor=request.user)
        return BaseUserAdmin.user_change_password(bound, request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(HistoryWithoutRevertAdmin, BaseGroupAdmin):
    """Roles: a group's permissions are every member's, so only access administrators
    change them, through accounts.services."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and permissions.can_administer_access(
            request.user
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_administer_access(
            request.user
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_administer_access(
            request.user
        )

    def save_model(self, request, obj, form, change):
        if change:
            form.access_requested = {"name": form.cleaned_data.get("name")}
            obj.name = Group.objects.get(pk=obj.pk).name  # renamed by the service
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        requested = getattr(form, "access_requested", {})
        new_permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        services.group_access_change(
            group=form.instance,
            actor=request.user,
            name=requested.get("name"),
            permissions=new_permissions,
        )
