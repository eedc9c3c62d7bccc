"""The audit log (issue 5 item 7): state changes, reveals of consumer contact data, exports,
staff logins and consumers' data requests are recorded with actor, time and IP; supervisors
read their jurisdiction's entries; nobody edits them through the app."""

import pytest
from django.contrib.admin.sites import site

from accounts.models import Role
from audit.models import AuditEntry
from tests.conftest import PASSWORD, make_user

IP = "203.0.113.9"


@pytest.fixture
def case(file_complaint):
    return file_complaint(share_contact=True)


def test_a_state_change_is_recorded_with_actor_case_and_ip(api, wang, case):
    response = api.as_(wang).post(
        f"/api/v1/complaints/{case.pk}/withdraw/", {"message": "Sorted out."}, REMOTE_ADDR=IP, HTTP_USER_AGENT="Test/1"
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="complaint.withdraw")
    assert (entry.actor, entry.actor_role, entry.object_type, entry.object_id) == (
        wang,
        Role.CONSUMER,
        "complaint",
        str(case.pk),
    )
    assert (entry.ip, entry.user_agent, entry.council_path) == (IP, "Test/1", case.council_path)
    assert entry.extra == {"case_number": case.case_number, "status": "closed"}


def test_a_reveal_of_the_consumers_phone_is_recorded(client, agent, case):
    client.force_login(agent)
    client.post(f"/merchant/cases/{case.pk}/reveal-phone/", REMOTE_ADDR=IP)

    entry = AuditEntry.objects.get(action="contact.reveal")
    assert (entry.actor, entry.object_id, entry.ip) == (agent, str(case.pk), IP)


def test_exports_are_recorded_with_their_filters_and_row_count(client, api, supervisor, case):
    client.force_login(supervisor)
    assert client.get("/council/export.csv", {"status": "awaiting_merchant"}, REMOTE_ADDR=IP).status_code == 200
    assert api.as_(supervisor).get("/api/v1/complaints/export.xlsx", {"status": "closed"}).status_code == 200

    page, api_entry = AuditEntry.objects.filter(action__startswith="export.").order_by("id")
    assert (page.action, page.actor, page.ip) == ("export.csv", supervisor, IP)
    assert page.extra == {"path": "/council/export.csv", "query": "status=awaiting_merchant", "rows": 1}
    assert (api_entry.action, api_entry.extra["query"], api_entry.extra["rows"]) == ("export.xlsx", "status=closed", 0)


def test_staff_logins_are_recorded_and_consumer_logins_are_not(client, api, supervisor, wang):
    client.post("/accounts/login/", {"username": "supervisor", "password": PASSWORD}, REMOTE_ADDR=IP)
    client.post("/accounts/login/", {"username": wang.username, "password": PASSWORD})
    api.post("/api/v1/auth/token/", {"username": "supervisor", "password": PASSWORD}, format="json")

    logins = AuditEntry.objects.filter(action="login").order_by("id")
    assert [(e.actor, e.council_path) for e in logins] == [(supervisor, supervisor.council.path)] * 2
    assert logins[0].ip == IP


def test_the_supervisor_reads_the_jurisdictions_entries_filtered_and_paginated(client, wang, api, supervisor, case):
    api.as_(wang).post(f"/api/v1/complaints/{case.pk}/message/", {"message": "Hello"}, format="json")
    api.as_(wang).post(f"/api/v1/complaints/{case.pk}/withdraw/", {}, format="json")
    client.force_login(supervisor)

    everything = client.get("/council/audit/").content.decode()
    withdrawals = client.get("/council/audit/", {"action": "complaint.withdraw"}).content.decode()
    by_other = client.get("/council/audit/", {"actor": "nobody"}).content.decode()

    assert 'data-action="complaint.message"' in everything and 'data-action="complaint.withdraw"' in everything
    assert case.case_number in everything
    assert 'data-action="complaint.message"' not in withdrawals and 'data-action="complaint.withdraw"' in withdrawals
    assert "No entries." in by_other


def test_a_supervisor_of_another_city_does_not_read_these_entries(client, wang, api, sibling_supervisor, case):
    api.as_(wang).post(f"/api/v1/complaints/{case.pk}/withdraw/", {}, format="json")
    client.force_login(sibling_supervisor)

    page = client.get("/council/audit/").content.decode()

    assert "complaint.withdraw" not in page
    assert page.count("data-action=") == 1 and 'data-action="login"' in page  # their own login


def test_the_audit_page_paginates(client, supervisor):
    AuditEntry.objects.bulk_create(
        AuditEntry(action="login", council_path=supervisor.council.path, created_at="2026-01-01T00:00:00Z")
        for _ in range(60)
    )
    client.force_login(supervisor)  # one more entry: the login
    assert client.get("/council/audit/").content.decode().count('data-action="login"') == 50
    assert client.get("/council/audit/", {"page": 2}).content.decode().count('data-action="login"') == 11


@pytest.mark.parametrize("who", ["mediator", "wang", "agent"])
def test_the_audit_page_is_for_supervisors(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/council/audit/").status_code == 403


def test_nobody_adds_changes_or_deletes_entries_in_the_admin(client, db, supervisor):
    root = make_user("root", Role.CONSUMER, is_staff=True, is_superuser=True)
    entry = AuditEntry.objects.create(action="login", created_at="2026-01-01T00:00:00Z")
    client.force_login(root)

    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "x"}).status_code in (200, 403)
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == "login"
    model_admin = site._registry[AuditEntry]
    assert not model_admin.has_change_permission(type("R", (), {"user": root})())
