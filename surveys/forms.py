"""The survey page's form, built from the template's questions; GOV.UK layout only."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, QuestionType
from surveys.services import _default_required

FIELD_PREFIX = "q_"


class SurveyForm(forms.Form):
    """One field per active question: radios, checkboxes, a text area or a number box.

    Field names are ``q_<question code>``; ``answers()`` returns {code: value} for the
    service, which checks the rules again.
    """

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        layout = []
        for question in questions:
            name = FIELD_PREFIX + question.code
            self.fields[name] = self._field_for(question)
            layout.append(self._layout_for(question, name))
        self.helper = FormHelper()
        self.helper.layout = Layout(*layout, Submit("submit", _("Send your answers")))

    @staticmethod
    def _field_for(question: Question) -> forms.Field:
        label = question.text if question.is_required else f"{question.text} (optional)"
        messages = {"required": question.error_message or _default_required(question)}
        common = {"label": label, "help_text": question.hint, "required": question.is_required}
        if question.question_type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            choices = [(c.code, c.label) for c in question.choices.all() if c.is_active]
            if question.question_type == QuestionType.SINGLE_CHOICE:
                messages["invalid_choice"] = _("Select one of the answers shown")
                return forms.ChoiceField(
                    choices=choices, widget=forms.RadioSelect, error_messages=messages, **common
                )
            messages["invalid_choice"] = _("Select only answers shown")
            return forms.MultipleChoiceField(
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=messages,
                **common,
            )
        if question.question_type == QuestionType.NUMBER:
            low, high = question.min_value, question.max_value
            range_message = _("Enter a number from %(low)s to %(high)s") % {
                "low": low,
                "high": high,
            }
            messages.update(
                {
                    "invalid": _("Enter a whole number, like 7"),
                    "min_value": range_message,
                    "max_value": range_message,
                }
            )
            return forms.IntegerField(
                min_value=low,
                max_value=high,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
                error_messages=messages,
                **common,
            )
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5}),
            max_length=5000,
            error_messages={
                **messages,
                "max_length": _("Your answer must be 5,000 characters or fewer"),
            },
            **common,
        )

    @staticmethod
    def _layout_for(question: Question, name: str):
        if question.question_type == QuestionType.SINGLE_CHOICE:
            return Field.radios(name, legend_size=Size.SMALL)
        if question.question_type == QuestionType.MULTIPLE_CHOICE:
            return Field.checkboxes(name, legend_size=Size.SMALL)
        if question.question_type == QuestionType.NUMBER:
            return Field.text(name, label_size=Size.SMALL, field_width=3)
        return Field.textarea(name, label_size=Size.SMALL)

    def answers(self) -> dict:
        return {
            name[len(FIELD_PREFIX) :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(FIELD_PREFIX)
        }
