"""Surveys: templates managers edit, invitations with a private link, responses and answers.

Answers keep their meaning: once a question has answers, its code, wording, type and
choices are frozen (surveys.services.survey_question_frozen_changes); a manager retires
it (``is_active = False``) and adds a new one instead. The database backs this with
PROTECT on every foreign key from an answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programmes.models import EngagementStatus


class Audience(models.TextChoices):
    COUNCIL = "council", _("Council")
    PEER = "peer", _("Peer")


class Purpose(models.TextChoices):
    FEEDBACK = "feedback", _("Feedback after the engagement")
    PRE_PANEL = "pre_panel", _("Before a panel")


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    FREE_TEXT = "free_text", _("Free text")
    NUMBER = "number", _("Number or rating")


CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


class ResponseSource(models.TextChoices):
    WEB = "web", _("Answered through the link")
    IMPORTED = "imported", _("Imported from a past spreadsheet")


class SurveyTemplate(models.Model):
    """A survey managers edit in the admin, and which offers it follows."""

    code = models.SlugField(
        max_length=40, unique=True, help_text=_("Stable code used by reports and importers.")
    )
    name = models.CharField(max_length=120)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.FEEDBACK)
    introduction = models.TextField(blank=True, help_text=_("Shown above the questions."))
    offers = models.ManyToManyField(
        "programmes.Offer",
        blank=True,
        related_name="survey_templates",
        help_text=_("The offers this survey follows."),
    )
    send_on_status = models.CharField(
        max_length=20,
        choices=EngagementStatus.choices,
        default=EngagementStatus.DELIVERED,
        help_text=_("Sent when an engagement of one of the offers reaches this status."),
    )
    open_days = models.PositiveSmallIntegerField(
        default=28, help_text=_("Days the link stays open after the invitation is sent.")
    )
    is_active = models.BooleanField(default=True, help_text=_("Inactive surveys are not sent."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Question(models.Model):
    """One question of a template, in order, with a stable code."""

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40)
    text = models.CharField(max_length=300)
    hint = models.CharField(max_length=300, blank=True)
    question_type = models.CharField(max_length=20, choices=QuestionType.choices)
    is_required = models.BooleanField(default=False)
    error_message = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            'Shown when a required question is not answered, for example "Select how '
            'satisfied you were". Blank: a general message.'
        ),
    )
    min_value = models.IntegerField(null=True, blank=True, help_text=_("Number questions only."))
    max_value = models.IntegerField(null=True, blank=True, help_text=_("Number questions only."))
    is_active = models.BooleanField(
        default=True, help_text=_("Retired questions are no longer asked; their answers stay.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["template", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="survey_question_code_unique")
        ]

    def __str__(self):
        return f"{self.code}: {self.text}"


class Choice(models.Model):
    """One answer a choice question offers, with a stable code."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="survey_choice_code_unique")
        ]

    def __str__(self):
        return self.label


class Invitation(models.Model):
    """One respondent's private link to one survey about one engagement.

    The token is the only credential: long, random and unique. Council invitations name
    the council answered for, so an engagement with several councils counts each one.
    """

    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="invitations"
    )
    engagement = models.ForeignKey(
        "programmes.Engagement", on_delete=models.PROTECT, related_name="survey_invitations"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    council = models.ForeignKey(
        "councils.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_invitations",
        help_text=_("The council the respondent answers for (council surveys)."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "engagement", "email"], name="survey_invitation_unique"
            )
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self):
        return f"{self.template} – {self.email} ({self.engagement_id})"


class Response(models.Model):
    """A submitted survey: one per invitation, never changed by the respondent afterwards."""

    invitation = models.OneToOneField(Invitation, on_delete=models.PROTECT, related_name="response")
    # Copied from the invitation so counting and the admin filter without joins.
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="responses")
    engagement = models.ForeignKey(
        "programmes.Engagement", on_delete=models.PROTECT, related_name="survey_responses"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    council = models.ForeignKey(
        "councils.Council",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_responses",
        help_text=_("The council answered for; for peers, the engagement's council if only one."),
    )
    submitted_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ResponseSource.choices)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["audience", "template"]),
            models.Index(fields=["engagement", "audience"]),
        ]

    def __str__(self):
        return f"Response {self.pk} to {self.template}"


class Answer(models.Model):
    """One answer: a choice (one row per choice ticked), a text or a number."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    text = models.TextField(blank=True)
    number = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["response", "question__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question", "choice"],
                condition=Q(choice__isnull=False),
                name="survey_answer_choice_unique",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(choice__isnull=True),
                name="survey_answer_value_unique",
            ),
        ]
        indexes = [models.Index(fields=["question", "choice"])]

    def __str__(self):
        return f"{self.question.code}: {self.choice or self.text or self.number}"
