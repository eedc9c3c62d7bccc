"""Writes on complaints other than status changes (those live in workflow.py)."""

import hashlib
import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import Role
from mediation.errors import DomainError, InvalidInput, NotAllowed

from .models import Complaint, Evidence, EvidenceKind
from .timeline import append_event

# Type from content, never from the name or the client's header.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuses decompression bombs


class FileTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


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


def _strip_metadata(data: bytes, content_type: str) -> bytes:
    """Re-encode the pixels only, so EXIF and GPS tags never leave the consumer's phone."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, format=fmt, quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise FileTypeRefused(_("The image could not be read.")) from exc


@transaction.atomic
def add_evidence(*, actor, complaint: Complaint, upload, kind: str = EvidenceKind.OTHER) -> Evidence:
    if actor.role != Role.CONSUMER or complaint.consumer_id != actor.pk:
        raise NotAllowed(_("Only the consumer who filed the complaint adds evidence."))
    if kind not in EvidenceKind.values:
        raise InvalidInput(_("Unknown kind of evidence."), fields={"kind": [_("Unknown kind of evidence.")]})
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))
    Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
    if complaint.evidence.count() >= settings.EVIDENCE_MAX_FILES:
        raise InvalidInput(
            _("A complaint may have at most 20 files."), fields={"file": [_("A complaint may have at most 20 files.")]}
        )
    data = upload.read(settings.EVIDENCE_MAX_BYTES + 1)
    if len(data) > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))
    detected = sniff(data[:16])
    if detected is None:
        raise FileTypeRefused(_("Upload a JPEG, PNG or WebP image or a PDF."))
    content_type, ext = detected
    if content_type.startswith("image/"):
        data = _strip_metadata(data, content_type)
    evidence = Evidence(
        complaint=complaint,
        uploaded_by=actor,
        kind=kind,
        stored_name=f"{secrets.token_hex(16)}.{ext}",
        original_name=(getattr(upload, "name", "") or "file")[-200:],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    evidence.file.save(evidence.stored_name, ContentFile(data), save=False)
    evidence.save()
    append_event(
        complaint,
        kind="evidence_added",
        actor=actor,
        data={"evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256},
    )
    return evidence
