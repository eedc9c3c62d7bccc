"""Deadlines: the periodic job that applies every passed deadline (SPEC "Deadlines") with its
reminders, escalations and closures.

The clock itself (calendar or working days) is complaints/clock.py, below the transitions
that restart it; it is named here too, where migration 0003 and the benchmark import it.
"""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from merchants.models import OverdueMark

from .clock import add_days, is_working_day
from .models import OPEN_STATUSES, Complaint, EventKind, Outcome, Status, Visibility
from .notices import queue_case_notices
from .priority import refresh_priority
from .session_deadlines import apply_session_deadlines
from .sessions import close_after_failed_session
from .timeline import append_event
from .transitions import close, notify, to_mediation

__all__ = ["REMINDER_BEFORE", "add_days", "apply_deadlines", "is_working_day"]

S = Status
REMINDER_BEFORE = datetime.timedelta(hours=24)
STAFF_STATES = frozenset({S.UNDER_REVIEW, S.IN_MEDIATION})


def _deadline_candidates(now: datetime.datetime) -> list[int]:
    due_soon = Q(status__in=OPEN_STATUSES, due_at__lt=now + REMINDER_BEFORE)
    past_settle_by = Q(status__in=[S.AWAITING_MERCHANT, S.AWAITING_CONSUMER], settle_by__lt=now)
    qs = Complaint.objects.filter(due_soon | past_settle_by)
    qs = qs.exclude(status__in=STAFF_STATES, is_overdue=True)
    qs = qs.exclude(Q(status=S.AWAITING_MERCHANT, due_at__gte=now, reminder_sent_for=F("due_at")) & ~past_settle_by)
    qs = qs.exclude(~Q(status=S.AWAITING_MERCHANT) & Q(due_at__gte=now) & ~past_settle_by)
    return list(qs.order_by("due_at").values_list("pk", flat=True))


def apply_deadlines(now: datetime.datetime | None = None) -> dict[str, int]:
    """Apply every deadline that has passed; idempotent and safe to run twice at once.

    Each case is handled in its own transaction under a row lock; a case another run
    holds is skipped (that run handles it), and the state is re-checked after locking.
    """
    now = now or timezone.now()
    # Mediation sessions first: a failed session's acknowledged minutes decide how a passed
    # mediation deadline closes the case.
    counts: dict[str, int] = apply_session_deadlines(now)
    for pk in _deadline_candidates(now):
        with transaction.atomic():
            complaint = (
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("council", "merchant", "consumer")
                .filter(pk=pk)
                .first()
            )
            if complaint is None or not complaint.is_open:
                continue
            applied = _apply_deadline(complaint, now)
            if applied:
                counts[applied] = counts.get(applied, 0) + 1
    return counts


def _mark_overdue(complaint: Complaint, stage: str) -> None:
    OverdueMark.objects.get_or_create(complaint=complaint, stage=stage, defaults={"merchant": complaint.merchant})


def _apply_deadline(complaint: Complaint, now: datetime.datetime) -> str:
    status, due_at, settle_by = complaint.status, complaint.due_at, complaint.settle_by
    due_passed = due_at is not None and due_at < now
    settle_passed = settle_by is not None and settle_by < now and status in (S.AWAITING_MERCHANT, S.AWAITING_CONSUMER)
    # When two deadlines have passed, the earlier one decides.
    if settle_passed and (not due_passed or settle_by < due_at):
        to_mediation(complaint, kind=EventKind.SETTLEMENT_DEADLINE_PASSED)
        return "settlement_deadline"
    if status == S.AWAITING_MERCHANT:
        if due_passed:
            _mark_overdue(complaint, OverdueMark.Stage.ANSWER)
            event = to_mediation(complaint, kind=EventKind.MERCHANT_DEADLINE_PASSED)
            notify(complaint, event, "merchant_overdue")
            return "merchant_overdue"
        if due_at and due_at - REMINDER_BEFORE <= now and complaint.reminder_sent_for != due_at:
            complaint.reminder_sent_for = due_at
            complaint.save(update_fields=["reminder_sent_for"])
            key = f"reminder{complaint.pk}:{due_at.isoformat()}"
            queue_case_notices(complaint=complaint, event="reminder", key=key)
            return "reminder"
        return ""
    if not due_passed:
        return ""
    if status == S.AWAITING_CONSUMER:
        close(complaint, outcome=Outcome.NO_REPLY, kind=EventKind.CONSUMER_DEADLINE_PASSED)
        return "no_reply"
    if status == S.SETTLED:
        if complaint.merchant_id:
            _mark_overdue(complaint, OverdueMark.Stage.FULFILMENT)
        event = to_mediation(complaint, kind=EventKind.FULFILMENT_DEADLINE_PASSED)
        notify(complaint, event, "merchant_overdue")
        return "fulfilment_overdue"
    if status == S.AWAITING_CONFIRMATION:
        close(complaint, outcome=Outcome.UNCONFIRMED, kind=EventKind.CONFIRMATION_DEADLINE_PASSED)
        return "unconfirmed"
    if status == S.IN_MEDIATION and close_after_failed_session(complaint, now):
        return "session_failed"
    if status in STAFF_STATES and not complaint.is_overdue:
        complaint.is_overdue = True
        refresh_priority(complaint)
        complaint.save(update_fields=["is_overdue", "priority", "priority_reasons"])
        kind = EventKind.STAFF_DEADLINE_PASSED
        event = append_event(complaint, kind=kind, from_status=status, visibility=Visibility.STAFF)
        notify(complaint, event, "staff_overdue")
        return "staff_overdue"
    return ""
