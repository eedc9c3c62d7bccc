"""Hostile uploads (issue "Hostile users"): metadata hidden in every place a format keeps it
never reaches the merchant; decompression bombs are refused from their header and count in
the upload rate limit; a closed case takes no more evidence from the parties."""

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

from complaints import workflow
from complaints.models import Evidence

MARKER = b"shot by 13800138000 at home"


def evidence_url(case) -> str:
    return f"/api/v1/complaints/{case.pk}/evidence/"


def send(api, person, case, name, data, kind="photo"):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return api.as_(person).post(evidence_url(case), {"file": upload, "kind": kind}, format="multipart")


def browser(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


# --- files carrying the marker in every metadata place -------------------------------------


def icc_with_marker() -> bytes:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile + MARKER  # a profile is free-form data: anything can ride along


def exif_with_marker() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = MARKER.decode()  # ImageDescription
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 10.0), 3: "E", 4: (114.0, 17.0, 5.0)}  # GPS: Wuhan
    return exif


def xmp_with_marker() -> bytes:
    return b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:description>' + MARKER + b"</dc:description></x:xmpmeta>"


def jpeg_with_marker() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(
        out,
        format="JPEG",
        comment=MARKER,  # the COM segment
        exif=exif_with_marker(),  # APP1 Exif
        xmp=xmp_with_marker(),  # APP1 XMP
        icc_profile=icc_with_marker(),  # APP2
    )
    data = out.getvalue()
    # APP13 (Photoshop IPTC) and APP15 (anything), right after SOI.
    extra = b""
    for marker, body in ((0xED, b"Photoshop 3.0\x00" + MARKER), (0xEF, MARKER)):
        extra += struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body
    return data[:2] + extra + data[2:]


def png_with_marker() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKER.decode())  # tEXt
    info.add_text("Author", MARKER.decode(), zip=True)  # zTXt
    info.add_itxt("Description", MARKER.decode(), lang="zh", tkey="描述")  # iTXt
    info.add(b"tIME", struct.pack(">HBBBBB", 2025, 3, 15, 9, 30, 0))
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 128, 0)).save(
        out, format="PNG", pnginfo=info, exif=exif_with_marker(), icc_profile=icc_with_marker()
    )
    return out.getvalue()


def webp_with_marker() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 200)).save(
        out, format="WEBP", exif=exif_with_marker(), xmp=xmp_with_marker(), icc_profile=icc_with_marker()
    )
    return out.getvalue()


def pdf_with_marker() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": MARKER.decode(), "/Title": MARKER.decode(), "/Creator": MARKER.decode()})

    def xmp_stream():
        stream = DecodedStreamObject()
        stream.set_data(xmp_with_marker())
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        return writer._add_object(stream)

    writer._root_object[NameObject("/Metadata")] = xmp_stream()  # the document's XMP
    page[NameObject("/Metadata")] = xmp_stream()  # a page's XMP
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunks.append(kind)
        pos += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 12
    while pos < len(data):
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        chunks.append(kind)
        pos += 8 + length + (length & 1)
    return chunks


def jpeg_segments(data: bytes) -> list[int]:
    """The markers before the image data (SOS)."""
    segments, pos = [], 2
    while pos < len(data) and data[pos + 1] != 0xDA:
        marker, length = struct.unpack(">xBH", data[pos : pos + 4])
        segments.append(marker)
        pos += 2 + length
    return segments


def assert_image_opens(data: bytes, fmt: str) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == fmt
        assert not image.getexif()
        assert "icc_profile" not in image.info and "xmp" not in image.info and "comment" not in image.info
        return image


def check_jpeg(data: bytes) -> None:
    image = assert_image_opens(data, "JPEG")
    assert image.size == (64, 48)
    # Only JFIF (APP0) and what decoding needs: no COM (0xFE), no other APPn (0xE1-0xEF).
    assert [m for m in jpeg_segments(data) if m == 0xFE or 0xE1 <= m <= 0xEF] == []


