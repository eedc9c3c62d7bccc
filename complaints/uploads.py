"""Evidence files before they reach a case: the checks every file passes (the hourly count,
the size, the type read from the content, the rebuild without metadata) and attaching a
checked file. Adding evidence to a case (complaints.services.add_evidence) and filing a
complaint with its evidence (complaints.filing) both use them, so a file is refused for the
same reasons wherever it is sent."""

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from mediation.errors import InvalidInput, Throttled

from .evidence import FileTooLarge, FileTypeRefused, clean_file, sniff
from .models import EVIDENCE_KINDS, Complaint, ComplaintEvent, EventKind, Evidence
from .timeline import UNREAD, append_event

EVIDENCE_RATE_WINDOW = 3600


def count_upload(actor) -> None:
    """EVIDENCE_UPLOADS_PER_HOUR files per user per clock hour, refused files included: a file
    refused after decoding costs the worker as much as one accepted, and leaves no row to count."""
    now = int(time.time())
    window_start = now - now % EVIDENCE_RATE_WINDOW
    key = f"evidence-uploads:{actor.pk}:{window_start}"
    cache.add(key, 0, timeout=EVIDENCE_RATE_WINDOW + 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=EVIDENCE_RATE_WINDOW + 60)
        count = 1
    # A cache outage answers None: uploads go on, as the other throttles do (settings.CACHES).
    if count is not None and count > settings.EVIDENCE_UPLOADS_PER_HOUR:
        raise Throttled(
            _("You sent %(n)d files in the last hour. Try again later.") % {"n": settings.EVIDENCE_UPLOADS_PER_HOUR},
            retry_after=window_start + EVIDENCE_RATE_WINDOW - now,
        )


@dataclass(frozen=True)
class CleanFile:
    """An evidence file that passed every check, rebuilt as it will be stored."""

    original_name: str
    content_type: str
    ext: str
    data: bytes


def check_evidence_file(*, actor, upload) -> CleanFile:
    """The checks every evidence file passes before it is attached to anything: the hourly
    count (refused files included), the size, the type read from the content, and the rebuild
    without metadata (which refuses what cannot be read). Filing runs them on every file before
    the complaint exists, so a refused file stops the filing."""
    count_upload(actor)
    check_size(upload)
    return read_and_clean(upload)


def check_size(upload) -> None:
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))


def read_and_clean(upload) -> CleanFile:
    data = upload.read(settings.EVIDENCE_MAX_BYTES + 1)
    if len(data) > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))
    detected = sniff(data[:16])
    if detected is None:
        raise FileTypeRefused(_("Upload a JPEG, PNG or WebP image or a PDF."))
    content_type, ext = detected
    return CleanFile(
        original_name=(getattr(upload, "name", "") or "file")[-200:],
        content_type=content_type,
        ext=ext,
        data=clean_file(data, content_type, max_pixels=settings.EVIDENCE_MAX_PIXELS),
    )


def check_evidence_kind(kind: str) -> None:
    if kind not in EVIDENCE_KINDS:
        raise InvalidInput(_("Unknown kind of evidence."), fields={"kind": [_("Unknown kind of evidence.")]})


def store_evidence(*, actor, complaint: Complaint, clean: CleanFile, kind: str) -> Evidence:
    """Attach a checked file; the caller holds the case's lock (or has just created the case)."""
    return store_evidence_with_event(actor=actor, complaint=complaint, clean=clean, kind=kind)[0]


def store_evidence_with_event(
    *, actor, complaint: Complaint, clean: CleanFile, kind: str, previous=UNREAD
) -> tuple[Evidence, ComplaintEvent]:
    """store_evidence, with its timeline event; `previous` as append_event takes it."""
    evidence = Evidence(
        complaint=complaint,
        uploaded_by=actor,
        uploader_role=actor.role,
        kind=kind,
        stored_name=f"{secrets.token_hex(16)}.{clean.ext}",
        original_name=clean.original_name,
        content_type=clean.content_type,
        size=len(clean.data),
        sha256=hashlib.sha256(clean.data).hexdigest(),
    )
    evidence.file.save(evidence.stored_name, ContentFile(clean.data), save=False)
    evidence.save()
    event_data = {"evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256}
    if not complaint.is_open:
        event_data["after_closing"] = True
    event = append_event(complaint, kind=EventKind.EVIDENCE_ADDED, actor=actor, data=event_data, previous=previous)
    return evidence, event
