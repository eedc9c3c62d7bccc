"""schemathesis against the served OpenAPI schema: every operation, as every authenticated role.

No input may answer 5xx, and every answer must conform to the schema: its status code is
documented, its content type and body match. Path ids point at real objects of a small
world (a case with evidence, a violation, a notice), so the calls reach the code behind the
404. Derandomized and limited (EXAMPLES per operation and role) to stay fast in CI.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from complaints import incidents, services
from merchants.models import Violation
from notifications.models import Channel, Notification
from tests.api.conftest import png_bytes, upload

# Per operation and role: with five roles, 25 examples per operation.
EXAMPLES = 5

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def _keep_the_test_connection():
    """schemathesis calls the WSGI app itself, which closes the database connection at the end
    of each request (close_old_connections); that would end the test's transaction. Django's
    test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(_keep_the_test_connection, db, wang, owner, agent, supervisor, mediator, shop, file_complaint):
    case = file_complaint(share_contact=True)
    evidence = services.add_evidence(actor=wang, complaint=case, upload=upload("photo.png", png_bytes()), kind="photo")
    violation = Violation.objects.create(
        complaint=case, merchant=shop, kind="harassment", message="They called me at night.", reported_by=wang
    )
    incident = incidents.open_incident(actor=supervisor, merchant=shop, title="Prepaid cards")
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[case.pk])
    notice = Notification.objects.create(
        idempotency_key="fuzz-notice", event="filed", channel=Channel.IN_APP, recipient=owner, body="New case"
    )
    return {
        "users": {"consumer": wang, "owner": owner, "agent": agent, "supervisor": supervisor, "mediator": mediator},
        "ids": {
            "complaints": case.pk,
            "merchants": shop.pk,
            "violations": violation.pk,
            "notifications": notice.pk,
            "agents": agent.pk,
            "eid": evidence.pk,
            "incidents": incident.pk,
        },
    }


def point_at_world(case, ids: dict) -> None:
    """Path ids of the world's objects instead of random numbers."""
    params = case.path_parameters or {}
    path = case.path
    key_name = "id" if "id" in params else "pk"
    if key_name in params:
        for prefix, key in (
            ("/api/v1/complaints/", "complaints"),
            ("/api/v1/merchants/", "merchants"),
            ("/api/v1/violations/", "violations"),
            ("/api/v1/notifications/", "notifications"),
            ("/api/v1/merchant/agents/", "agents"),
            ("/api/v1/incidents/", "incidents"),
        ):
            if path.startswith(prefix):
                params[key_name] = ids[key]
    if "eid" in params:
        params["eid"] = ids["eid"]


@pytest.mark.parametrize("role", ["consumer", "owner", "agent", "supervisor", "mediator"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_within_its_schema(case, role, world):
    cache.clear()  # throttles: each example starts with a fresh allowance
    token, _created = Token.objects.get_or_create(user=world["users"][role])
    point_at_world(case, world["ids"])
    case.call_and_validate(
        headers={"Authorization": f"Token {token.key}"},
        checks=[
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
