"""The peer pool in the admin: profiles, expertise vocabulary, availability, training.

Every write to a peer goes through peers.services (the peer's own details, as in the peer
portal) or peers.services_pool (what the programme team keeps), so the admin refuses what the
portal refuses, in the same words, shown as the programme admin shows a refusal
(programmes.admin_support), and the history names the manager. The forms only shape input.

Equalities answers are special-category data: visible only to holders of
peers.view_equalities, and never edited here (the peer gives or withdraws them).
"""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from peers import services, services_pool
from peers.models import (
    EqualitiesAnswers,
    Expertise,
    Peer,
    TrainingRecord,
    Unavailability,
    WorkRegion,
)
from programmes.admin_export import SafeExportMixin
from programmes.admin_support import (
    HistoryViewOnlyMixin,
    QuickActionCheckboxMixin,
    ServiceWritesMixin,
    SubqueryDistinctMixin,
    call_service,
)

# The peer's own profile fields (peers.services.peer_profile_update), as in the portal.
PROFILE_FIELDS = (*services.CONTACT_PEER_FIELDS, "work_mode")

EQUALITIES_PERMISSION = "peers.view_equalities"


def _may_see_equalities(request) -> bool:
    return request.user.is_active and request.user.has_perm(EQUALITIES_PERMISSION)


@admin.register(Expertise)
class ExpertiseAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(WorkRegion)
class WorkRegionAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class ServiceCheckedForm(forms.ModelForm):
    """Dates and choices may be left empty here: the service says what is missing, in the
    words every other door uses, instead of the admin's "This field is required"."""

    optional_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.optional_fields:
            if name in self.fields:
                self.fields[name].required = False


class UnavailabilityForm(ServiceCheckedForm):
    optional_fields = ("starts_on", "ends_on")

    class Meta:
        model = Unavailability
        fields = ["peer", "starts_on", "ends_on", "reason"]


class TrainingRecordForm(ServiceCheckedForm):
    optional_fields = ("kind", "course", "attended_on")

    class Meta:
        model = TrainingRecord
        fields = ["peer", "kind", "course", "attended_on"]


def _period_add(peer, data, user):
    return call_service(
        services.peer_unavailability_add,
        peer=peer,
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        reason=data.get("reason", ""),
        user=user,
    )


def _period_update(period, data, user):
    return call_service(
        services.peer_unavailability_update,
        period=period,
        starts_on=data.get("starts_on"),
        ends_on=data.get("ends_on"),
        reason=data.get("reason", ""),
        user=user,
    )


def _period_remove(period, user):
    call_service(
        services.peer_unavailability_remove, peer=period.peer, period_id=period.pk, user=user
    )


def _training_add(peer, data, user):
    return call_service(
        services_pool.training_record_add,
        peer=peer,
        kind=data.get("kind", ""),
        course=data.get("course", ""),
        attended_on=data.get("attended_on"),
        user=user,
    )


def _training_update(record, data, user):
    return call_service(
        services_pool.training_record_update,
        record=record,
        kind=data.get("kind", ""),
        course=data.get("course", ""),
        attended_on=data.get("attended_on"),
        user=user,
    )


def _training_remove(record, user):
    call_service(services_pool.training_record_remove, record=record, user=user)


# An inline's model -> its (add, update, remove) through the services.
_INLINE_WRITES = {
    Unavailability: (_period_add, _period_update, _period_remove),
    TrainingRecord: (_training_add, _training_update, _training_remove),
}


class UnavailabilityInline(admin.TabularInline):
    model = Unavailability
    form = UnavailabilityForm
    extra = 0


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    form = TrainingRecordForm
    extra = 0


