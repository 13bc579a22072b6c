"""The programme manager's admin: offers, engagements, teams, milestones, exceptions.

Every write goes through programmes.services, so the admin refuses what the rules refuse,
in the same words (see programmes.admin_support).
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from councils.models import Council
from peers.models import PeerKind
from programmes import services
from programmes.admin_export import SafeExportMixin
from programmes.admin_support import (
    QuickActionCheckboxMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ServiceRefused,
    ServiceWritesMixin,
    SubqueryDistinctMixin,
    call_service,
    report_each,
    search_words,
)
from programmes.models import (
    ActivityDay,
    DayCapException,
    Engagement,
    EngagementDocument,
    EngagementMilestone,
    EngagementStatus,
    ImprovementAction,
    Offer,
    OfferMilestone,
    OfferTeamRole,
    PlaceStatus,
    StatusChange,
    TeamPlace,
)
from programmes.periods import financial_year_label, financial_year_of
from programmes.selectors import (
    cpc_entitlement_warning,
    peers_day_cap_map,
    peers_days_used_map,
)

# --- Offers (configuration data) -------------------------------------------------------


class OfferTeamRoleInline(admin.TabularInline):
    model = OfferTeamRole
    extra = 0


class OfferMilestoneInline(admin.TabularInline):
    model = OfferMilestone
    extra = 0


@admin.register(Offer)
class OfferAdmin(QuickActionCheckboxMixin, SafeExportMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "delivery_mode", "onsite_required", "serves_group", "is_active"]
    list_filter = ["delivery_mode", "onsite_required", "serves_group", "is_active"]
    search_fields = ["code", "name"]
    inlines = [OfferTeamRoleInline, OfferMilestoneInline]


@admin.register(OfferTeamRole)
class OfferTeamRoleAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["offer", "role", "count", "preferred_role_category"]
    list_filter = ["offer", "role"]
    list_select_related = ["offer"]


@admin.register(OfferMilestone)
class OfferMilestoneAdmin(QuickActionCheckboxMixin, SafeExportMixin, admin.ModelAdmin):
    list_display = ["offer", "name", "anchor", "offset_days", "window_days"]
    list_filter = ["offer", "anchor"]
    list_select_related = ["offer"]


# --- Team places -------------------------------------------------------------------------

# What a manager may set a place's status to, and the service that does it.
_PLACE_STATUS_SERVICES = {
    PlaceStatus.ACCEPTED: lambda place, user: services.team_place_confirm(place=place, user=user),
    PlaceStatus.WITHDRAWN: lambda place, user: services.team_place_withdraw(place=place, user=user),
    PlaceStatus.INVITED: lambda place, user: services.team_place_invite(place=place, user=user),
    PlaceStatus.DECLINED: lambda place, user: services.team_place_respond(
        place=place, accept=False, user=user, reason="Recorded by a programme manager"
    ),
}


def _place_change(*, place: TeamPlace, changed: list[str], data: dict, user) -> None:
    """Apply a manager's edit of one place through the services (role and days, then status)."""
    current = TeamPlace.objects.select_related("peer__user").get(pk=place.pk)
    if "role" in changed or "days" in changed:
        call_service(
            services.team_place_update,
            place=current,
            user=user,
            role=data.get("role", current.role),
            days=data.get("days", current.days),
        )
    status = data.get("status", current.status)
    if "status" in changed and status != current.status:
        service = _PLACE_STATUS_SERVICES.get(status)
        if service is None:
            raise ServiceRefused(["A place cannot be moved back to reserve. Withdraw it instead."])
        call_service(service, place=current, user=user)


def _place_add(*, engagement: Engagement, data: dict, user) -> TeamPlace:
    return call_service(
        services.team_place_add,
        engagement=engagement,
        peer=data["peer"],
        role=data["role"],
        days=data["days"],
        status=data["status"],
        reserve_rank=data.get("reserve_rank"),
        user=user,
    )


class TeamPlaceAddForm(forms.ModelForm):
    status = forms.ChoiceField(
        choices=[
            (PlaceStatus.INVITED, PlaceStatus.INVITED.label),
            (PlaceStatus.ACCEPTED, "Accepted (confirmed by a manager)"),
            (PlaceStatus.RESERVE, PlaceStatus.RESERVE.label),
        ],
        initial=PlaceStatus.INVITED,
    )

    class Meta:
        model = TeamPlace
        fields = ["peer", "role", "days", "status", "reserve_rank"]


