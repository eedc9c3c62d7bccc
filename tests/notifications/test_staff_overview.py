"""Staff see how notices of their jurisdiction fare (sent, pending, failed in the last 24 h),
the failed ones with the gateway's error, and send a failed one again (SPEC "Notifications")."""

import datetime

import pytest
import sms
from django.utils import timezone
from sms.backends.base import BaseSmsBackend

from complaints.models import ComplaintEvent, Visibility
from complaints.notices import retry_notice
from notifications.models import NoticeStatus, Notification
from notifications.sending import PermanentSendError
from notifications.tasks import send_notification
from supervision.notice_selectors import delivery_overview

OVERVIEW = "/council/notices/"
REFUSING_BACKEND = "tests.notifications.test_staff_overview.RefusingSmsBackend"


def retry_url(notice) -> str:
    return f"/council/notices/{notice.pk}/retry/"


class RefusingSmsBackend(BaseSmsBackend):
    """A gateway that refuses the number for good."""

    def send_messages(self, messages):
        raise PermanentSendError("isv.MOBILE_NUMBER_ILLEGAL: invalid mobile number")


def merchant_sms(case) -> Notification:
    return Notification.objects.get(complaint=case, channel="sms", address__startswith="139")


@pytest.fixture
def failed_sms(file_complaint, settings):
    """The shop's filing SMS, refused by the gateway."""
    settings.SMS_BACKEND = REFUSING_BACKEND
    notice = merchant_sms(file_complaint())
    assert send_notification(notice.pk) == "failed"
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    notice.refresh_from_db()
    return notice


@pytest.fixture
def yichang_failed_sms(file_complaint, other_shop, settings):
    """A refused filing SMS of a case in Yichang, outside Wuhan's jurisdiction."""
    settings.SMS_BACKEND = REFUSING_BACKEND
    notice = merchant_sms(file_complaint(merchant=other_shop))
    send_notification(notice.pk)
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    notice.refresh_from_db()
    return notice


# --- the overview's figures -------------------------------------------------------------


def test_the_overview_counts_the_last_days_sms_and_email_of_the_jurisdiction(
    file_complaint, case_in, failed_sms, yichang_failed_sms, supervisor, sibling_supervisor
):
    sent = merchant_sms(file_complaint())
    assert send_notification(sent.pk) == "sent"
    merchant_sms(file_complaint())  # pending: its task has not run
    old = merchant_sms(file_complaint())
    send_notification(old.pk)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    case_in("in_mediation")  # in-app notices (delivered by being written) and a pending email

    figures = delivery_overview(supervisor)

    # Pending: one filing SMS, and of the escalated case the filing SMS, the answer's SMS to the
    # consumer, and the escalation's SMS to the consumer and email to the supervisor.
    assert figures == {"sent": 1, "pending": 5, "failed": 1}
    assert delivery_overview(sibling_supervisor) == {"sent": 0, "pending": 0, "failed": 1}


def test_the_overview_is_one_query(supervisor, failed_sms, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert delivery_overview(supervisor)["failed"] == 1


def test_people_outside_the_council_get_an_empty_overview(wang, owner, failed_sms):
    assert delivery_overview(wang) == {"sent": 0, "pending": 0, "failed": 0}
    assert delivery_overview(owner) == {"sent": 0, "pending": 0, "failed": 0}


# --- the page -------------------------------------------------------------------------------


def test_a_supervisor_sees_the_failed_notices_of_the_jurisdiction_with_the_error(
    client, supervisor, failed_sms, yichang_failed_sms
):
    client.force_login(supervisor)

    response = client.get(OVERVIEW)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="failed-{failed_sms.pk}"' in html
    assert failed_sms.complaint.case_number in html
    assert "139****0001" in html and "13900000001" not in html
    assert "isv.MOBILE_NUMBER_ILLEGAL" in html
    assert f'id="failed-{yichang_failed_sms.pk}"' not in html
    assert yichang_failed_sms.complaint.case_number not in html
    assert '<span class="stat">1</span> <span class="stat-label">Failed' in html


def test_a_mediator_sees_the_overview_too(client, mediator, failed_sms):
    client.force_login(mediator)

    assert f'id="failed-{failed_sms.pk}"' in client.get(OVERVIEW).content.decode()


@pytest.mark.parametrize("person", ["wang", "owner", "agent"])
def test_consumers_and_merchants_are_turned_away(client, request, person, failed_sms):
    client.force_login(request.getfixturevalue(person))

    response = client.get(OVERVIEW)

    assert response.status_code == 403
    assert failed_sms.complaint.case_number not in response.content.decode()
    assert client.post(retry_url(failed_sms)).status_code == 403


def test_visitors_log_in_first(client, failed_sms):
    assert client.get(OVERVIEW)["Location"].startswith("/accounts/login/")
    assert client.post(retry_url(failed_sms))["Location"].startswith("/accounts/login/")


def test_the_page_with_nothing_failed_says_so(client, supervisor):
    client.force_login(supervisor)

    assert "No failed notices." in client.get(OVERVIEW).content.decode()


# --- sending again --------------------------------------------------------------------------


def test_retry_sends_the_notice_again_and_keeps_its_tries(
    client, supervisor, failed_sms, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(failed_sms))

    assert response.status_code == 302 and response["Location"] == OVERVIEW
    failed_sms.refresh_from_db()
    assert (failed_sms.status, failed_sms.attempts) == (NoticeStatus.SENT, 2)
    [message] = sms.outbox
    assert message.recipients == ["13900000001"]
    event = ComplaintEvent.objects.get(complaint=failed_sms.complaint, kind="notice_retried")
    assert (event.actor, event.visibility) == (supervisor, Visibility.STAFF)
    assert event.data["recipient"] == "139****0001"


def test_retry_puts_the_notice_back_in_the_outbox_after_commit(
    supervisor, failed_sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notice = retry_notice(actor=supervisor, notice_id=failed_sms.pk)

    assert len(callbacks) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in notice.last_error  # kept until the next try
    assert sms.outbox == []


def test_retrying_a_notice_that_is_not_failed_changes_nothing(
    client, supervisor, failed_sms, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry_url(failed_sms))

    response = client.post(retry_url(failed_sms), follow=True)

    assert "This notice has been sent already." in response.content.decode()
    failed_sms.refresh_from_db()
    assert (failed_sms.status, failed_sms.attempts) == (NoticeStatus.SENT, 2)
    assert len(sms.outbox) == 1
    assert ComplaintEvent.objects.filter(kind="notice_retried").count() == 1


def test_a_notice_outside_the_jurisdiction_is_404(client, sibling_supervisor, failed_sms):
    client.force_login(sibling_supervisor)

    assert client.post(retry_url(failed_sms)).status_code == 404

    failed_sms.refresh_from_db()
    assert failed_sms.status == NoticeStatus.FAILED


def test_unknown_and_absurd_notices_are_404_and_retry_needs_a_post(client, supervisor, failed_sms, wang):
    client.force_login(supervisor)

    assert client.post("/council/notices/987654/retry/").status_code == 404
    assert client.post(f"/council/notices/{'9' * 30}/retry/").status_code == 404
    assert client.get(retry_url(failed_sms)).status_code == 405


def test_a_login_code_text_belongs_to_no_case_and_no_overview(supervisor, db):
    code = Notification.objects.create(
        idempotency_key="code1", event="login_code", channel="sms", address="13800138000", body="x", status="failed"
    )

    with pytest.raises(Exception) as refused:
        retry_notice(actor=supervisor, notice_id=code.pk)

    assert refused.type.__name__ == "Http404"
    assert delivery_overview(supervisor)["failed"] == 0
