"""The API against its own OpenAPI schema: it validates, and schemathesis finds no server
error and no answer the schema does not describe (in-process through the WSGI loader)."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.roles import Role
from tests import factories
from tests.factories_api import token_for
from tests.factories_records import EngagementFactory, PeerFactory, TeamPlaceFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10
CONFIG = {
    "checks": {
        # A request the schema allows can still break a programme rule (an offer code that
        # does not exist, a transition the workflow forbids): the service's 400 is right.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]},
    },
    "generation": {"max-examples": MAX_EXAMPLES},
}


def test_schema_validates_with_no_warnings(tmp_path):
    """drf-spectacular's own validation, failing on any warning (as CI runs it)."""
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


@pytest.fixture
def _in_process_wsgi():
    # Django's test client does the same: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def manager_secret(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None, "user": None, "anon": None},
    }
    manager = factories.ManagerFactory(roles=[Role.MANAGER])
    engagements = EngagementFactory.create_batch(3)
    for engagement in engagements:
        TeamPlaceFactory(engagement=engagement)
    PeerFactory()
    _, secret = token_for(manager)
    return secret


# Loaded once at collection through the WSGI loader: serving the schema reads no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=schemathesis.config.SchemathesisConfig.from_dict(CONFIG),
)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_api_answers_conform_to_the_schema(case, manager_secret, _in_process_wsgi):
    case.call_and_validate(headers={"Authorization": f"Bearer {manager_secret}"})