def check_png(data: bytes) -> None:
    image = assert_image_opens(data, "PNG")
    assert image.size == (40, 30) and image.text == {}
    # The compressed chunks (zTXt, iCCP) would hide the marker from a byte search.
    assert set(png_chunks(data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}


def check_webp(data: bytes) -> None:
    assert_image_opens(data, "WEBP")
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(webp_chunks(data))


def check_pdf(data: bytes) -> None:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert not reader.metadata
    assert "/Metadata" not in reader.trailer["/Root"] and "/Metadata" not in reader.pages[0]


FILES = {
    "jpeg": ("IMG_0001.jpg", jpeg_with_marker, check_jpeg),
    "png": ("screen.png", png_with_marker, check_png),
    "webp": ("chat.webp", webp_with_marker, check_webp),
    "pdf": ("receipt.pdf", pdf_with_marker, check_pdf),
}


def upload_by_api(api, wang, case, name, data) -> Evidence:
    response = send(api, wang, case, name, data)
    assert response.status_code == 201, response.content
    return Evidence.objects.get(pk=response.json()["id"])


def upload_by_page(api, wang, case, name, data) -> Evidence:
    files = [SimpleUploadedFile(name, data, content_type="application/octet-stream")]
    response = browser(wang).post(f"/cases/{case.pk}/evidence/", {"evidence-files": files, "evidence-kind": "photo"})
    assert response.status_code == 302
    return Evidence.objects.get(complaint=case)


def download_by_api(api, owner, case, evidence) -> bytes:
    response = api.as_(owner).get(f"/api/v1/complaints/{case.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def download_by_page(api, owner, case, evidence) -> bytes:
    response = browser(owner).get(f"/cases/{case.pk}/evidence/{evidence.pk}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", FILES)
@pytest.mark.parametrize(
    "upload, download", [(upload_by_api, download_by_api), (upload_by_page, download_by_page)], ids=["api", "page"]
)
def test_no_metadata_of_any_format_reaches_the_merchant(api, wang, owner, file_complaint, fmt, upload, download):
    name, make, check = FILES[fmt]
    original = make()
    assert MARKER in original or fmt == "png"  # PNG's zTXt and iCCP hold it compressed
    case = file_complaint()

    evidence = upload(api, wang, case, name, original)
    served = download(api, owner, case, evidence)

    assert MARKER not in served
    assert b"13800138000" not in served
    check(served)


def test_a_photo_with_a_colour_profile_keeps_its_colours(api, wang, file_complaint):
    """The profile is applied to the pixels (converted to sRGB) before it is dropped."""
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(jpeg, format="JPEG", quality=95, icc_profile=icc_with_marker())
    evidence = upload_by_api(api, wang, file_complaint(), "red.jpg", jpeg.getvalue())

    with Image.open(evidence.file) as stored:
        r, g, b = stored.convert("RGB").getpixel((4, 4))
    assert abs(r - 200) < 12 and g < 50 and b < 50


def test_a_pdf_that_cannot_be_rebuilt_is_refused_not_stored_as_sent(api, wang, file_complaint):
    case = file_complaint()
    response = send(api, wang, case, "broken.pdf", b"%PDF-1.4\n" + MARKER + b"\n%%EOF\n")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert not Evidence.objects.exists()


# --- decompression bombs and the upload rate limit --------------------------------------


def png_bomb(width: int = 8900, height: int = 8900, *, rows: int | None = None) -> bytes:
    """A grey PNG of width x height pixels, all zero: a few hundred KB that decode to 79 MB
    (Pillow's working copies take several times that). `rows` cuts it short (a truncated file)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows))
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "bomb",
    [png_bomb(), png_bomb(rows=100), png_bomb(20_000, 20_000, rows=10)],
    ids=["8900x8900", "8900x8900-truncated", "20000x20000-truncated"],
)
def test_a_decompression_bomb_is_refused_from_its_header_without_decoding(api, wang, file_complaint, bomb):
    case = file_complaint()
    assert len(bomb) < 300_000

    started = time.perf_counter()
    response = send(api, wang, case, "bomb.png", bomb)
    elapsed = time.perf_counter() - started

    assert response.status_code == 413
    assert response.json()["code"] == "image_too_large"
    assert "40 megapixels" in response.json()["detail"]
    assert not Evidence.objects.exists()
    assert elapsed < 1.0  # decoding 8,900 x 8,900 pixels takes seconds


def test_the_pixel_limit_is_a_setting(api, wang, file_complaint, settings):
    settings.EVIDENCE_MAX_PIXELS = 100 * 100
    case = file_complaint()
    big = io.BytesIO()
    Image.new("RGB", (101, 100)).save(big, format="PNG")
    small = io.BytesIO()
    Image.new("RGB", (100, 100)).save(small, format="PNG")

    assert send(api, wang, case, "big.png", big.getvalue()).status_code == 413
    assert send(api, wang, case, "small.png", small.getvalue()).status_code == 201


def test_refused_uploads_count_in_the_upload_rate_limit(api, wang, file_complaint, settings):
    settings.EVIDENCE_UPLOADS_PER_HOUR = 3
    case = file_complaint()
    bomb = png_bomb(rows=10)
    for _ in range(3):
        assert send(api, wang, case, "bomb.png", bomb).status_code == 413

    response = send(api, wang, case, "bomb.png", bomb)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 3600
    # The limit is per user and covers every file: a valid one waits too, on the page as well.
    assert send(api, wang, case, "fine.pdf", pdf_with_marker()).status_code == 429
    files = [SimpleUploadedFile("fine.pdf", pdf_with_marker())]
    browser(wang).post(f"/cases/{case.pk}/evidence/", {"evidence-files": files, "evidence-kind": "receipt"})
    assert not Evidence.objects.exists()


def test_the_upload_limit_is_per_user(api, wang, li, file_complaint, settings):
    settings.EVIDENCE_UPLOADS_PER_HOUR = 1
    mine, theirs = file_complaint(), file_complaint(consumer=li)
    assert send(api, wang, mine, "bomb.png", png_bomb(rows=10)).status_code == 413
    assert send(api, wang, mine, "bomb.png", png_bomb(rows=10)).status_code == 429

    assert send(api, li, theirs, "receipt.pdf", pdf_with_marker()).status_code == 201


# --- evidence on a closed case ----------------------------------------------------------


@pytest.fixture
def rated_case(case_in, wang):
    case = case_in("closed")
    return workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=4, comment="Fine.")


def test_the_consumer_cannot_add_evidence_to_a_closed_case(api, wang, rated_case):
    response = send(api, wang, rated_case, "late.pdf", pdf_with_marker())

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "wrong_state"
    assert body["status"] == "closed"
    assert "allowed_actions" in body
    assert not Evidence.objects.exists()


def test_the_case_page_neither_offers_nor_takes_evidence_on_a_closed_case(wang, rated_case):
    client = browser(wang)
    assert f'action="/cases/{rated_case.pk}/evidence/"' not in client.get(f"/cases/{rated_case.pk}/").content.decode()

    files = [SimpleUploadedFile("late.pdf", pdf_with_marker())]
    response = client.post(
        f"/cases/{rated_case.pk}/evidence/", {"evidence-files": files, "evidence-kind": "receipt"}, follow=True
    )

    assert not Evidence.objects.exists()
    assert "The case is closed" in response.content.decode()


@pytest.mark.parametrize("person", ["owner", "agent"])
def test_the_merchant_cannot_add_evidence_to_a_closed_case(api, request, rated_case, person):
    response = send(api, request.getfixturevalue(person), rated_case, "late.pdf", pdf_with_marker())

    assert response.status_code == 409
    assert response.json()["detail"] == "The case is closed: no more evidence can be added."
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("person", ["supervisor", "mediator"])
def test_council_staff_attach_evidence_to_a_closed_case_recorded_as_such(api, request, wang, rated_case, person):
    staff = request.getfixturevalue(person)

    response = send(api, staff, rated_case, "court-ruling.pdf", pdf_with_marker(), kind="other")

    assert response.status_code == 201, response.content
    event = rated_case.events.get(kind="evidence_added")
    assert event.actor == staff and event.actor_role == person
    assert event.data["after_closing"] is True
    assert event.data["name"] == "court-ruling.pdf"
    page = browser(wang).get(f"/cases/{rated_case.pk}/").content.decode()
    assert "The council added evidence after the case was closed" in page
    timeline = api.as_(wang).get(f"/api/v1/complaints/{rated_case.pk}/").json()["timeline"]
    assert [e["data"].get("after_closing") for e in timeline if e["kind"] == "evidence_added"] == [True]


def test_council_staff_attach_on_the_case_page_of_a_closed_case(supervisor, rated_case):
    client = browser(supervisor)
    assert f'action="/cases/{rated_case.pk}/evidence/"' in client.get(f"/cases/{rated_case.pk}/").content.decode()
    files = [SimpleUploadedFile("minutes.pdf", pdf_with_marker())]

    client.post(f"/cases/{rated_case.pk}/evidence/", {"evidence-files": files, "evidence-kind": "other"})

    assert Evidence.objects.get(complaint=rated_case).uploaded_by == supervisor


def test_an_open_case_takes_evidence_from_those_on_it_only(
    api, wang, supervisor, sibling_supervisor, other_agent, file_complaint
):
    case = file_complaint()
    assert send(api, sibling_supervisor, case, "a.pdf", pdf_with_marker()).status_code == 404
    assert send(api, other_agent, case, "a.pdf", pdf_with_marker()).status_code == 404
    assert send(api, supervisor, case, "a.pdf", pdf_with_marker()).status_code == 201
    assert send(api, wang, case, "a.pdf", pdf_with_marker()).status_code == 201
