"""The complaint state machine (SPEC "Lifecycle").

This module is the only code that changes a complaint's status. Every transition
checks the actor's role and the current state, locks the complaint row, appends a
timeline event and writes its notices, in one transaction.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Council, Role, User
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed, Throttled, WrongState
from merchants.models import Merchant, OverdueMark
from notifications.services import queue_case_notices

from . import access
from .deadlines import add_days
from .models import (
    OPEN_STATUSES,
    CaseSequence,
    Complaint,
    ComplaintEvent,
    Outcome,
    Party,
    Remedy,
    Status,
    Visibility,
)
from .priority import refresh_merchant_priorities, refresh_priority
from .search import complaint_terms
from .timeline import append_event

S = Status


@dataclass(frozen=True)
class Action:
    name: str
    label: Promise
    sources: frozenset[str]
    actors: tuple[str, ...]  # consumer | merchant | supervisor | mediator | party


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("respond", _("Answer"), frozenset({S.AWAITING_MERCHANT}), ("merchant",)),
        Action("accept", _("Accept the offer"), frozenset({S.AWAITING_CONSUMER}), ("consumer",)),
        Action("reject", _("Not satisfied, ask again"), frozenset({S.AWAITING_CONSUMER}), ("consumer",)),
        Action("request_mediation", _("Ask the council to mediate"), frozenset({S.AWAITING_CONSUMER}), ("consumer",)),
        Action("withdraw", _("Withdraw the complaint"), OPEN_STATUSES, ("consumer",)),
        Action("message", _("Add a message"), OPEN_STATUSES, ("party",)),
        Action("review_accept", _("Accept for mediation"), frozenset({S.UNDER_REVIEW}), ("supervisor",)),
        Action("review_reject", _("Reject"), frozenset({S.UNDER_REVIEW}), ("supervisor",)),
        Action("assign", _("Assign a mediator"), frozenset({S.IN_MEDIATION}), ("supervisor",)),
        Action("record_agreement", _("Record the agreement"), frozenset({S.IN_MEDIATION}), ("mediator",)),
        Action("record_failure", _("Record that mediation failed"), frozenset({S.IN_MEDIATION}), ("mediator",)),
        Action("fulfil", _("Mark as carried out"), frozenset({S.SETTLED}), ("merchant", "mediator")),
        Action("confirm", _("Confirm it was carried out"), frozenset({S.AWAITING_CONFIRMATION}), ("consumer",)),
        Action("dispute", _("It was not carried out"), frozenset({S.AWAITING_CONFIRMATION}), ("consumer",)),
        Action("rate", _("Rate the handling"), frozenset({S.CLOSED}), ("consumer",)),
        # Any state once the merchant was involved; the status does not change (merchants.services).
        Action("report_violation", _("Report the merchant"), frozenset(Status.values), ("consumer",)),
    ]
}

MAX_ROUNDS = 3
RATEABLE_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.NOT_SETTLED})
MEDIATION_ADVICE = {
    "12315": _("Complain to the market regulator through 12315"),
    "arbitration": _("Apply for arbitration"),
    "court": _("Bring a lawsuit in court"),
}


# --- who may do what -----------------------------------------------------------------


def _is_actor(user, actor: str, complaint: Complaint) -> bool:
    if actor == "consumer":
        return user.role == Role.CONSUMER and complaint.consumer_id == user.pk
    if actor == "merchant":
        return user.is_merchant_user and complaint.merchant_id == user.merchant_id
    if actor == "supervisor":
        return user.role == Role.SUPERVISOR and complaint.council_path.startswith(user.council.path)
    if actor == "mediator":
        # The assigned mediator also records fulfilment where the merchant is not on the platform.
        return user.role == Role.MEDIATOR and complaint.mediator_id == user.pk
    return access.is_party(user, complaint)


def _role_may(user, action: Action, complaint: Complaint) -> bool:
    return any(_is_actor(user, actor, complaint) for actor in action.actors)


def _state_allows(action: Action, complaint: Complaint) -> bool:
    if complaint.status not in action.sources:
        return False
    if action.name == "accept":
        return bool(complaint.offer) and complaint.offer.get("kind") == "offer"
    if action.name == "rate":
        return complaint.outcome in RATEABLE_OUTCOMES and complaint.satisfaction is None
    if action.name == "report_violation":
        # Once the case went to the merchant (settle_by is set only then) or it answered.
        return complaint.merchant_id is not None and (complaint.settle_by or complaint.first_response_at) is not None
    return True


def allowed_actions(user, complaint: Complaint) -> list[str]:
    return [name for name, a in ACTIONS.items() if _role_may(user, a, complaint) and _state_allows(a, complaint)]


def _action(name: str) -> Action:
    spec = ACTIONS.get(name)
    if spec is None:
        raise InvalidInput(_("Unknown action."), fields={"action": [_("Unknown action.")]})
    return spec


def check_may(actor, complaint: Complaint, action: str) -> None:
    """Who before what (API.md "Conventions"): a role that may never do the action on this case
    is NotAllowed (403); an action the case's state does not allow is WrongState (409). Pages and
    API call it on the case from access.get_complaint_for (404) before they validate the input,
    and perform calls it again under the row lock."""
    spec = _action(action)
    if not _role_may(actor, spec, complaint):
        raise NotAllowed(_("Your role may not do this on this case."))
    if not _state_allows(spec, complaint):
        raise WrongState(status=complaint.status, allowed_actions=allowed_actions(actor, complaint))


def perform(*, actor, complaint_id: int, action: str, **payload) -> Complaint:
    """Lock the case, check the actor and the state, and run one transition."""
    _action(action)
    with transaction.atomic():
        complaint = access.get_complaint_for(actor, complaint_id, for_update=True)
        # Checked again under the lock: the state may have moved since the caller checked.
        check_may(actor, complaint, action)
        TRANSITIONS[action](complaint=complaint, actor=actor, **payload)
        record_audit(action=f"complaint.{action}", actor=actor, obj=complaint, extra={"status": complaint.status})
        return complaint


# --- building blocks ------------------------------------------------------------------


def _move(
    complaint: Complaint,
    *,
    to: str,
    kind: str,
    actor=None,
    message: str = "",
    data: dict | None = None,
    waiting_on: str = "",
    due_days: str | None = None,
    due_at: datetime.datetime | None = None,
    outcome: str = "",
) -> ComplaintEvent:
    """Change the status, restart the deadline clock and append the timeline event."""
    now = timezone.now()
    from_status = complaint.status
    complaint.status = to
    complaint.waiting_on = waiting_on
    if due_days:
        due_at = add_days(complaint.council, now, getattr(complaint.council, due_days))
    complaint.due_at = due_at
    complaint.is_overdue = False
    if to == S.CLOSED:
        complaint.outcome = outcome
        complaint.closed_at = now
        complaint.waiting_on = ""
        complaint.due_at = None
    refresh_priority(complaint)
    complaint.save()
    return append_event(complaint, kind=kind, actor=actor, from_status=from_status, message=message, data=data)


def _notify(complaint, event: ComplaintEvent, notice: str, **extra) -> None:
    queue_case_notices(complaint=complaint, event=notice, key=f"ev{event.pk}", actor=event.actor, extra=extra)


def _to_mediation(complaint, *, kind, actor=None, message="", data=None) -> ComplaintEvent:
    event = _move(
        complaint,
        to=S.IN_MEDIATION,
        kind=kind,
        actor=actor,
        message=message,
        data=data,
        waiting_on=Party.MEDIATOR if complaint.mediator_id else Party.COUNCIL,
        due_days="mediation_days",
    )
    _notify(complaint, event, "escalated")
    return event


def promised_date_error(due_date: datetime.date | None) -> str:
    """Why a date an offer promises is refused ("" when it is fine): not in the past, and at
    most OFFER_MAX_DAYS ahead, so a settlement always falls due and can go overdue."""
    if due_date is None:
        return ""
    today = timezone.localdate()
    if due_date < today:
        return str(_("The date is in the past."))
    if due_date > today + datetime.timedelta(days=settings.OFFER_MAX_DAYS):
        return str(_("Choose a date at most %(n)d days from today.") % {"n": settings.OFFER_MAX_DAYS})
    return ""


def _check_promised_date(due_date: datetime.date | None) -> None:
    error = promised_date_error(due_date)
    if error:
        raise InvalidInput(error, fields={"due_date": [error]})


def _settle(complaint, *, kind, actor, agreement: dict, message="") -> ComplaintEvent:
    due_at = None
    days = "fulfilment_days"
    if agreement.get("due_date"):
        # An offer written before the bound existed may promise any date: the agreement's
        # deadline never lies further ahead than an offer made today could.
        latest = timezone.localdate() + datetime.timedelta(days=settings.OFFER_MAX_DAYS)
        due_date = min(datetime.date.fromisoformat(agreement["due_date"]), latest)
        promised = timezone.make_aware(datetime.datetime.combine(due_date, datetime.time(23, 59, 59)))
        # An offer accepted after the date it promised would be overdue at once (and mark the
        # merchant): then the council's fulfilment period runs from the settlement instead.
        if promised > timezone.now():
            due_at, days = promised, None
    complaint.agreement = agreement
    complaint.settled_at = timezone.now()
    event = _move(
        complaint,
        to=S.SETTLED,
        kind=kind,
        actor=actor,
        message=message,
        data=agreement,
        waiting_on=Party.MERCHANT,
        due_days=days,
        due_at=due_at,
    )
    _notify(complaint, event, "settled")
    return event


def _public_figures_changed() -> None:
    """A closed case changes the public statistics and the merchant's credit index."""
    from supervision.selectors import invalidate_public_figures

    transaction.on_commit(invalidate_public_figures)


