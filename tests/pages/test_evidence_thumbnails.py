"""Evidence photos on the case page: thumbnails, made once and free of metadata, for exactly
the people who may see the photo; the photo itself opens in the browser."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints import evidence_thumbnails, services, workflow
from complaints.evidence_thumbnails import thumbnail_name
from complaints.models import Evidence
from tests.conftest import PASSWORD

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
)


def jpeg(size=(1200, 900), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **save)
    return out.getvalue()


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0)}  # GPS
    return exif.tobytes()


@pytest.fixture
def case(file_complaint):
    return file_complaint(share_contact=True)


@pytest.fixture
def photo(case, wang):
    return services.add_evidence(
        actor=wang,
        complaint=case,
        upload=SimpleUploadedFile("kettle.jpg", jpeg(), content_type="image/jpeg"),
        kind="photo",
    )


def thumb_url(item) -> str:
    return f"/cases/{item.complaint_id}/evidence/{item.pk}/thumb/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("person", ["wang", "owner", "agent", "supervisor", "mediator"])
def test_people_who_see_the_photo_get_its_thumbnail(client, request, photo, person):
    client.force_login(request.getfixturevalue(person))

    response = client.get(thumb_url(photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(body(response))) as thumbnail:
        assert max(thumbnail.size) <= 320 and thumbnail.size == (320, 240)


@pytest.mark.parametrize("outsider", ["li", "other_agent", "sibling_supervisor"])
def test_others_get_404_for_the_thumbnail(client, request, photo, outsider):
    client.force_login(request.getfixturevalue(outsider))

    assert client.get(thumb_url(photo)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, photo):
    response = client.get(thumb_url(photo))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_thumbnail_carries_no_metadata_even_of_a_photo_stored_with_it(client, wang, photo):
    # A photo stored before uploads were cleaned: with EXIF and GPS.
    storage = photo.file.storage
    storage.delete(photo.file.name)
    storage.save(photo.file.name, ContentFile(jpeg(exif=exif_with_gps())))
    with storage.open(photo.file.name) as stored, Image.open(stored) as original:
        assert original.getexif()
    client.force_login(wang)

    data = body(client.get(thumb_url(photo)))

    with Image.open(io.BytesIO(data)) as thumbnail:
        assert not thumbnail.getexif()
        assert "exif" not in thumbnail.info and "icc_profile" not in thumbnail.info
    assert b"PhoneMaker" not in data and b"Exif" not in data


def test_a_thumbnail_is_made_once_and_kept_beside_the_photo(client, wang, supervisor, photo, monkeypatch):
    made = []
    real = evidence_thumbnails.make_thumbnail
    monkeypatch.setattr(evidence_thumbnails, "make_thumbnail", lambda *a, **k: made.append(1) or real(*a, **k))
    client.force_login(wang)
    first = body(client.get(thumb_url(photo)))
    client.force_login(supervisor)
    second = body(client.get(thumb_url(photo)))

    assert len(made) == 1
    assert first == second
    assert photo.file.storage.exists(thumbnail_name(photo.file.name))
    assert Evidence.objects.filter(complaint=photo.complaint).count() == 1  # no row of its own


def test_a_pdf_has_no_thumbnail_and_downloads(client, case, wang):
    item = Evidence.objects.create(
        complaint=case,
        uploaded_by=wang,
        kind="receipt",
        file=ContentFile(PDF, name="receipt.pdf"),
        stored_name="receipt.pdf",
        original_name="receipt.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
    )
    client.force_login(wang)

    assert client.get(thumb_url(item)).status_code == 404
    download = client.get(f"/cases/{case.pk}/evidence/{item.pk}/")
    assert download["Content-Disposition"].startswith("attachment;")
    page = client.get(f"/cases/{case.pk}/").text
    assert thumb_url(item) not in page


def test_a_photo_gone_from_storage_has_no_thumbnail(client, wang, photo):
    client.force_login(wang)
    body(client.get(thumb_url(photo)))  # the thumbnail is made and kept
    photo.file.storage.delete(photo.file.name)

    assert client.get(thumb_url(photo)).status_code == 404


def test_an_unreadable_photo_is_404_not_an_error(client, wang, photo):
    storage = photo.file.storage
    storage.delete(photo.file.name)
    storage.save(photo.file.name, ContentFile(b"\xff\xd8\xff not really a jpeg"))
    client.force_login(wang)

    assert client.get(thumb_url(photo)).status_code == 404


def test_the_case_page_shows_the_thumbnail_linking_to_the_photo_shown_in_the_browser(client, wang, photo):
    client.force_login(wang)
    full = f"/cases/{photo.complaint_id}/evidence/{photo.pk}/"

    page = client.get(f"/cases/{photo.complaint_id}/").text
    opened = client.get(full)

    assert f'<a class="evidence-thumb" href="{full}" target="_blank"' in page
    assert f'<img src="{thumb_url(photo)}"' in page
    assert f'<a href="{full}" download>kettle.jpg</a>' in page
    assert opened["Content-Disposition"] == 'inline; filename="kettle.jpg"'
    assert opened["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_deleting_the_account_deletes_the_thumbnail_with_the_photo(
    client, wang, owner, photo, django_capture_on_commit_callbacks
):
    client.force_login(wang)
    body(client.get(thumb_url(photo)))
    storage, name = photo.file.storage, photo.file.name
    assert storage.exists(thumbnail_name(name))
    workflow.perform(actor=wang, complaint_id=photo.complaint_id, action="withdraw", message="")

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/my/delete/", {"password": PASSWORD}).status_code == 302

    assert not storage.exists(name) and not storage.exists(thumbnail_name(name))
    client.force_login(owner)
    assert client.get(thumb_url(photo)).status_code == 404
