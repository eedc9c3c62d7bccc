"""Filing a complaint from the page loses nothing and files once: uploads within the stated
limits get through, a refused file stops the filing and brings the form back filled in with
the error at the file field, a request too large is a page in the visitor's language, the same
form sent twice files one case, and a second open case for the same order is confirmed first."""

import datetime
import io
import re
from wsgiref.util import is_hop_by_hop

import pytest
import sms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from complaints import filing, workflow
from complaints.models import Complaint, Evidence
from mediation.security import RequestSizeLimitMiddleware

NEW = "/my/new/"
MB = 1024 * 1024


def jpeg(name="screen.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def fields(merchant, **overrides) -> dict:
    data = {
        "merchant": merchant.pk,
        "category": "quality",
        "channel": "ecommerce",
        "order_number": "TB-0001",
        "amount": "2999.00",
        "demands": ["refund"],
        "title": "Phone screen cracked on arrival",
        "description": "The screen was cracked when I opened the box.",
        "evidence_kind": "photo",
    }
    data.update(overrides)
    return data


def form_token(client) -> str:
    return re.search(r'name="filing_token" value="([0-9a-f]{32})"', client.get(NEW).content.decode()).group(1)


def evidence_field_errors(html: str) -> str:
    """The text of the evidence fieldset: where the file field's errors must be."""
    return re.search(r'<fieldset class="card" id="evidence-fields">(.*?)</fieldset>', html, re.S).group(1)


@pytest.fixture
def as_wang(client, wang):
    client.force_login(wang)
    return client


# --- 1. the stated limits are the real ones ------------------------------------------------


def declared(path: str, length: int):
    request = RequestFactory().post(path, data=b"", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(length)
    return request


def test_twenty_files_of_10_mb_fit_the_filing_and_evidence_pages(file_complaint, settings):
    passed = []
    middleware = RequestSizeLimitMiddleware(lambda request: passed.append(request.path) or HttpResponse("ok"))
    case = file_complaint()
    twenty_files = 20 * 10 * MB + 200 * 1024

    for path in (NEW, f"/cases/{case.pk}/evidence/"):
        assert middleware(declared(path, twenty_files)).status_code == 200

    assert passed == [NEW, f"/cases/{case.pk}/evidence/"]
    assert settings.UPLOAD_REQUEST_MAX_BYTES >= twenty_files


def test_other_pages_keep_the_small_request_limit(db, settings):
    middleware = RequestSizeLimitMiddleware(lambda request: HttpResponse("ok"))
    request = declared("/accounts/login/", settings.REQUEST_MAX_BYTES + 1)
    request.user, request.session = None, {}
    assert middleware(request).status_code == 413


def test_a_file_over_10_mb_brings_the_form_back_filled_in_with_the_error_at_the_file_field(as_wang, shop):
    big = SimpleUploadedFile("holiday.jpg", jpeg().read() + b"\0" * (11 * MB), content_type="image/jpeg")

    response = as_wang.post(NEW, fields(shop, evidence=[jpeg(), big]))

    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert sms.outbox == []
    html = response.content.decode()
    assert "holiday.jpg: Each file may be at most 10 MB." in evidence_field_errors(html)
    assert "choose them again" in evidence_field_errors(html)
    assert "The screen was cracked when I opened the box." in html
    assert 'value="Phone screen cracked on arrival"' in html


def test_a_request_too_large_for_a_page_is_a_page_in_the_visitors_language(as_wang, settings):
    as_wang.cookies["django_language"] = "zh-hans"

    response = as_wang.generic(
        "POST",
        NEW,
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(settings.UPLOAD_REQUEST_MAX_BYTES + 1),
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'id="too-large"' in html and 'class="site-header"' in html
    assert 'href="/my/"' in html  # back to the consumer's cases
    # A WSGI server refuses hop-by-hop headers from an application (runserver answered 500).
    assert not [name for name, _value in response.items() if is_hop_by_hop(name)]


def test_the_api_still_answers_json_when_too_large(api, wang, settings):
    response = api.as_(wang).generic(
        "POST", "/api/v1/complaints/", b"{}", content_type="application/json", CONTENT_LENGTH=str(50 * MB)
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not [name for name, _value in response.items() if is_hop_by_hop(name)]


# --- 2. one form, one case --------------------------------------------------------------------


def test_each_form_shown_carries_its_own_one_time_token(as_wang, shop):
    assert form_token(as_wang) != form_token(as_wang)


def test_the_same_form_sent_twice_files_one_case_and_texts_the_merchant_once(
    as_wang, shop, django_capture_on_commit_callbacks
):
    token = form_token(as_wang)
    with django_capture_on_commit_callbacks(execute=True):
        first = as_wang.post(NEW, fields(shop, filing_token=token))
    with django_capture_on_commit_callbacks(execute=True):
        again = as_wang.post(NEW, fields(shop, filing_token=token), follow=True)

    complaint = Complaint.objects.get()
    assert first["Location"] == f"/cases/{complaint.pk}/"
    assert again.redirect_chain == [(f"/cases/{complaint.pk}/", 302)]
    assert f"This complaint was already filed as case {complaint.case_number}." in again.content.decode()
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]


def test_a_second_open_case_for_the_same_order_is_shown_and_filed_only_when_confirmed(as_wang, shop, file_complaint):
    earlier = file_complaint(order_number="TB-0001")

    asked = as_wang.post(NEW, fields(shop, order_number="tb-0001 ", filing_token=form_token(as_wang)))

    assert asked.status_code == 409
    assert Complaint.objects.count() == 1
    html = asked.content.decode()
    assert f'href="/cases/{earlier.pk}/">{earlier.case_number}</a>' in html
    assert 'name="confirm_duplicate" value="on"' in html
    assert "The screen was cracked when I opened the box." in html

    confirmed = as_wang.post(NEW, fields(shop, order_number="TB-0001", confirm_duplicate="on"))
    assert confirmed.status_code == 302
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize("change", ["closed", "two_days_old", "other_order", "no_order"])
def test_no_confirmation_is_asked_without_an_open_case_for_the_same_order_this_day(
    as_wang, shop, file_complaint, wang, change
):
    earlier = file_complaint(order_number="" if change == "no_order" else "TB-0001")
    if change == "closed":
        workflow.perform(actor=wang, complaint_id=earlier.pk, action="withdraw", message="Sorted out.")
    if change == "two_days_old":
        Complaint.objects.filter(pk=earlier.pk).update(filed_at=timezone.now() - datetime.timedelta(days=2))
    order = "TB-0002" if change == "other_order" else ("" if change == "no_order" else "TB-0001")

    response = as_wang.post(NEW, fields(shop, order_number=order))

    assert response.status_code == 302
    assert Complaint.objects.count() == 2


def test_the_rule_is_the_filing_services_whoever_calls_it(wang, shop, file_complaint):
    earlier = file_complaint(order_number="TB-0001")
    with pytest.raises(filing.PossibleDuplicate) as caught:
        file_complaint(order_number="TB-0001")
    assert caught.value.complaint == earlier
    token_case = file_complaint(order_number="TB-0009", filing_token="a" * 32)
    with pytest.raises(filing.AlreadyFiled) as again:
        file_complaint(order_number="TB-0009", filing_token="a" * 32)
    assert again.value.complaint == token_case


# --- 3. a refused file stops the filing ---------------------------------------------------------


def test_a_text_file_named_jpg_stops_the_filing_and_nothing_is_sent(as_wang, shop, django_capture_on_commit_callbacks):
    renamed = SimpleUploadedFile("receipt.jpg", b"Order TB-0001, paid 2999 CNY\n", content_type="image/jpeg")

    with django_capture_on_commit_callbacks(execute=True):
        response = as_wang.post(NEW, fields(shop, evidence=[jpeg("box.jpg"), renamed]))

    assert response.status_code == 400
    assert not Complaint.objects.exists()
    assert not Evidence.objects.exists()
    assert sms.outbox == []
    errors = evidence_field_errors(response.content.decode())
    assert "Nothing was filed." in errors
    assert "receipt.jpg: Upload a JPEG, PNG or WebP image or a PDF." in errors
    assert "box.jpg" not in errors


def test_good_files_are_filed_with_the_complaint_in_one_go(as_wang, shop):
    response = as_wang.post(NEW, fields(shop, evidence=[jpeg("box.jpg"), jpeg("screen.jpg")]))

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert [e.original_name for e in complaint.evidence.all()] == ["box.jpg", "screen.jpg"]
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == ["filed", "evidence_added", "evidence_added"]
