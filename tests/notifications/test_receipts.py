"""Proof of notice (SPEC "Notifications"): the gateway's delivery receipts, posted to a signed
callback, are recorded on the notice and on the case's timeline."""

import datetime
import hashlib
import hmac
import json

import pytest
from sms.backends.base import BaseSmsBackend

from complaints import workflow
from complaints.models import ComplaintEvent, Visibility
from notifications.models import DeliveryStatus, Notification
from notifications.tasks import send_notification

RECEIPTS = "/api/v1/notifications/receipts/"
SECRET = "receipt-secret-for-tests"


class NamingSmsBackend(BaseSmsBackend):
    """A gateway that names each message (as Aliyun's BizId or Tencent's SerialNo)."""

    def send_messages(self, messages):
        for message in messages:
            message.provider_message_id = f"biz-{message.recipients[0]}-{message.event}"
        return len(messages)


@pytest.fixture(autouse=True)
def _gateway(settings):
    settings.SMS_RECEIPT_SECRET = SECRET
    settings.SMS_BACKEND = "tests.notifications.test_receipts.NamingSmsBackend"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(api, payload, *, signature: str | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {} if signature == "" else {"HTTP_X_RECEIPT_SIGNATURE": sign(body) if signature is None else signature}
    return api.post(RECEIPTS, data=body, content_type="application/json", **headers)


@pytest.fixture
def filing_sms(file_complaint):
    """The shop's filing SMS, sent, with the gateway's message id."""
    notice = Notification.objects.get(complaint=file_complaint(), channel="sms")
    assert send_notification(notice.pk) == "sent"
    notice.refresh_from_db()
    assert notice.provider_message_id == "biz-13900000001-filed"
    return notice


def events(case, kind):
    return list(ComplaintEvent.objects.filter(complaint=case, kind=kind))


# --- recording -------------------------------------------------------------------------


def test_a_delivery_receipt_is_recorded_on_the_notice_and_the_timeline(api, filing_sms):
    response = post(
        api, {"message_id": "biz-13900000001-filed", "status": "delivered", "delivered_at": "2026-03-02T10:15:00+08:00"}
    )

    assert response.status_code == 200
    assert response.json() == {"updated": 1}
    filing_sms.refresh_from_db()
    assert filing_sms.delivery_status == DeliveryStatus.DELIVERED
    assert filing_sms.delivered_at == datetime.datetime(2026, 3, 2, 2, 15, tzinfo=datetime.UTC)
    [event] = events(filing_sms.complaint, "notice_delivered")
    assert event.visibility == Visibility.PARTIES  # "the merchant was told", for everyone to see
    assert event.actor is None and event.actor_role == "system"
    assert event.data["channel"] == "sms"
    assert event.data["recipient"] == "139****0001"
    assert datetime.datetime.fromisoformat(event.data["at"]) == filing_sms.delivered_at


def test_the_consumer_sees_that_the_merchant_was_told(api, filing_sms, wang, client):
    post(api, {"message_id": "biz-13900000001-filed", "status": "delivered"})
    case = filing_sms.complaint

    timeline = api.as_(wang).get(f"/api/v1/complaints/{case.pk}/").json()["timeline"]
    client.force_login(wang)
    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert [e["kind"] for e in timeline].count("notice_delivered") == 1
    assert "The gateway reported a notice delivered" in page
    assert "139****0001" in page


def test_staff_see_the_delivery_on_the_case_and_in_the_api(api, client, filing_sms, supervisor):
    post(api, {"message_id": "biz-13900000001-filed", "status": "delivered"})
    case = filing_sms.complaint

    client.force_login(supervisor)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    notices = api.as_(supervisor).get(f"/api/v1/complaints/{case.pk}/").json()["notices"]

    table = page[page.index('id="notices"') :]
    assert "Delivered" in table
    [notice] = [n for n in notices if n["id"] == filing_sms.pk]
    assert notice["delivery_status"] == "delivered" and notice["delivered_at"]


def test_the_same_receipt_twice_is_recorded_once(api, filing_sms):
    receipt = {"message_id": "biz-13900000001-filed", "status": "delivered"}

    assert post(api, receipt).json() == {"updated": 1}
    assert post(api, receipt).json() == {"updated": 0}

    assert len(events(filing_sms.complaint, "notice_delivered")) == 1


def test_a_receipt_for_an_unknown_message_changes_nothing(api, filing_sms):
    response = post(api, {"message_id": "nobody-knows", "status": "delivered"})

    assert (response.status_code, response.json()) == (200, {"updated": 0})
    filing_sms.refresh_from_db()
    assert filing_sms.delivery_status == ""


def test_a_list_of_receipts(api, filing_sms, owner, django_capture_on_commit_callbacks):
    case = filing_sms.complaint
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    answer = Notification.objects.get(complaint=case, event="responded", channel="sms")
    send_notification(answer.pk)

    response = post(
        api,
        [
            {"message_id": "biz-13900000001-filed", "status": "delivered"},
            {"message_id": "biz-13800138000-responded", "status": "failed", "error": "UNDELIV: phone off"},
            {"message_id": "unknown", "status": "failed"},
        ],
    )

    assert response.json() == {"updated": 2}
    answer.refresh_from_db()
    assert (answer.delivery_status, answer.delivered_at) == (DeliveryStatus.UNDELIVERED, None)
    assert answer.delivery_error == "UNDELIV: phone off"
    [event] = events(case, "notice_undelivered")
    # A text to a person is staff business; only the merchant's notice phone is proof for all parties.
    assert event.visibility == Visibility.STAFF
    assert event.data["recipient"] == "138****8000" and event.data["error"] == "UNDELIV: phone off"


def test_a_login_code_receipt_is_recorded_without_a_timeline(api, db, django_capture_on_commit_callbacks):
    from accounts.services import request_code

    with django_capture_on_commit_callbacks(execute=True):
        request_code(phone="13800138000")

    assert post(api, {"message_id": "biz-13800138000-login_code", "status": "delivered"}).json() == {"updated": 1}
    assert Notification.objects.get(event="login_code").delivery_status == DeliveryStatus.DELIVERED
    assert not ComplaintEvent.objects.filter(kind__startswith="notice_").exists()


# --- authentication and bad input ----------------------------------------------------------


def test_a_receipt_without_a_signature_is_refused(api, filing_sms):
    response = post(api, {"message_id": "biz-13900000001-filed", "status": "delivered"}, signature="")

    assert response.status_code == 403
    filing_sms.refresh_from_db()
    assert filing_sms.delivery_status == ""


@pytest.mark.parametrize(
    "signature",
    [
        "0" * 64,
        sign(b'{"message_id": "other", "status": "delivered"}'),
        sign(b"whatever", secret="another-secret"),
        "not hex at all",
        "é" * 10,
    ],
)
def test_a_receipt_with_a_wrong_signature_is_refused(api, filing_sms, signature):
    response = post(api, {"message_id": "biz-13900000001-filed", "status": "delivered"}, signature=signature)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    filing_sms.refresh_from_db()
    assert filing_sms.delivery_status == ""


def test_the_signature_may_name_its_algorithm(api, filing_sms):
    body = json.dumps({"message_id": "biz-13900000001-filed", "status": "delivered"}).encode()

    assert post(api, None, raw=body, signature="sha256=" + sign(body)).json() == {"updated": 1}


def test_without_a_configured_secret_every_receipt_is_refused(api, filing_sms, settings):
    settings.SMS_RECEIPT_SECRET = ""
    body = json.dumps({"message_id": "biz-13900000001-filed", "status": "delivered"}).encode()

    assert post(api, None, raw=body, signature=sign(body, secret="")).status_code == 403


def test_a_body_that_is_not_json_is_400(api, db):
    assert post(api, None, raw=b"{not json").status_code == 400
    assert post(api, None, raw=b"\xff\xfe\x00").status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"message_id": "biz-1", "status": "lost"}, "status"),
        ({"status": "delivered"}, "message_id"),
        ({"message_id": "biz-1", "status": "delivered", "delivered_at": "yesterday"}, "delivered_at"),
        ({"message_id": "x" * 101, "status": "delivered"}, "message_id"),
        ("delivered", "non_field_errors"),
    ],
)
def test_a_malformed_receipt_is_400_naming_the_field(api, db, payload, field):
    response = post(api, payload)

    assert response.status_code == 400
    assert field in response.json()


def test_a_malformed_receipt_in_a_list_is_400_and_records_nothing(api, filing_sms):
    response = post(
        api, [{"message_id": "biz-13900000001-filed", "status": "delivered"}, {"message_id": "", "status": "x"}]
    )

    assert response.status_code == 400
    assert "receipts" in response.json()
    filing_sms.refresh_from_db()
    assert filing_sms.delivery_status == ""


def test_the_callback_needs_no_login_but_only_takes_posts(api, db):
    assert api.get(RECEIPTS).status_code == 405
