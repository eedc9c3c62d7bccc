"""A notice's address is masked by one rule wherever staff see it: the case page's notice
table, the council's notice overview, the API's notices and the timeline."""

import pytest

from complaints.access import mask_address, masked_recipient
from complaints.models import ComplaintEvent
from complaints.notices import retry_notice
from notifications.models import Channel, NoticeStatus, Notification

LIU_MASKED = "l***@council.example"


@pytest.fixture
def failed_email(case_in, supervisor):
    """The escalation's email to Liu, refused by the mail server."""
    case = case_in("in_mediation")
    notice = Notification.objects.get(complaint=case, channel=Channel.EMAIL, address="liu@council.example")
    Notification.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.FAILED, attempts=1, last_error="550 mailbox unavailable"
    )
    notice.refresh_from_db()
    return notice


def test_an_address_is_masked_by_its_channel():
    assert mask_address(Channel.EMAIL, "liu@council.example") == LIU_MASKED
    assert mask_address(Channel.SMS, "13900000001") == "139****0001"
    # A stray e-mail address on another channel is still masked as one, never half shown.
    assert mask_address(Channel.SMS, "liu@council.example") == LIU_MASKED


def test_an_in_app_notice_names_its_recipient(case_in, supervisor):
    case = case_in("in_mediation")
    in_app = Notification.objects.filter(complaint=case, channel=Channel.IN_APP).select_related("recipient").first()
    assert masked_recipient(in_app) == in_app.recipient.display_name


def test_staff_see_the_same_masked_email_everywhere(client, api, supervisor, failed_email):
    case = failed_email.complaint
    client.force_login(supervisor)
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    overview = client.get("/council/notices/").content.decode()
    api_notices = api.as_(supervisor).get(f"/api/v1/complaints/{case.pk}/").json()["notices"]
    retry_notice(actor=supervisor, notice_id=failed_email.pk)
    event = ComplaintEvent.objects.get(complaint=case, kind="notice_retried")

    assert LIU_MASKED in case_page and "liu@council.example" not in case_page
    assert LIU_MASKED in overview and "liu@council.example" not in overview
    assert [n["recipient"] for n in api_notices if n["channel"] == "email"] == [LIU_MASKED]
    assert event.data["recipient"] == LIU_MASKED
