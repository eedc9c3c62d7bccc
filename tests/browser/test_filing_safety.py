"""Filing a complaint in a real Chromium without losing it or filing it twice: uploads within the
stated limits get through, refused files are caught before sending, a request too large is a
page, back-and-submit-again lands on the filed case, and the form comes before the guidance."""

import io
import os
import re

import pytest
from PIL import Image

from complaints.models import Complaint
from tests.conftest import PASSWORD

from .conftest import DESKTOP, PHONE, field_label, log_in, png_bytes

pytestmark = pytest.mark.browser

TITLE = "Phone screen cracked on arrival"
TEXT = "The screen was cracked when I opened the box on delivery day."
MB = 1024 * 1024


def noise_png(side: int) -> bytes:
    """A real PNG of random pixels: it barely compresses (about 3 bytes a pixel)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG", compress_level=1)
    return out.getvalue()


def open_form(page, live_server, *, language: str = "en", size=PHONE):
    page.set_viewport_size(size)
    log_in(page, live_server, "13800138000", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/my/new/")


def fill_form(page, shop, *, order="TB-0001"):
    page.locator("#id_merchant").select_option(value=str(shop.pk))
    page.locator("#id_category").select_option(value="quality")
    page.locator("#id_channel").select_option(value="ecommerce")
    page.locator("#id_order_number").fill(order)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_description").fill(TEXT)
    page.locator("input[name=demands][value=refund]").check()


def file_it(page):
    with page.expect_navigation():
        page.locator("#complaint-form button[type=submit]").last.click()


def test_files_within_the_stated_limits_are_filed_though_the_request_is_over_12_mb(
    page, live_server, transactional_db, wang, shop, shots
):
    photos = [noise_png(1500), noise_png(1500)]  # about 6.5 MB each, 13 MB together
    assert all(8 * MB > len(p) > 6 * MB for p in photos)
    open_form(page, live_server)
    fill_form(page, shop)
    page.get_by_label(field_label("Evidence")).set_input_files(
        [{"name": f"photo-{n}.png", "mimeType": "image/png", "buffer": p} for n, p in enumerate(photos)]
    )

    file_it(page)

    complaint = Complaint.objects.get()
    assert page.url.endswith(f"/cases/{complaint.pk}/"), page.locator("main").inner_text()
    assert complaint.evidence.count() == 2
    shots(page, "filed-with-13-mb")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refused_files_are_caught_before_sending_and_nothing_typed_is_lost(
    page, live_server, transactional_db, wang, shop, shots, language
):
    open_form(page, live_server, language=language)
    fill_form(page, shop)
    evidence = page.locator("#id_evidence")
    evidence.set_input_files(
        [
            {"name": "receipt.jpg", "mimeType": "image/jpeg", "buffer": b"Order TB-0001, paid 2999 CNY\n"},
            {"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + b"\0" * (11 * MB)},
            {"name": "box.png", "mimeType": "image/png", "buffer": png_bytes("red")},
        ]
    )
    check = page.locator("#evidence-check")
    check.wait_for(state="visible")
    texts = page.evaluate("JSON.parse(document.getElementById('evidence-limits').textContent).messages")
    assert check.locator("li").all_inner_texts() == [
        texts["wrong_type"].replace("%(file)s", "receipt.jpg"),
        texts["too_large"].replace("%(file)s", "holiday.jpg"),
    ]
    shots(page, f"files-refused-in-the-browser-{language}")

    page.locator("#complaint-form button[type=submit]").last.click()
    page.wait_for_timeout(500)

    assert page.url.endswith("/my/new/")
    assert not Complaint.objects.exists()
    assert page.locator("#id_description").input_value() == TEXT
    assert page.evaluate("document.activeElement.id") == "id_evidence"

    evidence.set_input_files([{"name": "box.png", "mimeType": "image/png", "buffer": png_bytes("red")}])
    check.wait_for(state="hidden")
    file_it(page)
    assert Complaint.objects.get().evidence.count() == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_request_too_large_is_a_page_in_the_visitors_language(
    page, live_server, transactional_db, wang, shop, shots, settings, language
):
    # A small limit stands in for one above 20 files of 10 MB.
    settings.UPLOAD_REQUEST_MAX_BYTES = settings.REQUEST_MAX_BYTES = MB
    open_form(page, live_server, language=language)
    fill_form(page, shop)
    page.locator("#id_evidence").set_input_files(
        [{"name": "photo.png", "mimeType": "image/png", "buffer": noise_png(700)}]
    )

    with page.expect_navigation() as navigation:
        page.locator("#complaint-form button[type=submit]").last.click()

    assert navigation.value.status == 413
    assert navigation.value.header_value("content-type") == "text/html; charset=utf-8"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#too-large h1").is_visible()
    assert page.locator(".site-header .brand").is_visible()
    shots(page, f"too-large-{language}")
    assert not Complaint.objects.exists()


def test_back_and_submit_again_lands_on_the_filed_case(page, live_server, transactional_db, wang, shop, shots):
    open_form(page, live_server)
    fill_form(page, shop)
    file_it(page)
    complaint = Complaint.objects.get()

    page.go_back()
    page.wait_for_load_state()
    assert page.locator("#id_title").input_value() == TITLE
    file_it(page)

    assert Complaint.objects.count() == 1
    assert page.url.endswith(f"/cases/{complaint.pk}/")
    assert f"already filed as case {complaint.case_number}" in page.locator(".messages").inner_text()
    shots(page, "submitted-again")

    # A new form for the same order: the open case is shown and a second one needs a confirmation.
    page.goto(f"{live_server.url}/my/new/")
    fill_form(page, shop)
    file_it(page)
    box = page.locator("#duplicate")
    assert complaint.case_number in box.inner_text()
    shots(page, "same-order-again")
    with page.expect_navigation():
        box.get_by_role("button").click()
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_form_comes_first_and_the_guidance_of_the_chosen_category_beside_or_below(
    page, live_server, transactional_db, wang, shop, shots, language
):
    open_form(page, live_server, language=language)
    form = page.locator("#complaint-form")
    guidance = page.locator("#guidance")

    first_field = page.locator("#id_merchant").bounding_box()
    assert first_field["y"] < 450, first_field
    assert guidance.bounding_box()["y"] >= form.bounding_box()["y"] + form.bounding_box()["height"]
    page.locator("#id_category").select_option(value="quality")
    visible = page.locator(".guidance-item:visible")
    assert visible.count() == 1
    assert visible.get_attribute("data-category") == "quality"
    shots(page, f"form-phone-{language}")

    page.set_viewport_size(DESKTOP)
    form_box, guidance_box = form.bounding_box(), guidance.bounding_box()
    assert guidance_box["x"] >= form_box["x"] + form_box["width"]
    assert abs(guidance_box["y"] - form_box["y"]) < 40
    assert re.search(r"\S", visible.inner_text())
    shots(page, f"form-desktop-{language}")