class TeamPlaceInline(admin.TabularInline):
    """The team: each place with the peer's days used and remaining in the year."""

    model = TeamPlace
    extra = 0
    can_delete = False
    verbose_name = "team place"
    fields = [
        "peer",
        "role",
        "days",
        "status",
        "reserve_rank",
        "days_in_year",
        "invited_at",
        "response_due",
        "responded_at",
    ]
    readonly_fields = ["peer", "days_in_year", "invited_at", "response_due", "responded_at"]
    usage_loader = None  # set per request by EngagementAdmin.get_inline_instances

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("peer__user", "engagement")

    @admin.display(description="Days this financial year")
    def days_in_year(self, place):
        if not place.pk or self.usage_loader is None:
            return "–"
        year, used, caps = self.usage_loader()
        days_used = used.get(place.peer_id, Decimal("0"))
        label = financial_year_label(year)
        if place.peer.kind != PeerKind.MEMBER:
            return f"{_days(days_used)} used in {label} (no cap)"
        cap = caps.get(place.peer_id, Decimal("0"))
        return (
            f"{_days(days_used)} of {_days(cap)} used in {label}, "
            f"{_days(cap - days_used)} remaining"
        )


def _days(value: Decimal) -> str:
    """3, 0.5, 40 (never 40.0 or 4E+1)."""
    return format(Decimal(value).normalize(), "f")


class TeamPlaceAddInline(admin.TabularInline):
    """New places: chosen by autocomplete, added through team_place_add."""

    model = TeamPlace
    form = TeamPlaceAddForm
    extra = 1
    can_delete = False
    verbose_name = "new team place"
    verbose_name_plural = "add team places"
    autocomplete_fields = ["peer"]

    def get_queryset(self, request):
        return super().get_queryset(request).none()


# --- Engagement inlines ------------------------------------------------------------------


class ActivityDayInline(admin.TabularInline):
    model = ActivityDay
    extra = 1
    fields = ["date", "mode"]


class EngagementMilestoneInline(admin.TabularInline):
    model = EngagementMilestone
    extra = 0
    can_delete = False
    fields = ["name", "due_on", "fixed_by_hand", "done_on"]
    readonly_fields = ["name"]

    def has_add_permission(self, request, obj=None):
        return False


