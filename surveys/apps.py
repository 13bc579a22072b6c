from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self):
        from accounts.erasure import EXTRA_ERASERS
        from surveys.erasure import survey_person_erase

        if survey_person_erase not in EXTRA_ERASERS:
            EXTRA_ERASERS.append(survey_person_erase)
