"""The outbox in the Django admin: read-only, a login code never shown."""

import pytest

from accounts.models import User
from notifications.models import Notification


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "op@example.cn", "x-admin-pass-123")


def test_operators_see_a_notice_with_its_receipt_but_never_a_login_code(client, operator, file_complaint):
    sms = Notification.objects.get(complaint=file_complaint(), channel="sms")
    Notification.objects.filter(pk=sms.pk).update(delivery_status="delivered", provider_message_id="biz-1")
    code = Notification.objects.create(
        idempotency_key="code1",
        event="login_code",
        channel="sms",
        address="13800138000",
        body="Your code is 493817",
        params={"code": "493817"},
    )
    client.force_login(operator)

    listing = client.get("/admin/notifications/notification/")
    notice = client.get(f"/admin/notifications/notification/{sms.pk}/change/").content.decode()
    secret = client.get(f"/admin/notifications/notification/{code.pk}/change/").content.decode()

    assert listing.status_code == 200 and "Delivered" in listing.content.decode()
    assert sms.complaint.case_number in notice and "biz-1" in notice
    assert "493817" not in secret
