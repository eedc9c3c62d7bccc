"""Violations: the consumer reports the merchant on a case; a supervisor confirms or dismisses
the report. A confirmed violation owes the consumer compensation and counts in the merchant's
record (complaints.records)."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from mediation.errors import InvalidInput, NotAllowed, WrongState
from mediation.figures import mark_figures_stale
from merchants.enrolment import clean_reason
from merchants.models import Violation, ViolationKind, ViolationStatus

from .models import Complaint, EventKind, Visibility, jurisdiction_q
from .notices import queue_case_notices
from .timeline import append_event


def violations_for_staff(user: User, *, status: str = "") -> QuerySet[Violation]:
    qs = Violation.objects.filter(jurisdiction_q(user.council, "complaint__council_path")).select_related(
        "complaint", "merchant", "reported_by", "decided_by"
    )
    if status in ViolationStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def violation_for_supervisor(user: User, pk, *, for_update: bool = False) -> Violation:
    """A violation report on a case of the supervisor's jurisdiction, else 404."""
    qs = violations_for_staff(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(pk))
    except (TypeError, ValueError, OverflowError, Violation.DoesNotExist):
        raise Http404(_("No such report.")) from None


def report_violation(*, complaint: Complaint, actor: User, kind: str, message: str) -> Violation:
    """The consumer reports the merchant: a workflow action, run under the case's lock.

    One open or confirmed report of each kind per case: a dismissed one may be reported again.
    """
    if kind not in ViolationKind.values:
        msg = _("Choose negative handling or harassment.")
        raise InvalidInput(msg, fields={"kind": [msg]})
    message = (message or "").strip()
    if not message:
        msg = _("Tell the council what the merchant did.")
        raise InvalidInput(msg, fields={"message": [msg]})
    if not complaint.merchant_id:
        raise NotAllowed(_("This merchant is not on the platform."))
    pending = complaint.violations.filter(kind=kind).exclude(status=ViolationStatus.DISMISSED)
    if pending.exists():
        msg = _("You have already reported this about this case; the council is looking at it.")
        raise InvalidInput(msg, fields={"kind": [msg]})
    violation = Violation.objects.create(
        complaint=complaint, merchant_id=complaint.merchant_id, kind=kind, message=message, reported_by=actor
    )
    event = append_event(
        complaint,
        kind=EventKind.VIOLATION_REPORTED,
        actor=actor,
        message=message,
        data={"violation": violation.pk, "violation_kind": kind},
        visibility=Visibility.PARTIES,
    )
    queue_case_notices(complaint=complaint, event="violation_reported", key=f"ev{event.pk}", actor=actor)
    return violation


def compensation_for(kind: str) -> Decimal:
    """What the merchant owes the consumer for a confirmed violation (settings.VIOLATION_COMPENSATION)."""
    return Decimal(str(settings.VIOLATION_COMPENSATION[kind])).quantize(Decimal("0.01"))


def _decide(actor: User, violation_id, *, reason: str, confirm: bool) -> Violation:
    if actor.role != Role.SUPERVISOR:
        raise NotAllowed(_("Only council supervisors decide on violations."))
    violation = violation_for_supervisor(actor, violation_id, for_update=True)
    if violation.status != ViolationStatus.REPORTED:
        raise WrongState(_("This report has already been decided."), status=violation.status)
    violation.status = ViolationStatus.CONFIRMED if confirm else ViolationStatus.DISMISSED
    violation.compensation = compensation_for(violation.kind) if confirm else None
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    violation.reason = reason
    violation.save(update_fields=["status", "compensation", "decided_by", "decided_at", "reason"])
    # The case row is locked like any transition's, so its timeline grows one event at a time.
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("merchant", "consumer", "council")
        .get(pk=violation.complaint_id)
    )
    data = {"violation": violation.pk, "violation_kind": violation.kind}
    if confirm:
        data["compensation"] = f"{violation.compensation:.2f}"
    event = append_event(
        complaint,
        kind=EventKind.VIOLATION_CONFIRMED if confirm else EventKind.VIOLATION_DISMISSED,
        actor=actor,
        message=reason,
        data=data,
        visibility=Visibility.PARTIES,
    )
    extra = {"compensation": data.get("compensation", "")}
    queue_case_notices(
        complaint=complaint, event=f"violation_{violation.status}", key=f"ev{event.pk}", actor=actor, extra=extra
    )
    if confirm:
        mark_figures_stale()
    return violation


@transaction.atomic
def confirm_violation(*, actor: User, violation_id, reason: str = "") -> Violation:
    """Confirm a report: the compensation owed is recorded and it counts in the merchant's record."""
    return _decide(actor, violation_id, reason=clean_reason(reason, required=False), confirm=True)


@transaction.atomic
def dismiss_violation(*, actor: User, violation_id, reason: str = "") -> Violation:
    """Dismiss a report, with the reason the consumer is shown."""
    return _decide(actor, violation_id, reason=clean_reason(reason, required=True), confirm=False)
