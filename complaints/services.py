"""Writes on complaints other than status changes (those go through workflow.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed, WrongState

from . import access, rules, workflow
from .evidence import FileTooLarge, FileTypeRefused
from .models import Complaint, Evidence, EvidenceKind
from .priority import refresh_priority
from .rollups import contribution, record_change
from .search import complaint_terms
from .timeline import on_behalf_of_consumer
from .transitions import take_over
from .uploads import check_evidence_kind, check_size, count_upload, read_and_clean, store_evidence

__all__ = ["CORRECTABLE_FIELDS", "FileTooLarge", "FileTypeRefused", "add_evidence", "correct_complaint"]

# What operators may correct in a complaint's own words and facts (say, personal data a
# consumer typed into the description); status, deadlines and parties change only through
# the state machine.
CORRECTABLE_FIELDS = ("category", "channel", "platform", "order_number", "title", "description")


def _check_may_add_evidence(actor, complaint: Complaint) -> None:
    """Who before what: while the case is open everyone on it adds evidence, each file marked
    with who gave it: the consumer (or the staff who filed it for them, until they take it
    over), the merchant's staff, the case's mediator and council staff of its jurisdiction;
    once it is closed only council staff attach a file (a late record), and the others are told
    the case is closed (409)."""
    if not complaint.is_open and actor.is_council_staff:
        return
    if not access.may_give_evidence(actor, complaint):
        raise NotAllowed(_("Only the consumer, the merchant's staff and the council add evidence to a case."))
    if complaint.is_open:
        return
    raise WrongState(
        _("The case is closed: no more evidence can be added."),
        status=complaint.status,
        allowed_actions=workflow.allowed_actions(actor, complaint),
    )


@transaction.atomic
def add_evidence(*, actor, complaint: Complaint, upload, kind: str = EvidenceKind.OTHER) -> Evidence:
    _check_may_add_evidence(actor, complaint)
    check_evidence_kind(kind)
    count_upload(actor)
    check_size(upload)
    _check_room(complaint)
    clean = read_and_clean(upload)
    # The file is rebuilt before the case is locked; the case may have closed or filled up
    # meanwhile, so both are checked again under the lock.
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _check_may_add_evidence(actor, complaint)
    _check_room(complaint)
    on_behalf = access.acts_for_consumer(actor, complaint)
    if access.is_consumer_in_person(actor, complaint) and complaint.is_open and rules.unclaimed(complaint):
        take_over(complaint=complaint, actor=actor)
    with on_behalf_of_consumer(on_behalf):
        return store_evidence(actor=actor, complaint=complaint, clean=clean, kind=kind)


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
    counted = contribution(complaint)
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
    record_change(counted, contribution(complaint))  # a closed case's category is in the figures
    record_audit(
        action="complaint.correct",
        actor=actor,
        obj=complaint,
        extra={name: {"old": old, "new": new} for name, (old, new) in changes.items()},
    )
    return complaint
