"""Helpers for the API tests: real codes from the SMS outbox, valid credit codes, JSON posts."""

import re

import pytest
import sms
from stdnum.cn import uscc


def make_uscc(body17: str) -> str:
    """A unified social credit code with a correct GB 32100-2015 check character."""
    return body17 + uscc.calc_check_digit(body17)


def last_sms_code() -> str:
    """The 6-digit code of the last SMS sent, as the consumer reads it on their phone."""
    assert sms.outbox, "no SMS was sent"
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)


@pytest.fixture
def post_json(api):
    def _post(url, data=None, **extra):
        return api.post(url, data if data is not None else {}, format="json", **extra)

    return _post


def jpeg_with_gps() -> bytes:
    """A real JPEG photo as a phone writes it: EXIF with a camera model and GPS position."""
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # camera model
    exif[0x8825] = {1: "N", 2: (30.0, 35.0, 10.0), 3: "E", 4: (114.0, 17.0, 5.0)}  # GPSInfo: Wuhan
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)
