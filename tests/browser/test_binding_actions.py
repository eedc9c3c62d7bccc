"""Binding actions show what they bind and ask once, with or without JavaScript: accepting an
offer (its terms), approving an enrolment (the merchant's details), confirming a violation (the
compensation the rules fix). Both answers to "was it carried out?" are equal choices, and the
contact box says why the phone is masked in the same words as the reveal panel."""

import datetime
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import workflow
from complaints.models import Status
from merchants.models import MerchantStatus, Violation, ViolationStatus
from tests.conftest import PASSWORD, proof_for

from .conftest import DESKTOP, PHONE, log_in

AGREE = "I have read these terms and accept them"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def offered(file_complaint, owner):
    case = file_complaint(title="Sofa leg broken")
    due = timezone.localdate() + datetime.timedelta(days=9)
    return workflow.perform(
        actor=owner,
        complaint_id=case.pk,
        action="respond",
        kind="offer",
        message="We send a new leg.",
        remedy="repair",
        offer_amount=Decimal("80"),
        due_date=due,
    )


# --- without a browser: the server asks too ---------------------------------------------------


def test_accepting_shows_the_terms_and_needs_the_box_ticked(client, wang, offered):
    client.force_login(wang)
    page = text_of(client.get(f"/cases/{offered.pk}/"))
    form = page[page.index('id="action-accept"') :]
    form = form[: form.index("</form>")]
    assert AGREE in form
    assert "Repair" in form and "¥80.00" in form and offered.offer["due_date"] in form

    refused = client.post(f"/cases/{offered.pk}/act/accept/", follow=True)
    assert "Tick the box to accept the offer" in text_of(refused)
    offered.refresh_from_db()
    assert offered.status == Status.AWAITING_CONSUMER

    client.post(f"/cases/{offered.pk}/act/accept/", {"accept-agree": "on"})
    offered.refresh_from_db()
    assert offered.status == Status.SETTLED


def test_approving_an_enrolment_names_the_merchant_and_needs_the_box_ticked(client, supervisor, unlisted_shop):
    client.force_login(supervisor)
    url = f"/council/merchants/{unlisted_shop.pk}/"
    page = text_of(client.get(url))
    form = page[page.index('id="decision-approve"') :]
    form = form[: form.index("</form>")]
    assert unlisted_shop.name in form and unlisted_shop.uscc in form

    client.post(f"{url}approve/")
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.APPLIED
    assert "Tick the box to approve" in text_of(client.get(url))

    client.post(f"{url}approve/", {"approve-checked": "on"})
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.ENROLLED


@pytest.fixture
def reported(wang, offered):
    workflow.perform(
        actor=wang, complaint_id=offered.pk, action="report_violation", kind="harassment", message="Calls."
    )
    return Violation.objects.get(complaint=offered)


def test_confirming_a_violation_shows_the_compensation_and_needs_the_box_ticked(client, supervisor, reported, settings):
    settings.VIOLATION_COMPENSATION = {"negative_handling": "20.00", "harassment": "100.00"}
    client.force_login(supervisor)
    page = text_of(client.get("/council/violations/"))
    assert "owes the consumer ¥100.00" in page

    client.post(f"/council/violations/{reported.pk}/decide/", {"decision": "confirm"})
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.REPORTED

    client.post(f"/council/violations/{reported.pk}/decide/", {"decision": "confirm", "compensation_checked": "on"})
    reported.refresh_from_db()
    assert (reported.status, reported.compensation) == (ViolationStatus.CONFIRMED, Decimal("100.00"))


def test_the_agents_contact_box_agrees_with_the_reveal_panel(client, agent, owner, file_complaint):
    consented = file_complaint(share_contact=True)
    client.force_login(agent)
    page = text_of(client.get(f"/cases/{consented.pk}/"))
    assert 'id="reveal"' in page
    assert "did not agree" not in page and "has not agreed" not in page
    assert "The consumer agreed to share their contact details" in page

    refused = file_complaint(share_contact=False)
    page = text_of(client.get(f"/cases/{refused.pk}/"))
    assert 'id="reveal"' not in page
    assert "did not agree to share their contact details" in page
    client.force_login(owner)
    assert 'id="contact-note"' not in text_of(client.get(f"/cases/{consented.pk}/"))  # the owner sees it in full


