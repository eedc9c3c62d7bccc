"""Personal data (issue 5 item 11): a consumer downloads everything held about them, and
deletes an account with no open case: the account is anonymised, their files deleted and
their messages redacted, while complaints and statistics stay and the timeline still verifies."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from audit.models import AuditEntry
from complaints import workflow
from complaints.integrity import REDACTED_MESSAGE, verify_chain
from complaints.models import Complaint, Status
from complaints.services import add_evidence
from complaints.timeline import append_event
from privacy.services import ANONYMOUS_NAME, DELETED_FILE_NAME
from tests.conftest import PASSWORD

# The smallest PDF with a page: evidence PDFs are rebuilt from their pages (complaints/evidence.py).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


@pytest.fixture
def closed_case(case_in, wang, django_capture_on_commit_callbacks):
    case = case_in(Status.AWAITING_MERCHANT)
    with django_capture_on_commit_callbacks(execute=True):
        add_evidence(actor=wang, complaint=case, upload=SimpleUploadedFile("receipt.pdf", PDF), kind="receipt")
    workflow.perform(actor=wang, complaint_id=case.pk, action="message", message="My address is 1 Jiefang Road.")
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw", message="")
    return Complaint.objects.get(pk=case.pk)


def test_the_consumer_downloads_all_their_data_as_json(client, api, wang, closed_case, supervisor):
    append_event(closed_case, kind="message", actor=supervisor, message="Staff-only note", visibility="staff")
    client.force_login(wang)
    assert "Download my data" in client.get("/my/data/").content.decode()

    response = client.post("/my/data/")
    from_api = api.as_(wang).get("/api/v1/me/data/").json()

    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data == from_api
    assert data["profile"]["phone"] == "13800138000" and data["profile"]["name"] == "王小明"
    (case,) = data["complaints"]
    assert case["case_number"] == closed_case.case_number
    assert "My address is 1 Jiefang Road." in [e["message"] for e in case["timeline"]]
    assert "Staff-only note" not in json.dumps(data)
    assert case["evidence"][0]["sha256"] == closed_case.evidence.get().sha256
    assert "rating" in case and isinstance(data["notices"], list)
    assert AuditEntry.objects.filter(action="account.data_export", actor=wang).count() == 2


def test_deletion_is_refused_while_a_case_is_open(client, api, wang, case_in):
    case = case_in(Status.AWAITING_MERCHANT)
    client.force_login(wang)

    page = client.get("/my/data/").content.decode()
    response = api.as_(wang).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    posted = client.post("/my/delete/", {"password": PASSWORD})

    assert "cannot be deleted while a complaint is open" in page and case.case_number in page
    assert response.status_code == 409 and case.case_number in json.dumps(response.json())
    assert posted.status_code == 409
    wang.refresh_from_db()
    assert wang.is_active and wang.name == "王小明"


def test_deletion_needs_the_password(client, api, wang, closed_case):
    assert api.as_(wang).post("/api/v1/me/delete/", {"password": "wrong"}, format="json").status_code == 400
    client.force_login(wang)
    assert client.post("/my/delete/", {"password": "wrong"}).status_code == 400
    wang.refresh_from_db()
    assert wang.is_active


def test_deleting_the_account_anonymises_it_and_keeps_the_complaint(
    client, wang, closed_case, supervisor, settings, django_capture_on_commit_callbacks
):
    evidence = closed_case.evidence.get()
    stored = settings.MEDIA_ROOT / evidence.file.name
    assert stored.exists()
    client.force_login(wang)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(pk=wang.pk)
    assert (user.name, user.phone, user.email, user.is_active) == (ANONYMOUS_NAME, None, "", False)
    assert user.username.startswith("deleted-") and not user.has_usable_password()
    assert not User.objects.filter(phone="13800138000").exists()
    # The complaint stays for the merchant's record and statistics; the files do not.
    case = Complaint.objects.get(pk=closed_case.pk)
    assert case.consumer_id == wang.pk and case.status == Status.CLOSED
    evidence.refresh_from_db()
    assert evidence.original_name == DELETED_FILE_NAME and evidence.sha256
    assert not stored.exists()
    # The consumer's message is redacted, recorded on the timeline, and the chain still verifies.
    messages = list(case.events.filter(actor=wang).values_list("message", flat=True))
    assert "My address is 1 Jiefang Road." not in messages and REDACTED_MESSAGE in messages
    assert case.events.filter(kind="consumer_data_removed").exists()
    assert verify_chain(case) == []
    entry = AuditEntry.objects.get(action="account.anonymised")
    assert entry.actor_id == wang.pk and entry.extra["events_redacted"] == 1
    # The staff page of the case still opens and shows the anonymised consumer.
    client.force_login(supervisor)
    assert ANONYMOUS_NAME in client.get(f"/cases/{case.pk}/").content.decode()


def test_a_redacted_message_changed_again_is_caught(api, wang, closed_case):
    assert api.as_(wang).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 204
    event = closed_case.events.get(redacted=True)
    type(event).objects.filter(pk=event.pk).update(message="Something else")

    assert [p.event_id for p in verify_chain(closed_case)] == [event.pk]


@pytest.mark.parametrize("who", ["owner", "supervisor", "mediator"])
def test_personal_data_pages_and_endpoints_are_for_consumers(client, api, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get("/my/data/").status_code == 403
    assert client.post("/my/delete/", {"password": PASSWORD}).status_code == 403
    assert api.as_(user).get("/api/v1/me/data/").status_code == 403
    assert api.as_(user).post("/api/v1/me/delete/", {"password": PASSWORD}, format="json").status_code == 403
    user.refresh_from_db()
    assert user.is_active


def test_anonymous_visitors_are_sent_to_log_in(client, api, db):
    assert client.get("/my/data/").status_code == 302
    assert api.get("/api/v1/me/data/").status_code in (401, 403)
