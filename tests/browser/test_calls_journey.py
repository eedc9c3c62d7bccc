"""An agent calls the consumer through a privacy number from the case page, the provider reports
the call, and the consumer, on her phone, sees it on the timeline and turns calls off."""

import pytest
import requests

from complaints.models import CaseBinding
from telephony.local import play_call
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def test_an_agent_calls_the_consumer_through_a_privacy_number_and_she_turns_calls_off(
    page, browser, live_server, transactional_db, settings, file_complaint, agent, wang, shots
):
    settings.CALL_CALLBACK_SECRET = "journey-secret"
    settings.CALL_BACKEND = "telephony.backends.local.CallBackend"
    case = file_complaint()

    page.set_viewport_size(DESKTOP)
    log_in(page, live_server, "agent", PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    submit(page, "#calls button[type=submit]")
    binding = CaseBinding.objects.get()
    number = page.locator("#calls .privacy-number-link")
    assert number.inner_text() == binding.middle_number
    assert wang.phone not in page.content()
    shots(page, "agent-privacy-number-1440")

    # The agent dials the number; the provider reports the call.
    body, headers = play_call(middle_number=binding.middle_number, caller=agent.phone, duration=95)
    answer = requests.post(f"{live_server.url}/api/v1/calls/callback/local/", data=body, headers=headers, timeout=10)
    assert answer.json() == {"recorded": 1}
    page.reload()
    call = page.locator(".timeline li.event-call_answered")
    assert "1 min 35 s" in call.inner_text() and "Consumer 王*" in call.inner_text()

    # The consumer, on her phone.
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Asia/Shanghai")
    phone = context.new_page()
    log_in(phone, live_server, wang.username, PASSWORD)
    phone.goto(f"{live_server.url}/cases/{case.pk}/")
    call = phone.locator(".timeline li.event-call_answered")
    assert "Merchant Chen Agent" in call.inner_text() and "Consumer 王小明" in call.inner_text()
    assert no_horizontal_scroll(phone)
    shots(phone, "consumer-calls-375")
    submit(phone, "#calls form.calls-switch button[type=submit]")
    assert "Calls are off" in phone.locator("#calls").inner_text()
    assert phone.locator(".timeline li.event-calls_turned_off").count() == 1
    shots(phone, "consumer-calls-off-375")
    context.close()

    page.reload()
    assert "The consumer has turned calls off for this case." in page.locator("#calls").inner_text()
    assert page.locator("#calls form").count() == 0
    binding.refresh_from_db()
    assert binding.status == "unbound"
    shots(page, "agent-calls-off-1440")
