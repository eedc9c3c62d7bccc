"""Collective complaints: a supervisor opens an incident (a card issuer that collapsed, a live
stream that sold fakes), groups the cases about it, and acts on all of them at once: a message
to every consumer, one mediator for every case, a collective offer.

Each case changes through workflow.perform with a collective action (complaints/actions.py
COLLECTIVE_ACTIONS), in its own transaction under its row lock, so a case that cannot take the
act is named with the reason and the others go on. A bulk act is kept once per key
(CollectiveAct) and each case's timeline names it: sent twice, or with a case listed twice, it
reaches each case once. Opening, closing and every bulk act are in the audit log.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import record as record_audit
from mediation.errors import DomainError, InvalidInput, NotAllowed, WrongState
from mediation.figures import mark_figures_stale
from merchants.models import Merchant

from . import access, workflow
from .models import (
    CollectiveAct,
    CollectiveActKind,
    Complaint,
    ComplaintEvent,
    EventKind,
    Incident,
    IncidentStatus,
    Remedy,
    Status,
)
from .rules import COLLECTIVE_OFFER_STATES, promised_date_error

STATUS_LABELS = dict(Status.choices)
ORDER_PATTERN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/.#*?")
MAX_CASES_PER_CALL = 1000
PERCENT_MAX = Decimal("1000")  # up to ten times the amount claimed (punitive compensation)


@dataclass
class BulkResult:
    """What a bulk act did to each case: done, had it already, or could not take it and why."""

    done: list[dict] = field(default_factory=list)
    already: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    act: CollectiveAct | None = None

    def as_dict(self) -> dict:
        return {"done": self.done, "already": self.already, "refused": self.refused}

    @staticmethod
    def case(complaint: Complaint, reason: str = "") -> dict:
        row = {"id": complaint.pk, "case_number": complaint.case_number}
        if reason:
            row["reason"] = str(reason)
        return row


def check_handles(actor) -> None:
    """Only supervisors act on incidents (403 before anything else is read)."""
    _check_supervisor(actor)


def _check_supervisor(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.role == Role.SUPERVISOR):
        raise NotAllowed(_("Only council supervisors handle incidents; mediators may read them."))


def _incident_for(actor, incident_id, *, open_only: bool = True) -> Incident:
    _check_supervisor(actor)
    incident = access.get_incident_for(actor, incident_id)
    if open_only and not incident.is_open:
        raise WrongState(_("The incident is closed."), status=incident.status)
    return incident


def _audit(action: str, actor, incident: Incident, **extra) -> None:
    record_audit(
        action=f"incident.{action}",
        actor=actor,
        object_type="incident",
        object_id=incident.pk,
        council_path=incident.council_path,
        extra={"title": incident.title, **extra},
    )


# --- opening and closing --------------------------------------------------------------------


def _check_rule(*, merchant, merchant_name: str, period_from, period_to, order_pattern: str) -> None:
    if merchant is None and not merchant_name.strip():
        message = _("Choose an enrolled merchant or write the merchant's name as consumers write it.")
        raise InvalidInput(message, fields={"merchant_name": [message]})
    if period_from and period_to and period_from > period_to:
        message = _("The end of the period comes before its start.")
        raise InvalidInput(message, fields={"period_to": [message]})
    if order_pattern and not set(order_pattern) <= ORDER_PATTERN_CHARS:
        message = _("Use letters, digits, - _ / . # and the wildcards * (any characters) and ? (one character).")
        raise InvalidInput(message, fields={"order_pattern": [message]})


@transaction.atomic
def open_incident(
    *,
    actor,
    title: str,
    description: str = "",
    merchant: Merchant | int | None = None,
    merchant_name: str = "",
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
    keywords: str = "",
    order_pattern: str = "",
    public: bool = True,
) -> Incident:
    """A supervisor opens an incident in their council's jurisdiction."""
    _check_supervisor(actor)
    if merchant is not None and not isinstance(merchant, Merchant):
        merchant = Merchant.objects.filter(pk=merchant).select_related("region").first()
        if merchant is None:
            message = _("No such merchant on the platform.")
            raise InvalidInput(message, fields={"merchant": [message]})
    if merchant is not None and not merchant.region.path.startswith(actor.council.path):
        # Its cases are another council's: that council opens the incident.
        message = _("The merchant is outside your council's jurisdiction.")
        raise InvalidInput(message, fields={"merchant": [message]})
    order_pattern = (order_pattern or "").strip()
    _check_rule(
        merchant=merchant,
        merchant_name=merchant_name or "",
        period_from=period_from,
        period_to=period_to,
        order_pattern=order_pattern,
    )
    if not (title or "").strip():
        raise InvalidInput(_("Give the incident a title."), fields={"title": [_("Give the incident a title.")]})
    incident = Incident.objects.create(
        council=actor.council,
        council_path=actor.council.path,
        merchant=merchant,
        merchant_name="" if merchant else merchant_name.strip(),
        title=title.strip(),
        description=(description or "").strip(),
        period_from=period_from,
        period_to=period_to,
        keywords=(keywords or "").strip(),
        order_pattern=order_pattern,
        public=public,
        created_by=actor,
        created_at=timezone.now(),
    )
    _audit("open", actor, incident, merchant=incident.merchant_display_name, public=public)
    mark_figures_stale()
    return incident


