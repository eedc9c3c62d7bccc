"""The outbox rows of open cases: the last notices each case owes, as notifications.services writes them."""

import datetime
import json

from .clock import HOUR, LOCAL, UTC
from .copy_text import copy_line
from .reference import Ref
from .stories import AM, IM, Story

# Which notice each timeline event of an open case owes, and to whom (notifications.services.AUDIENCES).
NOTICE_OF = {
    "filed": ("filed", ("merchant_phones",)),
    "responded": ("responded", ("consumer_sms", "consumer_app")),
    "review_accepted": ("review_accepted", ("consumer_sms", "consumer_app")),
    "mediator_assigned": ("mediator_assigned", ("mediator_app",)),
    "accepted": ("settled", ("consumer_sms", "merchant_phones", "owner_app")),
    "agreement_recorded": ("settled", ("consumer_sms", "merchant_phones", "owner_app")),
    "fulfilled": ("fulfilled", ("consumer_sms", "consumer_app")),
}
for _kind in ("mediation_requested", "disputed", "settlement_deadline_passed", "merchant_deadline_passed"):
    NOTICE_OF[_kind] = ("escalated", ("consumer_sms", "consumer_app", "owner_app"))
NOTICE_OF["fulfilment_deadline_passed"] = NOTICE_OF["merchant_deadline_passed"]


def notice_plan(ref: Ref, s: Story, case_number: str, first_event: int) -> tuple:
    """The last notices of an open case: (complaint, case number, [(event index, kind, due, when, recipients)])."""
    plan = []
    for index, event in enumerate(s.events):
        kind = event[1]
        if kind == "rejected":
            owed = (
                NOTICE_OF["mediation_requested"]
                if event[5] == IM
                else ("asked_again", ("merchant_phones", "owner_app"))
            )
        elif kind == "filed" and not s.enrolled:
            continue
        else:
            owed = NOTICE_OF.get(kind)
        if owed is None:
            continue
        recipients = []
        for audience in owed[1]:
            if audience == "merchant_phones" and s.merchant and s.merchant[2]:
                recipients += [("sms", phone, None) for phone in s.merchant[6]]
            elif audience == "consumer_sms":
                recipients.append(("sms", ref.consumer_phones[s.consumer - ref.first_consumer], s.consumer))
            elif audience == "consumer_app":
                recipients.append(("in_app", "", s.consumer))
            elif audience == "owner_app" and s.merchant and s.merchant[4]:
                recipients.append(("in_app", "", s.merchant[4]))
            elif audience == "mediator_app" and s.mediator:
                recipients.append(("in_app", "", s.mediator))
        if recipients:
            plan.append((first_event + index, owed[0], event[9], event[0], recipients))
    if s.status == AM and s.reminder is not None and s.merchant:
        plan.append((None, "reminder", s.reminder, s.reminder - 24 * HOUR, [("sms", p, None) for p in s.merchant[6]]))
    return s.id, case_number, plan[-2:]


class NoticeWriter:
    """Outbox rows of open cases, as notifications.services writes them (texts in the platform's language)."""

    def __init__(self) -> None:
        from django.conf import settings
        from django.urls import reverse
        from django.utils import formats, translation

        from notifications.types import declared_types

        self.reverse, self.formats, self.translation = reverse, formats, translation
        self.site, self.language = settings.SITE_URL, settings.LANGUAGE_CODE
        with translation.override(self.language):
            self.subjects = {t.name: str(t.subject) for t in declared_types()}
            self.bodies = {t.name: str(t.body) for t in declared_types()}
        self.lines: list[str] = []

    def add(self, plans: list[tuple], event_offset: int) -> None:
        with self.translation.override(self.language):
            for complaint_id, case_number, plan in plans:
                link = self.reverse("complaints:detail", args=[complaint_id])
                for event_index, notice, due, when, recipients in plan:
                    deadline = ""
                    if due is not None:
                        local = datetime.datetime.fromtimestamp(due, LOCAL)
                        deadline = self.formats.date_format(local, "SHORT_DATETIME_FORMAT")
                    values = {"case": case_number, "deadline": deadline, "link": self.site + link, "outcome": ""}
                    if event_index is None:
                        key = f"reminder{complaint_id}:{datetime.datetime.fromtimestamp(due, UTC).isoformat()}"
                    else:
                        key = f"ev{event_offset + event_index + 1}"
                    created = datetime.datetime.fromtimestamp(when, UTC)
                    sent = created + datetime.timedelta(seconds=1.5)
                    subject, body = self.subjects[notice].format(**values), self.bodies[notice].format(**values)
                    params = json.dumps(values, ensure_ascii=False)
                    for channel, address, user in recipients:
                        who = address or f"user{user}"
                        attempts = 0 if channel == "in_app" else 1
                        row = (
                            f"{key}:{channel}:{who}",
                            notice,
                            channel,
                            address,
                            subject,
                            body,
                            link,
                            "sent",
                            attempts,
                        )
                        row += ("", "", created, sent, created, complaint_id, user, "", "", params)
                        self.lines.append(copy_line(row))


NOTICE_COLUMNS = (
    "idempotency_key, event, channel, address, subject, body, link, status, attempts, last_error, "
    "provider_message_id, created_at, sent_at, next_attempt_at, complaint_id, recipient_id, delivery_error, "
    "delivery_status, params"
)
