# ruff: noqa: E501  (the matrix keeps one URL per line, its rows aligned)
"""Every URL of our apps, every role: the exact status each gets (issue 5, "authorisation").

The table MATRIX below is the authorisation contract. A URL pattern that is not in it fails
`test_every_url_pattern_is_in_the_matrix`: add it to the matrix with the status each role
must get. Each request runs in a savepoint that is rolled back, so one role's successful
action never changes what the next role sees.

Roles: anon; wang (the consumer who filed the case); li (another consumer); owner and agent
(of the case's merchant); other_agent (of another merchant); supervisor and mediator (of the
case's city); sibling (a supervisor of a sibling city); clerk (an intake clerk of the case's
city, who did not file this case: she sees only the cases she filed).
"""

import os

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from complaints import incidents, services
from merchants.models import Violation
from notifications.models import Channel, Notification
from tests.api.conftest import png_bytes, upload

ROLES = ["anon", "wang", "li", "owner", "agent", "other_agent", "supervisor", "sibling", "mediator", "clerk"]
EXCLUDED_PREFIXES = ("admin/", "static/", "favicon.ico", "i18n/", "api/schema/", "api/docs/")


def _row(spec: str) -> dict[str, int]:
    """'302 200 404 ...' in the order of ROLES."""
    codes = [int(c) for c in spec.split()]
    assert len(codes) == len(ROLES), spec
    return dict(zip(ROLES, codes, strict=True))


