"""The OpenAPI schema generates cleanly and documents the contract's paths."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from complaints.actions import ACTIONS

CONTRACT_PATHS = [
    "/api/v1/auth/sms-code/",
    "/api/v1/auth/register/",
    "/api/v1/auth/token/",
    "/api/v1/auth/me/",
    "/api/v1/merchants/",
    "/api/v1/merchants/{id}/",
    "/api/v1/merchants/apply/",
    "/api/v1/merchants/{id}/approve/",
    "/api/v1/merchants/{id}/suspend/",
    "/api/v1/complaints/",
    "/api/v1/complaints/{id}/",
    "/api/v1/complaints/{id}/evidence/",
    "/api/v1/complaints/{id}/evidence/{eid}/",
    "/api/v1/stats/",
    "/api/v1/public/stats/",
    "/api/v1/notifications/",
    "/api/v1/complaints/{id}/calls/",
    "/api/v1/complaints/{id}/calls/off/",
    "/api/v1/complaints/{id}/calls/on/",
    "/api/v1/calls/callback/{provider}/",
    *[f"/api/v1/complaints/{{id}}/{name}/" for name in ACTIONS],
    "/api/v1/incidents/",
    "/api/v1/incidents/public/",
    "/api/v1/incidents/{id}/",
    *[f"/api/v1/incidents/{{id}}/{name}/" for name in ("matches", "cases", "message", "assign", "offer", "close")],
]


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_lists_every_path_of_the_contract(schema):
    missing = [p for p in CONTRACT_PATHS if p not in schema["paths"]]
    assert missing == []


def test_each_action_documents_its_own_body(schema):
    respond = schema["paths"]["/api/v1/complaints/{id}/respond/"]["post"]
    ref = respond["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"kind", "message", "remedy", "offer_amount", "due_date"} <= set(properties)


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))


def test_the_collective_offer_documents_its_terms_and_the_filing_its_incident(schema):
    offer = schema["paths"]["/api/v1/incidents/{id}/offer/"]["post"]
    ref = offer["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert {"remedy", "amount", "percent", "due_date", "message"} <= set(properties)
    assert any(p["name"] == "Idempotency-Key" for p in offer["parameters"])
    filing = schema["paths"]["/api/v1/complaints/"]["post"]
    ref = filing["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    components = schema["components"]["schemas"]
    # A consumer's filing or a staff intake (oneOf): both take the incident to join.
    members = [m["$ref"].rsplit("/", 1)[-1] for m in components[ref.rsplit("/", 1)[-1]]["oneOf"]]
    assert members and all("incident" in components[name]["properties"] for name in members)
