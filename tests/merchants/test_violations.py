"""Violations: the consumer reports negative handling or harassment, a supervisor confirms
(the compensation from settings is owed) or dismisses it, and it shows on the case and the
merchant's record."""

from decimal import Decimal

import pytest

from complaints import records, violations, workflow
from mediation.errors import InvalidInput, NotAllowed, WrongState
from merchants.models import Violation, ViolationStatus
from notifications.models import Notification

from .conftest import step


def report(api, consumer, case, kind="harassment", message="They called me ten times at night."):
    return api.as_(consumer).post(
        f"/api/v1/complaints/{case.pk}/report_violation/", {"kind": kind, "message": message}, format="json"
    )


@pytest.fixture
def reported(api, wang, answered_case):
    case = answered_case()
    assert report(api, wang, case).status_code == 200
    return Violation.objects.get(complaint=case)


def test_the_consumer_reports_through_the_api_and_the_council_is_told(api, wang, supervisor, answered_case):
    case = answered_case()
    response = report(api, wang, case, kind="negative_handling", message="They ignore my messages.")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "awaiting_consumer"  # the case's status does not change
    assert body["timeline"][-1]["kind"] == "violation_reported"
    violation = Violation.objects.get()
    assert (violation.kind, violation.status, violation.reported_by, violation.merchant_id) == (
        "negative_handling",
        ViolationStatus.REPORTED,
        wang,
        case.merchant_id,
    )
    notice = Notification.objects.get(event="violation_reported", recipient=supervisor, channel="in_app")
    assert case.case_number in notice.body


def test_the_consumer_reports_from_the_case_page(client, wang, answered_case):
    case = answered_case()
    client.force_login(wang)
    assert 'data-action="report_violation"' in client.get(f"/cases/{case.pk}/").content.decode()
    response = client.post(
        f"/cases/{case.pk}/act/report_violation/",
        {"report_violation-kind": "harassment", "report_violation-message": "Threatening calls."},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "The consumer reported a violation by the merchant" in text
    assert "Reported, awaiting the council" in text
    assert Violation.objects.get().message == "Threatening calls."


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "rudeness", "message": "x"}, "kind"), ({"kind": "harassment"}, "message"), ({}, "kind")],
)
def test_a_bad_report_is_a_field_error(api, wang, answered_case, body, field):
    case = answered_case()
    response = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/report_violation/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Violation.objects.exists()


def test_the_same_report_twice_is_refused_while_it_stands(api, wang, reported):
    again = report(api, wang, reported.complaint)
    assert again.status_code == 400 and "kind" in again.json()
    assert report(api, wang, reported.complaint, kind="negative_handling").status_code == 200


def test_a_case_that_never_reached_the_merchant_has_nothing_to_report(api, wang, file_complaint, unlisted_shop):
    case = file_complaint(merchant=unlisted_shop)
    response = report(api, wang, case)
    assert response.status_code == 409
    assert "report_violation" not in response.json()["allowed_actions"]


def test_only_the_consumer_of_the_case_reports(api, owner, supervisor, li, other_agent, answered_case):
    case = answered_case()
    assert report(api, owner, case).status_code == 403
    assert report(api, supervisor, case).status_code == 403
    assert report(api, li, case).status_code == 404
    assert report(api, other_agent, case).status_code == 404


