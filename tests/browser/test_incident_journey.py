"""A supervisor groups the complaints about a collapsed prepaid-card shop into an incident and
writes to every consumer at once (sent twice, received once); a consumer filing against the
shop then sees the incident on the filing form and joins it."""

import pytest

from complaints.models import Complaint, ComplaintEvent, EventKind, Incident
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, axe_violations, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_supervisor_opens_an_incident_and_a_consumer_joins_it(
    browser, live_server, transactional_db, supervisor, wang, li, shop, file_complaint, shots
):
    first = file_complaint(title="Prepaid card refused", amount="500.00")
    second = file_complaint(consumer=li, title="My card is worthless", amount="800.00")
    # axe-core is injected as a script tag, which the Content-Security-Policy refuses: this context
    # alone bypasses it (as tests/browser/test_layout_and_accessibility.py does).
    context = browser.new_context(bypass_csp=True, locale="en-GB", timezone_id="Asia/Shanghai", viewport=PHONE)
    try:
        _journey(context.new_page(), live_server, first, second, wang, shop, shots)
    finally:
        context.close()


def _journey(page, live_server, first, second, wang, shop, shots):
    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/council/")
    page.get_by_text("Menu", exact=True).click()
    link = page.get_by_role("link", name="Incidents")
    if not link.is_visible():
        page.locator("details.nav-more summary").click()
    with page.expect_navigation():
        link.click()
    with page.expect_navigation():
        page.locator("#open-incident").click()
    page.locator("#id_merchant").select_option(value=str(shop.pk))
    page.locator("#id_title").fill("Prepaid cards not honoured")
    page.locator("#id_keywords").fill("card")
    assert no_horizontal_scroll(page)
    shots(page, "incident-new-375")
    with page.expect_navigation():
        page.locator("#incident-form button[type=submit]").click()
    incident = Incident.objects.get()
    assert page.url.endswith(f"/council/incidents/{incident.pk}/")

    # The rule proposes both cases, ticked; staff add them.
    assert page.locator(f"#propose-{first.pk}").is_checked() and page.locator(f"#propose-{second.pk}").is_checked()
    with page.expect_navigation():
        page.locator("#add-cases").click()
    assert page.locator("#total-cases").inner_text() == "2"
    assert page.locator("#total-consumers").inner_text() == "2"

    # One message to everyone; the same form sent again (back, then send) reaches nobody twice.
    page.locator("#id_message-message").fill("The shop's administrator will refund the cards; we will write again.")
    with page.expect_navigation():
        page.locator("#message-all button[type=submit]").click()
    assert "Done on 2 cases" in page.locator(".messages").inner_text()
    page.go_back()
    with page.expect_navigation():
        page.locator("#message-all button[type=submit]").click()
    assert "2 cases had it already" in page.locator("#bulk-result").inner_text()
    assert ComplaintEvent.objects.filter(kind=EventKind.INCIDENT_MESSAGE).count() == 2
    assert no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shots(page, "incident-375")
    page.set_viewport_size(DESKTOP)
    shots(page, "incident-1440")

    # A consumer filing against the shop sees the incident once the shop is chosen, and joins it.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    log_in(page, live_server, wang.username, PASSWORD)
    page.goto(f"{live_server.url}/my/new/")
    assert not page.locator("#incident-fields").is_visible()
    page.locator("#id_merchant").select_option(value=str(shop.pk))
    assert page.locator("#incident-fields").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Jiang'an Electronics: Prepaid cards not honoured").check()
    page.locator("#id_category").select_option(value="quality")
    page.locator("#id_channel").select_option(value="offline")
    page.locator("#id_title").fill("My prepaid card too")
    page.locator("#id_description").fill("The shop closed with 600 yuan on my card.")
    page.locator("input[name=demands][value=refund]").check()
    shots(page, "filing-with-incident-375")
    with page.expect_navigation():
        page.locator("#complaint-form button[type=submit]").last.click()
    case = Complaint.objects.get(title="My prepaid card too")
    assert case.incident == incident
    assert "The consumer joined the council's incident about this merchant" in page.content()
    assert no_horizontal_scroll(page)
    shots(page, "joined-case-375")