class EngagementDocumentInline(ReadOnlyInline):
    model = EngagementDocument
    fields = ["kind", "original_name", "size", "released_to_council", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class ImprovementActionInline(admin.TabularInline):
    model = ImprovementAction
    extra = 0
    fields = ["recommendation", "progress", "progress_note"]


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    verbose_name = "status change"
    verbose_name_plural = "status timeline"
    fields = ["changed_at", "from_status", "to_status", "changed_by", "note", "guards_overridden"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


# --- Engagements -------------------------------------------------------------------------


class EngagementAdminForm(forms.ModelForm):
    class Meta:
        model = Engagement
        fields = [
            "reference",
            "offer",
            "councils",
            "title",
            "focus",
            "scope",
            "themes",
            "funding",
            "manager",
            "delivery",
            "requested_days",
            "agenda",
            "remote_joining_details",
            "published_report_url",
            "publication_decision",
            "good_practice",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "reference" in self.fields:
            self.fields["reference"].required = False
            self.fields[
                "reference"
            ].help_text = "Leave blank for the next reference, like CPC-2026-0001."

    def _get_validation_exclusions(self):
        exclusions = super()._get_validation_exclusions()
        if not self.cleaned_data.get("reference"):
            exclusions.add("reference")
        return exclusions


_DETAIL_FIELDS = list(services._ENGAGEMENT_DETAIL_FIELDS)
_TRANSITION_TARGETS = [s for s in EngagementStatus if s != EngagementStatus.REQUESTED]


def _transition_action(to_status):
    label = EngagementStatus(to_status).label

    def action(modeladmin, request, queryset):
        report_each(
            modeladmin,
            request,
            queryset.order_by("reference"),
            lambda engagement: services.engagement_transition(
                engagement=engagement, to_status=to_status, user=request.user
            ),
            label=lambda engagement: engagement.reference,
            done=f"Moved {{count}} engagement(s) to {label.lower()}.",
        )

    action.__name__ = f"move_to_{to_status}"
    return admin.action(description=f"Move to {label.lower()}", permissions=["change"])(action)


@admin.register(Engagement)
class EngagementAdmin(
    QuickActionCheckboxMixin,
    SubqueryDistinctMixin,
    ServiceWritesMixin,
    SafeExportMixin,
    SimpleHistoryAdmin,
):
    """The engagement list (newest first: the new-requests queue is status = requested)."""

    form = EngagementAdminForm
    list_display = [
        "reference",
        "title",
        "offer_code",
        "council_names",
        "status",
        "start_date",
        "end_date",
        "manager",
        "created_at",
    ]
    list_filter = [
        "status",
        "offer",
        "funding",
        "councils__region",
        ("manager", admin.RelatedOnlyFieldListFilter),
        "start_date",
    ]
    list_select_related = ["offer", "manager"]
    search_fields = ["reference", "title", "councils__name", "councils__gss_code"]
    autocomplete_fields = ["councils", "themes", "manager"]
    ordering = ["-created_at", "-id"]  # engagement_newest_idx
    date_hierarchy = "start_date"
    # Rendering is most of this page's cost, row by row: 50 rows keep it quick; "Show all"
    # still lists up to list_max_show_all. One count (of the filtered rows), not two.
    list_per_page = 50
    show_full_result_count = False
    inlines = [
        ActivityDayInline,
        TeamPlaceInline,
        TeamPlaceAddInline,
        EngagementMilestoneInline,
        ImprovementActionInline,
        EngagementDocumentInline,
        StatusChangeInline,
    ]
    actions = [_transition_action(s) for s in _TRANSITION_TARGETS] + [
        "confirm_invited_places",
        "invite_next_reserve",
    ]

    # Pages -------------------------------------------------------------------------------

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("councils", queryset=Council.objects.only("id", "name")))
        )

    def get_fieldsets(self, request, obj=None):
        request_fields = ["offer", "councils", "title", "focus", "scope", "themes"]
        management = ["funding", "manager", "delivery", "requested_days"]
        if obj is None:
            return [
                (None, {"fields": ["reference", *request_fields]}),
                ("Management", {"fields": management}),
            ]
        return [
            (None, {"fields": ["reference", "status", *request_fields, "entitlement"]}),
            ("Management", {"fields": [*management, "start_date", "end_date"]}),
            (
                "Delivery and outcomes",
                {
                    "fields": [
                        "agenda",
                        "remote_joining_details",
                        "published_report_url",
                        "publication_decision",
                        "good_practice",
                    ]
                },
            ),
            ("Record", {"fields": ["requested_by", "created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "reference",
            "status",
            "start_date",
            "end_date",
            "entitlement",
            "requested_by",
            "created_at",
            "updated_at",
        ]

    def has_delete_permission(self, request, obj=None):
        return False  # engagements are cancelled, never deleted

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if isinstance(inline, TeamPlaceInline) and obj is not None:
                inline.usage_loader = _usage_loader(obj)
        return inlines

    def get_search_results(self, request, queryset, search_term):
        """Each word matches the reference, the title, or a council's name or ONS code.

        The same matches as Django's search over search_fields, but the councils are
        looked up in a subquery: joining them made every search read all engagements
        against all their councils and then remove the repeated rows.
        """
        for word in search_words(search_term):
            by_council = Engagement.councils.through.objects.filter(
                Q(council__name__icontains=word) | Q(council__gss_code__icontains=word)
            ).values("engagement_id")
            queryset = queryset.filter(
                Q(reference__icontains=word) | Q(title__icontains=word) | Q(pk__in=by_council)
            )
        return queryset, False

    @admin.display(description="Offer", ordering="offer__code")
    def offer_code(self, engagement):
        return engagement.offer.code

    @admin.display(description="Councils")
    def council_names(self, engagement):
        return ", ".join(c.name for c in engagement.councils.all())

    @admin.display(description="Entitlement")
    def entitlement(self, engagement):
        warnings = [
            cpc_entitlement_warning(
                council=council,
                offer=engagement.offer,
                on=engagement.start_date or timezone.localdate(),
            )
            for council in engagement.councils.all()
        ]
        # The engagement itself is the "last one" once it has dates; only earlier ones count.
        warnings = [w for w in warnings if w and engagement.reference not in w]
        return " ".join(warnings) or "No recent engagement of this kind."

    # Writes ------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = call_service(
                services.engagement_create,
                offer=data["offer"],
                councils=data["councils"],
                title=data["title"],
                user=request.user,
                reference=data.get("reference") or None,
                themes=data.get("themes") or (),
                **{
                    name: data[name]
                    for name in _DETAIL_FIELDS
                    if name in data and name not in ("offer", "title")
                },
            )
            # The admin's formsets and redirect hold `obj`: make it the created engagement.
            for field in Engagement._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding = False
            obj._state.db = created._state.db
            for council in data["councils"]:
                warning = cpc_entitlement_warning(
                    council=council, offer=created.offer, on=timezone.localdate()
                )
                if warning:
                    self.message_user(request, warning, messages.WARNING)
            return
        call_service(
            services.engagement_update,
            engagement=obj,
            user=request.user,
            councils=data["councils"] if "councils" in form.changed_data else None,
            themes=data["themes"] if "themes" in form.changed_data else None,
            **{name: data[name] for name in _DETAIL_FIELDS if name in form.changed_data},
        )

    def save_related(self, request, form, formsets, change):
        # Councils and themes were saved by engagement_create / engagement_update.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        engagement = Engagement.objects.get(pk=form.instance.pk)
        model = formset.model
        # The admin's change message reads these; the services did the writes.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if model is ActivityDay:
            if formset.has_changed():
                deleted = set(formset.deleted_forms)
                days = [
                    (f.cleaned_data["date"], f.cleaned_data["mode"])
                    for f in formset.forms
                    if f not in deleted and f.cleaned_data.get("date")
                ]
                call_service(
                    services.engagement_activity_days_set,
                    engagement=engagement,
                    days=days,
                    user=request.user,
                )
        elif model is TeamPlace and issubclass(formset.form, TeamPlaceAddForm):
            for f in formset.forms:
                if f.has_changed() and f.cleaned_data.get("peer"):
                    _place_add(engagement=engagement, data=f.cleaned_data, user=request.user)
        elif model is TeamPlace:
            for f in formset.initial_forms:
                if f.has_changed():
                    _place_change(
                        place=f.instance,
                        changed=f.changed_data,
                        data=f.cleaned_data,
                        user=request.user,
                    )
        elif model is EngagementMilestone:
            for f in formset.initial_forms:
                if f.has_changed():
                    call_service(
                        services.engagement_milestone_update,
                        milestone=f.instance,
                        user=request.user,
                        due_on=f.cleaned_data.get("due_on"),
                        done_on=f.cleaned_data.get("done_on"),
                        fixed_by_hand=f.cleaned_data.get("fixed_by_hand"),
                    )
        elif model is ImprovementAction:
            deleted = set(formset.deleted_forms)
            for f in formset.forms:
                if f in deleted:
                    if f.instance.pk:
                        call_service(
                            services.improvement_action_delete,
                            action=f.instance,
                            user=request.user,
                        )
                elif f.has_changed():
                    call_service(
                        services.improvement_action_save,
                        engagement=engagement,
                        action=f.instance if f.instance.pk else None,
                        recommendation=f.cleaned_data["recommendation"],
                        progress=f.cleaned_data["progress"],
                        progress_note=f.cleaned_data.get("progress_note", ""),
                        user=request.user,
                    )
        # Documents and the status timeline are read-only here.

    # Actions -----------------------------------------------------------------------------

    @admin.action(description="Confirm the invited places", permissions=["change"])
    def confirm_invited_places(self, request, queryset):
        places = TeamPlace.objects.filter(
            engagement__in=queryset, status=PlaceStatus.INVITED
        ).select_related("engagement", "peer__user")
        report_each(
            self,
            request,
            places,
            lambda place: services.team_place_confirm(place=place, user=request.user),
            label=lambda place: f"{place.engagement.reference}, {place.peer}",
            done="Confirmed {count} place(s).",
        )

    @admin.action(description="Invite the next reserve", permissions=["change"])
    def invite_next_reserve(self, request, queryset):
        reserves = []
        for engagement in queryset.order_by("reference"):
            reserve = (
                TeamPlace.objects.filter(engagement=engagement, status=PlaceStatus.RESERVE)
                .select_related("engagement", "peer__user")
                .order_by(F("reserve_rank").asc(nulls_last=True), "id")
                .first()
            )
            if reserve is None:
                self.message_user(
                    request,
                    f"{engagement.reference}: there is no reserve to invite.",
                    messages.ERROR,
                )
            else:
                reserves.append(reserve)
        report_each(
            self,
            request,
            reserves,
            lambda place: services.team_place_invite(place=place, user=request.user),
            label=lambda place: f"{place.engagement.reference}, {place.peer}",
            done="Invited {count} reserve(s).",
        )


def _usage_loader(engagement: Engagement):
    """Days used and caps of every peer on the engagement, loaded once, on first use."""
    cache = {}

    def load():
        if not cache:
            year = financial_year_of(engagement.start_date or timezone.localdate())
            peer_ids = list(
                TeamPlace.objects.filter(engagement=engagement).values_list("peer_id", flat=True)
            )
            cache["value"] = (
                year,
                peers_days_used_map(peer_ids=peer_ids, financial_year=year),
                peers_day_cap_map(peer_ids=peer_ids, financial_year=year),
            )
        return cache["value"]

    return load


# --- Team places ---------------------------------------------------------------------------


class TeamPlaceAdminForm(forms.ModelForm):
    class Meta:
        model = TeamPlace
        fields = ["engagement", "peer", "role", "days", "status", "reserve_rank"]


@admin.register(TeamPlace)
class TeamPlaceAdmin(
    QuickActionCheckboxMixin, ServiceWritesMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = [
        "engagement_reference",
        "peer",
        "role",
        "days",
        "status",
        "invited_at",
        "response_due",
        "responded_at",
    ]
    list_filter = ["status", "role", "engagement__status", "engagement__offer"]
    list_select_related = ["engagement", "peer__user"]
    search_fields = [
        "engagement__reference",
        "peer__user__first_name",
        "peer__user__last_name",
        "peer__user__email",
    ]
    autocomplete_fields = ["engagement", "peer"]
    actions = ["confirm_places", "invite_reserves", "withdraw_places"]

    @admin.display(description="Engagement", ordering="engagement__reference")
    def engagement_reference(self, place):
        return place.engagement.reference

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TeamPlaceAddForm
            kwargs["fields"] = ["engagement", "peer", "role", "days", "status", "reserve_rank"]
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["engagement", "peer", "role", "days", "status", "reserve_rank"]
        return [
            "engagement",
            "peer",
            "role",
            "days",
            "status",
            "reserve_rank",
            "invited_at",
            "response_due",
            "responded_at",
            "decline_reason",
            "no_conflict_declared_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "engagement",
            "peer",
            "reserve_rank",
            "invited_at",
            "response_due",
            "responded_at",
            "decline_reason",
            "no_conflict_declared_at",
        ]

    def has_delete_permission(self, request, obj=None):
        return False  # withdraw instead: the history of who was asked matters

    def save_model(self, request, obj, form, change):
        if not change:
            place = _place_add(
                engagement=form.cleaned_data["engagement"],
                data=form.cleaned_data,
                user=request.user,
            )
            obj.pk = place.pk
            obj._state.adding = False
            return
        _place_change(
            place=obj, changed=form.changed_data, data=form.cleaned_data, user=request.user
        )

    def _each(self, request, queryset, service, done):
        report_each(
            self,
            request,
            queryset.select_related("engagement", "peer__user"),
            lambda place: service(place=place, user=request.user),
            label=lambda place: f"{place.engagement.reference}, {place.peer}",
            done=done,
        )

    @admin.action(description="Confirm the selected places", permissions=["change"])
    def confirm_places(self, request, queryset):
        self._each(request, queryset, services.team_place_confirm, "Confirmed {count} place(s).")

    @admin.action(description="Invite the selected reserves", permissions=["change"])
    def invite_reserves(self, request, queryset):
        self._each(
            request,
            queryset.order_by(F("reserve_rank").asc(nulls_last=True), "id"),
            services.team_place_invite,
            "Invited {count} reserve(s).",
        )

    @admin.action(description="Withdraw the selected places", permissions=["change"])
    def withdraw_places(self, request, queryset):
        self._each(request, queryset, services.team_place_withdraw, "Withdrew {count} place(s).")


# --- Day-cap exceptions --------------------------------------------------------------------


@admin.register(DayCapException)
class DayCapExceptionAdmin(
    QuickActionCheckboxMixin, ServiceWritesMixin, SafeExportMixin, SimpleHistoryAdmin
):
    """Managers see exceptions; only the Director of Improvement adds or approves them."""

    list_display = ["peer", "financial_year", "extra_days", "approved_by", "approved_at"]
    list_filter = ["financial_year"]
    list_select_related = ["peer__user", "approved_by"]
    search_fields = ["peer__user__first_name", "peer__user__last_name", "peer__user__email"]
    autocomplete_fields = ["peer"]
    fields = ["peer", "financial_year", "extra_days", "reason", "approved_by", "approved_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["approved_by", "approved_at"]
        return ["peer", "financial_year", "approved_by", "approved_at"]

    def _may_approve(self, request):
        return request.user.has_perm("programmes.approve_daycapexception")

    def has_add_permission(self, request):
        return self._may_approve(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._may_approve(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # change the extra days instead; the history keeps each approval

    def save_model(self, request, obj, form, change):
        exception = call_service(
            services.day_cap_exception_approve,
            peer=obj.peer,
            financial_year=obj.financial_year,
            extra_days=form.cleaned_data["extra_days"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
        obj.pk = exception.pk
        obj._state.adding = False


# --- Records kept by the engagement page ---------------------------------------------------


@admin.register(ActivityDay)
class ActivityDayAdmin(
    QuickActionCheckboxMixin, ReadOnlyAdminMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = ["engagement", "date", "mode"]
    list_filter = ["mode", "date"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__reference"]


@admin.register(EngagementMilestone)
class EngagementMilestoneAdmin(
    QuickActionCheckboxMixin, ServiceWritesMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = ["engagement", "name", "due_on", "fixed_by_hand", "done_on"]
    list_filter = ["code", "fixed_by_hand", "due_on"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__reference", "name"]
    fields = ["engagement", "name", "due_on", "fixed_by_hand", "done_on"]
    readonly_fields = ["engagement", "name"]

    def has_add_permission(self, request):
        return False  # milestones come from the offer

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        call_service(
            services.engagement_milestone_update,
            milestone=obj,
            user=request.user,
            due_on=form.cleaned_data.get("due_on"),
            done_on=form.cleaned_data.get("done_on"),
            fixed_by_hand=form.cleaned_data.get("fixed_by_hand"),
        )


@admin.register(StatusChange)
class StatusChangeAdmin(
    QuickActionCheckboxMixin, ReadOnlyAdminMixin, SafeExportMixin, admin.ModelAdmin
):
    list_display = ["engagement", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "changed_at"]
    list_select_related = ["engagement", "changed_by"]
    search_fields = ["engagement__reference"]
    date_hierarchy = "changed_at"


@admin.register(EngagementDocument)
class EngagementDocumentAdmin(
    QuickActionCheckboxMixin, ReadOnlyAdminMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = [
        "original_name",
        "engagement",
        "kind",
        "size",
        "released_to_council",
        "uploaded_at",
    ]
    list_filter = ["kind", "released_to_council"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__reference", "original_name"]
    exclude = ["file"]  # served only through the permission-checked download view


@admin.register(ImprovementAction)
class ImprovementActionAdmin(
    QuickActionCheckboxMixin, ServiceWritesMixin, SafeExportMixin, SimpleHistoryAdmin
):
    list_display = ["__str__", "engagement", "progress", "updated_at"]
    list_filter = ["progress"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__reference", "recommendation"]
    autocomplete_fields = ["engagement"]

    def save_model(self, request, obj, form, change):
        action = call_service(
            services.improvement_action_save,
            engagement=form.cleaned_data.get("engagement") or obj.engagement,
            action=obj if change else None,
            recommendation=form.cleaned_data["recommendation"],
            progress=form.cleaned_data["progress"],
            progress_note=form.cleaned_data.get("progress_note", ""),
            user=request.user,
        )
        obj.pk = action.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        call_service(services.improvement_action_delete, action=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for action in queryset:
            call_service(services.improvement_action_delete, action=action, user=request.user)