class EqualitiesMixin:
    """Visible only with peers.view_equalities; read-only for everyone."""

    def has_module_permission(self, request):
        return _may_see_equalities(request)

    def has_view_permission(self, request, obj=None):
        return _may_see_equalities(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EqualitiesInline(EqualitiesMixin, admin.StackedInline):
    model = EqualitiesAnswers
    extra = 0
    fields = [
        "consent_given_at",
        "sex",
        "ethnic_group",
        "disability",
        "age_band",
        "sexual_orientation",
    ]
    readonly_fields = fields


WAIVER_FIELDS = ("training_waived", "training_waiver_reason")
WAIVER_APPROVAL_FIELDS = ("training_waiver_approved_by", "training_waiver_approved_at")


@admin.register(Peer)
class PeerAdmin(
    QuickActionCheckboxMixin,
    SubqueryDistinctMixin,
    HistoryViewOnlyMixin,
    ServiceWritesMixin,
    SafeExportMixin,
    SimpleHistoryAdmin,
):
    list_display = [
        "name",
        "email",
        "kind",
        "home_council",
        "political_group",
        "role_category",
        "status",
        "profile_confirmed_on",
    ]
    list_filter = [
        "status",
        "kind",
        "role_category",
        "political_group",
        "work_mode",
        "regions",
        "expertise",
        "home_council__region",
        "training_waived",
    ]
    list_select_related = ["user", "home_council"]
    search_fields = [
        "user__first_name",
        "user__last_name",
        "user__email",
        "job_title",
        "home_council__name",
    ]
    autocomplete_fields = ["user", "home_council"]
    filter_horizontal = ["expertise", "regions", "conflicts"]
    exclude = ["calendar_token"]
    inlines = [UnavailabilityInline, TrainingRecordInline, EqualitiesInline]
    ordering = ["user__last_name", "user__first_name"]  # accounts' user_name_idx
    # Rendering is most of this page's cost, row by row: 50 rows keep it quick; "Show all"
    # still lists up to list_max_show_all. One count (of the filtered rows), not two.
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="Name", ordering="user__last_name")
    def name(self, peer):
        return str(peer)

    @admin.display(description="Email", ordering="user__email")
    def email(self, peer):
        return peer.user.email

    def lookup_allowed(self, lookup, value, request=None):
        # Filtering peers by their equalities answers, even by whether they have any
        # (?equalities__isnull=False), reads them: only with the permission that reads them.
        # Django already refuses lookups two relations deep (?peer__equalities__… elsewhere).
        if lookup.split("__")[0] == "equalities" and not (
            request is not None and _may_see_equalities(request)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        # A required profile answer left blank gets the words every other door shows.
        for name, message in services.PROFILE_REQUIRED.items():
            if name in form.base_fields:
                form.base_fields[name].error_messages["required"] = message
        return form

    def get_readonly_fields(self, request, obj=None):
        # Only the peer confirms their profile; the sign-in account is fixed once chosen.
        fixed = ["profile_confirmed_on", *WAIVER_APPROVAL_FIELDS, "created_at", "updated_at"]
        return fixed if obj is None else ["user", *fixed]

    # Writes ------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data, user = form.cleaned_data, request.user
        if not change:
            created = call_service(
                services_pool.peer_create,
                account=data["user"],
                user=user,
                expertise=data.get("expertise", ()),
                regions=data.get("regions", ()),
                **{
                    name: data[name]
                    for name in (*services_pool.POOL_FIELDS, *PROFILE_FIELDS)
                    if name in data
                },
            )
            # The admin's formsets and redirect hold `obj`: make it the created peer.
            for field in Peer._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db
            self._conflicts_set(obj, data.get("conflicts", ()), user)
            self._waiver_set(obj, data, set(form.changed_data), user)
            return
        changed = set(form.changed_data)
        self._waiver_set(obj, data, changed, user)
        profile = {name: data[name] for name in PROFILE_FIELDS if name in changed}
        profile.update({name: data[name] for name in ("expertise", "regions") if name in changed})
        if profile:
            call_service(services.peer_profile_update, peer=obj, user=user, **profile)
        pool = {name: data[name] for name in services_pool.POOL_FIELDS if name in changed}
        if pool:
            call_service(services_pool.peer_pool_details_update, peer=obj, user=user, **pool)
        if "conflicts" in changed:
            self._conflicts_set(obj, data["conflicts"], user)

    def _waiver_set(self, peer, data, changed, user):
        """A training waiver goes through its service, which records who approved it and why."""
        if not set(WAIVER_FIELDS) & changed:
            return
        updated = call_service(
            services.peer_training_waiver_set,
            peer=peer,
            waived=data.get("training_waived", False),
            reason=data.get("training_waiver_reason", ""),
            user=user,
        )
        for name in (*WAIVER_FIELDS, *WAIVER_APPROVAL_FIELDS):
            setattr(peer, name, getattr(updated, name))

    def _conflicts_set(self, peer, councils, user):
        """Declare and remove conflicts one by one, so each is in the history."""
        declared = set(Peer.objects.get(pk=peer.pk).conflicts.all())
        wanted = set(councils)
        for council in sorted(wanted - declared, key=lambda c: c.name):
            call_service(services.peer_conflict_add, peer=peer, council=council, user=user)
        for council in sorted(declared - wanted, key=lambda c: c.name):
            call_service(services.peer_conflict_remove, peer=peer, council=council, user=user)

    def save_related(self, request, form, formsets, change):
        # The many-to-many fields were saved by the services in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads these; the services do the writes.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        writes = _INLINE_WRITES.get(formset.model)
        if writes is None:  # equalities answers: read-only
            return
        add, update, remove = writes
        peer = Peer.objects.get(pk=form.instance.pk)
        deleted = set(formset.deleted_forms)
        # Removals first, so a new row may take the dates of a removed one.
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                remove(inline_form.instance, request.user)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.initial_forms:
            if inline_form not in deleted and inline_form.has_changed():
                saved = update(inline_form.instance, inline_form.cleaned_data, request.user)
                formset.changed_objects.append((saved, inline_form.changed_data))
        for inline_form in formset.extra_forms:
            if inline_form not in deleted and inline_form.has_changed():
                formset.new_objects.append(add(peer, inline_form.cleaned_data, request.user))


class _PeerRecordAdmin(
    QuickActionCheckboxMixin,
    HistoryViewOnlyMixin,
    ServiceWritesMixin,
    SafeExportMixin,
    SimpleHistoryAdmin,
):
    """A record of one peer, written through the services of `writes` (add, update, remove)."""

    writes: tuple = ()
    list_select_related = ["peer__user"]
    autocomplete_fields = ["peer"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["peer"]

    def save_model(self, request, obj, form, change):
        add, update, _ = self.writes
        if change:
            update(obj, form.cleaned_data, request.user)
            return
        saved = add(form.cleaned_data["peer"], form.cleaned_data, request.user)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        self.writes[2](obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("peer"):
            self.writes[2](obj, request.user)


@admin.register(Unavailability)
class UnavailabilityAdmin(_PeerRecordAdmin):
    form = UnavailabilityForm
    writes = _INLINE_WRITES[Unavailability]
    list_display = ["peer", "starts_on", "ends_on", "reason"]
    list_filter = ["starts_on"]
    search_fields = ["peer__user__first_name", "peer__user__last_name", "peer__user__email"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(_PeerRecordAdmin):
    form = TrainingRecordForm
    writes = _INLINE_WRITES[TrainingRecord]
    list_display = ["peer", "kind", "course", "attended_on"]
    list_filter = ["kind", "attended_on"]
    search_fields = [
        "peer__user__first_name",
        "peer__user__last_name",
        "peer__user__email",
        "course",
    ]


@admin.register(EqualitiesAnswers)
class EqualitiesAnswersAdmin(
    QuickActionCheckboxMixin, EqualitiesMixin, SafeExportMixin, admin.ModelAdmin
):
    list_display = ["peer", "consent_given_at", "updated_at"]
    list_select_related = ["peer__user"]
    search_fields = ["peer__user__first_name", "peer__user__last_name", "peer__user__email"]
