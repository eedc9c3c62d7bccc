"""A case as people read it, shared by the case page, the PDF bundle and the API: the timeline's
entries with their labels and details, the merchant's offer or the agreement, the notices.

Labels come from the choices types (an event's label is its EventKind's) and are lazy, so each
page and PDF shows them in its reader's language.
"""

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from merchants.models import ViolationKind
from notifications.types import label_of

from . import access
from .models import (
    EVENT_KINDS,
    Acknowledgement,
    Complaint,
    ComplaintEvent,
    EventKind,
    IntakeChannel,
    Remedy,
    SessionMode,
    SessionParty,
    Status,
    Visibility,
)
from .proof import UNMET_TERMS, proof_rows
from .rules import MEDIATION_ADVICE
from .sessions import sessions_of
from .templatetags.cases import cny

ROLE_LABELS = {**dict(Role.choices), "system": gettext_lazy("Platform")}
REMEDY_LABELS = dict(Remedy.choices)
STATUS_LABELS = dict(Status.choices)
INTAKE_CHANNEL_LABELS = dict(IntakeChannel.choices)
OFFER_KIND_LABELS = {"offer": gettext_lazy("Offer"), "decline": gettext_lazy("Declined")}
VIOLATION_KINDS = dict(ViolationKind.choices)
SESSION_MODES = dict(SessionMode.choices)
SESSION_PARTIES = dict(SessionParty.choices)
AGREEMENT_KINDS = (
    EventKind.RESPONDED,
    EventKind.ACCEPTED,
    EventKind.AGREEMENT_RECORDED,
    EventKind.MINUTES_AGREED,
    EventKind.COLLECTIVE_OFFER,
)
SESSION_KINDS = frozenset(
    {
        EventKind.SESSION_SCHEDULED,
        EventKind.SESSION_MOVE_REQUESTED,
        EventKind.SESSION_MOVED,
        EventKind.SESSION_TIME_KEPT,
        EventKind.SESSION_REMINDER_SENT,
        EventKind.MINUTES_RECORDED,
        EventKind.MINUTES_ACKNOWLEDGED,
        EventKind.MINUTES_DISPUTED,
        EventKind.MINUTES_SILENCE,
        EventKind.SESSION_FAILED_CLOSED,
    }
)
# Session events that name the party who acted (or kept silent).
PARTY_LABELS = {
    EventKind.SESSION_MOVE_REQUESTED: {
        SessionParty.CONSUMER: gettext_lazy("The consumer asked to move the mediation session"),
        SessionParty.MERCHANT: gettext_lazy("The merchant asked to move the mediation session"),
    },
    EventKind.MINUTES_ACKNOWLEDGED: {
        SessionParty.CONSUMER: gettext_lazy("The consumer acknowledged the minutes"),
        SessionParty.MERCHANT: gettext_lazy("The merchant acknowledged the minutes"),
    },
    EventKind.MINUTES_DISPUTED: {
        SessionParty.CONSUMER: gettext_lazy("The consumer disputed the minutes"),
        SessionParty.MERCHANT: gettext_lazy("The merchant disputed the minutes"),
    },
    EventKind.MINUTES_SILENCE: {
        SessionParty.CONSUMER: gettext_lazy("The consumer did not answer: the minutes count as acknowledged"),
        SessionParty.MERCHANT: gettext_lazy("The merchant did not answer: the minutes count as acknowledged"),
    },
}
INCIDENT_EVENTS = frozenset(
    {
        EventKind.INCIDENT_JOINED,
        EventKind.INCIDENT_ADDED,
        EventKind.INCIDENT_REMOVED,
        EventKind.INCIDENT_MESSAGE,
        EventKind.COLLECTIVE_OFFER,
    }
)
NOTICE_EVENTS = frozenset({EventKind.NOTICE_DELIVERED, EventKind.NOTICE_UNDELIVERED, EventKind.NOTICE_RETRIED})


def settlement(offer: dict | None) -> dict | None:
    """An offer or agreement as people read it."""
    if not offer:
        return None
    return {
        "kind": offer.get("kind") or "",
        "kind_label": OFFER_KIND_LABELS.get(offer.get("kind"), ""),
        "remedy": REMEDY_LABELS.get(offer.get("remedy"), ""),
        "amount": offer.get("amount") or "",
        "due_date": offer.get("due_date") or "",
        "message": offer.get("message") or "",
        "from_mediation": offer.get("source") == "mediation",
        "collective": bool(offer.get("incident")),
    }


