"""Mediation as a meeting, in the browser on a phone: the mediator schedules a session, the
consumer asks to move it, the mediator moves it, records the minutes after it, and both parties
acknowledge them, which settles the case on the agreed terms."""

import datetime

import pytest
from django.utils import timezone

from complaints import workflow
from complaints.models import Complaint, MediationSession, Status
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, act, axe_violations, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def axe_violations_of(page, url: str) -> list[dict]:
    """axe-core on the same page as the same person, in a context that lets its script in."""
    context = page.context.browser.new_context(bypass_csp=True, locale="en-GB", timezone_id="Asia/Shanghai")
    context.add_cookies(page.context.cookies())
    checked = context.new_page()
    checked.set_viewport_size(PHONE)
    checked.goto(url)
    try:
        return axe_violations(checked)
    finally:
        context.close()


def test_a_session_from_scheduling_to_acknowledged_minutes(
    page, live_server, transactional_db, case_in, supervisor, mediator, wang, owner, shots
):
    case = case_in(Status.IN_MEDIATION)
    workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator)
    case_url = f"{live_server.url}/cases/{case.pk}/"
    page.set_viewport_size(PHONE)

    log_in(page, live_server, "mediator", PASSWORD)
    page.goto(case_url)
    box = page.locator("#action-schedule_session")
    if box.evaluate("e => e.tagName == 'DETAILS' && !e.open"):
        box.locator("summary").click()
    box.locator("input[type=datetime-local]").fill(local(timezone.now() + datetime.timedelta(days=2)))
    box.get_by_label("In person", exact=True).check()
    box.get_by_label("Address (in person):").fill("江岸区消委会调解室")
    box.locator("select").select_option(label="Zhang Owner · Merchant owner")
    shots(page, "schedule-375")
    act(page, "schedule_session")
    assert "江岸区消委会调解室" in page.locator("#sessions").inner_text()
    assert no_horizontal_scroll(page)

    page.context.clear_cookies()
    log_in(page, live_server, wang.username, PASSWORD)
    page.goto(case_url)
    act(page, "request_reschedule", {"Why the session should move": "I work on that day."})
    assert "asked to move the session" in page.locator("#sessions").inner_text()
    assert page.locator("#action-request_reschedule").count() == 0

    page.context.clear_cookies()
    log_in(page, live_server, "mediator", PASSWORD)
    page.goto(case_url)
    box = page.locator("#action-reschedule_session")
    if box.evaluate("e => e.tagName == 'DETAILS' && !e.open"):
        box.locator("summary").click()
    box.locator("input[type=datetime-local]").fill(local(timezone.now() + datetime.timedelta(days=3)))
    act(page, "reschedule_session", {"Note to the parties (optional)": "Moved to Saturday."})
    assert "The session was moved: Moved to Saturday." in page.locator("#sessions").inner_text()

    # The days pass: the session's time has come.
    MediationSession.objects.filter(complaint=case).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    page.goto(case_url)
    act(
        page,
        "record_minutes",
        {
            "The consumer's position": "A full refund.",
            "The merchant's position": "A refund once the phone is back.",
            "Amount (CNY)": "1299.00",
            "What was agreed": "A full refund once the phone is back.",
            "Next step": "The consumer sends the phone back this week.",
        },
        choose={"Agreed remedy": "Refund"},
        check=("The consumer attended", "The merchant attended", "Terms were agreed"),
    )
    assert "Minutes awaiting acknowledgement" in page.locator("#sessions").inner_text()

    page.context.clear_cookies()
    log_in(page, live_server, wang.username, PASSWORD)
    page.goto(case_url)
    assert "Are these minutes right?" in page.content()
    assert axe_violations_of(page, case_url) == []
    shots(page, "minutes-375")
    act(page, "acknowledge_minutes")

    page.context.clear_cookies()
    log_in(page, live_server, owner.username, PASSWORD)
    page.goto(case_url)
    act(page, "acknowledge_minutes")

    case = Complaint.objects.get(pk=case.pk)
    assert case.status == Status.SETTLED
    assert case.agreement["message"] == "A full refund once the phone is back."
    text = page.locator("#sessions").inner_text()
    assert "Minutes acknowledged" in text
    assert no_horizontal_scroll(page)
    shots(page, "settled-375")
    page.set_viewport_size(DESKTOP)
    shots(page, "settled-1440")
