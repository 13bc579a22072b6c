"""Survey admin: managers edit templates, see and export responses, extend invitations.

Answered questions and choices are frozen here (their fields are shown disabled and a
changed value is refused by surveys.services), and cannot be deleted: retire them.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import reverse
from django.utils.html import format_html
from import_export import fields, resources
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from surveys import services
from surveys.models import Answer, Choice, Invitation, Question, Response, SurveyTemplate

DELETE_ANSWERED = (
    "This {thing} has answers, so it cannot be deleted. Untick “Is active” to retire it."
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_escape(value):
    """Make text inert in a spreadsheet: respondents' comments are typed by anyone with a link."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class ExportCsvXlsxMixin(ExportMixin):
    """Export to CSV and XLSX only, for those who may view the list."""

    export_formats = [base_formats.CSV, base_formats.XLSX]

    def has_export_permission(self, request):
        return self.has_view_permission(request)


def _answered_annotation(model_field: str):
    return Exists(Answer.objects.filter(**{model_field: OuterRef("pk")}))


class FrozenWhenAnsweredForm(forms.ModelForm):
    """Disables the frozen fields of an answered row and refuses changes to them."""

    frozen_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_answered():
            for name in self.frozen_fields:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Answered: cannot change."

    def is_answered(self) -> bool:
        instance = self.instance
        if instance.pk is None:
            return False
        answered = getattr(instance, "is_answered", None)
        if answered is None:
            answered = instance.answers.exists()
            instance.is_answered = answered
        return answered


class QuestionForm(FrozenWhenAnsweredForm):
    frozen_fields = services.FROZEN_QUESTION_FIELDS

    class Meta:
        model = Question
        fields = ["template", "order", "code", "text", "hint", "question_type", "is_required",
                  "error_message", "min_value", "max_value", "is_active"]  # fmt: skip

    def clean(self):
        cleaned_data = super().clean()
        services.question_change_check(question=self.instance, changed_fields=self.changed_data)
        return cleaned_data


class ChoiceForm(FrozenWhenAnsweredForm):
    frozen_fields = services.FROZEN_CHOICE_FIELDS

    class Meta:
        model = Choice
        fields = ["question", "order", "code", "label", "is_active"]

    def clean(self):
        cleaned_data = super().clean()
        services.choice_change_check(choice=self.instance, changed_fields=self.changed_data)
        return cleaned_data


class NoDeletingAnsweredFormSet(forms.BaseInlineFormSet):
    thing = "question"

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.answers.exists():
                raise ValidationError(DELETE_ANSWERED.format(thing=self.thing))


class ChoiceFormSet(NoDeletingAnsweredFormSet):
    thing = "choice"


class QuestionInline(admin.TabularInline):
    model = Question
    form = QuestionForm
    formset = NoDeletingAnsweredFormSet
    fields = ["order", "code", "text", "question_type", "is_required", "is_active"]
    extra = 0
    show_change_link = True  # choices, hint and error message are edited on the question

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(is_answered=_answered_annotation("question"))


