"""An intake clerk files for a caller and, until the consumer takes the case over with the link
in their SMS, makes the consumer's moves for them, each recorded on the consumer's behalf
(issue 15, part 1)."""

import pytest
import sms
from django.urls import reverse

from accounts import services as accounts_services
from audit.models import AuditEntry
from complaints import intake, services, workflow
from complaints.models import Complaint, EventKind, IntakeChannel, Status
from complaints.presenters import timeline_entries
from mediation.errors import NotAllowed
from tests.api.conftest import png_bytes, upload
from tests.conftest import proof_for

CALLER = "13700137000"


def file_for(staff, shop, **extra):
    return intake.file_for_consumer(
        staff=staff,
        phone=extra.pop("phone", CALLER),
        name="Zhao Caller",
        intake_channel=IntakeChannel.HOTLINE,
        consent=True,
        consent_statement="Agreed on the phone.",
        merchant=shop,
        category="quality",
        channel="ecommerce",
        title=extra.pop("title", "Kettle leaks"),
        description="The kettle leaked on the first day.",
        demands=["refund"],
        **extra,
    )


def offer(owner, case):
    workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="We refund.", remedy="refund"
    )
    case.refresh_from_db()


@pytest.fixture
def case(clerk, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return file_for(clerk, shop)


# --- the clerk's role -------------------------------------------------------------------------


def test_a_clerk_files_and_sees_only_what_she_filed(client, clerk, case, file_complaint):
    someone_elses = file_complaint(title="Filed online")
    client.force_login(clerk)

    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("complaints:detail", args=[someone_elses.pk])).status_code == 404
    listed = client.get(reverse("supervision:filed")).content.decode()
    assert case.case_number in listed and someone_elses.case_number not in listed
    assert client.get("/api/v1/complaints/").json()["count"] == 1


@pytest.mark.parametrize(
    "url", ["/council/", "/council/dashboard/", "/council/export.csv", "/council/audit/", "/council/merchants/"]
)
def test_a_clerk_has_no_supervisors_pages(client, clerk, url):
    client.force_login(clerk)

    assert client.get(url).status_code == 403


def test_a_clerk_lands_on_the_intake_page_and_finds_her_cases_in_the_navigation(client, clerk):
    client.force_login(clerk)

    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0] == reverse("supervision:intake")
    page = response.content.decode()
    assert f'href="{reverse("supervision:filed")}"' in page
    assert 'href="/council/"' not in page


def test_a_clerk_files_through_the_api_and_evidence_follows_on_the_case(api, clerk, shop):
    body = {
        "consumer_phone": CALLER,
        "consumer_name": "Zhao Caller",
        "intake_channel": "letter",
        "consent": True,
        "merchant": shop.pk,
        "category": "quality",
        "channel": "ecommerce",
        "title": "Kettle leaks",
        "description": "It leaked.",
    }
    client = api.as_(clerk)

    filed = client.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="letter-42")
    again = client.post("/api/v1/complaints/", body, format="json", HTTP_IDEMPOTENCY_KEY="letter-42")

    assert filed.status_code == 201, filed.json()
    assert again.status_code == 201 and again.json()["id"] == filed.json()["id"]
    case = Complaint.objects.get()
    assert (case.filed_by, case.intake_channel, case.claimed_at) == (clerk, "letter", None)
    response = client.post(
        f"/api/v1/complaints/{case.pk}/evidence/", {"file": upload("receipt.png", png_bytes()), "kind": "receipt"}
    )
    assert response.status_code == 201, response.json()
    evidence = case.evidence.get()
    assert evidence.uploaded_by == clerk
    added = case.events.get(kind=EventKind.EVIDENCE_ADDED)
    assert added.data["on_behalf_of_consumer"] is True


def test_another_clerk_cannot_act_on_the_case(case, shop, wuhan):
    from tests.conftest import make_user

    other = make_user("clerk2", "intake_clerk", council=wuhan, name="Wu Clerk")

    assert workflow.allowed_actions(other, case) == []
    with pytest.raises(Exception):  # noqa: B017 - not visible to her at all (404)
        workflow.perform(actor=other, complaint_id=case.pk, action="withdraw")


# --- on behalf of the consumer ----------------------------------------------------------------


def test_the_clerk_answers_an_offer_for_the_consumer_on_the_record(clerk, case, owner):
    offer(owner, case)

    assert "accept" in workflow.allowed_actions(clerk, case)
    workflow.perform(actor=clerk, complaint_id=case.pk, action="accept")

    case.refresh_from_db()
    assert case.status == Status.SETTLED
    accepted = case.events.get(kind=EventKind.ACCEPTED)
    assert (accepted.actor, accepted.data["on_behalf_of_consumer"]) == (clerk, True)
    for viewer in (case.consumer, owner, clerk):
        entry = next(e for e in timeline_entries(viewer, case) if e["kind"] == EventKind.ACCEPTED)
        assert entry["role"] == "Council intake clerk, on behalf of the consumer"
        assert entry["actor"] == "Zhou Clerk"
    audit = AuditEntry.objects.get(action="complaint.accept")
    assert audit.extra["on_behalf_of_consumer"] is True


def test_the_clerks_own_message_is_hers_not_the_consumers(clerk, case):
    workflow.perform(actor=clerk, complaint_id=case.pk, action="message", message="Called the shop too.")

    message = case.events.get(kind=EventKind.MESSAGE)
    assert "on_behalf_of_consumer" not in message.data