# (url name) -> {"GET": row, "POST": row}; a method left out is not probed.
# Rows are in the order: anon wang li owner agent other_agent supervisor sibling mediator clerk
MATRIX: dict[str, dict[str, str]] = {
    "accounts:code_login": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "accounts:login": {"GET": "200 302 302 302 302 302 302 302 302 302"},
    "accounts:logout": {"GET": "405 405 405 405 405 405 405 405 405 405"},
    "accounts:password_change": {
        "GET": "302 200 200 200 200 200 200 200 200 200",
        "POST": "302 400 400 400 400 400 400 400 400 400",
    },
    "accounts:password_reset": {
        "GET": "200 200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200 200",
    },
    "accounts:password_reset_complete": {
        "GET": "200 200 200 200 200 200 200 200 200 200",
        "POST": "200 200 200 200 200 200 200 200 200 200",
    },
    "accounts:request_code": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "accounts:signup": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "accounts:sign_out_everywhere": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302 302",
    },
    "accounts:signup_complete": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "api:auth-logout": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 204 204 204 204 204 204 204 204 204",
    },
    "api:auth-me": {"GET": "401 200 200 200 200 200 200 200 200 200"},
    "api:auth-password-reset": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "400 400 400 400 400 400 400 400 400 400",
    },
    "api:auth-register": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "400 400 400 400 400 400 400 400 400 400",
    },
    "api:auth-sms-code": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "400 400 400 400 400 400 400 400 400 400",
    },
    "api:auth-token": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "400 400 400 400 400 400 400 400 400 400",
    },
    "api:complaint-acknowledge-minutes": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 409 409 404 403 404 403 404",
    },
    "api:complaint-dispute-minutes": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 409 409 404 403 404 403 404",
    },
    "api:complaint-keep-session-time": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-record-minutes": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-request-reschedule": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 409 409 404 403 404 403 404",
    },
    "api:complaint-reschedule-session": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-schedule-session": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:calls-callback": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "403 403 403 403 403 403 403 403 403 403",
    },
    "api:complaint-calls": {
        "GET": "401 200 404 200 200 404 200 404 200 404",
        "POST": "401 201 404 201 201 404 403 404 403 404",
    },
    "api:complaint-calls-off": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 200 404 403 403 404 403 404 403 404",
    },
    "api:complaint-calls-on": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 200 404 403 403 404 403 404 403 404",
    },
    "complaints:call": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 404 302 302 404 403 404 403 404",
    },
    "complaints:calls_switch": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 404 403 403 404 403 404 403 404",
    },
    "api:complaint-sessions": {
        "GET": "401 200 404 200 200 404 200 404 200 404",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:complaint-accept": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-address": {
        "GET": "401 404 404 404 404 404 404 404 404 404",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:complaint-address-reveal": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-address-withdraw": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 400 404 403 403 404 403 404 403 404",
    },
    "api:complaint-assign": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 409 404 403 404",
    },
    "api:complaint-assign-agent": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 400 403 404 403 404 403 404",
    },
    "api:complaint-bundle": {"GET": "401 200 404 200 200 404 200 404 200 404"},
    "api:complaint-confirm": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-detail": {"GET": "401 200 404 200 200 404 200 404 200 404"},
    "api:complaint-dispute": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-evidence": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 415 404 415 415 404 415 404 415 404",
    },
    "api:complaint-evidence-file": {
        "GET": "401 200 404 200 200 404 200 404 200 404",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:complaint-export-csv": {"GET": "401 403 403 403 403 403 200 200 403 403"},
    "api:complaint-export-xlsx": {"GET": "401 403 403 403 403 403 200 200 403 403"},
    "api:complaint-fulfil": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 409 409 404 403 404 403 404",
    },
    "api:incident-assign": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 400 404 403 403",
    },
    "api:incident-cases": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 400 404 403 403",
    },
    "api:incident-close": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 403 403",
    },
    "api:incident-detail": {
        "GET": "401 403 403 403 403 403 200 404 200 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:incident-list": {
        "GET": "401 403 403 403 403 403 200 200 200 403",
        "POST": "401 403 403 403 403 403 400 400 403 403",
    },
    "api:incident-matches": {
        "GET": "401 403 403 403 403 403 200 404 200 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:incident-message": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 400 404 403 403",
    },
    "api:incident-offer": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 400 404 403 403",
    },
    "api:incident-public": {
        "GET": "200 200 200 200 200 200 200 200 200 200",
        "POST": "405 405 405 405 405 405 405 405 405 405",
    },
    "api:complaint-preview-contact": {"GET": "401 200 200 403 403 403 403 403 403 403"},
    "api:complaint-list": {
        "GET": "401 200 200 200 200 200 200 200 200 200",
        "POST": "401 400 400 403 403 403 400 400 403 400",
    },
    "api:complaint-message": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 200 404 200 200 404 200 404 200 404",
    },
    "api:complaint-take-over": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-rate": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-record-agreement": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-record-failure": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 403 404 403 404",
    },
    "api:complaint-reject": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-report-violation": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 400 404 403 403 404 403 404 403 404",
    },
    "api:complaint-request-mediation": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 409 404 403 403 404 403 404 403 404",
    },
    "api:complaint-respond": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 200 200 404 403 404 403 404",
    },
    "api:complaint-reveal-phone": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 200 200 404 403 404 403 404",
    },
    "api:complaint-review-accept": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 409 404 403 404",
    },
    "api:complaint-review-reject": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 404 403 403 404 409 404 403 404",
    },
    "api:complaint-withdraw": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 200 404 403 403 404 403 404 403 404",
    },
    "api:contact-reveals": {
        "GET": "401 403 403 403 403 403 200 200 200 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:council-audit": {
        "GET": "401 403 403 403 403 403 200 200 403 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:council-integrity": {
        "GET": "401 403 403 403 403 403 200 200 403 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:council-merchants": {
        "GET": "401 403 403 403 403 403 200 200 403 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:council-notice-retry": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 200 403",
    },
    "api:council-notices": {
        "GET": "401 403 403 403 403 403 200 200 200 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:council-targets": {
        "GET": "401 403 403 403 403 403 200 200 403 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:me-applications": {
        "GET": "401 200 200 200 200 200 200 200 200 200",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:me-data": {"GET": "401 200 200 403 403 403 403 403 403 403"},
    "api:me-delete": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 400 400 403 403 403 403 403 403 403",
    },
    # An invitation to a number the caller does not hold is no invitation of theirs (404).
    "api:me-invitations": {
        "GET": "401 200 200 200 200 200 200 200 200 200",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:me-invitation-accept": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 404 404 404 404 404 404 404 404 404",
    },
    "api:me-invitation-decline": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 404 404 404 404 404 404 404 404 404",
    },
    "api:me-password": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 400 400 400 400 400 400 400 400 400",
    },
    "api:me-sign-out-everywhere": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 204 204 204 204 204 204 204 204 204",
    },
    "api:merchant-agent-remove": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 200 403 403 403 403 403 403",
    },
    "api:merchant-agents": {
        "GET": "401 403 403 200 403 403 403 403 403 403",
        "POST": "401 403 403 400 403 403 403 403 403 403",
    },
    "api:merchant-apply": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 400 400 400 400 400 400 400 400 400",
    },
    "api:merchant-approve": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 403 403",
    },
    "api:merchant-detail": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "api:merchant-list": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "api:merchant-record": {
        "GET": "401 403 403 200 200 200 403 403 403 403",
        "POST": "401 405 405 405 405 405 405 405 405 405",
    },
    "api:merchant-refuse": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 403 403",
    },
    "api:merchant-reinstate": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 409 404 403 403",
    },
    "api:merchant-suspend": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 409 404 403 403",
    },
    "api:not-found": {"GET": "404 404 404 404 404 404 404 404 404 404"},
    "api:notification-list": {"GET": "401 200 200 200 200 200 200 200 200 200"},
    "api:notification-read": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 404 404 200 404 404 404 404 404 404",
    },
    "api:notification-read-all": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 200 200 200 200 200 200 200 200 200",
    },
    "api:notification-receipts": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "403 403 403 403 403 403 403 403 403 403",
    },
    "api:public-stats": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "api:stats": {"GET": "401 403 403 403 403 403 200 200 200 403"},
    "api:violation-confirm": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 403 403",
    },
    "api:violation-dismiss": {
        "GET": "401 405 405 405 405 405 405 405 405 405",
        "POST": "401 403 403 403 403 403 200 404 403 403",
    },
    "api:violation-list": {"GET": "401 403 403 403 403 403 200 200 403 403"},
    # Every outcome of an action is the case page (a redirect); opening its address shows the case.
    "complaints:act": {
        "GET": "302 302 404 302 302 404 302 404 302 404",
        "POST": "302 302 404 302 302 404 302 404 302 404",
    },
    "complaints:address_reveal": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 403 404 403 403 404 403 404 403 404",
    },
    "complaints:address_share": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 400 404 302 302 404 302 404 302 404",
    },
    "complaints:address_withdraw": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 404 302 302 404 302 404 302 404",
    },
    "complaints:bundle": {"GET": "302 200 404 200 200 404 200 404 200 404"},
    "complaints:detail": {"GET": "302 200 404 200 200 404 200 404 200 404"},
    "complaints:evidence": {
        "GET": "302 200 404 200 200 404 200 404 200 404",
        "POST": "302 405 405 405 405 405 405 405 405 405",
    },
    "complaints:evidence_thumbnail": {
        "GET": "302 200 404 200 200 404 200 404 200 404",
        "POST": "302 405 405 405 405 405 405 405 405 405",
    },
    "complaints:evidence_upload": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 400 404 400 400 404 400 404 400 404",
    },
    # Anonymous visitors are sent to log in with an SMS code (the account may have no password).
    "complaints:claim": {
        "GET": "302 302 404 403 403 403 403 403 403 403",
        "POST": "302 302 404 403 403 403 403 403 403 403",
    },
    "complaints:mine": {"GET": "302 200 200 403 403 403 403 403 403 403"},
    "complaints:new": {
        "GET": "302 200 200 403 403 403 403 403 403 403",
        "POST": "302 200 200 403 403 403 403 403 403 403",
    },
    "healthz": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "home": {"GET": "200 302 302 302 302 302 302 302 302 302"},
    "merchants:apply": {
        "GET": "302 200 200 403 403 403 403 403 403 403",
        "POST": "302 200 200 403 403 403 403 403 403 403",
    },
    "merchants:contact_log": {
        "GET": "302 403 403 403 403 403 200 200 200 403",
        "POST": "302 403 403 403 403 403 405 405 405 403",
    },
    "merchants:council_decide": {
        "GET": "302 403 403 403 403 403 302 404 403 403",
        "POST": "302 403 403 403 403 403 302 404 403 403",
    },
    "merchants:council_detail": {"GET": "302 403 403 403 403 403 200 404 403 403"},
    "merchants:council_list": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "merchants:council_violations": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "merchants:guide": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "merchants:inbox": {"GET": "302 403 403 200 200 200 403 403 403 403"},
    "merchants:invitation_answer": {
        "GET": "405 405 405 405 405 405 405 405 405 405",
        "POST": "403 404 404 404 404 403 403 403 403 403",
    },
    "merchants:invitations": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "merchants:public_list": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "merchants:public_record": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "merchants:record": {"GET": "302 403 403 200 200 200 403 403 403 403"},
    "merchants:remove_agent": {
        "GET": "302 403 403 405 403 403 403 403 403 403",
        "POST": "302 403 403 302 403 403 403 403 403 403",
    },
    "merchants:reveal_phone": {
        "GET": "302 403 403 405 405 405 403 403 403 403",
        "POST": "302 403 403 200 200 404 403 403 403 403",
    },
    "merchants:team": {"GET": "302 403 403 200 403 403 403 403 403 403"},
    "merchants:violation_decide": {
        "GET": "302 403 403 403 403 403 302 404 403 403",
        "POST": "302 403 403 403 403 403 302 404 403 403",
    },
    "my_data": {"GET": "302 200 200 403 403 403 403 403 403 403"},
    "my_delete": {"GET": "302 405 405 405 405 405 405 405 405 405", "POST": "302 400 400 403 403 403 403 403 403 403"},
    "notifications:inbox": {"GET": "302 200 200 200 200 200 200 200 200 200"},
    "notifications:mark_read": {
        "GET": "302 405 405 405 405 405 405 405 405 405",
        "POST": "302 302 302 302 302 302 302 302 302 302",
    },
    "supervision:audit_log": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "supervision:dashboard": {"GET": "302 403 403 403 403 403 200 200 200 403"},
    "supervision:export_csv": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "supervision:export_xlsx": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "supervision:incident_assign": {
        "GET": "302 403 403 403 403 403 405 405 403 403",
        "POST": "302 403 403 403 403 403 400 404 403 403",
    },
    "supervision:incident_cases": {
        "GET": "302 403 403 403 403 403 405 405 403 403",
        "POST": "302 403 403 403 403 403 302 404 403 403",
    },
    "supervision:incident_close": {
        "GET": "302 403 403 403 403 403 405 405 403 403",
        "POST": "302 403 403 403 403 403 302 404 403 403",
    },
    "supervision:incident_detail": {
        "GET": "302 403 403 403 403 403 200 404 200 403",
        "POST": "302 403 403 403 403 403 405 405 405 403",
    },
    "supervision:incident_list": {
        "GET": "302 403 403 403 403 403 200 200 200 403",
        "POST": "302 403 403 403 403 403 405 405 405 403",
    },
    "supervision:incident_message": {
        "GET": "302 403 403 403 403 403 405 405 403 403",
        "POST": "302 403 403 403 403 403 400 404 403 403",
    },
    "supervision:incident_new": {
        "GET": "302 403 403 403 403 403 200 200 403 403",
        "POST": "302 403 403 403 403 403 400 400 403 403",
    },
    "supervision:incident_offer": {
        "GET": "302 403 403 403 403 403 405 405 403 403",
        "POST": "302 403 403 403 403 403 400 404 403 403",
    },
    "supervision:integrity": {"GET": "302 403 403 403 403 403 200 200 403 403"},
    "supervision:filed": {"GET": "302 403 403 403 403 403 200 200 403 200"},
    "supervision:intake": {
        "GET": "302 403 403 403 403 403 200 200 403 200",
        "POST": "302 403 403 403 403 403 400 400 403 400",
    },
    "supervision:notice_retry": {
        "GET": "302 403 403 403 403 403 405 405 405 403",
        "POST": "302 403 403 403 403 403 302 404 302 403",
    },
    "supervision:notices": {"GET": "302 403 403 403 403 403 200 200 200 403"},
    "supervision:public_stats": {"GET": "200 200 200 200 200 200 200 200 200 200"},
    "supervision:queue": {"GET": "302 403 403 403 403 403 200 200 200 403"},
    "supervision:targets": {
        "GET": "302 403 403 403 403 403 200 200 403 403",
        "POST": "302 403 403 403 403 403 302 302 403 403",
    },
}


