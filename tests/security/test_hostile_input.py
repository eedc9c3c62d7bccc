"""Hostile input: whatever a client sends, the answer is a 4xx with a reason, never a 500,
and what is stored is shown escaped on every page that shows it."""

import io

import pytest
from django.test import Client
from PIL import Image

from complaints import workflow
from complaints.models import Complaint
from tests.api.conftest import png_bytes

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def filing(shop, **fields):
    data = {
        "merchant": shop.pk,
        "category": "quality",
        "channel": "ecommerce",
        "title": "Broken kettle",
        "description": "It leaks.",
        "amount": "99.00",
        "demands": ["refund"],
    }
    data.update(fields)
    return data


@pytest.fixture
def scripted_case(api, wang, shop):
    text_fields = {
        "title": SCRIPT,
        "description": SCRIPT + " ' OR 1=1; DROP TABLE complaints_complaint; --",
        "platform": SCRIPT[:100],
        "order_number": "<b>1</b>'\";--",
    }
    response = api.as_(wang).post("/api/v1/complaints/", filing(shop, **text_fields), format="json")
    assert response.status_code == 201, response.content
    case = Complaint.objects.get(pk=response.json()["id"])
    workflow.perform(actor=wang, complaint_id=case.pk, action="message", message=SCRIPT)
    return case


def test_script_in_every_text_field_is_stored_as_text_and_shown_escaped(scripted_case, wang, owner, agent, supervisor):
    assert scripted_case.title == SCRIPT
    assert "DROP TABLE" in scripted_case.description  # stored as text, the table is still there
    pages = [
        (wang, f"/cases/{scripted_case.pk}/"),
        (wang, "/my/"),
        (owner, f"/cases/{scripted_case.pk}/"),
        (owner, "/merchant/"),
        (agent, "/merchant/"),
        (supervisor, "/council/"),
        (supervisor, f"/cases/{scripted_case.pk}/"),
    ]
    for user, url in pages:
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert SCRIPT not in html, url
        assert ESCAPED in html, url


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "x" * 1_000_000),
        ("description", "x" * 1_000_000),
        ("amount", "-5.00"),
        ("amount", "1e30"),
        ("amount", "99999999999999999999.99"),
        ("amount", "NaN"),
        ("purchase_date", "9999-12-31"),
        ("purchase_date", "0000-01-01"),
        ("merchant", 2**70),
        ("demands", ["refund"] * 1000),
        ("category", "'; DROP TABLE--"),
    ],
)
def test_hostile_values_answer_400_with_the_field(api, wang, shop, field, value):
    response = api.as_(wang).post("/api/v1/complaints/", filing(shop, **{field: value}), format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert not Complaint.objects.exists()


def test_zero_width_and_bidi_controls_are_kept_out_of_what_parties_write(api, wang, shop, owner):
    title = "Refund\u200b\u202eevil\u202c\u2066x\u2069 please"
    response = api.as_(wang).post(
        "/api/v1/complaints/", filing(shop, title=title, order_number="\ufeffTB1"), format="json"
    )
    assert response.status_code == 201, response.content
    case = Complaint.objects.get()
    assert case.title == "Refundevilx please"
    assert case.order_number == "TB1"
    response = api.as_(owner).post(
        f"/api/v1/complaints/{case.pk}/message/", {"message": "ok\u202e gnp.exe"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert case.events.latest("created_at").message == "ok gnp.exe"
    client = Client()
    client.force_login(wang)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Refundevilx please" in html
    assert "\u202e" not in html


def test_non_utf8_json_body_answers_400(api, wang):
    api.as_(wang)
    response = api.post("/api/v1/complaints/", b'{"title": "\xff\xfe\xfa"}', content_type="application/json")
    assert response.status_code == 400


def test_non_utf8_form_post_is_not_a_500(client, wang, shop):
    client.force_login(wang)
    response = client.post(
        "/my/new/",
        b"title=%FF%FE&description=%C3%28&category=quality",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400)


def test_a_jpeg_that_is_really_html_is_refused_415(api, wang, file_complaint):
    case = file_complaint()
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/evidence/", {"file": fake, "kind": "photo"})
    assert response.status_code == 415
    assert not case.evidence.exists()


def test_a_zip_bomb_png_is_refused_without_decoding_it(api, wang, file_complaint):
    """A PNG that declares 50000 x 50000 pixels: refused from its header, not decompressed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    # Rewrite the IHDR width and height (and its CRC) to 50000 x 50000.
    import struct
    import zlib

    ihdr_start = 8 + 8  # signature, chunk length and type
    data[ihdr_start : ihdr_start + 8] = struct.pack(">II", 50000, 50000)
    crc = zlib.crc32(bytes(data[12 : ihdr_start + 13]))
    data[ihdr_start + 13 : ihdr_start + 17] = struct.pack(">I", crc)
    case = file_complaint()
    bomb = SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")
    response = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/evidence/", {"file": bomb, "kind": "photo"})
    assert (response.status_code, response.json()["code"]) == (413, "image_too_large"), response.content
    assert not case.evidence.exists()


def test_a_50_mb_upload_answers_413_before_it_is_read(wang, file_complaint):
    from rest_framework.authtoken.models import Token

    case = file_complaint()
    token, _ = Token.objects.get_or_create(user=wang)
    client = Client()
    # The declared length is what counts: the body is never read.
    response = client.generic(
        "POST",
        f"/api/v1/complaints/{case.pk}/evidence/",
        b"x" * 1024,
        content_type="multipart/form-data; boundary=xyz",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_page_form_above_the_upload_limit_answers_413_before_it_is_read(client, wang, file_complaint, settings):
    case = file_complaint()
    client.force_login(wang)
    # The evidence form takes 20 files of 10 MB; the declared length above that is what counts.
    response = client.generic(
        "POST",
        f"/cases/{case.pk}/evidence/",
        b"x" * 1024,
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(settings.UPLOAD_REQUEST_MAX_BYTES + 1),
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")


def test_a_real_50_mb_file_is_refused_413(api, wang, file_complaint):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = file_complaint()
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * (50 * 1024 * 1024), content_type="image/png")
    response = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/evidence/", {"file": big, "kind": "photo"})
    assert response.status_code == 413
    assert not case.evidence.exists()