def test_the_clerk_does_not_rate_for_the_consumer(clerk, case, owner):
    offer(owner, case)
    workflow.perform(actor=clerk, complaint_id=case.pk, action="accept")
    workflow.perform(actor=owner, complaint_id=case.pk, action="fulfil", message="Refunded.", **proof_for(case))
    workflow.perform(actor=clerk, complaint_id=case.pk, action="confirm")
    case.refresh_from_db()

    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")
    assert "rate" not in workflow.allowed_actions(clerk, case)
    assert "rate" in workflow.allowed_actions(case.consumer, case)


def test_the_api_marks_moves_made_on_behalf(api, clerk, case, owner):
    offer(owner, case)

    response = api.as_(clerk).post(f"/api/v1/complaints/{case.pk}/reject/", {"message": "Not enough."}, format="json")

    assert response.status_code == 200, response.json()
    last = [e for e in response.json()["timeline"] if e["kind"] == "rejected"][-1]
    assert last["on_behalf_of_consumer"] is True and last["actor_role"] == "intake_clerk"


def test_the_case_page_tells_the_clerk_she_acts_for_the_consumer(client, clerk, case, owner):
    offer(owner, case)
    client.force_login(clerk)

    page = client.get(reverse("complaints:detail", args=[case.pk])).content.decode()

    assert 'id="on-behalf"' in page
    assert f'action="{reverse("complaints:act", args=[case.pk, "accept"])}"' in page


# --- the consumer takes the case over ---------------------------------------------------------


def test_the_sms_link_asks_for_a_code_then_a_password_and_hands_the_case_over(client, clerk, case, owner):
    claim = reverse("complaints:claim", args=[case.pk])
    (text,) = [m.body for m in sms.outbox if m.recipients == [CALLER]]
    assert claim in text

    first = client.get(claim)
    assert first.status_code == 302 and first["Location"].startswith(reverse("accounts:request_code"))
    code = accounts_services.request_code(phone=CALLER)
    logged_in = client.post(reverse("accounts:code_login") + f"?next={claim}", {"phone": CALLER, "code": code})
    assert logged_in["Location"] == claim

    page = client.get(claim)
    assert page.status_code == 200 and "password" in page.context["form"].fields
    weak = client.post(claim, {"password": "123", "password_confirm": "123"})
    assert weak.status_code == 400
    case.refresh_from_db()
    assert case.claimed_at is None

    done = client.post(claim, {"password": "a-good-pass-315", "password_confirm": "a-good-pass-315"})
    assert done["Location"] == reverse("complaints:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.claimed_at is not None
    assert case.consumer.check_password("a-good-pass-315")
    assert case.events.filter(kind=EventKind.CLAIMED, actor=case.consumer).count() == 1
    # Still logged in after choosing the password; the clerk no longer acts for the consumer.
    assert client.get(reverse("complaints:detail", args=[case.pk])).status_code == 200
    offer(owner, case)
    assert workflow.allowed_actions(clerk, Complaint.objects.get(pk=case.pk)) == []
    with pytest.raises(NotAllowed):
        workflow.perform(actor=clerk, complaint_id=case.pk, action="accept")


def test_an_existing_consumer_takes_over_without_a_password_step(client, clerk, shop, wang):
    case = file_for(clerk, shop, phone=wang.phone)
    client.force_login(wang)

    page = client.get(reverse("complaints:claim", args=[case.pk]))
    assert page.context["form"] is None
    client.post(reverse("complaints:claim", args=[case.pk]))

    case.refresh_from_db()
    assert case.claimed_at is not None


def test_the_consumers_first_own_move_takes_the_case_over(clerk, case, owner):
    offer(owner, case)

    workflow.perform(actor=case.consumer, complaint_id=case.pk, action="accept")

    case.refresh_from_db()
    assert case.claimed_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.index(EventKind.CLAIMED) < kinds.index(EventKind.ACCEPTED)
    assert "on_behalf_of_consumer" not in case.events.get(kind=EventKind.ACCEPTED).data


def test_the_consumers_own_evidence_takes_the_case_over(clerk, case):
    services.add_evidence(actor=case.consumer, complaint=case, upload=upload("a.png", png_bytes()))

    case.refresh_from_db()
    assert case.claimed_at is not None
    with pytest.raises(NotAllowed):
        services.add_evidence(actor=clerk, complaint=case, upload=upload("b.png", png_bytes()))


def test_take_over_through_the_api(api, case):
    response = api.as_(case.consumer).post(f"/api/v1/complaints/{case.pk}/take_over/", {}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["claimed_at"] is not None
    assert "take_over" not in response.json()["allowed_actions"]


def test_nobody_else_takes_the_case_over(client, api, case, li, clerk, owner):
    client.force_login(li)
    assert client.get(reverse("complaints:claim", args=[case.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("complaints:claim", args=[case.pk])).status_code == 403
    assert api.as_(clerk).post(f"/api/v1/complaints/{case.pk}/take_over/", {}, format="json").status_code == 403


def test_a_case_the_consumer_filed_online_has_nothing_to_take_over(client, file_complaint, wang):
    case = file_complaint()
    client.force_login(wang)

    response = client.get(reverse("complaints:claim", args=[case.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[case.pk])
    assert "take_over" not in workflow.allowed_actions(wang, case)


def test_the_consumer_can_still_choose_a_password_with_a_code(clerk, case):
    code = accounts_services.request_code(phone=CALLER)
    accounts_services.reset_password(phone=CALLER, code=code, password="another-pass-315")

    case.consumer.refresh_from_db()
    assert case.consumer.check_password("another-pass-315")