def all_patterns():
    """(route, name) of every URL pattern of our apps."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or ""
                full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                yield prefix + str(pattern.pattern), name

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES):
            continue
        yield route, name


@pytest.fixture
def world(
    db,
    wang,
    li,
    owner,
    agent,
    other_agent,
    supervisor,
    sibling_supervisor,
    mediator,
    clerk,
    shop,
    unlisted_shop,
    file_complaint,
):
    case = file_complaint(share_contact=True)
    evidence = services.add_evidence(actor=wang, complaint=case, upload=upload("photo.png", png_bytes()), kind="photo")
    violation = Violation.objects.create(
        complaint=case, merchant=shop, kind="harassment", message="They called me at night.", reported_by=wang
    )
    incident = incidents.open_incident(actor=supervisor, merchant=shop, title="Prepaid cards")
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[case.pk])
    notice = Notification.objects.filter(recipient=owner, channel=Channel.IN_APP).first()
    if notice is None:
        notice = Notification.objects.create(
            idempotency_key="matrix-notice", event="filed", channel=Channel.IN_APP, recipient=owner, body="New case"
        )
    sms_notice = Notification.objects.exclude(channel=Channel.IN_APP).filter(complaint=case).first()
    if sms_notice is None:
        sms_notice = Notification.objects.create(
            idempotency_key="matrix-sms", event="filed", channel=Channel.SMS, address="13900000001", body="New case"
        )
    users = {
        "wang": wang,
        "li": li,
        "owner": owner,
        "agent": agent,
        "other_agent": other_agent,
        "supervisor": supervisor,
        "sibling": sibling_supervisor,
        "mediator": mediator,
        "clerk": clerk,
    }
    return {
        "users": users,
        "case": case,
        "evidence": evidence,
        "violation": violation,
        "notice": notice,
        "sms_notice": sms_notice,
        "shop": shop,
        "unlisted": unlisted_shop,
        "agent": agent,
        "incident": incident,
    }


def url_for(route: str, name: str, world) -> str:
    """The route with its parameters filled in with the world's objects."""
    pk = world["case"].pk
    if name.startswith(("merchants:council_", "api:merchant-")) or name == "merchants:public_record":
        pk = world["unlisted"].pk if "decide" in name or name.startswith("api:merchant-") else world["shop"].pk
        if name in ("api:merchant-detail", "merchants:public_record", "merchants:council_detail"):
            pk = world["shop"].pk
    if name.startswith(("api:violation-", "merchants:violation_")):
        pk = world["violation"].pk
    if name in ("merchants:remove_agent", "api:merchant-agent-remove"):
        pk = world["agent"].pk
    if name == "api:notification-read":
        pk = world["notice"].pk
    if name.startswith(("supervision:incident_", "api:incident-")):
        pk = world["incident"].pk
    if name in ("supervision:notice_retry", "api:council-notice-retry"):
        pk = world["sms_notice"].pk
    values = {
        "<int:pk>": str(pk),
        "<int:eid>": str(world["evidence"].pk),
        "<slug:action>": "message",
        "<slug:decision>": "approve",
        "<slug:choice>": "decline",
        "<slug:switch>": "off",
        "<slug:provider>": "local",
    }
    url = "/" + route
    for placeholder, value in values.items():
        url = url.replace(placeholder, value)
    if name == "api:not-found":
        url = "/api/v1/no-such-endpoint/"
    assert "<" not in url, f"fill in the parameters of {route} in url_for()"
    return url


