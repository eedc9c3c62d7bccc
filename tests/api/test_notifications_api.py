"""Notifications API: the caller's own in-app notices."""

from complaints import workflow
from notifications.models import Notification

LIST = "/api/v1/notifications/"


def read(pk):
    return f"/api/v1/notifications/{pk}/read/"


def test_a_consumer_lists_their_in_app_notices_only(api, file_complaint, wang, li, owner):
    case = file_complaint()
    file_complaint(consumer=li)
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    response = api.as_(wang).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [notice] = body["results"]
    assert set(notice) == {"id", "event", "subject", "body", "link", "created_at", "read_at"}
    assert notice["event"] == "responded"
    assert case.case_number in notice["subject"] + notice["body"]
    assert notice["read_at"] is None
    # The SMS twin of the same notice is not an in-app notice.
    assert Notification.objects.filter(recipient=wang, channel="sms").exists()
    assert api.as_(li).get(LIST).json()["count"] == 0


def test_marking_a_notice_read(api, file_complaint, wang, owner):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    notice = Notification.objects.get(recipient=wang, channel="in_app")
    response = api.as_(wang).post(read(notice.pk))
    assert response.status_code == 200
    first_read = response.json()["read_at"]
    assert first_read
    assert api.post(read(notice.pk)).json()["read_at"] == first_read
    assert api.get(LIST, {"unread": "true"}).json()["count"] == 0
    assert api.get(LIST).json()["count"] == 1


def test_someone_elses_notice_is_404(api, file_complaint, wang, li, owner):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    notice = Notification.objects.get(recipient=wang, channel="in_app")
    assert api.as_(li).post(read(notice.pk)).status_code == 404
    assert api.as_(li).post(read(999999)).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_an_sms_notice_cannot_be_marked_read(api, file_complaint, wang, owner):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    sms_notice = Notification.objects.get(recipient=wang, channel="sms")
    assert api.as_(wang).post(read(sms_notice.pk)).status_code == 404


def test_notices_need_a_login(api, db):
    assert api.get(LIST).status_code == 401
    assert api.post(read(1)).status_code == 401