def fulfilment_proof(complaint: Complaint) -> dict | None:
    """The proof given when the settlement was marked carried out, beside the agreed terms."""
    proof = complaint.fulfilment
    if not proof:
        return None
    ids = proof.get("evidence") or []
    return {
        "rows": proof_rows(proof),
        "agreed": settlement(complaint.agreement),
        "evidence": [item for item in complaint.evidence.all() if item.pk in ids],
    }


def terms_summary(offer: dict | None, *, council=None) -> str:
    """An offer's or agreement's terms on one line, as the person who accepts them reads them."""
    terms = settlement(offer)
    if not terms:
        return ""
    parts = []
    if terms["remedy"]:
        parts.append(f"{_('Remedy')}: {terms['remedy']}")
    if terms["amount"]:
        parts.append(f"{_('Amount')}: {cny(terms['amount'])}")
    if terms["due_date"]:
        parts.append(f"{_('Carried out by')}: {terms['due_date']}")
    elif council is not None:
        parts.append(
            _("Carried out within %(n)d days of accepting (the council's fulfilment deadline)")
            % {"n": council.fulfilment_days}
        )
    return " · ".join(parts)


# --- whose move it is and what its deadline does ----------------------------------------------


SETTLE_BY = "settle_by"
# What happens when a case's deadline passes, as complaints/deadlines.py applies it: in the words
# of the party whose move it is, and of everyone else. One entry per clock; %(date)s is when.
DEADLINE_EFFECTS = {
    SETTLE_BY: (
        gettext_lazy("If the case is not settled by %(date)s, it goes to the council for mediation."),
        gettext_lazy("If the case is not settled by %(date)s, it goes to the council for mediation."),
    ),
    Status.AWAITING_MERCHANT: (
        gettext_lazy(
            "If you do not answer by %(date)s, the case goes to the council "
            "and counts as overdue in your public record."
        ),
        gettext_lazy("If the merchant does not answer by %(date)s, the case goes to the council."),
    ),
    Status.AWAITING_CONSUMER: (
        gettext_lazy("If you do not reply by %(date)s, the case is closed."),
        gettext_lazy("If the consumer does not reply by %(date)s, the case is closed."),
    ),
    Status.SETTLED: (
        gettext_lazy(
            "If the agreement is not marked as carried out by %(date)s, the case goes back to the council "
            "and counts as overdue in your public record."
        ),
        gettext_lazy(
            "If the merchant has not carried out the agreement by %(date)s, the case goes back to the council."
        ),
    ),
    Status.AWAITING_CONFIRMATION: (
        gettext_lazy("If you do not answer by %(date)s, the case is closed without your confirmation."),
        gettext_lazy("If the consumer does not answer by %(date)s, the case is closed without their confirmation."),
    ),
    Status.UNDER_REVIEW: (
        gettext_lazy(
            "If you have not decided by %(date)s, the case is marked overdue and the supervisors are alerted."
        ),
        gettext_lazy(
            "The council decides by %(date)s; after that the case is marked overdue and its supervisors are alerted."
        ),
    ),
    Status.IN_MEDIATION: (
        gettext_lazy(
            "If mediation has not ended by %(date)s, the case is marked overdue and the supervisors are alerted."
        ),
        gettext_lazy(
            "The council mediates until %(date)s; after that the case is marked overdue "
            "and its supervisors are alerted."
        ),
    ),
}
STAFF_OVERDUE = gettext_lazy("The deadline has passed: the case is marked overdue and the supervisors were alerted.")


def next_deadline(complaint: Complaint) -> tuple[object, str] | None:
    """The deadline the deadline job applies first and which clock it is (a DEADLINE_EFFECTS
    key): before settling, the settlement deadline wins when it falls earlier."""
    if not complaint.is_open:
        return None
    due_at, settle_by = complaint.due_at, complaint.settle_by
    before_settling = complaint.status in (Status.AWAITING_MERCHANT, Status.AWAITING_CONSUMER)
    if before_settling and settle_by is not None and (due_at is None or settle_by < due_at):
        return settle_by, SETTLE_BY
    return (due_at, complaint.status) if due_at is not None else None


def deadline_notice(complaint: Complaint, *, yours: bool) -> dict | None:
    """The case's one deadline clock and what happens when it passes, for the case page."""
    deadline = next_deadline(complaint)
    if deadline is None or deadline[1] not in DEADLINE_EFFECTS:
        return None
    at, clock = deadline
    if complaint.is_overdue and clock in (Status.UNDER_REVIEW, Status.IN_MEDIATION):
        effect = str(STAFF_OVERDUE)
    else:
        words = DEADLINE_EFFECTS[clock][0 if yours else 1]
        effect = str(words) % {"date": date_format(timezone.localtime(at), "Y-m-d H:i")}
    return {"at": at, "clock": clock, "effect": effect}


