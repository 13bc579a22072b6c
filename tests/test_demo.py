"""The demo programme behind `make run`: believable, idempotent, never in production."""

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_USERS, demo_build, demo_surveys_answer
from accounts.models import User
from councils.reference import councils_load_reference
from programmes.models import Engagement, Offer
from programmes.workflow import ORDER

pytestmark = pytest.mark.django_db


def test_demo_has_every_offer_in_every_state_and_a_sign_in_per_role(settings):
    councils_load_reference()
    result = demo_build()

    assert result["created"]
    for offer in Offer.objects.all():
        states = set(Engagement.objects.filter(offer=offer).values_list("status", flat=True))
        assert set(ORDER) | {"cancelled", "postponed"} <= states, offer.code
    for email, *_ in DEMO_USERS:
        assert User.objects.get(email=email).check_password(settings.DEMO_PASSWORD)


def test_the_demo_has_survey_answers_and_answering_twice_adds_none(
    django_capture_on_commit_callbacks,
):
    from surveys.models import Response

    councils_load_reference()
    with django_capture_on_commit_callbacks(execute=True):
        demo_build()
    answered = demo_surveys_answer()

    assert answered > 10
    assert set(Response.objects.values_list("audience", flat=True)) == {"council", "peer"}
    assert demo_surveys_answer() == 0


def test_a_second_run_changes_nothing():
    councils_load_reference()
    demo_build()
    stamps = Engagement.objects.order_by("pk").values_list("updated_at", flat=True)
    before = list(stamps)

    assert demo_build() == {"created": False}
    assert list(stamps.all()) == before


def test_demo_users_are_never_created_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never created under the production profile"):
        call_command("seed_demo")
