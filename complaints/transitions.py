"""The transitions of the state machine (SPEC "Lifecycle"), one function each, and the building
blocks they and the deadline job share.

A transition runs inside workflow.perform, which has locked the case and checked the actor and
the state (complaints/actions.py declares who may run which, from which states). Each one
changes the case, appends its timeline event and writes its notices, in that transaction.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from mediation.errors import InvalidInput, NotAllowed, WrongState
from mediation.figures import mark_figures_stale

from .clock import add_days
from .filing import check_message_rate
from .models import Complaint, ComplaintEvent, EventKind, Outcome, Party, Remedy, Status, Visibility
from .notices import queue_case_notices
from .priority import refresh_merchant_priorities, refresh_priority
from .proof import UNMET_TERMS, check_proof
from .rollups import contribution, record_change
from .rules import MAX_ROUNDS, MEDIATION_ADVICE, promised_date_error
from .timeline import append_event

S = Status


# --- building blocks ------------------------------------------------------------------------


def move(
    complaint: Complaint,
    *,
    to: str,
    kind: EventKind,
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
    counted = contribution(complaint)  # a closed case leaving that state takes its counts back
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
    record_change(counted, contribution(complaint))
    return append_event(complaint, kind=kind, actor=actor, from_status=from_status, message=message, data=data)


def notify(complaint: Complaint, event: ComplaintEvent, notice: str, **extra) -> None:
    queue_case_notices(complaint=complaint, event=notice, key=f"ev{event.pk}", actor=event.actor, extra=extra)


def to_mediation(complaint: Complaint, *, kind: EventKind, actor=None, message="", data=None) -> ComplaintEvent:
    event = move(
        complaint,
        to=S.IN_MEDIATION,
        kind=kind,
        actor=actor,
        message=message,
        data=data,
        waiting_on=Party.MEDIATOR if complaint.mediator_id else Party.COUNCIL,
        due_days="mediation_days",
    )
    notify(complaint, event, "escalated")
    return event


def settle(complaint: Complaint, *, kind: EventKind, actor, agreement: dict, message="") -> ComplaintEvent:
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
    event = move(
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
    notify(complaint, event, "settled")
    return event


def close(complaint: Complaint, *, outcome, kind: EventKind, actor=None, message="", data=None, notice="closed"):
    """Close the case; a closed case changes the public figures and the merchant's queue."""
    event = move(complaint, to=S.CLOSED, kind=kind, actor=actor, message=message, data=data, outcome=outcome)
    mark_figures_stale()
    refresh_merchant_priorities(complaint)
    notify(complaint, event, notice)
    return event


def _require(value, field: str, message) -> None:
    if value in (None, "", []):
        raise InvalidInput(message, fields={field: [message]})


# --- the transitions ------------------------------------------------------------------------


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
        date_error = promised_date_error(due_date)
        if date_error:
            raise InvalidInput(date_error, fields={"due_date": [date_error]})
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
    event = move(
        complaint,
        to=S.AWAITING_CONSUMER,
        kind=EventKind.RESPONDED,
        actor=actor,
        message=message,
        data=offer,
        waiting_on=Party.CONSUMER,
        due_days="consumer_days",
    )
    notify(complaint, event, "responded")


def accept(*, complaint: Complaint, actor) -> None:
    settle(complaint, kind=EventKind.ACCEPTED, actor=actor, agreement={**complaint.offer, "source": "offer"})


def reject(*, complaint: Complaint, actor, message: str) -> None:
    """The consumer asks the merchant again; after the last round the council mediates."""
    _require(message, "message", _("Tell the merchant what is still wrong."))
    data = {"round": complaint.round}
    # A collective offer made while the council mediated goes back to the council, not the merchant.
    if complaint.round >= MAX_ROUNDS or (complaint.offer or {}).get("from_mediation"):
        to_mediation(complaint, kind=EventKind.ASKED_AGAIN, actor=actor, message=message, data=data)
        return
    complaint.round += 1
    complaint.offer = None
    event = move(
        complaint,
        to=S.AWAITING_MERCHANT,
        kind=EventKind.ASKED_AGAIN,
        actor=actor,
        message=message,
        data={"round": complaint.round},
        waiting_on=Party.MERCHANT,
        due_days="merchant_days",
    )
    notify(complaint, event, "asked_again")


