"""Evidence files (SPEC "Evidence"): images and PDF checked by content, at most 10 MB
each and 20 per complaint, metadata stripped, added only by the consumer."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Role
from complaints.services import FileTooLarge, FileTypeRefused, add_evidence
from mediation.errors import InvalidInput, NotAllowed

# The smallest PDF with a page: evidence PDFs are rebuilt from their pages (complaints/evidence.py).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


def image_bytes(fmt: str, *, exif: bool = False) -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SpyCam Maker"  # Make
        tags[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0), 3: "E", 4: (114.0, 18.0, 0.0)}  # GPS: Wuhan
        kwargs["exif"] = tags
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def case(file_complaint):
    return file_complaint()


def test_a_photo_is_stored_privately_without_its_exif_and_gps_tags(case, wang, settings):
    original = image_bytes("JPEG", exif=True)
    assert b"SpyCam" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)

    evidence = add_evidence(actor=wang, complaint=case, upload=upload("IMG_0001.jpg", original), kind="photo")

    stored = evidence.file.read()
    assert b"SpyCam" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(0x8825)
        assert 0x010F not in image.getexif()
    assert (evidence.content_type, evidence.original_name, evidence.kind) == ("image/jpeg", "IMG_0001.jpg", "photo")
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest() and evidence.size == len(stored)
    assert evidence.file.name.startswith(f"evidence/{case.pk}/") and "IMG_0001" not in evidence.file.name
    assert evidence.file.path.startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize(
    "name, data, content_type",
    [
        ("screen.png", image_bytes("PNG"), "image/png"),
        ("chat.webp", image_bytes("WEBP"), "image/webp"),
        ("invoice.pdf", PDF, "application/pdf"),
        ("invoice.txt", PDF, "application/pdf"),  # the name does not decide the type
        ("photo", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_images_and_pdf_are_accepted_by_their_content(case, wang, name, data, content_type):
    evidence = add_evidence(actor=wang, complaint=case, upload=upload(name, data))

    assert evidence.content_type == content_type
    assert evidence.stored_name.endswith("." + content_type.split("/")[1].replace("jpeg", "jpg"))


@pytest.mark.parametrize(
    "name, data",
    [
        ("photo.jpg", b"this is plain text pretending to be a photo"),
        ("invoice.pdf", b"<html><script>alert(1)</script></html>"),
        ("archive.png", b"PK\x03\x04" + b"\x00" * 100),
        ("broken.jpg", b"\xff\xd8\xff" + b"\x00" * 200),  # a JPEG header and nothing readable
        ("empty.pdf", b""),
    ],
)
def test_files_that_are_not_images_or_pdf_are_refused_whatever_their_name(case, wang, name, data):
    with pytest.raises(FileTypeRefused) as caught:
        add_evidence(actor=wang, complaint=case, upload=upload(name, data, "image/jpeg"))

    assert caught.value.status_code == 415
    assert not case.evidence.exists()


def test_a_file_over_10_mb_is_refused(case, wang):
    big = PDF + b"0" * (10 * 1024 * 1024)

    with pytest.raises(FileTooLarge) as caught:
        add_evidence(actor=wang, complaint=case, upload=upload("big.pdf", big))

    assert caught.value.status_code == 413
    assert not case.evidence.exists()


def test_a_file_of_exactly_10_mb_is_accepted(case, wang):
    head = b"%PDF-1.4\n%"  # a comment line fills the file up
    data = head + b"0" * (10 * 1024 * 1024 - len(PDF) - 2) + PDF[len(b"%PDF-1.4") :]
    assert len(data) == 10 * 1024 * 1024

    evidence = add_evidence(actor=wang, complaint=case, upload=upload("max.pdf", data))

    # Stored rebuilt from its one page, without the padding.
    assert evidence.content_type == "application/pdf" and evidence.size < 10 * 1024


def test_a_complaint_holds_at_most_20_files(case, wang):
    for n in range(20):
        add_evidence(actor=wang, complaint=case, upload=upload(f"{n}.pdf", PDF))

    with pytest.raises(InvalidInput) as caught:
        add_evidence(actor=wang, complaint=case, upload=upload("21.pdf", PDF))

    assert "file" in caught.value.fields
    assert case.evidence.count() == 20


@pytest.mark.parametrize("who", ["li", "other_agent", "sibling_supervisor"])
def test_nobody_off_the_case_adds_evidence(request, case, who):
    with pytest.raises(NotAllowed):
        add_evidence(actor=request.getfixturevalue(who), complaint=case, upload=upload("x.pdf", PDF))

    assert not case.evidence.exists()


@pytest.mark.parametrize(
    "who, role",
    [("wang", "consumer"), ("owner", "merchant_owner"), ("agent", "merchant_agent"), ("supervisor", "supervisor")],
)
def test_everyone_on_an_open_case_adds_evidence_marked_with_who_gave_it(request, case, who, role):
    evidence = add_evidence(actor=request.getfixturevalue(who), complaint=case, upload=upload("x.pdf", PDF))

    assert (evidence.uploader_role, evidence.get_uploader_role_display()) == (role, dict(Role.choices)[role])


def test_an_unknown_kind_of_evidence_is_refused(case, wang):
    with pytest.raises(InvalidInput) as caught:
        add_evidence(actor=wang, complaint=case, upload=upload("x.pdf", PDF), kind="selfie")

    assert "kind" in caught.value.fields


def test_adding_evidence_appends_to_the_timeline_without_changing_the_status(case, wang):
    evidence = add_evidence(actor=wang, complaint=case, upload=upload("receipt.pdf", PDF), kind="receipt")

    event = case.events.get(kind="evidence_added")
    assert (event.actor, event.from_status, event.to_status) == (wang, case.status, case.status)
    assert event.data == {"evidence": evidence.pk, "name": "receipt.pdf", "sha256": evidence.sha256}
    case.refresh_from_db()
    assert case.status == "awaiting_merchant"