@transaction.atomic
def close_incident(*, actor, incident_id) -> Incident:
    """Close the incident: consumers no longer see it or join it; its cases go on as they are."""
    _check_supervisor(actor)
    incident = access.get_incident_for(actor, incident_id, for_update=True)
    if not incident.is_open:
        return incident
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    _audit("close", actor, incident)
    mark_figures_stale()
    return incident


# --- each case through the state machine ------------------------------------------------------


def _cases(actor, ids) -> tuple[list[Complaint], list[dict]]:
    """The cases of `ids` the actor may see, each once, in the order given; the ids not seen are
    named as refused (a case of another jurisdiction answers like one that does not exist)."""
    ids = list(ids)
    if len(ids) > 2 * MAX_CASES_PER_CALL:  # checked again on the distinct ids below
        message = _("At most %(n)d cases at a time.") % {"n": MAX_CASES_PER_CALL}
        raise InvalidInput(message, fields={"cases": [message]})
    wanted: list[int] = []
    for value in ids:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < pk < 2**63 and pk not in wanted:
            wanted.append(pk)
    if len(wanted) > MAX_CASES_PER_CALL:
        message = _("At most %(n)d cases at a time.") % {"n": MAX_CASES_PER_CALL}
        raise InvalidInput(message, fields={"cases": [message]})
    found = {c.pk: c for c in access.complaints_visible_to(actor).filter(pk__in=wanted)}
    refused = [{"id": pk, "case_number": "", "reason": _("No such case in your jurisdiction.")} for pk in wanted]
    refused = [row for row in refused if row["id"] not in found]
    return [found[pk] for pk in wanted if pk in found], refused


def _perform_each(actor, cases, action: str, result: BulkResult, reason_for, **payload) -> BulkResult:
    for complaint in cases:
        reason = reason_for(complaint)
        if reason:
            result.refused.append(BulkResult.case(complaint, reason))
            continue
        try:
            workflow.perform(actor=actor, complaint_id=complaint.pk, action=action, **payload)
        except DomainError as exc:
            result.refused.append(BulkResult.case(complaint, exc.message))
        except Http404:
            result.refused.append(BulkResult.case(complaint, _("No such case in your jurisdiction.")))
        else:
            result.done.append(BulkResult.case(complaint))
    return result


def add_cases(*, actor, incident_id, case_ids) -> BulkResult:
    incident = _incident_for(actor, incident_id)
    cases, refused = _cases(actor, case_ids)
    result = BulkResult(refused=refused)
    todo = []
    for complaint in cases:
        if complaint.incident_id == incident.pk:
            result.already.append(BulkResult.case(complaint))
        else:
            todo.append(complaint)

    def reason_for(complaint):
        if not complaint.is_open:
            return _("The case is closed.")
        if complaint.incident_id is not None:
            return _("The case is already in another incident.")
        if not complaint.council_path.startswith(incident.council_path):
            return _("The case is outside the jurisdiction of the council that opened the incident.")
        return ""

    _perform_each(actor, todo, "incident_add", result, reason_for, incident=incident)
    _audit("add_cases", actor, incident, **_counts(result))
    mark_figures_stale()
    return result