def request_mediation(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Tell the council why you ask for mediation."))
    to_mediation(complaint, kind=EventKind.MEDIATION_REQUESTED, actor=actor, message=message)


def withdraw(*, complaint: Complaint, actor, message: str = "") -> None:
    kind = EventKind.WITHDRAWN
    close(complaint, outcome=Outcome.WITHDRAWN, kind=kind, actor=actor, message=message, notice="consumer_moved")


def message(*, complaint: Complaint, actor, message: str, staff_only: bool = False) -> None:
    _require(message, "message", _("Write a message."))
    check_message_rate(actor)
    visibility = Visibility.PARTIES
    if staff_only:
        if actor.is_council_staff:
            visibility = Visibility.STAFF
        elif actor.is_merchant_user:
            visibility = Visibility.MERCHANT_STAFF  # the merchant's note for the council
        else:
            raise NotAllowed(_("Only the merchant and council staff can write notes for the council."))
    event = append_event(
        complaint,
        kind=EventKind.MESSAGE,
        actor=actor,
        from_status=complaint.status,
        message=message,
        visibility=visibility,
    )
    if visibility == Visibility.PARTIES:
        notify(complaint, event, "message")


def review_accept(*, complaint: Complaint, actor, message: str = "") -> None:
    event = move(
        complaint,
        to=S.IN_MEDIATION,
        kind=EventKind.REVIEW_ACCEPTED,
        actor=actor,
        message=message,
        waiting_on=Party.COUNCIL,
        due_days="mediation_days",
    )
    notify(complaint, event, "review_accepted")


def review_reject(*, complaint: Complaint, actor, message: str) -> None:
    _require(message, "message", _("Give the consumer the reason."))
    close(complaint, outcome=Outcome.REJECTED, kind=EventKind.REVIEW_REJECTED, actor=actor, message=message)


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
        kind=EventKind.MEDIATOR_ASSIGNED,
        actor=actor,
        from_status=complaint.status,
        data={"mediator": candidate.pk, "mediator_name": candidate.display_name},
    )
    notify(complaint, event, "mediator_assigned")


def agreement_terms(
    *,
    message: str,
    remedy: str | None = None,
    amount: Decimal | None = None,
    due_date: datetime.date | None = None,
) -> dict:
    """The agreed terms as a recorded agreement stores them, checked: a mediator's agreement and
    a session's minutes take the same."""
    _require(message, "message", _("Write down what was agreed."))
    if remedy not in (None, "") and remedy not in Remedy.values:
        raise InvalidInput(_("Unknown remedy."), fields={"remedy": [_("Unknown remedy.")]})
    date_error = promised_date_error(due_date)
    if date_error:
        raise InvalidInput(date_error, fields={"due_date": [date_error]})
    return {
        "source": "mediation",
        "remedy": remedy or None,
        "amount": f"{amount:.2f}" if amount is not None else None,
        "due_date": due_date.isoformat() if due_date else None,
        "message": message,
    }


def record_agreement(
    *,
    complaint: Complaint,
    actor,
    message: str,
    remedy: str | None = None,
    amount: Decimal | None = None,
    due_date: datetime.date | None = None,
) -> None:
    """The mediator records the agreed terms, structured like an offer: the date they will be
    carried out by sets the fulfilment deadline (settle), else the council's period applies.
    The page form and the API require the remedy; the terms are optional here for callers
    that only have the text."""
    agreement = agreement_terms(message=message, remedy=remedy, amount=amount, due_date=due_date)
    settle(complaint, kind=EventKind.AGREEMENT_RECORDED, actor=actor, message=message, agreement=agreement)


