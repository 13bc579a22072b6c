"""The worker keeps the board dashboard's figures in the cache, so board members never wait."""

from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from reports import dashboard
from reports.selectors import board_dashboard_warm
from reports.tasks import dashboard_warm
from tests.factories import BoardMemberFactory
from tests.factories_reports import build_volume

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_warming_computes_once_until_the_records_change():
    build_volume(2, on=date.today())
    assert board_dashboard_warm() is True
    assert board_dashboard_warm() is False  # already in the cache
    build_volume(1, on=date.today())
    assert dashboard_warm.delay().get() is True  # the task, as beat runs it


def test_after_warming_the_page_is_served_without_computing(client, monkeypatch):
    build_volume(2, on=date.today())
    board_dashboard_warm()

    def computing_is_not_allowed(**kwargs):
        raise AssertionError("the page computed the figures instead of reading the cache")

    monkeypatch.setattr(dashboard, "board_dashboard_compute", computing_is_not_allowed)
    client.force_login(BoardMemberFactory())
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert ">2</span> engagements delivered" in page


def test_a_fresh_deployment_has_the_warming_schedule():
    task = PeriodicTask.objects.get(task="reports.dashboard_warm")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")