def _event_details(event: ComplaintEvent) -> list[tuple[str, str]]:
    data = event.data or {}
    kind = event.kind
    details = []
    if kind in INCIDENT_EVENTS and data.get("incident_title"):
        details.append((_("Incident"), data["incident_title"]))
    if kind in AGREEMENT_KINDS:
        if data.get("session"):
            details.append((_("Session"), f"#{data['session']}"))
        offer = settlement(data) or {}
        if offer.get("remedy"):
            details.append((_("Remedy"), str(offer["remedy"])))
        if offer.get("amount"):
            details.append((_("Amount"), cny(offer["amount"])))
        if offer.get("due_date"):
            details.append((_("Carried out by"), offer["due_date"]))
    elif kind == EventKind.FULFILLED and data.get("proof"):
        details.extend(proof_rows(data["proof"]))
    elif kind == EventKind.DISPUTED and data.get("unmet_term") in UNMET_TERMS:
        details.append((_("Term not met"), str(UNMET_TERMS[data["unmet_term"]])))
    elif kind == EventKind.MEDIATOR_ASSIGNED and data.get("mediator_name"):
        details.append((_("Mediator"), data["mediator_name"]))
    elif kind in SESSION_KINDS:
        details += _session_details(data)
    elif kind == EventKind.MEDIATION_FAILED and data.get("advice") in MEDIATION_ADVICE:
        details.append((_("Advice"), str(MEDIATION_ADVICE[data["advice"]])))
    elif kind == EventKind.RATED and data.get("score"):
        details.append((_("Score"), f"{data['score']} / 5"))
    elif kind == EventKind.EVIDENCE_ADDED and data.get("name"):
        details.append((_("File"), data["name"]))
    elif kind == EventKind.ASKED_AGAIN and data.get("round"):
        details.append((_("Round"), str(data["round"])))
    elif kind in (EventKind.AGENT_ASSIGNED, EventKind.AGENT_UNASSIGNED):
        details.append((_("Agent"), data.get("agent_name") or _("Nobody (the owner)")))
    elif kind.startswith("violation_") and data.get("violation_kind") in VIOLATION_KINDS:
        details.append((_("Kind"), str(VIOLATION_KINDS[data["violation_kind"]])))
        if data.get("compensation"):
            details.append((_("Compensation owed"), cny(data["compensation"])))
    elif kind in NOTICE_EVENTS and data.get("recipient"):
        details.append((_("To"), data["recipient"]))
    return details


def _when_text(value: str) -> str:
    """A stored ISO time as the timeline shows it."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def session_place(mode: str, link: str, address: str) -> str:
    if mode == SessionMode.ONLINE:
        return f"{_('Online')}: {link}"
    return f"{_('In person')}: {address}"


def _session_details(data: dict) -> list[tuple[str, str]]:
    """The details of a session's event in the timeline: which session, when, where, who, the minutes."""
    details = []
    if data.get("session"):
        details.append((_("Session"), f"#{data['session']}"))
    if data.get("from"):
        details.append((_("Was"), _when_text(data["from"])))
    if data.get("starts_at"):
        details.append((_("Date and time"), _when_text(data["starts_at"])))
    if data.get("mode"):
        details.append((_("Where"), session_place(data["mode"], data.get("link", ""), data.get("address", ""))))
    if "invited" in data:
        invited = [str(SESSION_PARTIES.get(p, p)) for p in data["invited"]]
        if data.get("merchant_attendee"):
            invited = [
                f"{name} ({data['merchant_attendee']})" if p == SessionParty.MERCHANT else name
                for p, name in zip(data["invited"], invited, strict=True)
            ]
        details.append((_("Invited"), ", ".join(invited)))
    if data.get("party"):
        details.append((_("Party"), str(SESSION_PARTIES.get(data["party"], data["party"]))))
    if data.get("asked_by"):
        details.append((_("Asked by"), ", ".join(str(SESSION_PARTIES.get(p, p)) for p in data["asked_by"])))
    if "agreed" in data:
        details += _minutes_details(data)
    elif data.get("advice") in MEDIATION_ADVICE:
        details.append((_("Advice"), str(MEDIATION_ADVICE[data["advice"]])))
    if data.get("on"):
        details.append((_("On"), data["on"]))
    return details