def record_failure(*, complaint: Complaint, actor, message: str, advice: str) -> None:
    _require(message, "message", _("Write down why mediation failed."))
    if advice not in MEDIATION_ADVICE:
        raise InvalidInput(_("Choose the advice."), fields={"advice": [_("Choose 12315, arbitration or court.")]})
    close(
        complaint,
        outcome=Outcome.NOT_SETTLED,
        kind=EventKind.MEDIATION_FAILED,
        actor=actor,
        message=message,
        data={"advice": advice},
    )


def fulfil(*, complaint: Complaint, actor, message: str, evidence: list[int] | None = None, **proof_fields) -> None:
    """The settlement was carried out, with the proof its remedy needs (complaints.proof) and
    files of the case's evidence named by id."""
    _require(message, "message", _("Describe what was done, with a receipt or tracking number."))
    proof = check_proof((complaint.agreement or {}).get("remedy") or "", proof_fields)
    ids = sorted({int(pk) for pk in evidence or []})
    if ids:
        if complaint.evidence.filter(pk__in=ids).count() != len(ids):
            refusal = _("Name files of this case's evidence.")
            raise InvalidInput(refusal, fields={"evidence": [refusal]})
        proof["evidence"] = ids
    complaint.fulfilment = proof
    event = move(
        complaint,
        to=S.AWAITING_CONFIRMATION,
        kind=EventKind.FULFILLED,
        actor=actor,
        message=message,
        data={"proof": proof},
        waiting_on=Party.CONSUMER,
        due_days="confirmation_days",
    )
    notify(complaint, event, "fulfilled")


def confirm(*, complaint: Complaint, actor, message: str = "") -> None:
    kind = EventKind.CONFIRMED
    close(complaint, outcome=Outcome.RESOLVED, kind=kind, actor=actor, message=message, notice="consumer_moved")


def dispute(*, complaint: Complaint, actor, message: str = "", unmet_term: str = "") -> None:
    """Not carried out: the consumer names the term not met (complaints.proof.UNMET_TERMS)."""
    if unmet_term and unmet_term not in UNMET_TERMS:
        raise InvalidInput(_("Choose the term that was not met."), fields={"unmet_term": [_("Choose a term.")]})
    if unmet_term == "other":
        _require(message, "message", _("Say what was not done."))
    data = {"unmet_term": unmet_term} if unmet_term else None
    to_mediation(complaint, kind=EventKind.DISPUTED, actor=actor, message=message, data=data)


def take_over(*, complaint: Complaint, actor) -> None:
    """The consumer takes over a case staff filed for them: from now on only they make the
    consumer's moves (complaints.access.acts_for_consumer). No status changes."""
    if complaint.claimed_at is not None:
        return
    complaint.claimed_at = timezone.now()
    complaint.save(update_fields=["claimed_at"])
    append_event(complaint, kind=EventKind.CLAIMED, actor=actor, from_status=complaint.status)


def rate(*, complaint: Complaint, actor, score: int, comment: str = "") -> None:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(_("Give a score from 1 to 5."), fields={"score": [_("Give a score from 1 to 5.")]})
    counted = contribution(complaint)
    complaint.satisfaction = score
    complaint.satisfaction_comment = comment or ""
    complaint.save(update_fields=["satisfaction", "satisfaction_comment"])
    record_change(counted, contribution(complaint))
    data = {"score": score}
    append_event(complaint, kind=EventKind.RATED, actor=actor, from_status=complaint.status, message=comment, data=data)


# --- collective complaints (complaints.incidents runs them on each case of an incident) ------


def _incident_data(incident, act=None) -> dict:
    data = {"incident": incident.pk, "incident_title": incident.title}
    if act is not None:
        data["act"] = act.pk
    return data


def _has_act(complaint: Complaint, kind: EventKind, act) -> bool:
    """Whether the case's timeline already holds this bulk act: the same act never reaches a
    case twice, however often it is sent (checked under the case's row lock)."""
    return complaint.events.filter(kind=kind, data__act=act.pk).exists()


