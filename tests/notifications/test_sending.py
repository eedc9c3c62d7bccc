"""Delivering one notice through its channel (notifications.sending), with the gateway a setting."""

import pytest
import sms
from django.core import mail
from django.utils import formats, timezone, translation
from sms.backends.base import BaseSmsBackend

from notifications.models import Channel, NoticeStatus, Notification
from notifications.sending import TransientSendError, deliver
from notifications.tasks import send_notification

HERE = "tests.notifications.test_sending"


class TimeoutSmsBackend(BaseSmsBackend):
    def send_messages(self, messages):
        raise TimeoutError("gateway timed out")


class RefusingSmsBackend(BaseSmsBackend):
    """A gateway that accepts the call but sends nothing."""

    def send_messages(self, messages):
        return 0


class BrokenSmsBackend(BaseSmsBackend):
    """A gateway integration with a bug: not a transient error."""

    def send_messages(self, messages):
        raise ValueError("unexpected answer from the gateway")


class ReceiptSmsBackend(BaseSmsBackend):
    """A gateway that gives a message id for the delivery receipt."""

    def send_messages(self, messages):
        for message in messages:
            message.provider_message_id = "gw-4711"
        return len(messages)


def notice(channel, address="13900000001", body="[315] A consumer filed complaint HB2026-000001", **fields):
    return Notification.objects.create(
        idempotency_key=f"test:{channel}:{address}",
        event="filed",
        channel=channel,
        address=address,
        body=body,
        **fields,
    )


def test_an_sms_goes_through_the_configured_gateway(db, settings):
    settings.DEFAULT_FROM_SMS = "315"

    assert deliver(notice(Channel.SMS)) == ""

    [message] = sms.outbox
    assert (message.recipients, message.body, message.originator) == (
        ["13900000001"],
        "[315] A consumer filed complaint HB2026-000001",
        "315",
    )


def test_the_gateways_message_id_is_kept_on_the_notice_as_proof(db, settings):
    settings.SMS_BACKEND = f"{HERE}.ReceiptSmsBackend"
    row = notice(Channel.SMS)

    assert send_notification(row.pk) == "sent"

    row.refresh_from_db()
    assert (row.status, row.provider_message_id) == (NoticeStatus.SENT, "gw-4711")


@pytest.mark.parametrize("backend", ["TimeoutSmsBackend", "RefusingSmsBackend"])
def test_a_gateway_that_times_out_or_sends_nothing_is_a_transient_error(db, settings, backend):
    settings.SMS_BACKEND = f"{HERE}.{backend}"

    with pytest.raises(TransientSendError):
        deliver(notice(Channel.SMS))


def test_a_gateway_bug_fails_the_notice_at_once_for_staff_to_see(db, settings):
    settings.SMS_BACKEND = f"{HERE}.BrokenSmsBackend"
    row = notice(Channel.SMS)

    assert send_notification(row.pk) == "failed"

    row.refresh_from_db()
    assert (row.status, row.attempts) == (NoticeStatus.FAILED, 1)
    assert "unexpected answer from the gateway" in row.last_error


def test_an_email_notice_goes_by_mail(db, settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@315.example.cn"
    row = notice(Channel.EMAIL, address="liu@council.example", subject="Complaint HB2026-000001 is overdue")

    assert send_notification(row.pk) == "sent"

    [message] = mail.outbox
    assert (message.to, message.subject, message.from_email) == (
        ["liu@council.example"],
        "Complaint HB2026-000001 is overdue",
        "noreply@315.example.cn",
    )
    assert message.body == row.body


def test_an_in_app_notice_needs_no_delivery(db):
    assert deliver(notice(Channel.IN_APP, address="")) == ""
    assert sms.outbox == [] and mail.outbox == []


def test_the_sms_text_names_the_case_the_deadline_and_the_link(file_complaint, settings):
    settings.SITE_URL = "https://315.example.cn"
    case = file_complaint()

    body = Notification.objects.get(complaint=case, channel="sms").body

    assert case.case_number in body
    assert f"https://315.example.cn/cases/{case.pk}/" in body
    with translation.override("en"):
        deadline = formats.date_format(timezone.localtime(case.due_at), "SHORT_DATETIME_FORMAT")
    assert f"Please answer by {deadline}" in body