# --- in the browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_consumer_reads_the_terms_ticks_once_and_sees_both_answers_side_by_side(
    page, live_server, transactional_db, wang, owner, offered, shots, viewport
):
    page.set_viewport_size(viewport)
    log_in(page, live_server, wang.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{offered.pk}/")
    accept = page.locator("#action-accept")
    assert accept.evaluate("e => e.open")
    terms = accept.inner_text()
    assert "Repair" in terms and "¥80.00" in terms
    assert "If you do not reply by" in page.locator("#deadline-effect").inner_text()
    shots(page, "offer-terms")

    # The browser itself refuses an unticked box; nothing is sent.
    accept.get_by_role("button", name="Accept the offer").click()
    page.wait_for_timeout(300)
    offered.refresh_from_db()
    assert offered.status == Status.AWAITING_CONSUMER and page.url.endswith(f"/cases/{offered.pk}/")

    accept.get_by_label(AGREE).check()
    with page.expect_navigation():
        accept.get_by_role("button", name="Accept the offer").click()
    offered.refresh_from_db()
    assert offered.status == Status.SETTLED

    workflow.perform(
        actor=owner, complaint_id=offered.pk, action="fulfil", message="New leg delivered.", **proof_for(offered)
    )
    page.goto(f"{live_server.url}/cases/{offered.pk}/")
    confirm = page.get_by_role("button", name="Confirm it was carried out")
    dispute = page.get_by_role("button", name="It was not carried out")
    assert confirm.is_visible() and dispute.is_visible()
    # Both in the main actions, neither tucked away under "Other steps".
    assert page.locator("#actions").get_by_role("button", name="It was not carried out").count() == 1
    assert page.locator("#more-actions").get_by_role("button", name="It was not carried out").count() == 0
    assert confirm.get_attribute("class") == dispute.get_attribute("class")
    a, b = confirm.bounding_box(), dispute.bounding_box()
    if viewport == DESKTOP:
        assert abs(a["y"] - b["y"]) < 2  # side by side
    shots(page, "was-it-carried-out")
    page.locator("#action-dispute").get_by_label("It was not done by the agreed date").check()
    with page.expect_navigation():
        dispute.click()
    offered.refresh_from_db()
    assert offered.status == Status.IN_MEDIATION


@pytest.mark.browser
def test_the_supervisor_sees_what_approving_and_confirming_bind(
    page, live_server, transactional_db, supervisor, unlisted_shop, reported, shots
):
    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/council/merchants/{unlisted_shop.pk}/")
    approve = page.locator("#decision-approve")
    assert unlisted_shop.uscc in approve.inner_text()
    shots(page, "approve")
    approve.get_by_label("I checked these details against the business licence").check()
    with page.expect_navigation():
        approve.locator("button[type=submit]").click()
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.ENROLLED

    page.goto(f"{live_server.url}/council/violations/?status=reported")
    card = page.locator(f"#violation-{reported.pk}")
    assert "¥100.00" in card.locator(".compensation-due").inner_text()
    card.get_by_label("Confirm: the merchant owes the compensation").check()
    card.get_by_label("Reason").fill("The call log shows it.")
    with page.expect_navigation():
        card.get_by_role("button", name="Record the decision").click()
    # Not ticked: the page comes back with the reason still typed and the box asked for.
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.REPORTED
    card = page.locator(f"#violation-{reported.pk}")
    assert card.get_by_label("Reason").input_value() == "The call log shows it."
    shots(page, "confirm-asked")
    card.get_by_label("I confirm the merchant owes the consumer ¥100.00.", exact=False).check()
    with page.expect_navigation():
        card.get_by_role("button", name="Record the decision").click()
    reported.refresh_from_db()
    assert (reported.status, reported.compensation) == (ViolationStatus.CONFIRMED, Decimal("100.00"))