def add_to_incident(*, complaint: Complaint, actor, incident) -> None:
    if complaint.incident_id == incident.pk:
        return
    if complaint.incident_id is not None:
        raise WrongState(
            _("The case is already in another incident: take it out of that one first."), status=complaint.status
        )
    if not complaint.council_path.startswith(incident.council_path):
        raise NotAllowed(_("The case is outside the jurisdiction of the council that opened the incident."))
    complaint.incident = incident
    complaint.save(update_fields=["incident"])
    event = append_event(complaint, kind=EventKind.INCIDENT_ADDED, actor=actor, data=_incident_data(incident))
    notify(complaint, event, "incident_added", incident=incident.title)


def remove_from_incident(*, complaint: Complaint, actor, incident) -> None:
    if complaint.incident_id != incident.pk:
        raise WrongState(_("The case is not in this incident."), status=complaint.status)
    complaint.incident = None
    complaint.save(update_fields=["incident"])
    append_event(complaint, kind=EventKind.INCIDENT_REMOVED, actor=actor, data=_incident_data(incident))


def incident_message(*, complaint: Complaint, actor, act) -> None:
    """The council's message to every consumer of the incident, on this case once."""
    if _has_act(complaint, EventKind.INCIDENT_MESSAGE, act):
        return
    event = append_event(
        complaint,
        kind=EventKind.INCIDENT_MESSAGE,
        actor=actor,
        message=act.message,
        data=_incident_data(act.incident, act),
    )
    notify(complaint, event, "incident_message", incident=act.incident.title)


def collective_offer_amount(complaint: Complaint, terms: dict) -> Decimal | None:
    """The amount a collective offer gives this case: a fixed sum, or a share of what it claims."""
    if terms.get("percent") not in (None, ""):
        share = Decimal(str(terms["percent"])) / Decimal("100")
        return (complaint.amount * share).quantize(Decimal("0.01"))
    if terms.get("amount") not in (None, ""):
        return Decimal(str(terms["amount"]))
    return None


def collective_offer(*, complaint: Complaint, actor, act) -> None:
    """The merchant's offer, negotiated with the council and recorded by it for every eligible
    case of the incident: the case waits on the consumer as after the merchant's own answer
    (`respond`), and the consumer accepts or rejects it with the same actions. An offer made on
    a case the council was mediating sends it back to mediation when rejected (`reject`)."""
    if _has_act(complaint, EventKind.COLLECTIVE_OFFER, act):
        return
    terms = act.terms
    date_error = promised_date_error(datetime.date.fromisoformat(terms["due_date"]) if terms.get("due_date") else None)
    if date_error:
        raise InvalidInput(date_error, fields={"due_date": [date_error]})
    amount = collective_offer_amount(complaint, terms)
    offer = {
        "kind": "offer",
        "round": complaint.round,
        "remedy": terms["remedy"],
        "amount": f"{amount:.2f}" if amount is not None else None,
        "due_date": terms.get("due_date") or None,
        "message": act.message,
        **_incident_data(act.incident, act),
        "from_mediation": complaint.status == S.IN_MEDIATION,
    }
    complaint.offer = offer
    if complaint.status == S.AWAITING_MERCHANT and complaint.first_response_at is None:
        complaint.first_response_at = timezone.now()  # the merchant's answer, recorded by the council
    if offer["from_mediation"]:
        # The 14-day limit to settle before mediation was spent: the case is the council's
        # already, and a rejection sends it back there, not to the merchant.
        complaint.settle_by = None
    event = move(
        complaint,
        to=S.AWAITING_CONSUMER,
        kind=EventKind.COLLECTIVE_OFFER,
        actor=actor,
        message=act.message,
        data=offer,
        waiting_on=Party.CONSUMER,
        due_days="consumer_days",
    )
    notify(complaint, event, "collective_offer", incident=act.incident.title)