class ChoiceInline(admin.TabularInline):
    model = Choice
    form = ChoiceForm
    formset = ChoiceFormSet
    fields = ["order", "code", "label", "is_active"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(is_answered=_answered_annotation("choice"))


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "audience", "purpose", "send_on_status", "is_active"]
    list_filter = ["audience", "purpose", "is_active"]
    filter_horizontal = ["offers"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(SimpleHistoryAdmin):
    form = QuestionForm
    list_display = ["code", "text", "template", "question_type", "is_required", "is_active"]
    list_filter = ["template", "question_type", "is_active"]
    list_select_related = ["template"]
    search_fields = ["code", "text"]
    inlines = [ChoiceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(is_answered=_answered_annotation("question"))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.answers.exists():
            return False
        return super().has_delete_permission(request, obj)


class ResponseResource(resources.ModelResource):
    """One row per response, one column per question code (choices by their codes)."""

    engagement = fields.Field(attribute="engagement__reference", column_name="engagement")
    offer = fields.Field(attribute="engagement__offer__code", column_name="offer")
    survey = fields.Field(attribute="template__code", column_name="survey")
    council = fields.Field(attribute="council__gss_code", column_name="council")
    respondent_email = fields.Field(attribute="invitation__email", column_name="respondent_email")

    class Meta:
        model = Response
        fields = ["id", "engagement", "offer", "survey", "audience", "council",
                  "respondent_email", "submitted_at", "source"]  # fmt: skip
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        codes = Question.objects.order_by("template__code", "order", "id").values_list(
            "code", flat=True
        )
        for code in dict.fromkeys(codes):
            if code not in self.fields:
                self.fields[code] = fields.Field(
                    column_name=code, dehydrate_method=self._answer_reader(code), readonly=True
                )

    @staticmethod
    def _answer_reader(code: str):
        def read(response: Response) -> str:
            values = []
            for answer in response.answers.all():  # prefetched
                if answer.question.code != code:
                    continue
                if answer.choice_id:
                    values.append(answer.choice.code)
                elif answer.number is not None:
                    values.append(str(answer.number))
                else:
                    values.append(answer.text)
            return ";".join(values)

        return read

    def export_field(self, field, instance, **kwargs):
        return formula_escape(super().export_field(field, instance, **kwargs))

    def get_queryset(self):
        return _responses_with_answers(Response.objects.all())


def _responses_with_answers(queryset):
    return queryset.select_related(
        "engagement__offer", "template", "council", "invitation"
    ).prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("question", "choice"))
    )


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "choice", "text", "number"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "choice")


@admin.register(Response)
class ResponseAdmin(ExportCsvXlsxMixin, admin.ModelAdmin):
    resource_classes = [ResponseResource]
    list_display = ["submitted_at", "engagement_link", "offer", "audience", "council",
                    "respondent", "satisfaction", "source"]  # fmt: skip
    list_filter = [
        "audience",
        "template",
        ("engagement__offer", admin.RelatedOnlyFieldListFilter),
        ("engagement", admin.RelatedOnlyFieldListFilter),
        "source",
        "council__region",
    ]
    search_fields = ["engagement__reference", "engagement__title", "invitation__email"]
    date_hierarchy = "submitted_at"
    readonly_fields = ["invitation", "template", "engagement", "audience", "council",
                       "submitted_at", "source"]  # fmt: skip
    inlines = [AnswerInline]

    def get_queryset(self, request):
        return _responses_with_answers(super().get_queryset(request))

    def has_add_permission(self, request):
        return False  # responses come through the survey link or the importer

    def has_change_permission(self, request, obj=None):
        return False  # what a respondent said is never edited

    @admin.display(description="Engagement", ordering="engagement__reference")
    def engagement_link(self, obj):
        url = reverse("admin:programmes_engagement_change", args=[obj.engagement_id])
        return format_html('<a href="{}">{}</a>', url, obj.engagement.reference)

    @admin.display(description="Offer", ordering="engagement__offer__code")
    def offer(self, obj):
        return obj.engagement.offer.code

    @admin.display(description="Respondent", ordering="invitation__email")
    def respondent(self, obj):
        return obj.invitation.email

    @admin.display(description="Satisfaction")
    def satisfaction(self, obj):
        for answer in obj.answers.all():
            if answer.question.code == "satisfaction" and answer.choice_id:
                return answer.choice.label
        return "–"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "engagement", "template", "council", "sent_at", "closes_at",
                    "is_answered"]  # fmt: skip
    list_filter = ["template", "audience", ("engagement__offer", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["engagement", "template", "council"]
    search_fields = ["email", "engagement__reference"]
    fields = ["template", "engagement", "audience", "council", "user", "email", "survey_link",
              "sent_at", "closes_at"]  # fmt: skip
    readonly_fields = ["template", "engagement", "audience", "council", "user", "email",
                       "survey_link", "sent_at"]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(answered=Exists(Response.objects.filter(invitation=OuterRef("pk"))))
        )

    def has_add_permission(self, request):
        return False  # invitations are created when an engagement reaches its status

    @admin.display(description="Answered", boolean=True, ordering="answered")
    def is_answered(self, obj):
        return obj.answered

    @admin.display(description="Survey link")
    def survey_link(self, obj):
        url = services.survey_url(obj)
        return format_html('<a href="{}">{}</a>', url, url)
