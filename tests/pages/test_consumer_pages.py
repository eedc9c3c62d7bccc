"""The consumer's pages: filing a complaint (/my/new/) and "my complaints" (/my/)."""

import io
import re

import pytest
import sms
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import workflow
from complaints.models import Complaint, Evidence, Status

NEW = "/my/new/"
MINE = "/my/"


def jpeg(name="screen.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def complaint_fields(**overrides) -> dict:
    fields = {
        "category": "quality",
        "channel": "ecommerce",
        "platform": "Taobao",
        "order_number": "TB-0001",
        "purchase_date": "2026-01-05",
        "amount": "2999.00",
        "demands": ["refund", "compensation"],
        "title": "Phone screen cracked on arrival",
        "description": "The screen was cracked when I opened the box.",
        "evidence_kind": "photo",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def as_wang(client, wang):
    client.force_login(wang)
    return client


def test_consumer_files_a_complaint_with_a_photo_and_lands_on_the_case(
    as_wang, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_wang.post(NEW, complaint_fields(merchant=shop.pk, evidence=[jpeg()]))

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{complaint.pk}/"
    assert complaint.status == Status.AWAITING_MERCHANT
    assert complaint.merchant == shop
    assert complaint.demands == ["refund", "compensation"]
    assert str(complaint.amount) == "2999.00"
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]
    evidence = Evidence.objects.get()
    assert (evidence.complaint, evidence.original_name, evidence.kind) == (complaint, "screen.jpg", "photo")

    page = as_wang.get(response["Location"])
    text = page.content.decode()
    assert f"Your complaint has been filed as case {complaint.case_number}." in text
    assert "screen.jpg" in text


def test_a_refused_file_stops_the_filing_and_the_form_comes_back_filled_in(as_wang, shop):
    bad = SimpleUploadedFile("notes.exe", b"MZ\x90\x00 not an image", content_type="image/jpeg")

    response = as_wang.post(NEW, complaint_fields(merchant=shop.pk, evidence=[bad, jpeg()]))

    assert response.status_code == 400
    assert not Complaint.objects.exists()
    text = response.content.decode()
    assert "notes.exe: Upload a JPEG, PNG or WebP image or a PDF." in text
    assert "The screen was cracked when I opened the box." in text


def test_complaint_against_a_merchant_not_listed_goes_to_council_review(as_wang, wuhan):
    response = as_wang.post(
        NEW, complaint_fields(merchant_name="Night Market Stall", merchant_phone="027-8888 1234", region=wuhan.pk)
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.status == Status.UNDER_REVIEW
    assert (complaint.merchant_name, complaint.council) == ("Night Market Stall", wuhan)


def test_the_merchant_must_be_chosen_or_named(as_wang, shop):
    response = as_wang.post(NEW, complaint_fields())
    assert response.status_code == 400
    assert "Choose an enrolled merchant or write the merchant&#x27;s name." in response.content.decode()
    assert not Complaint.objects.exists()


def test_missing_fields_keep_what_was_typed(as_wang, shop):
    response = as_wang.post(NEW, complaint_fields(merchant=shop.pk, title=""))
    text = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in text
    assert "The screen was cracked when I opened the box." in text
    assert not Complaint.objects.exists()


def test_form_lists_only_enrolled_merchants(as_wang, shop, unlisted_shop, other_shop):
    text = as_wang.get(NEW).content.decode()
    assert "Jiang&#x27;an Electronics" in text
    assert "Yichang Furniture" in text
    assert "Corner Store" not in text


def test_form_previews_the_masked_contact_and_shows_guidance(as_wang, shop):
    text = as_wang.get(NEW).content.decode()
    # What the merchant sees without consent, the choice made by default.
    assert re.search(
        r'class="preview-option chosen" data-share="no">.*?<span>王\*</span> · <span>138\*\*\*\*8000</span>', text, re.S
    )
    assert "Let the merchant see my full name and phone" in text
    assert "3 times the price, at least 500 CNY" in text
    assert "within 7 days of receipt" in text
    assert 'data-category="false_advertising"' in text


def test_preview_follows_the_consent_after_an_error(as_wang, shop):
    response = as_wang.post(NEW, complaint_fields(merchant=shop.pk, title="", share_contact="on"))
    text = response.content.decode()
    assert 'class="preview-option chosen" data-share="yes"' in text
    assert 'class="preview-option" data-share="no"' in text


def test_share_contact_is_recorded(as_wang, shop):
    as_wang.post(NEW, complaint_fields(merchant=shop.pk, share_contact="on"))
    assert Complaint.objects.get().share_contact is True


@pytest.mark.parametrize("person", ["owner", "agent", "supervisor", "mediator"])
def test_only_consumers_may_file(client, request, person):
    client.force_login(request.getfixturevalue(person))
    for response in (client.get(NEW), client.post(NEW, complaint_fields())):
        assert response.status_code == 403
        assert "only consumers file complaints" in response.content.decode()
    assert not Complaint.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/new/"


def test_my_complaints_lists_my_cases_open_first(as_wang, file_complaint, li, wang):
    closed = file_complaint(title="Old kettle")
    workflow.perform(actor=wang, complaint_id=closed.pk, action="withdraw")
    open_case = file_complaint(title="New blender")
    file_complaint(consumer=li, title="Li's sofa")

    response = as_wang.get(MINE)

    listed = [c.case_number for c in response.context["page"]]
    assert listed == [open_case.case_number, closed.case_number]
    text = response.content.decode()
    assert "New blender" in text and "Old kettle" in text
    assert "Li&#x27;s sofa" not in text


def test_my_complaints_paginates(as_wang, file_complaint):
    for i in range(23):
        file_complaint(title=f"Case {i}")
    first = as_wang.get(MINE)
    second = as_wang.get(MINE, {"page": 2})
    assert len(first.context["page"]) == 20 and len(second.context["page"]) == 3
    assert as_wang.get(MINE, {"page": "nonsense"}).status_code == 200


def test_my_complaints_needs_a_login(client, db):
    assert client.get(MINE)["Location"] == "/accounts/login/?next=/my/"


@pytest.mark.parametrize("person", ["owner", "supervisor"])
def test_my_complaints_tells_other_roles_whose_page_it_is_and_links_to_their_own(client, request, person):
    client.force_login(request.getfixturevalue(person))
    response = client.get(MINE)
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is for consumers" in page and 'href="/"' in page


def test_odd_input_is_a_form_error_not_a_500(as_wang, shop):
    huge = "9" * 30
    response = as_wang.post(
        NEW, complaint_fields(merchant=huge, region=huge, amount="1e99", purchase_date="2999-01-01", demands=["x"])
    )
    assert response.status_code == 400
    assert as_wang.get(NEW, {"merchant": huge}).status_code == 200
    assert not Complaint.objects.exists()


def test_the_public_home_page_invites_a_complaint_and_links_the_statistics(client, db):
    response = client.get("/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'href="/my/new/"' in text
    assert 'href="/stats/"' in text


def test_a_consumer_opening_home_lands_on_my_complaints(as_wang):
    assert as_wang.get("/")["Location"] == "/my/"
