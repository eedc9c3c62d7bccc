"""Appending to a case's timeline: the one way an event is written."""

from django.utils import timezone

from .models import Complaint, ComplaintEvent, Visibility


def append_event(
    complaint: Complaint,
    *,
    kind: str,
    actor=None,
    from_status: str | None = None,
    message: str = "",
    data: dict | None = None,
    visibility: str = Visibility.PARTIES,
) -> ComplaintEvent:
    """Append one event. `to_status` is the case's status after the change; without a
    `from_status` the event changed no status. The actor is "system" when a deadline or
    a gateway caused it."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        actor_role=actor.role if actor else "system",
        from_status=complaint.status if from_status is None else from_status,
        to_status=complaint.status,
        message=message or "",
        data=data or {},
        visibility=visibility,
        created_at=timezone.now(),
    )
