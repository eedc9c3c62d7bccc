"""The deadline job's part in mediation sessions (complaints/sessions.py): the parties' reminder
the day before a session, the minutes' acknowledgement by silence once 3 working days have
passed (and what acknowledged minutes conclude), and the closure of a case whose last session
failed when its mediation deadline passes. complaints.deadlines.apply_deadlines runs it first.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from .models import Acknowledgement, Complaint, EventKind, MediationSession, Status
from .sessions import (
    REMINDER_BEFORE,
    close_after_failed_session,
    conclude,
    minuted_session,
    session_time,
    upcoming_session,
)
from .timeline import append_event
from .transitions import notify


def _locked_case(pk: int) -> Complaint | None:
    """The case under its row lock, or None when another run holds it (that run handles it)."""
    return (
        Complaint.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("council", "merchant", "consumer", "mediator")
        .filter(pk=pk, status=Status.IN_MEDIATION)
        .first()
    )


def _remind(complaint: Complaint, now: datetime.datetime) -> str:
    session = upcoming_session(complaint)
    if session is None or not now < session.starts_at <= now + REMINDER_BEFORE:
        return ""
    if session.reminder_sent_for == session.starts_at:
        return ""
    session.reminder_sent_for = session.starts_at
    session.save(update_fields=["reminder_sent_for"])
    data = {"session": session.number, "starts_at": session.starts_at.isoformat()}
    event = append_event(complaint, kind=EventKind.SESSION_REMINDER_SENT, data=data)
    notify(complaint, event, "session_reminder", session_at=session_time(session.starts_at))
    return "session_reminder"


def _apply_silence(complaint: Complaint, now: datetime.datetime) -> str:
    session = minuted_session(complaint)
    if session is None or session.acknowledge_by >= now:
        return ""
    silent = [p for p in session.participants.all() if not p.acknowledgement]
    if not silent:
        return ""
    for p in silent:
        p.acknowledgement = Acknowledgement.SILENCE
        p.acknowledged_at = session.acknowledge_by
        p.save(update_fields=["acknowledgement", "acknowledged_at"])
        on = timezone.localtime(session.acknowledge_by).date().isoformat()
        append_event(
            complaint, kind=EventKind.MINUTES_SILENCE, data={"session": session.number, "party": p.party, "on": on}
        )
    return conclude(complaint, session, actor=None, now=now) or "minutes_silence"


def apply_session_deadlines(now: datetime.datetime) -> dict[str, int]:
    """The day-before reminders, the acknowledgements by silence (and what they conclude) and the
    closures after a failed session; idempotent and safe to run twice at once."""
    in_mediation = MediationSession.objects.filter(complaint__status=Status.IN_MEDIATION)
    soon = in_mediation.filter(minutes_at__isnull=True, starts_at__gt=now, starts_at__lte=now + REMINDER_BEFORE)
    due = in_mediation.filter(minutes_at__isnull=False, acknowledge_by__lt=now, participants__acknowledgement="")
    failed = Complaint.objects.filter(status=Status.IN_MEDIATION, due_at__lt=now, sessions__agreed=False)
    steps = [
        (_remind, soon.values_list("complaint_id", flat=True)),
        (_apply_silence, due.values_list("complaint_id", flat=True)),
        (
            lambda case, at: "session_failed" if close_after_failed_session(case, at) else "",
            failed.values_list("pk", flat=True),
        ),
    ]
    counts: dict[str, int] = {}
    for step, pks in steps:
        for pk in sorted(set(pks)):
            with transaction.atomic():
                complaint = _locked_case(pk)
                applied = step(complaint, now) if complaint is not None else ""
            if applied:
                counts[applied] = counts.get(applied, 0) + 1
    return counts
