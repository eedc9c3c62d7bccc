"""An intake clerk files for a caller who has no account, accepts the merchant's offer for her
on the record, and the caller then opens the link in her SMS on her phone: a code by SMS logs
her in, she chooses a password and takes the case over (issue 15, part 1)."""

import re

import pytest
import sms

from complaints import workflow
from complaints.models import Complaint, EventKind
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

CALLER = "13700137000"


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def test_a_clerk_answers_for_a_caller_until_she_takes_her_case_over(
    page, browser, live_server, transactional_db, clerk, shop, owner, shots
):
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "clerk", PASSWORD)
    assert page.url.endswith("/council/intake/")  # the clerk's home
    page.locator("#id_phone").fill(CALLER)
    page.locator("#id_name").fill("Zhao Caller")
    page.locator("#id_intake_channel").select_option(value="counter")
    page.locator("#id_merchant").select_option(value=str(shop.pk))
    page.locator("#id_category").select_option(value="quality")
    page.locator("#id_channel").select_option(value="offline")
    page.locator("#id_title").fill("Kettle leaks")
    page.locator("#id_description").fill("The kettle leaked on the first day.")
    page.locator("input[name=demands][value=refund]").check()
    page.locator("#id_consent").check()
    submit(page, "#complaint-form button[type=submit] >> nth=-1")
    case = Complaint.objects.get()
    assert "You filed this case for the consumer" in page.locator("#on-behalf").inner_text()

    workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Refund.", remedy="refund"
    )
    page.reload()
    if page.locator("#action-accept").get_attribute("open") is None:
        page.locator("#action-accept summary").click()
    page.locator("#action-accept input[name='accept-agree']").check()
    submit(page, "#action-accept button[type=submit]")
    accepted = page.locator(".timeline li.event-accepted")
    assert "Zhou Clerk · Council intake clerk, on behalf of the consumer" in accepted.inner_text()
    shots(page, "clerk-case-1440")

    # The caller, on her phone, with the link from her SMS.
    (text,) = [m.body for m in sms.outbox if m.recipients == [CALLER] and "/my/claim/" in m.body]
    path = re.search(r"https?://\S+?(/my/claim/\d+/)", text).group(1)
    phone = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
    phone.goto(live_server.url + path)
    assert "/accounts/code/" in phone.url
    phone.locator("#id_phone").fill(CALLER)
    submit(phone, "main form button[type=submit]")
    code = re.search(r"\b(\d{6})\b", [m.body for m in sms.outbox if m.recipients == [CALLER]][-1]).group(1)
    phone.locator("#id_code").fill(code)
    submit(phone, "main form button[type=submit]")
    assert phone.url.endswith(f"/my/claim/{case.pk}/")
    assert no_horizontal_scroll(phone)
    shots(phone, "claim-375")

    phone.locator("#id_password").fill("kettle-2026-ok")
    phone.locator("#id_password_confirm").fill("kettle-2026-ok")
    submit(phone, "main form button[type=submit]")
    assert phone.url.endswith(f"/cases/{case.pk}/")
    assert "The consumer took over the case" in phone.locator(".timeline").inner_text()
    case.refresh_from_db()
    assert case.claimed_at is not None and case.consumer.check_password("kettle-2026-ok")
    assert case.events.filter(kind=EventKind.CLAIMED).count() == 1
    shots(phone, "consumer-case-375")

    page.reload()
    assert page.locator("#on-behalf").count() == 0  # the clerk no longer answers for her
