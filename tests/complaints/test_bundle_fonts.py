"""The case bundle embeds its font, so "·" and Chinese show the same in every PDF viewer; without
a CJK font file on the system it falls back to the built-in CID font."""

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from complaints import bundle

MICROHEI = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def fonts_used(pdf: bytes) -> list[dict]:
    """The fonts the pages' text is set in (operator Tf), with their descriptors."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page["/Resources"]["/Font"]
        for name in set(re.findall(rb"/(\S+) [\d.]+ Tf", page.get_contents().get_data())):
            font = resources["/" + name.decode()].get_object()
            descriptor = font.get("/FontDescriptor")
            fonts[font["/BaseFont"]] = descriptor.get_object() if descriptor else {}
    return [{"name": name, "descriptor": descriptor} for name, descriptor in fonts.items()]


@pytest.fixture
def pdf(client, file_complaint, wang):
    case = file_complaint(title="屏幕碎了 · 退款", description="收到时屏幕已碎 · second line")
    client.force_login(wang)
    response = client.get(f"/cases/{case.pk}/bundle.pdf")
    assert response.status_code == 200
    return response.content


@pytest.mark.skipif(not MICROHEI.is_file(), reason="needs Debian's fonts-wqy-microhei")
def test_the_bundle_embeds_a_truetype_font_that_draws_the_middle_dot_and_chinese(pdf):
    fonts = fonts_used(pdf)
    assert fonts and all("/FontFile2" in font["descriptor"] for font in fonts), fonts
    assert b"STSong-Light" not in pdf
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "屏幕碎了 · 退款" in text
    assert "收到时屏幕已碎 · second line" in text
    assert "\ufffd" not in text


def test_without_a_font_file_the_bundle_falls_back_to_the_cid_font(tmp_path):
    missing = ((str(tmp_path / "no-such-font.ttc"), 0),)
    assert bundle.bundle_font(missing) == bundle.FALLBACK_FONT


def test_an_unreadable_font_file_is_skipped(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    assert bundle.bundle_font(((str(broken), 0),)) == bundle.FALLBACK_FONT


@pytest.mark.skipif(not MICROHEI.is_file(), reason="needs Debian's fonts-wqy-microhei")
def test_the_first_font_file_found_is_used(tmp_path):
    candidates = ((str(tmp_path / "absent.ttf"), 0), (str(MICROHEI), 0))
    assert bundle.bundle_font(candidates) == bundle.EMBEDDED_FONT
