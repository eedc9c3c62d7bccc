"""Thumbnails of evidence photos, shown on the case page.

A thumbnail is made once, on its first request, and stored beside its photo in the same
storage under a derived name (THUMBNAIL_SUFFIX), so it needs no column and goes wherever the
photo goes. It is encoded again from its pixels alone: nothing of the photo's metadata (EXIF,
GPS, colour profile, comments) is carried over, even for a photo stored before uploads were
cleaned. Whoever may not see the photo is never sent its thumbnail (complaints/views/evidence_thumbs.py).
"""

import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile, File
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Evidence

logger = logging.getLogger(__name__)

THUMBNAIL_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Twice the size the page shows, for sharp thumbnails on phone screens.
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_SUFFIX = ".thumb.jpg"
THUMBNAIL_QUALITY = 80


def has_thumbnail(evidence: Evidence) -> bool:
    return evidence.content_type in THUMBNAIL_TYPES


def thumbnail_name(file_name: str) -> str:
    """Where the thumbnail of the stored file `file_name` is kept, in the same storage."""
    return f"{file_name}{THUMBNAIL_SUFFIX}"


def thumbnail_of(evidence: Evidence) -> File | None:
    """The stored thumbnail of an evidence photo, made now if it was not made before; None when
    the evidence is no photo, its file is gone or its pixels cannot be read."""
    if not has_thumbnail(evidence) or not evidence.file.name:
        return None
    storage = evidence.file.storage
    name = thumbnail_name(evidence.file.name)
    # A photo deleted with its owner's account leaves no thumbnail to be shown.
    if not storage.exists(evidence.file.name):
        return None
    # Opened straight away rather than asked about first: in a bucket each question is a request.
    try:
        return storage.open(name, "rb")
    except FileNotFoundError:
        pass
    try:
        with storage.open(evidence.file.name, "rb") as handle:
            data = make_thumbnail(handle, THUMBNAIL_TYPES[evidence.content_type])
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        logger.warning("no thumbnail for evidence %s", evidence.pk, exc_info=True)
        return None
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another request made it at the same moment: keep theirs.
        storage.delete(saved)
    return storage.open(name, "rb")


def make_thumbnail(handle, fmt: str) -> bytes:
    """A JPEG of at most THUMBNAIL_SIZE, from the photo's pixels only, turned as the photo says."""
    with Image.open(handle, formats=[fmt]) as image:
        if image.width * image.height > settings.EVIDENCE_MAX_PIXELS:
            raise ValueError("more pixels than an evidence photo may have")
        image.draft("RGB", THUMBNAIL_SIZE)  # a JPEG is decoded at a fraction of its size
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        pixels = image.convert("RGBA")
    # A new image carries no metadata; transparency is shown on white.
    thumbnail = Image.new("RGB", pixels.size, "white")
    thumbnail.paste(pixels, mask=pixels.getchannel("A"))
    out = io.BytesIO()
    thumbnail.save(out, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()