def _minutes_details(data: dict) -> list[tuple[str, str]]:
    attended = [str(SESSION_PARTIES.get(p, p)) for p, there in (data.get("attended") or {}).items() if there]
    details = [(_("Attended"), ", ".join(attended) or _("Neither party"))]
    for party, position in (data.get("positions") or {}).items():
        if position:
            label = _("Consumer's position") if party == SessionParty.CONSUMER else _("Merchant's position")
            details.append((label, position))
    if data.get("agreed"):
        details.append((_("Agreed terms"), terms_summary(data.get("terms"))))
        details.append((_("Terms"), (data.get("terms") or {}).get("message", "")))
    else:
        details.append((_("Outcome"), _("No agreement was reached")))
        if data.get("advice") in MEDIATION_ADVICE:
            details.append((_("Advice"), str(MEDIATION_ADVICE[data["advice"]])))
    details.append((_("Next step"), data.get("next_step", "")))
    if data.get("acknowledge_by"):
        details.append((_("Acknowledge by"), _when_text(data["acknowledge_by"])))
    return details


CALL_EVENTS = frozenset({EventKind.CALL_ANSWERED, EventKind.CALL_MISSED})


def call_duration(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds or 0)), 60)
    return _("%(m)d min %(s)d s") % {"m": minutes, "s": rest} if minutes else _("%(s)d s") % {"s": rest}


def call_parties(viewer, complaint, data: dict) -> tuple[str, str]:
    """(caller, callee) of a call event, by role and name as the viewer may see them; never a number."""
    consumer = _("Consumer %(name)s") % {"name": access.consumer_contact_for(viewer, complaint).name}
    merchant = _("Merchant %(name)s") % {"name": data.get("merchant_name") or complaint.merchant_display_name}
    return (consumer, merchant) if data.get("caller_party") == "consumer" else (merchant, consumer)


def _call_details(viewer, event: ComplaintEvent, complaint) -> list[tuple[str, str]]:
    data = event.data or {}
    caller, callee = call_parties(viewer, complaint, data)
    details = [(_("Caller"), caller), (_("Called"), callee)]
    started = data.get("started_at")
    if started:
        at = parse_datetime(started)
        if at is not None:
            details.append((_("Started"), date_format(timezone.localtime(at), "Y-m-d H:i")))
    if data.get("answered"):
        details.append((_("Duration"), call_duration(data.get("duration") or 0)))
    else:
        details.append((_("Answered"), _("No")))
    return details


def filed_for_label(staff_name: str, intake_channel: str) -> str:
    """A case staff filed for the consumer, as the timeline and the case bundle name it."""
    channel = INTAKE_CHANNEL_LABELS.get(intake_channel, intake_channel)
    return _("Filed by %(staff)s for the consumer, by %(channel)s") % {"staff": staff_name, "channel": channel}


def event_label(event: ComplaintEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.RESPONDED:
        return _("The merchant declined") if data.get("kind") == "decline" else _("The merchant made an offer")
    if event.kind == EventKind.FILED and data.get("filed_by_name"):
        return filed_for_label(data["filed_by_name"], data.get("intake_channel", ""))
    if event.kind == EventKind.EVIDENCE_ADDED and data.get("after_closing"):
        return _("The council added evidence after the case was closed")
    if event.kind in PARTY_LABELS and data.get("party") in PARTY_LABELS[event.kind]:
        return str(PARTY_LABELS[event.kind][data["party"]])
    if event.kind in EVENT_KINDS:
        return str(EventKind(event.kind).label)
    return event.kind.replace("_", " ").capitalize()  # a kind no longer written


def role_label(event: ComplaintEvent) -> str:
    """The actor's role as the timeline shows it, and whether they acted for the consumer."""
    role = ROLE_LABELS.get(event.actor_role, "")
    if (event.data or {}).get("on_behalf_of_consumer"):
        return _("%(role)s, on behalf of the consumer") % {"role": role}
    return str(role)


def timeline_entries(user, complaint) -> list[dict]:
    """The case's timeline as `user` may see it, oldest first."""
    entries = []
    for event in access.timeline_for(user, complaint):
        moved = event.to_status and event.from_status and event.to_status != event.from_status
        entries.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "label": event_label(event),
                "actor": access.actor_name_for(user, event, complaint),
                "role": role_label(event),
                "on_behalf_of_consumer": bool((event.data or {}).get("on_behalf_of_consumer")),
                "at": event.created_at,
                "message": event.message,
                "details": _call_details(user, event, complaint)
                if event.kind in CALL_EVENTS
                else _event_details(event),
                "staff_only": event.visibility != Visibility.PARTIES,
                "visibility": event.get_visibility_display(),
                "new_status": STATUS_LABELS.get(event.to_status, "") if moved else "",
            }
        )
    return entries


