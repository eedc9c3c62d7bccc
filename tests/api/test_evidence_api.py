"""Evidence through the API: uploads checked by content, metadata stripped, files served only to the case's people."""

import io

import pytest
from PIL import Image

from complaints.models import Evidence

from .conftest import jpeg_with_gps, png_bytes, upload

# The smallest PDF with a page: evidence PDFs are rebuilt from their pages (complaints/evidence.py).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def evidence_url(case):
    return f"/api/v1/complaints/{case.pk}/evidence/"


def send(api, person, case, name, data, kind="photo"):
    return api.as_(person).post(evidence_url(case), {"file": upload(name, data), "kind": kind}, format="multipart")


def test_a_photo_is_stored_without_its_exif_and_gps(api, wang, file_complaint):
    case = file_complaint()
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    response = send(api, wang, case, "IMG_0001.jpg", original)
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "photo"
    assert body["original_name"] == "IMG_0001.jpg"
    assert body["content_type"] == "image/jpeg"
    assert body["url"].endswith(f"/api/v1/complaints/{case.pk}/evidence/{body['id']}/")
    stored = Evidence.objects.get(pk=body["id"])
    with stored.file.open("rb") as handle:
        data = handle.read()
    assert len(data) == body["size"]
    image = Image.open(io.BytesIO(data))
    assert dict(image.getexif()) == {}
    assert b"Phone X" not in data


def test_a_pdf_receipt_is_accepted(api, wang, file_complaint):
    case = file_complaint()
    response = send(api, wang, case, "receipt.pdf", PDF, kind="receipt")
    assert response.status_code == 201
    assert response.json()["content_type"] == "application/pdf"
    assert response.json()["kind_display"] == "Receipt or invoice"


def test_html_named_jpg_is_refused_with_415(api, wang, file_complaint):
    case = file_complaint()
    response = send(api, wang, case, "photo.jpg", HTML)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert not Evidence.objects.exists()


def test_a_file_over_the_limit_is_refused_with_413(api, wang, file_complaint, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    case = file_complaint()
    response = send(api, wang, case, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not Evidence.objects.exists()


def test_a_huge_upload_is_refused_before_it_is_read(api, wang, file_complaint, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    case = file_complaint()
    response = send(api, wang, case, "huge.pdf", PDF + b"0" * 200_000)
    assert response.status_code == 413
    assert not Evidence.objects.exists()


def test_an_upload_without_a_file_or_with_a_bad_kind_is_400(api, wang, file_complaint):
    case = file_complaint()
    assert api.as_(wang).post(evidence_url(case), {"kind": "photo"}, format="multipart").status_code == 400
    response = send(api, wang, case, "a.png", png_bytes(), kind="selfie")
    assert response.status_code == 400
    assert "kind" in response.json()
    assert send(api, wang, case, "empty.png", b"").status_code == 400


def test_an_upload_as_json_is_415(api, wang, file_complaint):
    case = file_complaint()
    response = api.as_(wang).post(evidence_url(case), {"file": "aGVsbG8="}, format="json")
    assert response.status_code == 415


@pytest.mark.parametrize("person", ["owner", "agent", "supervisor"])
def test_everyone_on_an_open_case_gives_evidence_marked_with_who_gave_it(api, file_complaint, request, person):
    case = file_complaint()
    response = send(api, request.getfixturevalue(person), case, "a.png", png_bytes())
    assert response.status_code == 201, response.json()
    assert case.evidence.get().uploader_role == request.getfixturevalue(person).role


@pytest.mark.parametrize("person", ["li", "other_agent", "sibling_supervisor"])
def test_uploading_to_someone_elses_case_is_404(api, file_complaint, request, person):
    case = file_complaint()
    assert send(api, request.getfixturevalue(person), case, "a.png", png_bytes()).status_code == 404


def test_uploading_needs_a_login(api, file_complaint):
    case = file_complaint()
    assert api.post(evidence_url(case), {"file": upload("a.png", png_bytes())}, format="multipart").status_code == 401


# --- downloads ------------------------------------------------------------------------


@pytest.fixture
def photo(api, wang, file_complaint):
    case = file_complaint()
    body = send(api, wang, case, "IMG_0001.jpg", jpeg_with_gps()).json()
    api.force_authenticate(None)
    return case, body


@pytest.mark.parametrize("person", ["wang", "owner", "agent", "supervisor", "mediator"])
def test_the_case_people_get_the_photo_shown_in_the_browser(api, photo, request, person):
    case, body = photo
    response = api.as_(request.getfixturevalue(person)).get(body["url"], HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert "IMG_0001.jpg" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert len(data) == body["size"]


@pytest.mark.parametrize("person", ["li", "other_agent", "sibling_supervisor"])
def test_someone_elses_file_is_404(api, photo, request, person):
    _case, body = photo
    assert api.as_(request.getfixturevalue(person)).get(body["url"]).status_code == 404


def test_a_file_is_reached_only_through_its_own_case(api, photo, wang, file_complaint):
    _case, body = photo
    other_case = file_complaint()
    api.as_(wang)
    assert api.get(f"/api/v1/complaints/{other_case.pk}/evidence/{body['id']}/").status_code == 404
    assert api.get(f"/api/v1/complaints/{other_case.pk}/evidence/999999/").status_code == 404
    assert api.get(f"/api/v1/complaints/{other_case.pk}/evidence/abc/").status_code == 404


def test_downloading_needs_a_login(api, photo):
    _case, body = photo
    assert api.get(body["url"]).status_code == 401


def test_a_file_missing_from_storage_is_404_not_500(api, photo, wang):
    _case, body = photo
    evidence = Evidence.objects.get(pk=body["id"])
    evidence.file.storage.delete(evidence.file.name)
    assert api.as_(wang).get(body["url"]).status_code == 404