POST_DATA = {
    "complaints:act": {"message": "Hello"},
    "api:complaint-message": {"message": "Hello"},
    "api:complaint-respond": {"kind": "decline", "message": "No."},
    "api:complaint-reject": {"message": "No."},
    "api:complaint-request-mediation": {"message": "Help."},
    "api:complaint-review-accept": {"message": "Fine."},
    "api:complaint-review-reject": {"message": "No."},
    "api:complaint-record-agreement": {"remedy": "refund", "message": "Agreed."},
    "api:complaint-record-failure": {"message": "Failed.", "advice": "12315"},
    "api:complaint-fulfil": {"message": "Done."},
    "api:complaint-rate": {"score": 5},
    "api:complaint-report-violation": {"kind": "harassment", "message": "Calls at night."},
    "api:violation-confirm": {"reason": "Confirmed."},
    "api:violation-dismiss": {"reason": "No evidence."},
    "api:merchant-refuse": {"reason": "Not a real shop."},
    "api:merchant-suspend": {"reason": "Too many complaints."},
    "api:merchant-reinstate": {"reason": "Better now."},
    "merchants:violation_decide": {"decision": "dismiss", "reason": "No evidence."},
    "merchants:council_decide": {"reason": "Fine."},
}


def probe(client, method: str, url: str, name: str, user, world) -> int:
    client.logout()
    headers = {}
    if user is not None:
        if url.startswith("/api/"):
            token, _ = Token.objects.get_or_create(user=user)
            headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
        else:
            client.force_login(user)
    from django.core.cache import cache

    cache.clear()
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, **headers)
        elif url.startswith("/api/"):
            response = client.post(url, POST_DATA.get(name, {}), content_type="application/json", **headers)
        else:
            response = client.post(url, POST_DATA.get(name, {}), **headers)
        transaction.set_rollback(True)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    if response.status_code == 302 and user is None and name != "accounts:logout":
        login_page = "/accounts/code/" if name == "complaints:claim" else "/accounts/login/"
        assert login_page in response["Location"], (url, response["Location"])
    return response.status_code


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted({name for _route, name in all_patterns()} - set(MATRIX))
    assert not missing, f"add these URL patterns to the permission matrix: {missing}"


@pytest.mark.parametrize("name", sorted({name for _route, name in all_patterns()}))
def test_each_role_gets_exactly_its_status(client, world, name):
    if name not in MATRIX and os.environ.get("MATRIX_RECORD"):
        MATRIX[name] = {"GET": "", "POST": ""}
    if name not in MATRIX:
        pytest.fail(f"{name} is not in the permission matrix: add it to MATRIX")
    route = next(r for r, n in all_patterns() if n == name)
    url = url_for(route, name, world)
    # MATRIX_RECORD=1 prints what each role gets instead of asserting (to fill in a new row).
    record = os.environ.get("MATRIX_RECORD")
    mismatches = []
    for method, spec in MATRIX[name].items():
        expected = _row(spec) if spec and not record else {}
        got = {role: probe(client, method, url, name, world["users"].get(role), world) for role in ROLES}
        if record:
            print(f'RECORD "{name}": {method} "{" ".join(str(got[r]) for r in ROLES)}"')
            continue
        for role in ROLES:
            if got[role] != expected[role]:
                mismatches.append(f"{method} {url} as {role}: {got[role]}, expected {expected[role]}")
    assert not mismatches, "\n".join(mismatches)
