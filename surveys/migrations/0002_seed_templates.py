"""Seed the three surveys and link them to the seeded offers.

Council and peer feedback follow every offer and go when the engagement is delivered;
the pre-panel survey follows the Recovery and Renewal Panel and goes when it is scheduled.
Codes are stable: reports and the importer use them.
"""

from django.db import migrations

SATISFACTION = [
    ("very_satisfied", "Very satisfied"),
    ("fairly_satisfied", "Fairly satisfied"),
    ("neither", "Neither satisfied nor dissatisfied"),
    ("fairly_dissatisfied", "Fairly dissatisfied"),
    ("very_dissatisfied", "Very dissatisfied"),
]
QUOTE_CONSENT = [
    ("yes", "Yes, you may quote my comments without naming me or my council"),
    ("no", "No"),
]
QUOTE_TEXT = "May we quote your comments in our reports without naming you?"
QUOTE_HINT = "We would name only the type of council and the kind of support."

# code, text, hint, type, required, error message, choices, min, max
TEMPLATES = {
    "council_feedback": {
        "name": "Council feedback",
        "audience": "council",
        "purpose": "feedback",
        "send_on_status": "delivered",
        "offers": "__all__",
        "introduction": (
            "Tell us what you thought of the peer support your council received. "
            "It takes about 5 minutes. Your answers help us improve the programme."
        ),
        "questions": [
            ("satisfaction", "Overall, how satisfied were you with the peer support?", "",
             "single_choice", True, "Select how satisfied you were with the peer support",
             SATISFACTION),
            ("goals_achieved", "To what extent were the goals of the peer support achieved?", "",
             "single_choice", True, "Select to what extent the goals were achieved",
             [("fully", "Fully"), ("largely", "Largely"), ("partly", "Partly"),
              ("not_at_all", "Not at all")]),
            ("would_recommend", "How likely are you to recommend peer support to another council?",
             "", "single_choice", True, "Select how likely you are to recommend peer support",
             [("very_likely", "Very likely"), ("fairly_likely", "Fairly likely"),
              ("not_very_likely", "Not very likely"), ("not_at_all_likely", "Not at all likely")]),
            ("understood_issues", "To what extent did the peer team understand your issues?", "",
             "single_choice", True, "Select to what extent the team understood your issues",
             [("great_extent", "To a great extent"), ("some_extent", "To some extent"),
              ("small_extent", "To a small extent"), ("not_at_all", "Not at all")]),
            ("comment", "Is there anything else you would like to tell us?",
             "Do not include personal information, such as names.", "free_text", False, "", []),
            ("quote_consent", QUOTE_TEXT, QUOTE_HINT, "single_choice", False, "", QUOTE_CONSENT),
        ],
    },
    "peer_feedback": {
        "name": "Peer feedback",
        "audience": "peer",
        "purpose": "feedback",
        "send_on_status": "delivered",
        "offers": "__all__",
        "introduction": (
            "Tell us about your experience of being on the peer team. "
            "It takes about 5 minutes."
        ),
        "questions": [
            ("satisfaction",
             "Overall, how satisfied were you with your experience of being on the team?", "",
             "single_choice", True, "Select how satisfied you were with being on the team",
             SATISFACTION),
            ("learned", "What did you learn that you will take back to your own council?",
             "Do not include personal information, such as names.", "free_text", False, "", []),
            ("comment", "Is there anything else you would like to tell us?",
             "Do not include personal information, such as names.", "free_text", False, "", []),
            ("quote_consent", QUOTE_TEXT, QUOTE_HINT, "single_choice", False, "", QUOTE_CONSENT),
        ],
    },
    "pre_panel": {
        "name": "Pre-panel survey (Recovery and Renewal Panel)",
        "audience": "council",
        "purpose": "pre_panel",
        "send_on_status": "scheduled",
        "offers": ["RRP"],
        "introduction": (
            "Before your Recovery and Renewal Panel, tell us where your council is in its "
            "response to COVID-19 and its recovery plans. The panel reads your answers with "
            "the LG Inform report. It takes about 10 minutes."
        ),
        "questions": [
            ("response_stage", "Where is your council in its response to COVID-19?", "",
             "single_choice", True, "Select where your council is in its response",
             [("responding", "Still mainly responding to the pandemic"),
              ("early_recovery", "Starting to plan for recovery"),
              ("recovering", "Delivering a recovery plan"),
              ("renewal", "Moving on to longer-term renewal")]),
            ("recovery_plan", "Does your council have a recovery plan?", "", "single_choice",
             True, "Select whether your council has a recovery plan",
             [("agreed", "Yes, agreed and published"), ("draft", "Yes, in draft"),
              ("in_development", "Not yet, it is being developed"), ("none", "No")]),
            ("priority_areas", "Which areas are priorities for your recovery?",
             "Select all that apply.", "multiple_choice", True,
             "Select at least one priority area",
             [("economy", "Local economy and jobs"), ("finance", "Council finances"),
              ("health_care", "Public health and social care"),
              ("housing", "Housing and homelessness"),
              ("communities", "Communities and the voluntary sector"),
              ("workforce", "The council's workforce and ways of working"),
              ("digital", "Digital services"), ("partnerships", "Partnerships")]),
            ("financial_confidence",
             "How confident are you in the council's financial position for the next 12 months?",
             "Enter a number from 1 (not at all confident) to 10 (very confident).", "number",
             False, "", []),
            ("biggest_challenge", "What is the biggest challenge to your council's recovery?", "",
             "free_text", True, "Enter the biggest challenge to your council's recovery", []),
            ("panel_focus", "What would you most like the panel to focus on?", "", "free_text",
             True, "Enter what you would like the panel to focus on", []),
            ("partners", "Which partners are most involved in your recovery work?", "",
             "free_text", False, "", []),
        ],
    },
}


def seed(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    Question = apps.get_model("surveys", "Question")
    Choice = apps.get_model("surveys", "Choice")
    Offer = apps.get_model("programmes", "Offer")
    for code, spec in TEMPLATES.items():
        template, _ = SurveyTemplate.objects.update_or_create(
            code=code,
            defaults={
                "name": spec["name"],
                "audience": spec["audience"],
                "purpose": spec["purpose"],
                "send_on_status": spec["send_on_status"],
                "introduction": spec["introduction"],
            },
        )
        offers = (
            Offer.objects.all()
            if spec["offers"] == "__all__"
            else Offer.objects.filter(code__in=spec["offers"])
        )
        template.offers.set(offers)
        for order, row in enumerate(spec["questions"], start=1):
            q_code, text, hint, q_type, required, error, choices = row
            question, _ = Question.objects.update_or_create(
                template=template,
                code=q_code,
                defaults={
                    "order": order * 10,
                    "text": text,
                    "hint": hint,
                    "question_type": q_type,
                    "is_required": required,
                    "error_message": error,
                    "min_value": 1 if q_type == "number" else None,
                    "max_value": 10 if q_type == "number" else None,
                },
            )
            for c_order, (c_code, label) in enumerate(choices, start=1):
                Choice.objects.update_or_create(
                    question=question, code=c_code, defaults={"order": c_order, "label": label}
                )


def unseed(apps, schema_editor):
    SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    SurveyTemplate.objects.filter(code__in=TEMPLATES, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_survey_templates_invitations_responses"),
        ("programmes", "0002_seed_offers"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
