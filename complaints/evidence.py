"""What an evidence file is and what of it is kept: the type read from the content, and a
copy rebuilt from what is needed to show it, so nothing the consumer's phone or PDF writer
recorded (EXIF, GPS, XMP, comments, text chunks, document info) reaches the merchant.

Images are decoded and encoded again from their pixels; colour profiles are applied (the
pixels converted to sRGB) and then dropped, since a profile is free-form data that can carry
any text. PDFs are rebuilt from their pages alone, without the document information and the
XMP metadata of the document, its pages and their resources.
"""

import io

from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from mediation.errors import DomainError

# Type from content, never from the name or the client's header.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# What a decoded image keeps of its format's extras: only what changes how its pixels look.
KEPT_INFO = frozenset({"transparency"})
# Keys of a PDF object that hold metadata, not content: XMP streams and application data.
PDF_METADATA_KEYS = (NameObject("/Metadata"), NameObject("/PieceInfo"))
SRGB = ImageCms.createProfile("sRGB")


class FileTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


class ImageTooLarge(FileTooLarge):
    """More pixels than a phone photo: refused from the header, before it is decoded."""

    code = "image_too_large"


class FileTypeRefused(DomainError):
    status_code = 415
    code = "unsupported_file_type"


def sniff(head: bytes) -> tuple[str, str] | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def clean_file(data: bytes, content_type: str, *, max_pixels: int) -> bytes:
    """The file as it is stored and served: rebuilt without metadata, or refused."""
    if content_type == "application/pdf":
        return _clean_pdf(data)
    return _clean_image(data, PILLOW_FORMATS[content_type], max_pixels=max_pixels)


# --- images ----------------------------------------------------------------------------


def _clean_image(data: bytes, fmt: str, *, max_pixels: int) -> bytes:
    try:
        # Only the sniffed format's decoder: a file is never read as a format it did not claim.
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            # The size is in the header: a small file that would decode to gigabytes is refused
            # before a single pixel is decoded.
            if image.width * image.height > max_pixels:
                raise _too_many_pixels(max_pixels)
            image.load()
            image = ImageOps.exif_transpose(image)
            image = _in_srgb(image)
            image.info = {key: value for key, value in image.info.items() if key in KEPT_INFO}
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt, quality=90)
            return out.getvalue()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise FileTypeRefused(_("The image could not be read.")) from exc


def _too_many_pixels(max_pixels: int) -> ImageTooLarge:
    return ImageTooLarge(
        _("The image is larger than %(n)d megapixels. Send a smaller photo or a screenshot.")
        % {"n": max_pixels // 1_000_000}
    )


def _in_srgb(image: Image.Image) -> Image.Image:
    """The pixels as their colour profile shows them, in sRGB, so the profile can be dropped
    without the colours of a wide-gamut phone photo shifting."""
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        if image.mode not in ("RGB", "RGBA", "L", "CMYK"):
            image = image.convert("RGBA")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A profile that cannot be read is dropped: the colours may be a little off, never the content.
        return image
    return converted if converted is not None else image


# --- PDF ---------------------------------------------------------------------------------


def _clean_pdf(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileTypeRefused(_("Upload a PDF that opens without a password."))
        writer = PdfWriter()
        seen: set[int] = set()
        # Pages alone: the document catalogue (its XMP, attachments, scripts) and the
        # information dictionary (author, creator, dates) are left behind. The metadata is
        # cut from the pages as read, before they are copied: what is cut is then never copied.
        for page in reader.pages:
            _drop_pdf_metadata(page, seen)
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except FileTypeRefused:
        raise
    except Exception as exc:
        # pypdf raises many kinds of errors on a broken or hostile file (and RecursionError on
        # a deep one); whatever it is, a PDF that cannot be rebuilt is refused, never stored as sent.
        raise FileTypeRefused(_("The PDF could not be read.")) from exc


def _drop_pdf_metadata(node, seen: set[int]) -> None:
    """Remove XMP and application data from a page and everything it refers to (resources,
    images, forms, annotations), each object once. The /Parent link is not followed."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key in PDF_METADATA_KEYS:
                item.pop(key, None)
            stack.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