def remove_cases(*, actor, incident_id, case_ids) -> BulkResult:
    incident = _incident_for(actor, incident_id, open_only=False)
    cases, refused = _cases(actor, case_ids)
    result = BulkResult(refused=refused)

    def reason_for(complaint):
        return "" if complaint.incident_id == incident.pk else _("The case is not in this incident.")

    _perform_each(actor, cases, "incident_remove", result, reason_for, incident=incident)
    _audit("remove_cases", actor, incident, **_counts(result))
    mark_figures_stale()
    return result


def _counts(result: BulkResult) -> dict:
    return {
        "done": len(result.done),
        "already": len(result.already),
        "refused": len(result.refused),
        "cases": [row["case_number"] for row in result.done],
    }


# --- bulk acts, once per key -----------------------------------------------------------------


def act_key(kind: str, key: str, content: dict) -> str:
    """The act's key: the one-time key of the form or the API call, or else its content, so the
    same message or offer sent again is the same act."""
    if key:
        return hashlib.sha256(f"key:{key}".encode()).hexdigest()
    canonical = json.dumps({"kind": kind, **content}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _act(*, actor, incident: Incident, kind: str, key: str, message: str, terms: dict) -> CollectiveAct:
    digest = act_key(kind, key, {"message": message, "terms": terms})
    defaults = {"actor": actor, "message": message, "terms": terms, "created_at": timezone.now()}
    try:
        with transaction.atomic():
            act, _created = CollectiveAct.objects.get_or_create(
                incident=incident, kind=kind, key=digest, defaults=defaults
            )
    except IntegrityError:  # the same act sent twice at once
        act = CollectiveAct.objects.get(incident=incident, kind=kind, key=digest)
    return act


def _already_acted(incident: Incident, kind: EventKind, act: CollectiveAct) -> set[int]:
    return set(
        ComplaintEvent.objects.filter(complaint__incident=incident, kind=kind, data__act=act.pk).values_list(
            "complaint_id", flat=True
        )
    )


def _run_act(actor, incident, act, action: str, event: EventKind, reason_for, **payload) -> BulkResult:
    result = BulkResult(act=act)
    done_before = _already_acted(incident, event, act)
    todo = []
    for complaint in incident.cases.order_by("filed_at", "pk"):
        if complaint.pk in done_before:
            result.already.append(BulkResult.case(complaint))
        else:
            todo.append(complaint)
    _perform_each(actor, todo, action, result, reason_for, act=act, **payload)
    _keep_results(act, result)
    return result


def _keep_results(act: CollectiveAct, result: BulkResult) -> None:
    """The act's record: every case it reached so far, and the cases that could not take it the
    last time it was sent."""
    with transaction.atomic():
        act = CollectiveAct.objects.select_for_update().get(pk=act.pk)
        done = {row["id"]: row for row in (act.results or {}).get("done", [])}
        done.update((row["id"], row) for row in result.done)
        act.results = {"done": list(done.values()), "refused": result.refused}
        act.save(update_fields=["results"])


def message_all(*, actor, incident_id, message: str, key: str = "") -> BulkResult:
    """Message every consumer of the incident's open cases (SMS and in-app); each case's timeline
    gets it once."""
    incident = _incident_for(actor, incident_id)
    message = (message or "").strip()
    if not message:
        raise InvalidInput(_("Write the message."), fields={"message": [_("Write the message.")]})
    act = _act(actor=actor, incident=incident, kind=CollectiveActKind.MESSAGE, key=key, message=message, terms={})

    def reason_for(complaint):
        return "" if complaint.is_open else _("The case is closed.")

    result = _run_act(actor, incident, act, "incident_message", EventKind.INCIDENT_MESSAGE, reason_for)
    _audit("message", actor, incident, act=act.pk, **_counts(result))
    return result


def assign_mediator_to_all(*, actor, incident_id, mediator, key: str = "") -> BulkResult:
    """One mediator for every case in mediation (the existing `assign` action on each case); the
    cases in other states are named with their state."""
    incident = _incident_for(actor, incident_id)
    candidate = User.objects.filter(pk=getattr(mediator, "pk", mediator), role=Role.MEDIATOR, is_active=True).first()
    if candidate is None:
        message = _("Choose a mediator of a council whose jurisdiction covers this case.")
        raise InvalidInput(message, fields={"mediator": [message]})
    act = _act(
        actor=actor,
        incident=incident,
        kind=CollectiveActKind.ASSIGN,
        key=key,
        message="",
        terms={"mediator": candidate.pk},
    )
    result = BulkResult(act=act)
    todo = []
    for complaint in incident.cases.order_by("filed_at", "pk"):
        if complaint.mediator_id == candidate.pk:
            result.already.append(BulkResult.case(complaint))
        else:
            todo.append(complaint)

    def reason_for(complaint):
        if complaint.status != Status.IN_MEDIATION:
            return _("A mediator is assigned only to a case in mediation; this one is: %(status)s.") % {
                "status": STATUS_LABELS[complaint.status]
            }
        return ""

    _perform_each(actor, todo, "assign", result, reason_for, mediator=candidate)
    _keep_results(act, result)
    _audit("assign", actor, incident, act=act.pk, mediator=candidate.pk, **_counts(result))
    return result


def offer_terms(
    *,
    remedy: str,
    amount: Decimal | None = None,
    percent: Decimal | None = None,
    due_date: datetime.date | None = None,
) -> dict:
    """A collective offer's terms, checked: a merchant's offer's (remedy, amount, date), where the
    amount is one sum for every case or a percentage of what each case claims."""
    if remedy not in Remedy.values:
        raise InvalidInput(_("An offer names its remedy."), fields={"remedy": [_("An offer names its remedy.")]})
    if amount is not None and percent is not None:
        message = _("Give one sum for every case or a percentage of each claim, not both.")
        raise InvalidInput(message, fields={"percent": [message]})
    if amount is not None and amount < 0:
        raise InvalidInput(_("The amount is negative."), fields={"amount": [_("The amount is negative.")]})
    if percent is not None and not Decimal("0") < percent <= PERCENT_MAX:
        message = _("Give a percentage above 0 and at most 1000.")
        raise InvalidInput(message, fields={"percent": [message]})
    date_error = promised_date_error(due_date)
    if date_error:
        raise InvalidInput(date_error, fields={"due_date": [date_error]})
    return {
        "remedy": remedy,
        "amount": f"{amount:.2f}" if amount is not None else None,
        "percent": f"{percent:.2f}" if percent is not None else None,
        "due_date": due_date.isoformat() if due_date else None,
    }


def collective_offer(*, actor, incident_id, message: str, key: str = "", **terms) -> BulkResult:
    """Record the merchant's collective offer on every eligible case of the incident (awaiting the
    merchant, awaiting the consumer, in mediation); each consumer accepts or rejects it on their
    own with the case's accept and reject actions."""
    incident = _incident_for(actor, incident_id)
    message = (message or "").strip()
    if not message:
        message_error = _("Write the offer to the consumers.")
        raise InvalidInput(message_error, fields={"message": [message_error]})
    checked = offer_terms(**terms)
    act = _act(actor=actor, incident=incident, kind=CollectiveActKind.OFFER, key=key, message=message, terms=checked)

    def reason_for(complaint):
        if complaint.status not in COLLECTIVE_OFFER_STATES:
            return _(
                "A collective offer goes to cases awaiting the merchant, awaiting the consumer or in mediation; "
                "this one is: %(status)s."
            ) % {"status": STATUS_LABELS[complaint.status]}
        return ""

    result = _run_act(actor, incident, act, "collective_offer", EventKind.COLLECTIVE_OFFER, reason_for)
    _audit("offer", actor, incident, act=act.pk, terms=checked, **_counts(result))
    return result
