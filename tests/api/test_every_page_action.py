"""Every action a page offers has an API operation in the served schema (issue 16): each page
URL that performs a POST is listed here with the API operations that do the same, and the test
fails when a page takes a POST that has none, or when a listed operation is not served."""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from complaints.actions import ACTIONS
from tests.security.test_permission_matrix import ROLES, all_patterns, probe, url_for
from tests.security.test_permission_matrix import world as world  # noqa: F401, PLC0414 - the matrix's fixture

# page URL name -> the API URL names (api:...) that perform what its POST performs.
PAGE_API = {
    "accounts:login": ["api:auth-token"],
    "accounts:logout": ["api:auth-logout"],
    "accounts:signup": ["api:auth-sms-code"],
    "accounts:signup_complete": ["api:auth-register"],
    "accounts:request_code": ["api:auth-sms-code"],
    "accounts:code_login": ["api:auth-token"],
    "accounts:password_change": ["api:me-password"],
    "accounts:password_reset": ["api:auth-sms-code"],
    "accounts:password_reset_complete": ["api:auth-password-reset"],
    "accounts:sign_out_everywhere": ["api:me-sign-out-everywhere"],
    "complaints:new": ["api:complaint-list"],
    "complaints:claim": ["api:complaint-take-over"],
    "complaints:act": [f"api:complaint-{name.replace('_', '-')}" for name in ACTIONS],
    "complaints:evidence_upload": ["api:complaint-evidence"],
    "complaints:address_share": ["api:complaint-address"],
    "complaints:call": ["api:complaint-calls"],
    "complaints:calls_switch": ["api:complaint-calls-off", "api:complaint-calls-on"],
    "complaints:address_withdraw": ["api:complaint-address-withdraw"],
    "complaints:address_reveal": ["api:complaint-address-reveal"],
    "merchants:team": ["api:merchant-agents"],
    "merchants:remove_agent": ["api:merchant-agent-remove"],
    "merchants:reveal_phone": ["api:complaint-reveal-phone"],
    "merchants:council_decide": [
        "api:merchant-approve",
        "api:merchant-refuse",
        "api:merchant-suspend",
        "api:merchant-reinstate",
    ],
    "merchants:violation_decide": ["api:violation-confirm", "api:violation-dismiss"],
    "merchants:apply": ["api:merchant-apply"],
    "merchants:invitation_answer": ["api:me-invitation-accept", "api:me-invitation-decline"],
    # Proving the number with an SMS code, then the invitations to it.
    "merchants:invitations": ["api:auth-sms-code", "api:auth-token", "api:me-invitations"],
    # The download is a POST on the page (audited, not prefetched); the API reads it with GET.
    "my_data": ["api:me-data"],
    "supervision:intake": ["api:complaint-list"],
    "supervision:targets": ["api:council-targets"],
    "supervision:incident_new": ["api:incident-list"],
    "supervision:incident_cases": ["api:incident-cases"],
    "supervision:incident_message": ["api:incident-message"],
    "supervision:incident_assign": ["api:incident-assign"],
    "supervision:incident_offer": ["api:incident-offer"],
    "supervision:incident_close": ["api:incident-close"],
    "supervision:notice_retry": ["api:council-notice-retry"],
    "notifications:mark_read": ["api:notification-read", "api:notification-read-all"],
    "my_delete": ["api:me-delete"],
}


def _shape(route: str) -> str:
    """A route or a schema path with its parameters blanked: api/v1/complaints/{}/accept/."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", route.lstrip("/"))


@pytest.fixture(scope="module")
def served_paths() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {_shape(path) for path in schema["paths"]}


def _page_patterns():
    return sorted((name, route) for route, name in all_patterns() if not name.startswith("api:"))


@pytest.mark.parametrize("name, route", _page_patterns(), ids=lambda v: v if ":" in v or "_" in v else "")
def test_a_page_that_takes_a_post_has_an_api_operation(name, route, world):  # noqa: F811
    """A page performs a POST when someone it is for (who may open it) gets anything but 405 for
    one, or when nobody may open it (it only takes POSTs)."""
    url = url_for(route, name, world)
    client = Client()
    people = [role for role in ROLES if role != "anon"]
    opens = {role: probe(client, "GET", url, name, world["users"][role], world) for role in people}
    readers = [role for role in people if opens[role] in (200, 302)] or people
    statuses = {role: probe(client, "POST", url, name, world["users"][role], world) for role in readers}
    takes_post = all(code == 405 for code in opens.values()) or any(code != 405 for code in statuses.values())
    if takes_post:
        assert name in PAGE_API, f"{name} ({route}) takes a POST ({statuses}): name its API operations in PAGE_API"


def test_every_listed_operation_is_in_the_served_schema(served_paths):
    routes = {name: route for route, name in all_patterns()}
    missing = []
    for page, operations in PAGE_API.items():
        assert page in routes, f"{page} is not a page of the site any more"
        for operation in operations:
            route = routes.get(operation)
            if route is None or _shape(route) not in served_paths:
                missing.append(f"{page}: {operation}")
    assert not missing, f"not in the served API schema: {missing}"
