"""A supervisor takes a hotline call on a phone-sized screen: opens the intake page from the
navigation, files the caller's complaint, and the case page says who filed it and how."""

import pytest

from accounts.models import User
from complaints.models import Complaint
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

CALLER = "13700137000"


def test_a_supervisor_files_for_a_caller_and_the_case_shows_who_filed_it(
    page, live_server, transactional_db, supervisor, shop, shots
):
    page.set_viewport_size(PHONE)
    log_in(page, live_server, "supervisor", PASSWORD)
    page.goto(f"{live_server.url}/council/")
    page.get_by_text("Menu", exact=True).click()
    link = page.get_by_role("link", name="File for a consumer")
    if not link.is_visible():
        page.locator("details.nav-more summary").click()
    with page.expect_navigation():
        link.click()
    assert page.url.endswith("/council/intake/")
    assert no_horizontal_scroll(page)
    shots(page, "intake-form-375")

    page.locator("#id_phone").fill("137 0013 7000")
    page.locator("#id_name").fill("Zhao Caller")
    page.locator("#id_intake_channel").select_option(value="hotline")
    page.locator("#id_merchant").select_option(value=str(shop.pk))
    page.locator("#id_category").select_option(value="quality")
    page.locator("#id_channel").select_option(value="ecommerce")
    page.locator("#id_title").fill("Kettle leaks")
    page.locator("#id_description").fill("The kettle leaked on the first day.")
    page.locator("input[name=demands][value=refund]").check()

    # Without the consumer's agreement nothing is filed and nothing typed is lost.
    with page.expect_navigation():
        page.locator("#complaint-form button[type=submit]").last.click()
    assert not Complaint.objects.exists()
    assert page.locator("#id_title").input_value() == "Kettle leaks"
    assert "must agree" in page.locator("#consent-fields").inner_text()

    page.locator("#id_consent").check()
    with page.expect_navigation():
        page.locator("#complaint-form button[type=submit]").last.click()

    case = Complaint.objects.get()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert case.case_number in page.locator(".messages").inner_text()
    assert "Filed by Liu Supervisor for the consumer, by Hotline" in page.content()
    assert not User.objects.get(phone=CALLER).has_usable_password()
    assert no_horizontal_scroll(page)
    shots(page, "case-375")
    page.set_viewport_size(DESKTOP)
    shots(page, "case-1440")
