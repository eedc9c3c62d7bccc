"""The case page every role shares (/cases/<pk>/), its action forms and evidence files."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.selectors import mediators_for
from complaints import services, workflow
from complaints.models import Evidence, Status
from tests.conftest import proof_for

# Only what may be read by everyone with access to the case.
MASKED_NAME, MASKED_PHONE, FULL_PHONE = "王*", "138****8000", "13800138000"


def page_url(case) -> str:
    return f"/cases/{case.pk}/"


def act_url(case, action) -> str:
    return f"/cases/{case.pk}/act/{action}/"


def open_case_page(client, user, case):
    client.force_login(user)
    return client.get(page_url(case))


def action_forms(response) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', response.content.decode()))


def jpeg_upload(name="receipt.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def case(file_complaint):
    return file_complaint()


# --- who may open the page ---------------------------------------------------------------


def test_consumer_sees_own_case_with_own_contact(client, wang, case):
    response = open_case_page(client, wang, case)
    text = response.content.decode()
    assert response.status_code == 200
    assert case.case_number in text
    assert "Phone screen cracked on arrival" in text
    assert "The screen was cracked when I opened the box." in text
    assert "王小明" in text and FULL_PHONE in text
    assert "Jiang&#x27;an Electronics" in text and "Jiang&#x27;an District Consumer Council" in text


def test_agent_sees_the_consumer_masked(client, agent, case):
    response = open_case_page(client, agent, case)
    text = response.content.decode()
    assert response.status_code == 200
    assert MASKED_NAME in text and MASKED_PHONE in text
    assert FULL_PHONE not in text
    assert "王小明" not in text


def test_agent_sees_the_consumer_masked_even_with_consent(client, agent, file_complaint):
    text = open_case_page(client, agent, file_complaint(share_contact=True)).content.decode()
    assert MASKED_PHONE in text and FULL_PHONE not in text


def test_owner_sees_masked_contact_without_consent(client, owner, case):
    text = open_case_page(client, owner, case).content.decode()
    assert MASKED_NAME in text and MASKED_PHONE in text
    assert FULL_PHONE not in text


def test_owner_sees_full_contact_with_consent(client, owner, file_complaint):
    text = open_case_page(client, owner, file_complaint(share_contact=True)).content.decode()
    assert "王小明" in text and FULL_PHONE in text


def test_supervisor_of_the_city_sees_a_district_case(client, supervisor, case):
    response = open_case_page(client, supervisor, case)
    assert response.status_code == 200
    assert FULL_PHONE in response.content.decode()


def test_mediator_of_the_city_sees_the_case(client, mediator, case):
    assert open_case_page(client, mediator, case).status_code == 200


@pytest.mark.parametrize("outsider", ["sibling_supervisor", "other_agent", "li"])
def test_outsiders_get_404(client, request, case, outsider):
    response = open_case_page(client, request.getfixturevalue(outsider), case)
    assert response.status_code == 404
    assert case.case_number not in response.content.decode()


def test_anonymous_is_sent_to_log_in(client, case):
    assert client.get(page_url(case))["Location"] == f"/accounts/login/?next={page_url(case)}"


def test_unknown_case_is_404(client, wang, db):
    client.force_login(wang)
    assert client.get("/cases/999999/").status_code == 404


def test_html_in_a_title_is_escaped(client, wang, file_complaint):
    case = file_complaint(title="<script>alert('x')</script>", description="<b>bold</b>")
    text = open_case_page(client, wang, case).content.decode()
    assert "<script>alert" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text


def test_header_shows_whose_move_and_the_countdown(client, owner, wang, case):
    owner_text = open_case_page(client, owner, case).content.decode()
    assert "Your move" in owner_text
    assert re.search(r"\d+ days? \d+ h left", owner_text)
    consumer_text = open_case_page(client, wang, case).content.decode()
    assert "Waiting for: Merchant" in consumer_text


# --- the action forms each role sees -------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("wang", {"withdraw", "message", "report_violation"}),
        ("owner", {"respond", "message", "assign_agent"}),
        ("agent", {"respond", "message"}),
        ("supervisor", {"message"}),
        ("mediator", {"message"}),
    ],
)
def test_each_role_sees_exactly_its_actions_awaiting_the_merchant(client, request, case, person, expected):
    user = request.getfixturevalue(person)
    response = open_case_page(client, user, case)
    assert action_forms(response) == expected == set(workflow.allowed_actions(user, case))


def test_consumer_sees_accept_reject_and_mediation_once_the_merchant_offers(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    response = open_case_page(client, wang, case)
    assert action_forms(response) == {
        "accept",
        "reject",
        "request_mediation",
        "withdraw",
        "message",
        "report_violation",
    }
    text = response.content.decode()
    assert "The merchant's offer" in text and "We refund in full." in text and "¥2,999.00" in text


def test_supervisor_assigns_among_mediators_whose_council_covers_the_case(
    client, supervisor, mediator, sibling_mediator, case_in
):
    case = case_in(Status.IN_MEDIATION)
    assert list(mediators_for(case)) == [mediator]
    response = open_case_page(client, supervisor, case)
    assert action_forms(response) == {"assign", "message"}
    text = response.content.decode()
    assert "Sun Mediator" in text and "Ma Mediator" not in text

    client.post(act_url(case, "assign"), {"assign-mediator": mediator.pk})

    case.refresh_from_db()
    assert case.mediator == mediator
    response = open_case_page(client, mediator, case)
    assert action_forms(response) == {"schedule_session", "record_agreement", "record_failure", "message"}


def test_mediator_records_failure_with_advice(client, supervisor, mediator, case_in):
    case = case_in(Status.IN_MEDIATION)
    workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator.pk)
    client.force_login(mediator)

    response = client.post(
        act_url(case, "record_failure"), {"record_failure-message": "No agreement.", "record_failure-advice": "court"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "not_settled")
    assert "Bring a lawsuit in court" in client.get(page_url(case)).content.decode()


def test_supervisor_reviews_a_complaint_against_a_merchant_not_enrolled(client, supervisor, case_in):
    case = case_in(Status.UNDER_REVIEW)
    response = open_case_page(client, supervisor, case)
    assert action_forms(response) == {"review_accept", "review_reject", "message"}
    client.post(act_url(case, "review_reject"), {"review_reject-message": "Not a consumer matter."})
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "rejected")


# --- walking a case through the page ---------------------------------------------------------


def test_a_case_walks_through_respond_accept_fulfil_confirm_and_rate(client, wang, owner, case):
    def post(user, action, data=None):
        client.force_login(user)
        response = client.post(act_url(case, action), {f"{action}-{k}": v for k, v in (data or {}).items()})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == page_url(case) + "#timeline"
        case.refresh_from_db()

    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()  # at most OFFER_MAX_DAYS ahead
    post(
        owner,
        "respond",
        {
            "kind": "offer",
            "message": "We refund in full.",
            "remedy": "refund",
            "offer_amount": "2999.00",
            "due_date": due,
        },
    )
    assert case.status == Status.AWAITING_CONSUMER
    assert case.offer["amount"] == "2999.00" and case.offer["due_date"] == due
    post(wang, "accept", {"agree": "on"})
    assert case.status == Status.SETTLED
    post(owner, "fulfil", {"message": "Refunded, receipt R-1.", **proof_for(case)})
    assert case.status == Status.AWAITING_CONFIRMATION
    post(wang, "confirm")
    assert (case.status, case.outcome) == (Status.CLOSED, "resolved")
    post(wang, "rate", {"score": "5", "comment": "Quick and fair."})
    assert case.satisfaction == 5

    page = client.get(page_url(case))
    text = page.content.decode()
    assert "Done: Rate the handling." in text
    for step in (
        "The merchant made an offer",
        "The consumer accepted the offer",
        "The settlement was marked as carried out",
        "The consumer confirmed it was carried out",
        "The consumer rated the handling",
        "Refunded, receipt R-1.",
        "Quick and fair.",
    ):
        assert step in text
    assert action_forms(page) == {"report_violation"}


def test_a_wrong_state_post_shows_an_error_not_a_500(client, wang, case):
    client.force_login(wang)
    response = client.post(act_url(case, "accept"), follow=True)
    assert response.redirect_chain == [(page_url(case) + "#action-accept", 302)]
    text = response.content.decode()
    assert "“Accept the offer” is no longer possible: the case is now “Awaiting the merchant”." in text
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT


def test_accepting_twice_says_the_action_is_no_longer_possible(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    client.force_login(wang)
    assert client.post(act_url(case, "accept"), {"accept-agree": "on"}).status_code == 302
    response = client.post(act_url(case, "accept"), {"accept-agree": "on"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(page_url(case))
    assert "no longer possible" in response.content.decode()


def test_a_form_error_is_shown_on_the_page_and_changes_nothing(client, owner, case):
    client.force_login(owner)
    response = client.post(act_url(case, "respond"), {"respond-kind": "offer", "respond-message": "Sorry"}, follow=True)
    assert response.redirect_chain == [(page_url(case) + "#action-respond", 302)]
    assert "An offer names its remedy." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT


def test_a_role_that_may_not_act_gets_an_error(client, agent, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    client.force_login(agent)
    response = client.post(act_url(case, "accept"), follow=True)
    # Who before what (workflow.check_may): accepting is the consumer's, so the agent's role is
    # refused before the state, which would allow it, is looked at.
    assert response.redirect_chain[-1][0].startswith(page_url(case))
    assert "is not open to your role on this case" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CONSUMER


def test_unknown_action_is_404_and_get_shows_the_case(client, wang, case):
    client.force_login(wang)
    assert client.post(act_url(case, "explode")).status_code == 404
    response = client.get(act_url(case, "withdraw"))
    assert (response.status_code, response["Location"]) == (302, page_url(case))


def test_an_outsider_cannot_act_on_a_case(client, li, case):
    client.force_login(li)
    assert client.post(act_url(case, "withdraw")).status_code == 404
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT


def test_bad_input_never_gives_a_500(client, wang, owner, case_in):
    case = case_in(Status.CLOSED)
    client.force_login(wang)
    for score in ("11", "abc"):
        response = client.post(act_url(case, "rate"), {"rate-score": score}, follow=True)
        assert response.status_code == 200 and "Please correct the marked fields" in response.content.decode()
    client.force_login(owner)
    other = case_in(Status.AWAITING_MERCHANT)
    response = client.post(
        act_url(other, "respond"),
        {"respond-kind": "offer", "respond-message": "x", "respond-remedy": "refund", "respond-offer_amount": "1e99"},
        follow=True,
    )
    assert response.status_code == 200 and "Please correct the marked fields" in response.content.decode()


# --- messages and staff-only notes -------------------------------------------------------------


def test_staff_only_note_is_invisible_to_the_consumer(client, wang, supervisor, agent, case):
    client.force_login(supervisor)
    client.post(
        act_url(case, "message"), {"message-message": "Check this merchant's history.", "message-staff_only": "on"}
    )
    note = "Check this merchant&#x27;s history."

    supervisor_text = client.get(page_url(case)).content.decode()
    assert note in supervisor_text
    assert "Council staff only" in supervisor_text
    assert note not in open_case_page(client, wang, case).content.decode()
    assert note not in open_case_page(client, agent, case).content.decode()


def test_merchant_note_for_the_council_is_hidden_from_the_consumer(client, wang, owner, supervisor, case):
    client.force_login(owner)
    client.post(act_url(case, "message"), {"message-message": "Customer damaged it.", "message-staff_only": "on"})
    assert "Customer damaged it." in open_case_page(client, supervisor, case).content.decode()
    assert "Customer damaged it." not in open_case_page(client, wang, case).content.decode()


def test_consumer_message_reaches_the_timeline_and_has_no_staff_only_box(client, wang, owner, case):
    response = open_case_page(client, wang, case)
    assert "message-staff_only" not in response.content.decode()
    client.post(act_url(case, "message"), {"message-message": "Any news?", "message-staff_only": "on"})
    assert "Any news?" in open_case_page(client, owner, case).content.decode()


def test_notices_are_shown_to_staff_only_with_masked_recipients(client, supervisor, wang, case):
    staff_text = open_case_page(client, supervisor, case).content.decode()
    assert "Notices sent" in staff_text
    assert "139****0001" in staff_text and "13900000001" not in staff_text
    assert "Notices sent" not in open_case_page(client, wang, case).content.decode()


# --- evidence --------------------------------------------------------------------------------


@pytest.fixture
def evidence(wang, case):
    return services.add_evidence(actor=wang, complaint=case, upload=jpeg_upload())


@pytest.mark.parametrize("person", ["wang", "owner", "agent", "supervisor"])
def test_parties_open_an_evidence_photo_in_the_browser(client, request, case, evidence, person):
    client.force_login(request.getfixturevalue(person))
    response = client.get(f"/cases/{case.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert "receipt.jpg" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("outsider", ["li", "other_agent", "sibling_supervisor"])
def test_outsiders_get_404_for_evidence(client, request, case, evidence, outsider):
    client.force_login(request.getfixturevalue(outsider))
    assert client.get(f"/cases/{case.pk}/evidence/{evidence.pk}/").status_code == 404


def test_evidence_of_another_case_is_404_through_this_case(client, wang, file_complaint, evidence):
    other = file_complaint(title="Another case")
    client.force_login(wang)
    assert client.get(f"/cases/{other.pk}/evidence/{evidence.pk}/").status_code == 404


def test_case_page_lists_evidence_with_download_links(client, agent, case, evidence):
    text = open_case_page(client, agent, case).content.decode()
    assert f'href="/cases/{case.pk}/evidence/{evidence.pk}/"' in text


def test_consumer_adds_evidence_from_the_case_page(client, wang, case):
    client.force_login(wang)
    response = client.post(
        f"/cases/{case.pk}/evidence/",
        {"evidence-files": [jpeg_upload("box.jpg")], "evidence-kind": "photo"},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 file added as evidence." in response.content.decode()
    assert [e.original_name for e in Evidence.objects.filter(complaint=case)] == ["box.jpg"]


def test_the_merchant_gives_evidence_too_and_the_list_says_who_gave_each_file(client, owner, case):
    response = open_case_page(client, owner, case)
    assert f'action="/cases/{case.pk}/evidence/"' in response.content.decode()
    response = client.post(
        f"/cases/{case.pk}/evidence/", {"evidence-files": [jpeg_upload()], "evidence-kind": "receipt"}, follow=True
    )
    assert response.status_code == 200
    assert Evidence.objects.get().uploader_role == "merchant_owner"
    assert "given by: Merchant owner" in response.content.decode()


def test_someone_off_the_case_gives_no_evidence(client, li, case):
    client.force_login(li)
    response = client.post(f"/cases/{case.pk}/evidence/", {"evidence-files": [jpeg_upload()], "evidence-kind": "photo"})
    assert response.status_code == 404
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("person", ["wang", "owner", "supervisor"])
def test_case_page_queries_do_not_grow_with_the_timeline(
    client, request, wang, owner, agent, case, evidence, person, django_assert_max_num_queries
):
    for i in range(5):
        for actor in (wang, owner, agent):
            workflow.perform(actor=actor, complaint_id=case.pk, action="message", message=f"Note {i}")
    client.force_login(request.getfixturevalue(person))
    # 10, the bell's unread count on every page, and the calls panel's privacy-number bindings
    with django_assert_max_num_queries(12):
        response = client.get(page_url(case))
    assert response.status_code == 200
    assert response.content.decode().count('class="event event-message') == 15


def test_absurd_ids_are_404_not_500(client, wang, case, evidence):
    client.force_login(wang)
    huge = "9" * 30
    assert client.get(f"/cases/{huge}/").status_code == 404
    assert client.get(f"/cases/{case.pk}/evidence/{huge}/").status_code == 404
    assert client.post(f"/cases/{huge}/act/withdraw/").status_code == 404


def test_uploading_without_a_file_shows_the_error_on_the_case_page(client, wang, case):
    client.force_login(wang)
    response = client.post(f"/cases/{case.pk}/evidence/", {"evidence-kind": "photo"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_declined_complaint_offers_the_consumer_no_accept(client, wang, owner, case):
    client.force_login(owner)
    client.post(act_url(case, "respond"), {"respond-kind": "decline", "respond-message": "Damage caused by a fall."})
    response = open_case_page(client, wang, case)
    text = response.content.decode()
    assert "The merchant declined" in text and "Damage caused by a fall." in text
    assert action_forms(response) == {"reject", "request_mediation", "withdraw", "message", "report_violation"}
