"""Appending to a case's timeline: the one way an event is written.

Each event is chained to the previous event of its case by a SHA-256 hash
(complaints/integrity.py verifies the chain), so an event changed in the database
afterwards is caught.
"""

import contextvars
import datetime
import hashlib
import json
from contextlib import contextmanager

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import EVENT_KINDS, Complaint, ComplaintEvent, EventKind, Visibility

# Set while staff make a consumer's move for them (complaints.workflow.perform): each event the
# acting person appends says so in its data, and the timeline shows "on behalf of the consumer".
_ON_BEHALF_OF_CONSUMER = contextvars.ContextVar("on_behalf_of_consumer", default=False)


@contextmanager
def on_behalf_of_consumer(active: bool = True):
    token = _ON_BEHALF_OF_CONSUMER.set(active)
    try:
        yield
    finally:
        _ON_BEHALF_OF_CONSUMER.reset(token)


def event_digest(event: ComplaintEvent, prev_hash: str) -> str:
    """SHA-256 over a canonical JSON of the event's content and the previous event's hash."""
    created_at = event.created_at.astimezone(datetime.UTC).isoformat()
    content = {
        "complaint": event.complaint_id,
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_role": event.actor_role,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "message": event.message,
        "data": event.data,
        "visibility": event.visibility,
        "created_at": created_at,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# append_event's `previous` when the caller does not hold the case's last event.
UNREAD = object()


def _last_event(complaint: Complaint) -> dict | None:
    # Two appends to one case at once would both chain to the same previous event: the
    # complaint row lock orders them. Callers in the workflow already hold it (re-locking
    # in the same transaction is free); the others (receipts, agents) get it here.
    list(Complaint.objects.select_for_update().filter(pk=complaint.pk).values_list("pk", flat=True))
    return complaint.events.order_by("-created_at", "-id").values("hash", "created_at").first()


def append_event(
    complaint: Complaint,
    *,
    kind: EventKind,
    actor=None,
    from_status: str | None = None,
    message: str = "",
    data: dict | None = None,
    visibility: str = Visibility.PARTIES,
    previous: ComplaintEvent | None | object = UNREAD,
) -> ComplaintEvent:
    """Append one event. `to_status` is the case's status after the change; without a
    `from_status` the event changed no status. The actor is "system" when a deadline or
    a gateway caused it. A kind is one of EventKind: the timeline shows its label.

    `previous` is the case's last event when the caller holds it (None for a case it has just
    created): the caller then also holds the case's row, or no one else can see the case yet,
    and the chain is extended without reading it back."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"{kind!r} is not an EventKind (complaints/models.py)")
    if actor is not None and _ON_BEHALF_OF_CONSUMER.get():
        data = {**(data or {}), "on_behalf_of_consumer": True}
    # No savepoint of its own: an error here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        if previous is UNREAD:
            previous = _last_event(complaint)
        else:
            previous = {"hash": previous.hash, "created_at": previous.created_at} if previous else None
        now = timezone.now()
        # The chain follows timeline order; a clock that steps back must not put the new event
        # before the one it is chained to.
        if previous and previous["created_at"] > now:
            now = previous["created_at"]
        event = ComplaintEvent(
            complaint=complaint,
            kind=kind,
            actor=actor,
            actor_role=actor.role if actor else "system",
            from_status=complaint.status if from_status is None else from_status,
            to_status=complaint.status,
            message=message or "",
            # Stored as it reads back from the database, so the hash is computed on the same value.
            data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            visibility=visibility,
            created_at=now,
        )
        event.prev_hash = previous["hash"] if previous else ""
        event.hash = event_digest(event, event.prev_hash)
        event.save()
        return event