def _close(complaint, *, outcome, kind, actor=None, message="", data=None, notify=True) -> ComplaintEvent:
    event = _move(complaint, to=S.CLOSED, kind=kind, actor=actor, message=message, data=data, outcome=outcome)
    _public_figures_changed()
    refresh_merchant_priorities(complaint)
    if notify:
        _notify(complaint, event, "closed")
    return event


def _require(value, field: str, message) -> None:
    if value in (None, "", []):
        raise InvalidInput(message, fields={field: [message]})


# --- filing ---------------------------------------------------------------------------


def _next_case_number(council: Council, now: datetime.datetime) -> str:
    root = council
    while root.parent_id:
        root = root.parent
    prefix, year = root.case_prefix, timezone.localtime(now).year
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}{year}-{sequence.last:06d}"


def root_council() -> Council:
    council = Council.objects.filter(parent__isnull=True).order_by("pk").first()
    if council is None:
        raise InvalidInput(_("The platform has no council yet."))
    return council


def _retry_after(oldest: datetime.datetime | None, window: datetime.timedelta) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, int((oldest + window - timezone.now()).total_seconds()) + 1)


def _check_filing_rate(consumer) -> None:
    """SPEC rate limit: at most COMPLAINTS_PER_DAY complaints per consumer in 24 hours.

    Counted under the consumer's row lock, held until the filing commits: parallel filings
    of one consumer count one after the other, so none slips past the limit.
    """
    User.objects.select_for_update().filter(pk=consumer.pk).first()
    window = datetime.timedelta(days=1)
    recent = Complaint.objects.filter(consumer=consumer, filed_at__gt=timezone.now() - window)
    limit = settings.COMPLAINTS_PER_DAY
    filed = list(recent.order_by("-filed_at").values_list("filed_at", flat=True)[:limit])
    if len(filed) >= limit:
        raise Throttled(
            _("You filed %(n)d complaints in the last 24 hours. Try again later.") % {"n": limit},
            retry_after=_retry_after(filed[-1], window),
        )


