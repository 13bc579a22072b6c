"""The API against its own OpenAPI schema: it validates, and schemathesis finds no server
error, no answer the schema does not describe, no request the schema allows refused and no
request it forbids accepted, with a manager's token and with a council contact's
(in-process through the WSGI loader).

The schema is served to signed-in callers only, so it is loaded here from the generator that
serves it (test_the_served_schema_is_the_one_tested checks they are the same document).
"""

import json

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.roles import Role
from programmes.models import PlaceStatus
from tests import factories
from tests.factories_api import token_for
from tests.factories_council_portal import status_history
from tests.factories_records import EngagementFactory, PeerFactory, TeamPlaceFactory

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 10
# A request the schema allows is answered, never refused with a 400 (schema and validation
# agree: an empty filter value or id 0 is outside the schema, so it is a 400 there). Only
# what a schema cannot say may still be a 400: the programme's rules behind a write (an
# offer code that does not exist, a transition the workflow forbids, a peer over the day
# cap) and the aggregates' period rules (both dates or neither, the end not before the start).
ACCEPTED = ["2xx", "401", "403", "404"]
RULES_BEYOND_THE_SCHEMA = {
    "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}
}
CONFIG = {
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
    "generation": {"max-examples": MAX_EXAMPLES},
    "operations": [
        {"include-method-regex": "^(POST|PATCH)$", **RULES_BEYOND_THE_SCHEMA},
        {
            "include-path-regex": "^/api/v1/(stocktake|survey-results)/$",
            **RULES_BEYOND_THE_SCHEMA,
        },
    ],
}


def generated_schema() -> dict:
    """The OpenAPI document /api/schema/ serves, as JSON."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


def test_schema_validates_with_no_warnings(tmp_path):
    """drf-spectacular's own validation, failing on any warning (as CI runs it)."""
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_served_schema_is_the_one_tested(client):
    _, secret = token_for(factories.CouncilContactFactory())
    served = client.get("/api/schema/", {"format": "json"}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert served.status_code == 200
    assert json.loads(served.content) == generated_schema()


@pytest.fixture
def _in_process_wsgi():
    # Django's test client does the same: a request must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["manager", "council"])
def api_secret(request, settings):
    """A token of a manager (every record) or of a council contact (their council's)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None, "user": None, "anon": None},
    }
    council = factories.CouncilFactory()
    engagements = [EngagementFactory(councils=[council]), *EngagementFactory.create_batch(2)]
    for engagement in engagements:
        TeamPlaceFactory(engagement=engagement, status=PlaceStatus.ACCEPTED)
    status_history(engagements[0], "requested", "scoping", "scheduled", "team_confirmed")
    PeerFactory()
    if request.param == "manager":
        user = factories.ManagerFactory(roles=[Role.MANAGER])
    else:
        user = factories.CouncilContactFactory(council=council)
    _, secret = token_for(user)
    return secret


schema = schemathesis.openapi.from_dict(
    generated_schema(), config=schemathesis.config.SchemathesisConfig.from_dict(CONFIG)
)
schema.app = get_wsgi_application()


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_api_answers_conform_to_the_schema(case, api_secret, _in_process_wsgi):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_secret}"})


@pytest.mark.parametrize(
    ("path", "name", "refused", "described"),
    [
        ("/api/v1/councils/", "county", "", {"minLength": 1}),
        ("/api/v1/team-places/", "engagement", "0", {"type": "integer", "minimum": 1}),
    ],
)
def test_what_validation_refuses_the_schema_does_not_allow(client, path, name, refused, described):
    """An empty filter value and id 0 are 400s, and the schema says they are not allowed."""
    _, secret = token_for(factories.ManagerFactory(roles=[Role.MANAGER]))
    answer = client.get(path, {name: refused}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    parameter = next(
        p for p in generated_schema()["paths"][path]["get"]["parameters"] if p["name"] == name
    )
    assert answer.status_code == 400
    assert described.items() <= parameter["schema"].items()
