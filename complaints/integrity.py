"""Verifying the tamper-evident timeline (complaints/timeline.py writes the chain).

An event is *altered* when its content no longer gives its stored hash, and the chain is
*broken* when an event does not point at the hash of the event before it (an event was
removed, inserted or reordered). Events redacted at a consumer's request (privacy/services.py)
keep their original hash: they count as redacted, not altered, when a later redaction event
of the same case (itself hashed) names them and their message is the redaction text.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Complaint, ComplaintEvent, EventKind
from .timeline import event_digest

REDACTION_KIND = EventKind.CONSUMER_DATA_REMOVED
REDACTED_MESSAGE = "[removed at the consumer's request]"

PROBLEMS = {
    "altered": _("altered"),
    "broken": _("chain broken (an event before it was removed, inserted or reordered)"),
    "unsealed": _("no hash (written outside the timeline)"),
}


@dataclass(frozen=True)
class Problem:
    complaint_id: int
    event_id: int
    position: int  # 1-based place in the case's timeline
    reason: str  # a key of PROBLEMS

    @property
    def label(self):
        return PROBLEMS[self.reason]


def _check(events: list[ComplaintEvent]) -> list[Problem]:
    redacted_ids = set()
    for event in events:
        if event.kind == REDACTION_KIND and isinstance(event.data, dict):
            redacted_ids.update(i for i in event.data.get("redacted_events", []) if isinstance(i, int))
    problems = []
    expected_prev = ""
    for position, event in enumerate(events, start=1):
        reason = None
        if not event.hash:
            reason = "unsealed"
        elif event.redacted:
            if event.pk not in redacted_ids or event.message != REDACTED_MESSAGE:
                reason = "altered"
        elif event_digest(event, event.prev_hash) != event.hash:
            reason = "altered"
        if reason is None and event.prev_hash != expected_prev:
            reason = "broken"
        if reason:
            problems.append(Problem(event.complaint_id, event.pk, position, reason))
        expected_prev = event.hash
    return problems


def verify_chain(complaint: Complaint) -> list[Problem]:
    """The altered or broken events of one case; empty when its timeline is intact."""
    return _check(list(complaint.events.order_by("created_at", "id")))


def verify_cases(complaints: QuerySet[Complaint] | Iterable[int]) -> Iterator[tuple[int, list[Problem]]]:
    """(complaint id, problems) for every case with at least one event, in one streamed query."""
    events = (
        ComplaintEvent.objects.filter(complaint__in=complaints)
        .order_by("complaint_id", "created_at", "id")
        .iterator(chunk_size=2000)
    )
    for complaint_id, group in groupby(events, key=lambda e: e.complaint_id):
        yield complaint_id, _check(list(group))