def notice_rows(complaint) -> list[dict]:
    """The case's notices for council staff, oldest first."""
    rows = []
    for notice in complaint.notices.select_related("recipient").order_by("created_at", "id"):
        rows.append(
            {
                "event": label_of(notice.event),
                "channel": notice.get_channel_display(),
                "recipient": access.masked_recipient(notice),
                "status": notice.get_status_display(),
                "failed": notice.status == "failed",
                "attempts": notice.attempts,
                "sent_at": notice.sent_at,
                "delivery": notice.get_delivery_status_display(),
                "delivered_at": notice.delivered_at,
            }
        )
    return rows


# --- mediation sessions ---------------------------------------------------------------------


def _acknowledgement_text(p) -> str:
    """Each party's answer to the minutes, as every reader sees it."""
    if p.acknowledgement == Acknowledgement.SILENCE:
        on = date_format(timezone.localtime(p.acknowledged_at), "Y-m-d")
        return _("Acknowledged by silence on %(date)s") % {"date": on}
    if p.acknowledgement:
        when = date_format(timezone.localtime(p.acknowledged_at), "Y-m-d H:i")
        return f"{Acknowledgement(p.acknowledgement).label} · {when}"
    return _("Not yet answered")


def _session_state(session, now) -> tuple[str, str]:
    if not session.has_minutes:
        if session.starts_at > now:
            return "scheduled", _("Scheduled")
        return "awaiting_minutes", _("Held: minutes to be recorded")
    answers = [p.acknowledgement for p in session.participants.all()]
    if Acknowledgement.DISPUTED in answers:
        return "disputed", _("Minutes disputed")
    if all(answers):
        return "acknowledged", _("Minutes acknowledged")
    return "awaiting_acknowledgement", _("Minutes awaiting acknowledgement")


def session_entries(user, complaint) -> list[dict]:
    """The case's sessions with their minutes and each party's answers, newest first, as `user`
    may see them: the same for both parties and the council (the consumer's name masked for the
    merchant's staff as everywhere)."""
    now = timezone.now()
    consumer_name = access.consumer_contact_for(user, complaint).name
    entries = []
    for session in reversed(sessions_of(complaint)):
        state, state_label = _session_state(session, now)
        participants = []
        for p in session.participants.all():
            invitee = ""
            if p.invited:
                invitee = (
                    consumer_name if p.party == SessionParty.CONSUMER else p.invitee.display_name if p.invitee else ""
                )
            participants.append(
                {
                    "party": p.party,
                    "party_display": str(SESSION_PARTIES.get(p.party, p.party)),
                    "invited": p.invited,
                    "invitee": invitee,
                    "move_requested": p.asked_to_move,
                    "move_reason": p.reschedule_reason,
                    "move_answer": p.reschedule_answer,
                    "move_answer_display": p.get_reschedule_answer_display() if p.reschedule_answer else "",
                    "move_reply": p.reschedule_reply,
                    "attended": p.attended,
                    "position": p.position,
                    "acknowledgement": p.acknowledgement,
                    "acknowledgement_display": _acknowledgement_text(p) if session.has_minutes else "",
                    "acknowledged_at": p.acknowledged_at,
                    "dispute_reason": p.dispute_reason,
                }
            )
        minutes = None
        if session.has_minutes:
            minutes = {
                "recorded_at": session.minutes_at,
                "agreed": bool(session.agreed),
                "terms": session.terms,
                "terms_summary": terms_summary(session.terms, council=complaint.council) if session.agreed else "",
                "terms_text": (session.terms or {}).get("message", "") if session.agreed else "",
                "advice": session.advice,
                "advice_display": str(MEDIATION_ADVICE.get(session.advice, "")),
                "next_step": session.next_step,
                "acknowledge_by": session.acknowledge_by,
            }
        entries.append(
            {
                "id": session.pk,
                "number": session.number,
                "starts_at": session.starts_at,
                "mode": session.mode,
                "mode_display": str(SESSION_MODES.get(session.mode, session.mode)),
                "link": session.link,
                "address": session.address,
                "mediator": session.mediator.display_name,
                "created_at": session.created_at,
                "state": state,
                "state_display": str(state_label),
                "participants": participants,
                "minutes": minutes,
            }
        )
    return entries
