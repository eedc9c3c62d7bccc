"""One batch of complaints, generated in a worker process: complaint rows, timelines (hash-chained
as complaints/timeline.py chains them), overdue marks and the notice plans of open cases, as COPY text."""

import datetime
import random
from collections import Counter

from .clock import UTC
from .copy_text import escape, json_text, null, timestamp
from .filings import fill_messages, prepare_story
from .notices import notice_plan
from .reference import Ref
from .stories import CL, Generator, Story

CHUNK = 10_000  # complaints per generated batch (about 55,000 timeline events)


class Digestable:
    """The attributes complaints.timeline.event_digest reads from an event."""

    __slots__ = ("complaint_id", "kind", "actor_id", "actor_role", "from_status", "to_status", "message")
    __slots__ += ("data", "visibility", "created_at")


STATE = {}  # set in the main process before the workers fork


def make_batch(k: int) -> dict:
    """Complaints [k*CHUNK, (k+1)*CHUNK) of the plan, as COPY text (UTF-8) for each table."""
    from complaints.search import SEARCHED_FIELDS, search_terms
    from complaints.timeline import event_digest

    ref, times, numbers, seed = STATE["ref"], STATE["times"], STATE["numbers"], STATE["seed"]
    gen = Generator(ref, random.Random(f"{seed}:batch:{k}"), ref.now.timestamp())
    first, last = k * CHUNK, min((k + 1) * CHUNK, len(times))
    complaints, events, marks, notices, held = [], [], [], [], []
    stats: Counter = Counter()
    digestable = Digestable()
    for i in range(first, last):
        cid, case_number = i + 1, numbers[i]
        s = prepare_story(gen, cid, times[i], STATE["habits"])
        fill_messages(gen, s)
        texts = {**s.texts, "case_number": case_number}
        # The same arguments complaints.search.complaint_terms gives it when a case is filed.
        terms = search_terms(*(texts[field] for field in SEARCHED_FIELDS))
        stats[s.status] += 1
        stats[f"outcome:{s.outcome}"] += 1
        for word in ("退款", "质量问题", "虚假宣传"):
            stats[f"text:{word}"] += word in texts["title"] or word in texts["description"]
        prev = ""
        digestable.complaint_id = cid
        for when, kind, actor, role, frm, to, message, data, visibility, _due in s.events:
            created = datetime.datetime.fromtimestamp(when, UTC)
            digestable.kind, digestable.actor_id, digestable.actor_role = kind, actor, role
            digestable.from_status, digestable.to_status, digestable.message = frm, to, message
            digestable.data, digestable.visibility, digestable.created_at = data, visibility, created
            digest = event_digest(digestable, prev)
            events.append(
                f"{kind}\t{role}\t{frm}\t{to}\t{escape(message)}\t{json_text(data)}\t{visibility}\t{created.isoformat()}\t"
                f"{null(actor)}\t{cid}\t{digest}\t{prev}\tf\n"
            )
            prev = digest
        for stage, when in s.marks:
            marks.append(f"{stage}\t{timestamp(when)}\t{cid}\t{s.merchant[0]}\n")
        fields, reasons = _complaint_fields(ref, s, texts, terms)
        if s.status == CL:
            complaints.append("\t".join(fields) + "\n")
        else:
            notices.append(notice_plan(ref, s, case_number, len(events) - len(s.events)))
            held.append((s.merchant[0] if s.merchant else None, fields, reasons))
    return {
        "complaints": "".join(complaints).encode(),
        "open": held,
        "events": "".join(events).encode(),
        "n_events": len(events),
        "marks": "".join(marks).encode(),
        "notices": notices,
        "stats": stats,
        "count": last - first,
    }


