"""An action's address never stays in the address bar: every outcome of a case action, a merchant
decision or a violation decision is the page it was taken on (a redirect), what was typed and its
errors come along (kept in the session for one showing), and opening an action's address (a
reload, a language switch there) shows that page instead of an empty 405."""

import html

import pytest

from complaints import workflow
from complaints.models import Status
from merchants.models import MerchantStatus, Violation, ViolationStatus


def page_url(case) -> str:
    return f"/cases/{case.pk}/"


def act_url(case, action) -> str:
    return f"/cases/{case.pk}/act/{action}/"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


# --- case actions ---------------------------------------------------------------------------


def test_a_refused_form_answers_with_the_case_page_keeping_the_text_and_its_errors(client, owner, case_in):
    case = case_in(Status.AWAITING_MERCHANT)
    client.force_login(owner)
    typed = "We can offer a partial refund after checking the parcel photos."

    response = client.post(act_url(case, "respond"), {"respond-kind": "offer", "respond-message": typed})

    assert (response.status_code, response["Location"]) == (302, page_url(case) + "#action-respond")
    page = client.get(response["Location"])
    text = text_of(page)
    assert page.status_code == 200
    assert "An offer names its remedy." in text
    assert "Please correct the marked fields of “Answer”." in text
    assert typed in text  # in the answer's text box, ready to send again
    assert '<details class="action" id="action-respond" open>' in page.content.decode()
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT

    # Shown once: the next visit is the plain page.
    again = text_of(client.get(page_url(case)))
    assert typed not in again and "An offer names its remedy." not in again


def test_a_domain_error_after_a_valid_form_is_kept_across_the_redirect(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    workflow.perform(actor=wang, complaint_id=case.pk, action="report_violation", kind="harassment", message="Calls.")
    client.force_login(wang)
    typed = "He called again at midnight."
    data = {"report_violation-kind": "harassment", "report_violation-message": typed}

    # The form is valid; the service refuses a second open report of the same kind.
    response = client.post(act_url(case, "report_violation"), data, follow=True)

    assert response.redirect_chain == [(page_url(case) + "#action-report_violation", 302)]
    text = text_of(response)
    assert "You have already reported this about this case" in text
    assert typed in text


def test_opening_an_action_address_shows_the_case(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    client.force_login(wang)

    response = client.get(act_url(case, "accept"))

    assert (response.status_code, response["Location"]) == (302, page_url(case))
    assert client.get(response["Location"]).status_code == 200


def test_switching_the_language_after_a_failed_action_shows_the_case_in_that_language(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    client.force_login(wang)
    failed = client.post(act_url(case, "reject"), {"reject-message": ""})
    assert failed["Location"].startswith(page_url(case))

    # The language menu posts the address in the bar as `next`; were that the action's
    # address (the old answer), the switch would land on an empty 405.
    switched = client.post("/i18n/setlang/", {"language": "zh-hans", "next": act_url(case, "reject")}, follow=True)

    assert switched.status_code == 200
    assert switched.redirect_chain[-1][0] == page_url(case)
    assert case.case_number in switched.content.decode()
    assert 'lang="zh-hans"' in switched.content.decode()


def test_text_typed_for_an_action_the_case_moved_past_is_shown_to_copy(client, wang, owner, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    client.force_login(wang)
    page = client.get(page_url(case))
    assert page.status_code == 200
    # Meanwhile the consumer accepted on another device.
    workflow.perform(actor=wang, complaint_id=case.pk, action="accept")
    typed = "The refund should include the delivery fee of 30 CNY."

    response = client.post(act_url(case, "reject"), {"reject-message": typed}, follow=True)

    text = text_of(response)
    assert response.redirect_chain == [(page_url(case) + "#action-reject", 302)]
    assert "“Not satisfied, ask again” is no longer possible" in text
    assert typed in text and 'id="unsent"' in text


def test_an_unknown_action_and_a_case_out_of_sight_stay_404(client, wang, li, case_in):
    case = case_in(Status.AWAITING_MERCHANT)
    client.force_login(wang)
    assert client.get(act_url(case, "explode")).status_code == 404
    client.force_login(li)
    assert client.get(act_url(case, "withdraw")).status_code == 404
    assert client.post(act_url(case, "withdraw")).status_code == 404


# --- merchant decisions and violation decisions -------------------------------------------


def test_a_refused_merchant_decision_keeps_the_reason_field_and_answers_with_the_merchant_page(
    client, supervisor, unlisted_shop
):
    client.force_login(supervisor)
    url = f"/council/merchants/{unlisted_shop.pk}/"
    assert client.get(f"{url}approve/")["Location"] == url

    response = client.post(f"{url}refuse/", {"refuse-reason": ""})

    assert (response.status_code, response["Location"]) == (302, f"{url}#decision-refuse")
    page = client.get(url).content.decode()
    assert "This field is required." in page and 'id="decision-refuse" open' in page
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == MerchantStatus.APPLIED


@pytest.fixture
def reported(wang, owner, file_complaint):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=wang, complaint_id=case.pk, action="report_violation", kind="harassment", message="Calls.")
    return Violation.objects.get(complaint=case)


def test_a_refused_violation_decision_keeps_what_was_typed(client, supervisor, reported):
    client.force_login(supervisor)
    url = f"/council/violations/{reported.pk}/decide/"
    assert client.get(url)["Location"] == f"/council/violations/?status=reported#violation-{reported.pk}"
    typed = "The call log shows calls, but the consumer answered them."

    response = client.post(url, {"decision": "confirm", "reason": typed}, follow=True)

    text = text_of(response)
    assert typed in text
    assert "Tick the box to confirm" in text
    reported.refresh_from_db()
    assert reported.status == ViolationStatus.REPORTED
