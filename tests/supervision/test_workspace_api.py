"""The council workspace in the API, as its pages offer it (issue 16, part 4): targets set by the
council (also on a page), the audit log with its filters, the timeline check, notice delivery
and the resend of a failed notice, the jurisdiction's applications; and the merchant's private
benchmark, an applicant's own applications, marking every notice read and logging out."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from complaints.models import ComplaintEvent
from merchants import enrolment
from notifications.models import Channel, NoticeStatus, Notification
from supervision.targets import targets_for

TARGETS = "/api/v1/council/targets/"


# --- targets -------------------------------------------------------------------------------------


def test_a_supervisor_sets_the_councils_targets_on_the_page(client, supervisor, wuhan):
    client.force_login(supervisor)

    page = client.get(reverse("supervision:targets"))
    assert page.status_code == 200 and "published default" in page.content.decode()
    response = client.post(
        reverse("supervision:targets"), {"handling_rate": "95", "satisfaction": "", "first_response_hours": "12"}
    )

    assert response.status_code == 302
    wuhan.refresh_from_db()
    assert (wuhan.target_handling_rate, wuhan.target_satisfaction, wuhan.target_first_response_hours) == (95, None, 12)
    entry = AuditEntry.objects.get(action="council.targets")
    assert entry.extra == {"handling_rate": {"old": None, "new": 95}, "first_response_hours": {"old": None, "new": 12}}
    assert entry.council_path == wuhan.path
    log = client.get(reverse("supervision:audit_log")).content.decode()
    assert "Council targets changed" in log and "— → 95" in log


def test_a_target_out_of_range_is_refused_on_the_page_and_nothing_changes(client, supervisor, wuhan):
    client.force_login(supervisor)

    response = client.post(reverse("supervision:targets"), {"handling_rate": "120"})

    assert response.status_code == 400
    assert response.context["form"].errors["handling_rate"]
    wuhan.refresh_from_db()
    assert wuhan.target_handling_rate is None and not AuditEntry.objects.filter(action="council.targets").exists()


def test_the_api_reads_and_sets_targets_and_a_district_inherits_them(api, supervisor, jiangan, wuhan):
    client = api.as_(supervisor)

    before = client.get(TARGETS).json()
    assert before["own"] == {"handling_rate": None, "satisfaction": None, "first_response_hours": None}
    assert before["effective"]["handling_rate"] == 90 and before["effective"]["set_by"]["handling_rate"] == ""
    body = {"handling_rate": 92, "satisfaction": 80, "first_response_hours": None}
    after = client.put(TARGETS, body, format="json")

    assert after.status_code == 200, after.json()
    assert after.json()["own"] == body
    assert targets_for(jiangan).handling_rate == 92  # the district follows its city
    assert targets_for(jiangan).set_by["handling_rate"] == wuhan.name
    assert client.put(TARGETS, {**body, "satisfaction": 101}, format="json").status_code == 400


@pytest.mark.parametrize("who", ["mediator", "owner", "wang"])
def test_only_supervisors_set_targets(api, client, request, who):
    person = request.getfixturevalue(who)

    assert api.as_(person).put(TARGETS, {"handling_rate": 1}, format="json").status_code == 403
    client.force_login(person)
    assert client.post(reverse("supervision:targets"), {"handling_rate": "1"}).status_code == 403


# --- audit log and integrity ----------------------------------------------------------------------


def test_the_audit_log_api_filters_as_the_page_does(api, supervisor, file_complaint, owner):
    case = file_complaint()
    from complaints import workflow

    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    client = api.as_(supervisor)

    everything = client.get("/api/v1/council/audit/").json()
    responded = client.get("/api/v1/council/audit/", {"action": "complaint.respond"}).json()

    assert everything["count"] >= 1
    (row,) = responded["results"]
    assert (row["action"], row["case_number"], row["actor_role"]) == (
        "complaint.respond",
        case.case_number,
        "merchant_owner",
    )
    assert row["action_display"] == "Case: Answer"
    assert client.get("/api/v1/council/audit/", {"day": "not-a-day"}).status_code == 400
    assert api.as_(owner).get("/api/v1/council/audit/").status_code == 403


def test_the_integrity_api_finds_an_altered_timeline(api, supervisor, file_complaint):
    case = file_complaint()
    event = case.events.get()
    ComplaintEvent.objects.filter(pk=event.pk).update(message="changed afterwards")

    body = api.as_(supervisor).get("/api/v1/council/integrity/", {"case": case.case_number}).json()

    assert body["checked"] == 1
    (failing,) = body["failing"]
    assert failing["case_number"] == case.case_number and failing["problems"][0]["event_id"] == event.pk


# --- notices --------------------------------------------------------------------------------------


@pytest.fixture
def failed_sms(case_in):
    case = case_in("awaiting_merchant")
    notice = Notification.objects.filter(complaint=case, channel=Channel.SMS).first()
    Notification.objects.filter(pk=notice.pk).update(status=NoticeStatus.FAILED, attempts=5, last_error="gateway down")
    return notice


def test_staff_see_delivery_and_send_a_failed_notice_again_through_the_api(
    api, supervisor, sibling_supervisor, failed_sms
):
    client = api.as_(supervisor)

    listing = client.get("/api/v1/council/notices/").json()
    assert listing["overview"]["failed"] == 1
    (row,) = listing["results"]
    assert row["id"] == failed_sms.pk and row["recipient"].count("*") == 4  # masked

    assert api.as_(sibling_supervisor).post(f"/api/v1/council/notices/{failed_sms.pk}/retry/").status_code == 404
    retried = api.as_(supervisor).post(f"/api/v1/council/notices/{failed_sms.pk}/retry/")
    assert retried.status_code == 200 and retried.json()["status"] == NoticeStatus.PENDING  # queued to send again
    assert failed_sms.complaint.events.filter(kind="notice_retried").count() == 1


# --- merchants, applications, the merchant's benchmark -------------------------------------------


def test_supervisors_list_pending_applications_and_applicants_follow_theirs(api, supervisor, li, jiangan):
    enrolment.apply_for_enrolment(
        applicant=li, name="Li's Noodles", uscc="91420102MA4K0WWW0U", region=jiangan, notice_phones=["13900000077"]
    )

    pending = api.as_(supervisor).get("/api/v1/council/merchants/", {"status": "applied"}).json()
    mine = api.as_(li).get("/api/v1/me/applications/").json()

    assert [m["name"] for m in pending["results"]] == ["Li's Noodles"]
    assert pending["results"][0]["applicant"] == li.display_name
    assert [(a["merchant"]["name"], a["merchant"]["status"], a["last_decision"]) for a in mine] == [
        ("Li's Noodles", "applied", None)
    ]
    assert api.as_(li).get("/api/v1/council/merchants/").status_code == 403


def test_merchant_staff_read_their_record_beside_the_sectors_median(api, owner, agent, wang, file_complaint):
    file_complaint()

    body = api.as_(agent).get("/api/v1/merchant/record/").json()

    assert body["record"]["complaints_received"] == 1
    keys = [row["key"] for row in body["rows"]]
    assert "credit_index" in keys and "resolution_rate" in keys
    assert all("median" in row for row in body["rows"])
    assert api.as_(wang).get("/api/v1/merchant/record/").status_code == 403


# --- notices read, logging out -----------------------------------------------------------------


def test_every_notice_is_marked_read_at_once(api, owner, wang, file_complaint):
    from complaints import workflow

    for title in ("One", "Two"):
        case = file_complaint(title=title)
        workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    unread = Notification.objects.filter(recipient=wang, channel=Channel.IN_APP, read_at__isnull=True).count()

    response = api.as_(wang).post("/api/v1/notifications/read-all/")

    assert unread == 2 and response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=wang, channel=Channel.IN_APP, read_at__isnull=True).exists()


def test_logging_out_of_the_api_ends_the_token(api, wang):
    token = Token.objects.create(user=wang)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/auth/me/").status_code == 401