def test_a_supervisor_confirms_and_the_merchant_owes_the_compensation_from_settings(
    api, supervisor, wang, owner, reported, settings
):
    settings.VIOLATION_COMPENSATION = {"negative_handling": "20.00", "harassment": "100.00"}
    response = api.as_(supervisor).post(
        f"/api/v1/violations/{reported.pk}/confirm/", {"reason": "The call log shows it."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed" and response.json()["compensation"] == "100.00"
    reported.refresh_from_db()
    assert (reported.compensation, reported.decided_by) == (Decimal("100.00"), supervisor)
    event = reported.complaint.events.get(kind="violation_confirmed")
    assert event.data["compensation"] == "100.00" and event.message == "The call log shows it."
    assert Notification.objects.filter(recipient=wang, event="violation_confirmed", channel="sms").exists()
    assert Notification.objects.filter(recipient=owner, event="violation_confirmed").exists()
    again = api.post(f"/api/v1/violations/{reported.pk}/dismiss/", {"reason": "Oops"}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize(("kind", "amount"), [("negative_handling", "35.50"), ("harassment", "250.00")])
def test_the_compensation_is_read_from_settings(supervisor, wang, answered_case, settings, kind, amount):
    settings.VIOLATION_COMPENSATION = {"negative_handling": "35.50", "harassment": "250"}
    case = answered_case()
    step(wang, case, "report_violation", kind=kind, message="Details")
    violation = violations.confirm_violation(actor=supervisor, violation_id=Violation.objects.get().pk)
    assert violation.compensation == Decimal(amount)


def test_the_default_compensation_is_20_and_100_cny():
    from django.conf import settings

    assert {k: Decimal(v) for k, v in settings.VIOLATION_COMPENSATION.items()} == {
        "negative_handling": Decimal("20"),
        "harassment": Decimal("100"),
    }


def test_dismissing_needs_a_reason_and_owes_nothing(api, supervisor, reported):
    api.as_(supervisor)
    assert api.post(f"/api/v1/violations/{reported.pk}/dismiss/", {}, format="json").status_code == 400
    response = api.post(f"/api/v1/violations/{reported.pk}/dismiss/", {"reason": "No evidence."}, format="json")
    assert response.status_code == 200 and response.json()["compensation"] is None
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.DISMISSED
    assert reported.complaint.events.filter(kind="violation_dismissed").exists()


def test_only_a_supervisor_of_the_jurisdiction_decides(api, owner, mediator, wang, sibling_supervisor, reported):
    for person in (owner, mediator, wang):
        assert api.as_(person).post(f"/api/v1/violations/{reported.pk}/confirm/").status_code == 403
        assert api.as_(person).get("/api/v1/violations/").status_code == 403
    assert api.as_(sibling_supervisor).post(f"/api/v1/violations/{reported.pk}/confirm/").status_code == 404
    assert api.as_(sibling_supervisor).get("/api/v1/violations/").json()["count"] == 0
    with pytest.raises(NotAllowed):
        violations.confirm_violation(actor=owner, violation_id=reported.pk)
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.REPORTED


def test_the_supervisor_lists_and_decides_reports_on_the_page(client, supervisor, reported):
    client.force_login(supervisor)
    page = client.get("/council/violations/").content.decode()
    assert reported.complaint.case_number in page and "They called me ten times at night." in page

    missing_reason = client.post(f"/council/violations/{reported.pk}/decide/", {"decision": "dismiss"}, follow=True)
    assert "Give the reason for dismissing the report." in missing_reason.content.decode()
    data = {"decision": "confirm", "compensation_checked": "on"}
    response = client.post(f"/council/violations/{reported.pk}/decide/", data, follow=True)
    assert "owes the consumer 100.00 CNY" in response.content.decode()
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.CONFIRMED
    listed = client.get("/council/violations/", {"status": "confirmed"}).content.decode()
    assert reported.complaint.case_number in listed


def test_the_violation_shows_on_the_case_and_counts_on_the_merchants_record(client, supervisor, wang, shop, reported):
    violations.confirm_violation(actor=supervisor, violation_id=reported.pk)
    client.force_login(wang)
    case_page = client.get(f"/cases/{reported.complaint_id}/").content.decode()
    assert "Compensation owed to the consumer: ¥100.00" in case_page
    assert "The council confirmed the reported violation" in case_page
    record = client.get(f"/merchants/{shop.pk}/").content.decode()
    assert "Harassed the consumer" in record and "¥100.00" in record
    assert records.public_record(shop)["confirmed_violations"] == 1


def test_the_api_lists_reports_by_status(api, supervisor, reported):
    api.as_(supervisor)
    assert [v["id"] for v in api.get("/api/v1/violations/", {"status": "reported"}).json()["results"]] == [reported.pk]
    assert api.get("/api/v1/violations/", {"status": "confirmed"}).json()["count"] == 0


def test_the_service_refuses_a_report_without_a_message(wang, answered_case):
    case = answered_case()
    with pytest.raises(InvalidInput):
        workflow.perform(actor=wang, complaint_id=case.pk, action="report_violation", kind="harassment", message=" ")


def test_a_decided_report_cannot_be_decided_again(supervisor, reported):
    violations.dismiss_violation(actor=supervisor, violation_id=reported.pk, reason="No proof.")
    with pytest.raises(WrongState):
        violations.confirm_violation(actor=supervisor, violation_id=reported.pk)