def _priority(s: Story, texts: dict, now: float) -> list[str]:
    """complaints.priority.priority_of, less repeat_merchant (set after the load, over all open cases)."""
    reasons = []
    if texts["category"] == "safety":
        reasons.append("safety")
    if s.status != CL and (s.overdue or (s.due is not None and s.due < now)):
        reasons.append("overdue")
    if texts["amount"] > 5000:
        reasons.append("amount")
    if texts["channel"] == "livestream":
        reasons.append("livestream")
    return reasons


POINTS = {"safety": 40, "overdue": 30, "amount": 20, "repeat_merchant": 15, "livestream": 10}
PRIORITY_FIELD = 17  # the place of `priority` in the row; `priority_reasons` follows


def open_complaint_lines(held: list[tuple]) -> str:
    """The open complaints, with complaints.priority's repeat_merchant rule applied: the merchant
    has at least 3 open complaints. The rule counts every open case, so it waits for the last batch."""
    open_per_merchant = Counter(merchant for merchant, _fields, _reasons in held if merchant is not None)
    lines = []
    for merchant, fields, reasons in held:
        if merchant is not None and open_per_merchant[merchant] >= 3:
            reasons = [r for r in POINTS if r in reasons or r == "repeat_merchant"]
            fields[PRIORITY_FIELD] = str(sum(POINTS[r] for r in reasons))
            fields[PRIORITY_FIELD + 1] = json_text(reasons)
        lines.append("\t".join(fields) + "\n")
    return "".join(lines)


def _complaint_fields(ref: Ref, s: Story, texts: dict, terms: str) -> tuple[list[str], list[str]]:
    """The COPY fields of the complaint row, and its priority reasons (PRIORITY_FIELD and the next)."""
    reasons = _priority(s, texts, ref.now.timestamp())
    merchant = s.merchant
    fields = (
        s.id,
        texts["case_number"],
        escape(s.merchant_name),
        s.merchant_phone,
        ref.councils[s.council - 1][1],
        texts["category"],
        texts["channel"],
        texts["platform"],
        texts["order_number"],
        texts["purchase_date"].isoformat(),
        f"{texts['amount']:.2f}",
        json_text(texts["demands"]),
        escape(texts["title"]),
        escape(texts["description"]),
        "t" if s.consumer % 3 else "f",
        s.status,
        s.outcome,
        sum(POINTS[r] for r in reasons),
        json_text(reasons),
        s.round,
        s.waiting,
        timestamp(s.due),
        timestamp(s.settle_by),
        timestamp(s.reminder),
        "t" if s.overdue else "f",
        json_text(s.agreement),
        json_text(s.offer),
        timestamp(s.filed),
        timestamp(s.first_response),
        timestamp(s.settled_at),
        timestamp(s.closed_at),
        null(s.satisfaction),
        escape(s.comment),
        null(s.agent),
        s.consumer,
        s.council,
        null(s.mediator),
        null(merchant[0] if merchant else None),
        timestamp(s.first_due),
        terms,
        "",  # filing_token: the form's one-time token; bulk-loaded cases had none
        "online",  # intake_channel: bulk-loaded cases were filed by their consumers
        null(None),  # filed_by_id
        "",  # consent_statement
    )
    return [str(f) for f in fields], reasons


COMPLAINT_COLUMNS = (
    "id, case_number, merchant_name, merchant_phone, council_path, category, channel, platform, order_number, "
    "purchase_date, amount, demands, title, description, share_contact, status, outcome, priority, "
    "priority_reasons, round, waiting_on, due_at, settle_by, reminder_sent_for, is_overdue, agreement, offer, "
    "filed_at, first_response_at, settled_at, closed_at, satisfaction, satisfaction_comment, agent_id, "
    "consumer_id, council_id, mediator_id, merchant_id, merchant_first_due_at, search_terms, "
    "filing_token, intake_channel, filed_by_id, consent_statement"
)
EVENT_COLUMNS = (
    "kind, actor_role, from_status, to_status, message, data, visibility, created_at, actor_id, complaint_id, "
    "hash, prev_hash, redacted"
)
