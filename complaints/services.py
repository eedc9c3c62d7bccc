"""Writes on complaints other than status changes (those go through workflow.py)."""

import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed, Throttled, WrongState

from . import workflow
from .evidence import FileTooLarge, FileTypeRefused, clean_file, sniff
from .models import Complaint, EventKind, Evidence, EvidenceKind
from .priority import refresh_priority
from .search import complaint_terms
from .timeline import append_event

__all__ = ["CORRECTABLE_FIELDS", "FileTooLarge", "FileTypeRefused", "add_evidence", "correct_complaint"]

# What operators may correct in a complaint's own words and facts (say, personal data a
# consumer typed into the description); status, deadlines and parties change only through
# the state machine.
CORRECTABLE_FIELDS = ("category", "channel", "platform", "order_number", "title", "description")

EVIDENCE_RATE_WINDOW = 3600


def _check_may_add_evidence(actor, complaint: Complaint) -> None:
    """Who before what: the consumer who filed it adds evidence while the case is open; once it
    is closed only council staff attach a file (a late record for the file), and the consumer
    is told the case is closed (409)."""
    is_filer = actor.role == Role.CONSUMER and complaint.consumer_id == actor.pk
    if complaint.is_open and is_filer:
        return
    if not complaint.is_open and actor.is_council_staff:
        return
    if not is_filer:
        raise NotAllowed(_("Only the consumer who filed the complaint adds evidence."))
    raise WrongState(
        _("The case is closed: no more evidence can be added."),
        status=complaint.status,
        allowed_actions=workflow.allowed_actions(actor, complaint),
    )


def _count_upload(actor) -> None:
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


@transaction.atomic
def add_evidence(*, actor, complaint: Complaint, upload, kind: str = EvidenceKind.OTHER) -> Evidence:
    _check_may_add_evidence(actor, complaint)
    if kind not in EvidenceKind.values:
        raise InvalidInput(_("Unknown kind of evidence."), fields={"kind": [_("Unknown kind of evidence.")]})
    _count_upload(actor)
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))
    _check_room(complaint)
    data = upload.read(settings.EVIDENCE_MAX_BYTES + 1)
    if len(data) > settings.EVIDENCE_MAX_BYTES:
        raise FileTooLarge(_("Each file may be at most 10 MB."))
    detected = sniff(data[:16])
    if detected is None:
        raise FileTypeRefused(_("Upload a JPEG, PNG or WebP image or a PDF."))
    content_type, ext = detected
    data = clean_file(data, content_type, max_pixels=settings.EVIDENCE_MAX_PIXELS)
    # The file is rebuilt before the case is locked; the case may have closed or filled up
    # meanwhile, so both are checked again under the lock.
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _check_may_add_evidence(actor, complaint)
    _check_room(complaint)
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
    event_data = {"evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256}
    if not complaint.is_open:
        event_data["after_closing"] = True
    append_event(complaint, kind=EventKind.EVIDENCE_ADDED, actor=actor, data=event_data)
    return evidence


def _check_room(complaint: Complaint) -> None:
    if complaint.evidence.count() >= settings.EVIDENCE_MAX_FILES:
        raise InvalidInput(
            _("A complaint may have at most 20 files."), fields={"file": [_("A complaint may have at most 20 files.")]}
        )


@transaction.atomic
def correct_complaint(*, actor, complaint_id: int, **fields) -> Complaint:
    """An operator corrects a complaint's descriptive fields (CORRECTABLE_FIELDS).

    The search terms and the priority are derived from these fields, so both are refreshed in
    the same write; the audit entry names each changed field with its old and new value (staff
    see them on the case anyway) and nothing else of the case.
    """
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not correctable: {', '.join(sorted(unknown))}")
    if not (actor.is_active and actor.is_staff and actor.has_perm("complaints.change_complaint")):
        raise NotAllowed(_("Only operators correct a complaint."))
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    changes = {name: (getattr(complaint, name), value) for name, value in fields.items()}
    changes = {name: (old, new) for name, (old, new) in changes.items() if old != new}
    if not changes:
        return complaint
    for name, (_old, new) in changes.items():
        setattr(complaint, name, new)
    try:
        complaint.clean_fields(exclude=[f.name for f in Complaint._meta.concrete_fields if f.name not in changes])
    except ValidationError as exc:
        first = next(iter(exc.message_dict.values()))[0]
        raise InvalidInput(first, fields=exc.message_dict) from exc
    complaint.search_terms = complaint_terms(complaint)
    refresh_priority(complaint)  # the category and channel weigh in the priority
    complaint.save(update_fields=[*changes, "search_terms", "priority", "priority_reasons"])
    record_audit(
        action="complaint.correct",
        actor=actor,
        obj=complaint,
        extra={name: {"old": old, "new": new} for name, (old, new) in changes.items()},
    )
    return complaint