def _check_message_rate(actor) -> None:
    """At most MESSAGES_PER_HOUR messages per user per hour."""
    window = datetime.timedelta(hours=1)
    limit = settings.MESSAGES_PER_HOUR
    sent = list(
        ComplaintEvent.objects.filter(actor=actor, kind="message", created_at__gt=timezone.now() - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(sent) >= limit:
        raise Throttled(
            _("You sent %(n)d messages in the last hour. Try again later.") % {"n": limit},
            retry_after=_retry_after(sent[-1], window),
        )


def _chosen_merchant(merchant: Merchant | int) -> Merchant:
    """The merchant the consumer chose, of any status: SPEC "Merchants" routes a complaint
    against one not enrolled (applied, suspended, refused) to council review, not away."""
    if not isinstance(merchant, Merchant):
        merchant = Merchant.objects.filter(pk=merchant).select_related("region").first()
    if merchant is None:
        message = _("No such merchant on the platform.")
        raise InvalidInput(message, fields={"merchant": [message]})
    return merchant


@transaction.atomic
def file_complaint(
    *,
    consumer,
    category: str,
    channel: str,
    title: str,
    description: str,
    merchant: Merchant | int | None = None,
    merchant_name: str = "",
    merchant_phone: str = "",
    region: Council | None = None,
    platform: str = "",
    order_number: str = "",
    purchase_date: datetime.date | None = None,
    amount: Decimal = Decimal("0"),
    demands: list[str] | None = None,
    share_contact: bool = False,
) -> Complaint:
    """A consumer files a complaint: straight to an enrolled merchant, else to council review.

    `merchant` is the merchant the consumer chose (pages and API give its id), or None when
    they name one not on the platform.
    """
    if consumer.role != Role.CONSUMER:
        raise NotAllowed(_("Only consumers file complaints."))
    if merchant is not None:
        merchant = _chosen_merchant(merchant)
    _check_filing_rate(consumer)
    if merchant is None:
        _require(merchant_name, "merchant_name", _("Name the merchant or choose an enrolled one."))
        council = region or root_council()
    else:
        council = merchant.region
    enrolled = merchant is not None and merchant.is_enrolled
    now = timezone.now()
    complaint = Complaint(
        case_number=_next_case_number(council, now),
        consumer=consumer,
        merchant=merchant,
        merchant_name="" if merchant else merchant_name,
        merchant_phone="" if merchant else merchant_phone,
        council=council,
        council_path=council.path,
        category=category,
        channel=channel,
        platform=platform,
        order_number=order_number,
        purchase_date=purchase_date,
        amount=amount,
        demands=demands or [],
        title=title,
        description=description,
        share_contact=share_contact,
        status=S.AWAITING_MERCHANT if enrolled else S.UNDER_REVIEW,
        waiting_on=Party.MERCHANT if enrolled else Party.COUNCIL,
        due_at=add_days(council, now, council.merchant_days if enrolled else council.review_days),
        settle_by=add_days(council, now, council.settlement_days) if enrolled else None,
        filed_at=now,
    )
    complaint.merchant_first_due_at = complaint.due_at if enrolled else None
    complaint.search_terms = complaint_terms(complaint)
    refresh_priority(complaint)
    complaint.save()
    refresh_merchant_priorities(complaint)
    event = append_event(complaint, kind="filed", actor=consumer, from_status="")
    if enrolled:
        _notify(complaint, event, "filed")
    return complaint


# --- transitions, one function each ---------------------------------------------------


def respond(
    *,
    complaint: Complaint,
    actor,
    kind: str,
    message: str,
    remedy: str | None = None,
    offer_amount: Decimal | None = None,
    due_date: datetime.date | None = None,
) -> None:
    if kind not in ("offer", "decline"):
        raise InvalidInput(_("Choose an offer or a decline."), fields={"kind": [_("Choose offer or decline.")]})
    _require(message, "message", _("Write your answer to the consumer."))
    if kind == "offer":
        _require(remedy, "remedy", _("An offer names its remedy."))
        if remedy not in Remedy.values:
            raise InvalidInput(_("Unknown remedy."), fields={"remedy": [_("Unknown remedy.")]})
        _check_promised_date(due_date)
    offer = {
        "kind": kind,
        "round": complaint.round,
        "remedy": remedy if kind == "offer" else None,
        "amount": f"{offer_amount:.2f}" if kind == "offer" and offer_amount is not None else None,
        "due_date": due_date.isoformat() if kind == "offer" and due_date else None,
        "message": message,
    }
    complaint.offer = offer
    if complaint.first_response_at is None:
        complaint.first_response_at = timezone.now()
    event = _move(
        complaint,
        to=S.AWAITING_CONSUMER,
        kind="responded",
        actor=actor,
        message=message,
        data=offer,
        waiting_on=Party.CONSUMER,
        due_days="consumer_days",
    )
    _notify(complaint, event, "responded")


def accept(*, complaint: Complaint, actor) -> None:
    agreement = {**complaint.offer, "source": "offer"}
    _settle(complaint, kind="accepted", actor=actor, agreement=agreement)


def reject(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Tell the merchant what is still wrong."))
    if complaint.round >= MAX_ROUNDS:
        _to_mediation(complaint, kind="rejected", actor=actor, message=message, data={"round": complaint.round})
        return
    complaint.round += 1
    complaint.offer = None
    event = _move(
        complaint,
        to=S.AWAITING_MERCHANT,
        kind="rejected",
        actor=actor,
        message=message,
        data={"round": complaint.round},
        waiting_on=Party.MERCHANT,
        due_days="merchant_days",
    )
    _notify(complaint, event, "asked_again")


def request_mediation(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Tell the council why you ask for mediation."))
    _to_mediation(complaint, kind="mediation_requested", actor=actor, message=message)


def withdraw(*, complaint: Complaint, actor, message: str = "") -> None:
    event = _close(complaint, outcome=Outcome.WITHDRAWN, kind="withdrawn", actor=actor, message=message, notify=False)
    _notify(complaint, event, "consumer_moved")


def message(*, complaint: Complaint, actor, message: str, staff_only: bool = False) -> None:
    _require(message, "message", _("Write a message."))
    _check_message_rate(actor)
    visibility = Visibility.PARTIES
    if staff_only:
        if actor.is_council_staff:
            visibility = Visibility.STAFF
        elif actor.is_merchant_user:
            visibility = Visibility.MERCHANT_STAFF  # the merchant's note for the council
        else:
            raise NotAllowed(_("Only the merchant and council staff can write notes for the council."))
    event = append_event(
        complaint, kind="message", actor=actor, from_status=complaint.status, message=message, visibility=visibility
    )
    if visibility == Visibility.PARTIES:
        _notify(complaint, event, "message")


def review_accept(*, complaint: Complaint, actor, message: str = "") -> None:
    event = _move(
        complaint,
        to=S.IN_MEDIATION,
        kind="review_accepted",
        actor=actor,
        message=message,
        waiting_on=Party.COUNCIL,
        due_days="mediation_days",
    )
    _notify(complaint, event, "review_accepted")


def review_reject(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Give the consumer the reason."))
    _close(complaint, outcome=Outcome.REJECTED, kind="review_rejected", actor=actor, message=message)


def assign(*, complaint: Complaint, actor, mediator) -> None:
    candidate = None
    if mediator is not None:
        candidate = (
            User.objects.filter(pk=getattr(mediator, "pk", mediator), role=Role.MEDIATOR, is_active=True)
            .select_related("council")
            .first()
        )
    if candidate is None or not complaint.council_path.startswith(candidate.council.path):
        msg = _("Choose a mediator of a council whose jurisdiction covers this case.")
        raise InvalidInput(msg, fields={"mediator": [msg]})
    complaint.mediator = candidate
    complaint.waiting_on = Party.MEDIATOR
    complaint.save(update_fields=["mediator", "waiting_on"])
    event = append_event(
        complaint,
        kind="mediator_assigned",
        actor=actor,
        from_status=complaint.status,
        data={"mediator": candidate.pk, "mediator_name": candidate.display_name},
    )
    _notify(complaint, event, "mediator_assigned")


def record_agreement(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Write down what was agreed."))
    _settle(
        complaint,
        kind="agreement_recorded",
        actor=actor,
        message=message,
        agreement={"source": "mediation", "message": message},
    )


def record_failure(*, complaint: Complaint, actor, message: str, advice: str) -> None:
    _require(message, "message", _("Write down why mediation failed."))
    if advice not in MEDIATION_ADVICE:
        raise InvalidInput(_("Choose the advice."), fields={"advice": [_("Choose 12315, arbitration or court.")]})
    _close(
        complaint,
        outcome=Outcome.NOT_SETTLED,
        kind="mediation_failed",
        actor=actor,
        message=message,
        data={"advice": advice},
    )


def fulfil(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Describe what was done, with a receipt or tracking number."))
    event = _move(
        complaint,
        to=S.AWAITING_CONFIRMATION,
        kind="fulfilled",
        actor=actor,
        message=message,
        waiting_on=Party.CONSUMER,
        due_days="confirmation_days",
    )
    _notify(complaint, event, "fulfilled")


def confirm(*, complaint: Complaint, actor, message: str = "") -> None:
    event = _close(complaint, outcome=Outcome.RESOLVED, kind="confirmed", actor=actor, message=message, notify=False)
    _notify(complaint, event, "consumer_moved")


def dispute(*, complaint: Complaint, actor, message: str = "") -> None:
    _to_mediation(complaint, kind="disputed", actor=actor, message=message)


def rate(*, complaint: Complaint, actor, score: int, comment: str = "") -> None:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(_("Give a score from 1 to 5."), fields={"score": [_("Give a score from 1 to 5.")]})
    complaint.satisfaction = score
    complaint.satisfaction_comment = comment or ""
    complaint.save(update_fields=["satisfaction", "satisfaction_comment"])
    append_event(
        complaint, kind="rated", actor=actor, from_status=complaint.status, message=comment or "", data={"score": score}
    )


def report_violation(*, complaint: Complaint, actor, kind: str, message: str) -> None:
    from merchants.services import report_violation as report

    report(complaint=complaint, actor=actor, kind=kind, message=message)


TRANSITIONS = {
    "respond": respond,
    "accept": accept,
    "reject": reject,
    "request_mediation": request_mediation,
    "withdraw": withdraw,
    "message": message,
    "review_accept": review_accept,
    "review_reject": review_reject,
    "assign": assign,
    "record_agreement": record_agreement,
    "record_failure": record_failure,
    "fulfil": fulfil,
    "confirm": confirm,
    "dispute": dispute,
    "rate": rate,
    "report_violation": report_violation,
}


# --- deadlines, applied by the periodic job -------------------------------------------

REMINDER_BEFORE = datetime.timedelta(hours=24)
STAFF_STATES = frozenset({S.UNDER_REVIEW, S.IN_MEDIATION})


def _deadline_candidates(now: datetime.datetime) -> list[int]:
    from django.db.models import F, Q

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
    counts: dict[str, int] = {}
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


def _apply_deadline(complaint: Complaint, now: datetime.datetime) -> str:
    status, due_at, settle_by = complaint.status, complaint.due_at, complaint.settle_by
    due_passed = due_at is not None and due_at < now
    settle_passed = settle_by is not None and settle_by < now and status in (S.AWAITING_MERCHANT, S.AWAITING_CONSUMER)
    # When two deadlines have passed, the earlier one decides.
    if settle_passed and (not due_passed or settle_by < due_at):
        _to_mediation(complaint, kind="settlement_deadline_passed")
        return "settlement_deadline"
    if status == S.AWAITING_MERCHANT:
        if due_passed:
            OverdueMark.objects.get_or_create(
                complaint=complaint, stage=OverdueMark.Stage.ANSWER, defaults={"merchant": complaint.merchant}
            )
            event = _to_mediation(complaint, kind="merchant_deadline_passed")
            _notify(complaint, event, "merchant_overdue")
            return "merchant_overdue"
        if due_at and due_at - REMINDER_BEFORE <= now and complaint.reminder_sent_for != due_at:
            complaint.reminder_sent_for = due_at
            complaint.save(update_fields=["reminder_sent_for"])
            queue_case_notices(
                complaint=complaint, event="reminder", key=f"reminder{complaint.pk}:{due_at.isoformat()}"
            )
            return "reminder"
        return ""
    if not due_passed:
        return ""
    if status == S.AWAITING_CONSUMER:
        _close(complaint, outcome=Outcome.NO_REPLY, kind="consumer_deadline_passed")
        return "no_reply"
    if status == S.SETTLED:
        if complaint.merchant_id:
            OverdueMark.objects.get_or_create(
                complaint=complaint, stage=OverdueMark.Stage.FULFILMENT, defaults={"merchant": complaint.merchant}
            )
        event = _to_mediation(complaint, kind="fulfilment_deadline_passed")
        _notify(complaint, event, "merchant_overdue")
        return "fulfilment_overdue"
    if status == S.AWAITING_CONFIRMATION:
        _close(complaint, outcome=Outcome.UNCONFIRMED, kind="confirmation_deadline_passed")
        return "unconfirmed"
    if status in STAFF_STATES and not complaint.is_overdue:
        complaint.is_overdue = True
        refresh_priority(complaint)
        complaint.save(update_fields=["is_overdue", "priority", "priority_reasons"])
        event = append_event(complaint, kind="staff_deadline_passed", from_status=status, visibility=Visibility.STAFF)
        _notify(complaint, event, "staff_overdue")
        return "staff_overdue"
    return ""
