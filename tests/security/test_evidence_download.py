"""An evidence file is sent by one response (mediation.web.file_response): the case page's link
and the API answer with the same headers, so neither can be rendered in our origin or cached."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import services

SAME_HEADERS = [
    "Content-Type",
    "Content-Disposition",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Cache-Control",
    "Referrer-Policy",
]


def jpeg_upload(name="receipt.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def evidence(file_complaint, wang):
    case = file_complaint()
    return services.add_evidence(actor=wang, complaint=case, upload=jpeg_upload())


def headers_of(response) -> dict:
    assert response.status_code == 200
    return {name: response.get(name) for name in SAME_HEADERS}


def test_the_page_and_the_api_send_evidence_with_the_same_headers(client, api, wang, evidence):
    client.force_login(wang)
    page = client.get(f"/cases/{evidence.complaint_id}/evidence/{evidence.pk}/")
    from_api = api.as_(wang).get(f"/api/v1/complaints/{evidence.complaint_id}/evidence/{evidence.pk}/")
    assert headers_of(page) == headers_of(from_api)
    assert headers_of(page) == {
        "Content-Type": "image/jpeg",
        "Content-Disposition": 'inline; filename="receipt.jpg"',  # a photo is shown, in the sandbox
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
    }


def test_a_file_gone_from_storage_is_404_on_the_page_and_the_api(client, api, wang, evidence):
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(wang)
    assert client.get(f"/cases/{evidence.complaint_id}/evidence/{evidence.pk}/").status_code == 404
    api_answer = api.as_(wang).get(f"/api/v1/complaints/{evidence.complaint_id}/evidence/{evidence.pk}/")
    assert api_answer.status_code == 404
