"""A case as people read it, shared by the case page, the PDF bundle and the API: the timeline's
entries with their labels and details, the merchant's offer or the agreement, the notices.

Labels come from the choices types (an event's label is its EventKind's) and are lazy, so each
page and PDF shows them in its reader's language.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from merchants.models import ViolationKind
from notifications.types import label_of

from . import access
from .models import ComplaintEvent, EventKind, Remedy, Status, Visibility
from .rules import MEDIATION_ADVICE
from .templatetags.cases import cny

ROLE_LABELS = {**dict(Role.choices), "system": gettext_lazy("Platform")}
REMEDY_LABELS = dict(Remedy.choices)
STATUS_LABELS = dict(Status.choices)
OFFER_KIND_LABELS = {"offer": gettext_lazy("Offer"), "decline": gettext_lazy("Declined")}
VIOLATION_KINDS = dict(ViolationKind.choices)
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
    }


def _event_details(event: ComplaintEvent) -> list[tuple[str, str]]:
    data = event.data or {}
    kind = event.kind
    details = []
    if kind in (EventKind.RESPONDED, EventKind.ACCEPTED):
        offer = settlement(data) or {}
        if offer.get("remedy"):
            details.append((_("Remedy"), str(offer["remedy"])))
        if offer.get("amount"):
            details.append((_("Amount"), cny(offer["amount"])))
        if offer.get("due_date"):
            details.append((_("Carried out by"), offer["due_date"]))
    elif kind == EventKind.MEDIATOR_ASSIGNED and data.get("mediator_name"):
        details.append((_("Mediator"), data["mediator_name"]))
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


def event_label(event: ComplaintEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.RESPONDED:
        return _("The merchant declined") if data.get("kind") == "decline" else _("The merchant made an offer")
    if event.kind == EventKind.EVIDENCE_ADDED and data.get("after_closing"):
        return _("The council added evidence after the case was closed")
    if event.kind in EventKind.values:
        return str(EventKind(event.kind).label)
    return event.kind.replace("_", " ").capitalize()  # a kind no longer written


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
                "role": ROLE_LABELS.get(event.actor_role, ""),
                "at": event.created_at,
                "message": event.message,
                "details": _event_details(event),
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
