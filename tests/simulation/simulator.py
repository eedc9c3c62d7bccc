"""A year in a day: thousands of complaints over a simulated year, checked against issue 3's invariants.

Consumers file complaints at random moments of the year against several merchants of
several councils (one of which counts deadlines in working days; some merchants are not
enrolled, so their cases go to council review). Every party then behaves at random, drawn
from one seeded `random.Random`: merchants answer promptly, late or never, with offers or
declines, and carry out settlements late or never; consumers accept, ask again (up to the
third round), ask for mediation, dispute, confirm, rate, withdraw or vanish; supervisors
review and assign mediators; mediators take days and record agreements or failures. Their
moves go through the state machine (`filing.file_complaint`, `workflow.perform`) on a
frozen clock that travels from move to move, and every `interval` the deadline job
(`deadlines.apply_deadlines`) runs, as beat runs it. Notices are sent by the real send task
(run in-process, after commit); any row still pending at a tick is sent by the task then,
as the outbox sweep would.

After the year nobody files and nobody acts: the deadline job runs alone until every case
is closed or held by the council with its deadline flagged (a passed staff deadline alerts,
it does not close: SPEC "Lifecycle"). Then the council clears its queue (supervisors reject
or assign, mediators record failures) while the parties stay silent, and every case must
close within a bound.

Invariants, checked after every move, at every tick and in a final audit (`INVARIANTS`
describes each): one party whose move it is and a deadline on every open case, the deadline
ahead when set; no case waiting past its deadline by more than one job interval; every case
ends; every notice owed is sent exactly once; one timeline event per status change, in time
order; outcomes that match how the case closed.

Used by tests/simulation/test_year_in_a_day.py (CI size) and bench/year_in_a_day.py
(larger, on a database of its own); it lives with the tests because tests never import from
bench/, while the benchmark may import from tests/. It creates its own councils, merchants and
people, so it wants an empty database; it needs the locmem SMS and email backends, whose
outboxes it audits, and tasks run eagerly. Moves should commit (a transactional test, or
autocommit): it also works inside one outer transaction (on-commit callbacks are captured and
run), but thousands of savepoints make PostgreSQL slow.
"""

import datetime
import hashlib
import heapq
import itertools
import logging
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sms
import time_machine
from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.test import TestCase
from django.utils import timezone

from accounts.models import Council, Role, User
from complaints import deadlines, filing, incidents, intake, rules, workflow
from complaints.deadlines import add_days
from complaints.incident_selectors import proposed_cases
from complaints.models import Complaint, ComplaintEvent, EventKind, Outcome, Party, Status
from mediation.errors import DomainError
from merchants.models import Merchant, MerchantStatus
from notifications.models import Channel, NoticeStatus, Notification
from notifications.tasks import send_notification
from tests.conftest import PROOF

S = Status
CST = datetime.timezone(datetime.timedelta(hours=8), "CST")
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
STAFF_STATES = frozenset({S.UNDER_REVIEW, S.IN_MEDIATION})
CLOSED = S.CLOSED

INVARIANTS = {
    "one_party_and_deadline": "every open case has exactly one party whose move it is (the one its state names) "
    "and a deadline, after every move and every run of the deadline job",
    "deadlines_ahead": "every deadline a move sets lies ahead of the moment it is set",
    "deadline_wait": "no case waits past its deadline (or its 14-day settlement limit) by more than one job interval",
    "reminders": "every merchant whose deadline is within 24 h has had its reminder queued",
    "deadline_moves": "every move made by the deadline job follows a passed deadline of the state it left",
    "moves_accepted": "every move a party was entitled to make was accepted by the state machine",
    "every_case_ends": "with nobody acting, every case closes or is held by the council with its deadline flagged; "
    "once the council clears its queue, every case is closed within the bound",
    "notices_sent_once": "every SMS and email notice row is sent, exactly once (the outbox holds exactly one message "
    "per row), within one interval of being written; idempotency keys are unique",
    "filed_sms": "every filing against an enrolled merchant produced exactly one 'filed' SMS per notice phone "
    "(and none against a merchant not enrolled)",
    "notices_owed": "the consumer and each merchant notice phone received one SMS per case event that owes one",
    "timeline": "every status change has exactly one timeline event (the events chain from status to status "
    "and end at the case's status), and each case's events are in time order",
    "outcomes": "outcomes match how the case closed: resolved only after a confirm event, no_reply only after "
    "the consumer's deadline, unconfirmed only after the confirmation deadline, and so on",
    "intake": "every case staff filed for a consumer names who filed it and how it came in, its consumer was told "
    "once by SMS, and every move staff made for the consumer is recorded on the consumer's behalf",
    "incident_message_once": "a collective message reaches each case once: one timeline event and one SMS to the "
    "consumer per case and message, however often the same message is sent",
}

# How each outcome is reached: the closing event's kind, who makes it, and the state it leaves.
CLOSINGS = {
    Outcome.RESOLVED: ("confirmed", Role.CONSUMER, S.AWAITING_CONFIRMATION),
    Outcome.NOT_SETTLED: ("mediation_failed", Role.MEDIATOR, S.IN_MEDIATION),
    Outcome.NO_REPLY: ("consumer_deadline_passed", "system", S.AWAITING_CONSUMER),
    Outcome.UNCONFIRMED: ("confirmation_deadline_passed", "system", S.AWAITING_CONFIRMATION),
    Outcome.WITHDRAWN: ("withdrawn", Role.CONSUMER, None),
    Outcome.REJECTED: ("review_rejected", Role.SUPERVISOR, S.UNDER_REVIEW),
}
# Closures by the deadline job: the council setting that set the deadline they follow.
DEADLINE_CLOSURE_DAYS = {Outcome.NO_REPLY: "consumer_days", Outcome.UNCONFIRMED: "confirmation_days"}
# Status changes that owe the merchant's notice phones an SMS (besides the 24-h reminders).
MERCHANT_SMS_KINDS = frozenset(
    {"filed", "accepted", "agreement_recorded", "merchant_deadline_passed", "fulfilment_deadline_passed"}
)
# Status changes that owe the consumer nothing by SMS: the consumer made them (or filed).
CONSUMER_SILENT_KINDS = frozenset({"filed", "withdrawn", "confirmed"})
# Staff intake: a share of the complaints reach the council by phone, at the counter or by post
# and an intake clerk files them (half for consumers who have no account yet); for a share of
# those the clerk goes on to make the consumer's moves for them (the consumer never takes over).
INTAKE_SHARE = 0.12
INTAKE_NEW_CONSUMER_SHARE = 0.5
STAND_IN_SHARE = 0.5
INTAKE_CHANNELS = ("hotline", "counter", "letter", "email")
CLERK_COUNCILS = ("SIM-WH", "SIM-YC")

# --- the world -------------------------------------------------------------------------

# code, parent code, name, counts deadlines in working days
COUNCILS = (
    ("SIM", None, "Hubei Consumer Council", False),
    ("SIM-WH", "SIM", "Wuhan Consumer Council", False),
    ("SIM-WH-JA", "SIM-WH", "Jiang'an District Consumer Council", False),
    ("SIM-WH-WC", "SIM-WH", "Wuchang District Consumer Council", False),
    ("SIM-YC", "SIM", "Yichang Consumer Council", False),
    ("SIM-YC-XL", "SIM-YC", "Xiling District Consumer Council", True),
)
MEDIATORS = {"SIM": 1, "SIM-WH": 2, "SIM-YC": 2}
DISTRICTS = ("SIM-WH-JA", "SIM-WH-WC", "SIM-YC-XL")


@dataclass(frozen=True)
class MerchantSpec:
    key: str
    council: str
    status: str
    habit: str  # prompt | late | never | mixed (merchants not enrolled never answer on the platform)
    phones: int
    weight: int  # share of the filings against it


MERCHANTS = (
    MerchantSpec("jiangan-electronics", "SIM-WH-JA", MerchantStatus.ENROLLED, "prompt", 1, 18),
    MerchantSpec("jiangan-fashion", "SIM-WH-JA", MerchantStatus.ENROLLED, "late", 2, 10),
    MerchantSpec("wuchang-mobile", "SIM-WH-WC", MerchantStatus.ENROLLED, "prompt", 1, 14),
    MerchantSpec("wuchang-travel", "SIM-WH-WC", MerchantStatus.ENROLLED, "never", 1, 6),
    MerchantSpec("wuhan-live", "SIM-WH", MerchantStatus.ENROLLED, "mixed", 1, 10),
    MerchantSpec("xiling-furniture", "SIM-YC-XL", MerchantStatus.ENROLLED, "prompt", 2, 12),
    MerchantSpec("xiling-food", "SIM-YC-XL", MerchantStatus.ENROLLED, "late", 1, 8),
    MerchantSpec("yichang-appliances", "SIM-YC", MerchantStatus.ENROLLED, "mixed", 1, 8),
    MerchantSpec("jiangan-corner-store", "SIM-WH-JA", MerchantStatus.APPLIED, "never", 1, 5),
    MerchantSpec("xiling-gym", "SIM-YC-XL", MerchantStatus.SUSPENDED, "never", 1, 4),
)
UNNAMED_MERCHANT_SHARE = 0.05  # filed against a merchant the platform does not know

# Delays are in days; None is "never". Each table is ((weight, (low, high) or None), ...).
MERCHANT_ANSWER = {
    "prompt": ((90, (0.02, 1.5)), (8, (3.0, 9.0)), (2, None)),
    "late": ((20, (0.1, 1.0)), (60, (4.0, 10.0)), (20, None)),
    "never": ((10, (5.0, 8.0)), (90, None)),
    "mixed": ((50, (0.05, 2.0)), (30, (4.0, 9.0)), (20, None)),
}
MERCHANT_FULFIL = {
    "prompt": ((90, (0.2, 5.0)), (5, (14.0, 25.0)), (5, None)),
    "late": ((50, (1.0, 12.0)), (25, (14.0, 30.0)), (25, None)),
    "never": ((30, (5.0, 14.0)), (30, (16.0, 30.0)), (40, None)),
    "mixed": ((70, (0.5, 10.0)), (15, (14.0, 25.0)), (15, None)),
}
CONSUMER_PERSONAS = (("engaged", 60, (0.02, 3.0)), ("slow", 25, (1.5, 10.0)), ("vanishing", 15, None))
REVIEW_DELAY = ((85, (0.1, 5.0)), (15, (7.5, 12.0)))
ASSIGN_DELAY = ((85, (0.05, 3.0)), (15, (6.0, 40.0)))
MEDIATION_DELAY = ((85, (1.0, 25.0)), (15, (31.0, 45.0)))
MEDIATOR_FULFILS = ((80, (1.0, 10.0)), (20, None))  # for merchants not on the platform
STAFF_CLEARING_DELAY = (0.05, 2.0)  # after the year, the council clears its queue within days
WITHDRAW_WHILE_WAITING = 0.03
RATING_SHARE = 0.5
REMEDIES = ("refund", "return", "exchange", "repair", "compensation", "apology")
CATEGORIES = ("after_sales", "quality", "false_advertising", "price", "delivery", "contract", "safety", "other")
CHANNELS = ("ecommerce", "livestream", "social", "food_delivery", "offline", "other")
DEMANDS = ("refund", "return", "exchange", "repair", "compensation", "apology")


@dataclass(frozen=True)
class Config:
    complaints: int = 2000
    days: int = 365
    interval: datetime.timedelta = datetime.timedelta(hours=6)
    seed: int = 315
    start: datetime.datetime = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=CST)
    # With nobody acting, how long the deadline job alone may take to close every case or
    # hand it to the council with its deadline flagged; then how long the council may take.
    settle_bound: datetime.timedelta = datetime.timedelta(days=100)
    clear_bound: datetime.timedelta = datetime.timedelta(days=30)
    # After the year, play on until every case is closed (False: stop at the year's end and
    # audit what happened, open cases included; for quick runs such as the determinism test).
    until_all_closed: bool = True
    consumers: int = 0  # 0: a quarter of the complaints
    incidents: int = 3  # incidents opened over the year (collective complaints), each messaged collectively
    progress: object = None  # callable(str), for long runs


@dataclass
class Report:
    config: Config
    complaints: int = 0
    outcomes: Counter = field(default_factory=Counter)
    closings: Counter = field(default_factory=Counter)
    moves: Counter = field(default_factory=Counter)
    deadline_job: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)
    sms_sent: int = 0
    emails_sent: int = 0
    events: int = 0
    ticks: int = 0
    stale_moves: int = 0  # planned moves overtaken by a deadline or another party's move
    incident_cases: int = 0  # cases grouped into incidents
    incident_messages: int = 0  # collective messages sent (each sent twice, to prove it reaches each case once)
    catch_up_sends: int = 0  # notices sent at a tick rather than by their own after-commit task
    max_deadline_wait: datetime.timedelta = datetime.timedelta(0)
    max_case_duration: datetime.timedelta = datetime.timedelta(0)
    settled_after: datetime.timedelta | None = None  # year end -> every case closed or flagged with the council
    closed_after: datetime.timedelta | None = None  # year end -> every case closed
    violations: dict = field(default_factory=dict)  # invariant -> {"count": n, "examples": [...]}
    fingerprint: str = ""
    wall_seconds: float = 0.0

    def failures(self) -> dict:
        return {name: v for name, v in self.violations.items() if v["count"]}

    def summary(self) -> str:
        c = self.config
        lines = [
            f"year in a day: {self.complaints} complaints over {c.days} days from {c.start:%Y-%m-%d}, "
            f"deadline job every {c.interval}, seed {c.seed}, {self.wall_seconds:.1f} s",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            "moves: " + ", ".join(f"{k} {v}" for k, v in sorted(self.moves.items())),
            "deadline job: " + ", ".join(f"{k} {v}" for k, v in sorted(self.deadline_job.items())),
            f"notices: {self.sms_sent} SMS, {self.emails_sent} emails, "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.notices.items())),
            f"timeline events {self.events}; ticks {self.ticks}; planned moves overtaken {self.stale_moves}; "
            f"notices sent at a tick instead of after commit {self.catch_up_sends}",
            f"incidents {self.config.incidents} with {self.incident_cases} cases; collective messages "
            f"{self.incident_messages}",
            f"longest wait past a deadline {_hours(self.max_deadline_wait)}; longest case "
            f"{self.max_case_duration.total_seconds() / 86400:.1f} days; after the year every case closed "
            f"or flagged in {_days(self.settled_after)} and closed in {_days(self.closed_after)}",
        ]
        failures = self.failures()
        lines.append(
            "invariants: all held"
            if not failures
            else "invariants FAILED: " + ", ".join(f"{k} ({v['count']})" for k, v in failures.items())
        )
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "complaints": self.complaints,
            "days": self.config.days,
            "interval_hours": self.config.interval.total_seconds() / 3600,
            "seed": self.config.seed,
            "start": self.config.start.isoformat(),
            "outcomes": dict(sorted(self.outcomes.items())),
            "closing_events": dict(sorted(self.closings.items())),
            "moves": dict(sorted(self.moves.items())),
            "deadline_job": dict(sorted(self.deadline_job.items())),
            "notices": dict(sorted(self.notices.items())),
            "sms_sent": self.sms_sent,
            "emails_sent": self.emails_sent,
            "timeline_events": self.events,
            "ticks": self.ticks,
            "planned_moves_overtaken": self.stale_moves,
            "catch_up_sends": self.catch_up_sends,
            "incident_cases": self.incident_cases,
            "incident_messages": self.incident_messages,
            "max_deadline_wait_hours": self.max_deadline_wait.total_seconds() / 3600,
            "max_case_days": self.max_case_duration.total_seconds() / 86400,
            "days_to_close_or_flag_after_year": _seconds_to_days(self.settled_after),
            "days_to_close_all_after_year": _seconds_to_days(self.closed_after),
            "invariants": {
                name: {"description": text, "violations": self.violations.get(name, {}).get("count", 0)}
                for name, text in INVARIANTS.items()
            },
            "violation_examples": {k: v["examples"] for k, v in self.failures().items()},
            "fingerprint": self.fingerprint,
            "wall_seconds": round(self.wall_seconds, 1),
        }


def _at(moment) -> str:
    return "none" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _hours(delta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def _days(delta) -> str:
    return "never" if delta is None else f"{delta.total_seconds() / 86400:.1f} days"


def _seconds_to_days(delta):
    return None if delta is None else round(delta.total_seconds() / 86400, 2)


@dataclass
class CaseMemo:
    """What the simulation remembers of a case it filed."""

    index: int  # filing order: decisions are made in this order, never in database-id order
    consumer: User
    persona: str
    delay: tuple | None
    merchant: MerchantSpec | None
    council: str
    own_moves: int = 0  # status changes made by parties (not by the deadline job), filing included
    stand_in: User | None = None  # the intake clerk who makes the consumer's moves for them


@dataclass(order=True)
class Plan:
    when: datetime.datetime
    seq: int
    case: int = field(compare=False)  # complaint pk; for a filing, its index
    token: int = field(compare=False)
    action: str = field(compare=False)
    actor: object = field(compare=False)
    payload: dict = field(compare=False, default_factory=dict)
    status: str = field(compare=False, default="")


# --- incidents: collective complaints ---------------------------------------------------
# Kept apart from the parties' moves: an incident draws from its own random stream, so the year
# plays the same with or without them, and groups and messages cases without changing a status.


class IncidentsMixin:
    def _init_incidents(self) -> None:
        self.incident_rng = random.Random(self.config.seed + 1)
        days = self.config.days
        self.incident_days = [
            self.config.start + round(days * (n + 1) / (self.config.incidents + 1)) * DAY
            for n in range(self.config.incidents)
        ]
        self.incident_sms: Counter = Counter()  # (case pk) -> collective messages that reached it
        self.open_incidents: dict = {}  # merchant key -> its incident, which consumers filing may join

    def _incidents_at(self, now: datetime.datetime) -> None:
        """At its day, a supervisor opens an incident about a merchant, groups a share of the open
        cases its rule proposes, and sends one message to all of them twice (the form sent again)."""
        while self.incident_days and self.incident_days[0] <= now and "staff" in self.acting:
            self.incident_days.pop(0)
            self._open_incident(now)

    def _incident_to_join(self, spec) -> dict:
        """A consumer filing against a merchant with an open incident joins it half the time."""
        incident = self.open_incidents.get(spec.key) if spec else None
        if incident is None or self.incident_rng.random() >= 0.5:
            return {}
        self.report.incident_cases += 1
        return {"incident": incident.pk}

    def _open_incident(self, now: datetime.datetime) -> None:
        rng = self.incident_rng
        # The merchants whose cases linger: a collapse or a fake leaves many consumers waiting.
        lingering = [m for m in MERCHANTS if m.status == MerchantStatus.ENROLLED and m.habit != "prompt"]
        spec = _weighted(rng, [(m.weight, m) for m in lingering])
        supervisor = self.supervisors[spec.council]
        incident = incidents.open_incident(
            actor=supervisor,
            merchant=self.merchants[spec.key],
            title=f"Incident about {spec.key} on {now:%Y-%m-%d}",
            period_from=(now - 120 * DAY).date(),
        )
        proposed = [c.pk for c in proposed_cases(incident, supervisor)]
        chosen = [pk for pk in proposed if rng.random() < 0.9]
        with TestCase.captureOnCommitCallbacks(execute=True):
            added = incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=chosen + chosen[:2])
        self.report.incident_cases += len(added.done)
        self.open_incidents[spec.key] = incident
        text = f"The council is handling {incident.title} for everyone."
        key = f"sim-{incident.pk}"
        with TestCase.captureOnCommitCallbacks(execute=True):
            first = incidents.message_all(actor=supervisor, incident_id=incident.pk, message=text, key=key)
        with TestCase.captureOnCommitCallbacks(execute=True):
            again = incidents.message_all(actor=supervisor, incident_id=incident.pk, message=text, key=key)
        self.report.incident_messages += 1
        for row in first.done:
            self.incident_sms[row["id"]] += 1
        if again.done or {r["id"] for r in again.already} != {r["id"] for r in first.done}:
            self._violation(
                "incident_message_once",
                f"{incident.title}: sent again, the message went to {len(again.done)} cases "
                f"({len(again.already)} had it of {len(first.done)})",
            )

    def _audit_incidents(self, cases: dict) -> None:
        """Each collective message is on each case's timeline once and reached its consumer by one SMS."""
        per_act = Counter(
            ComplaintEvent.objects.filter(complaint_id__in=list(cases), kind=EventKind.INCIDENT_MESSAGE).values_list(
                "complaint_id", "data__act"
            )
        )
        for (pk, act), n in per_act.items():
            if n != 1:
                self._violation("incident_message_once", f"{cases[pk].case_number}: message {act} {n} times")
        sms_rows = Counter(
            Notification.objects.filter(
                complaint_id__in=list(cases), event="incident_message", channel=Channel.SMS
            ).values_list("complaint_id", flat=True)
        )
        for pk in set(sms_rows) | set(self.incident_sms):
            if sms_rows[pk] != self.incident_sms[pk]:
                self._violation(
                    "incident_message_once",
                    f"{cases[pk].case_number}: {sms_rows[pk]} collective SMS, {self.incident_sms[pk]} messages sent",
                )


class Simulation(IncidentsMixin):
    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.rng = random.Random(self.config.seed)
        self.report = Report(self.config)
        self.heap: list[Plan] = []
        self.seq = itertools.count()
        self.tokens: dict[int, int] = {}
        self.token_seq = itertools.count(1)
        self.memos: dict[int, CaseMemo] = {}
        self.acting: frozenset[str] = frozenset({"consumer", "merchant", "staff"})
        self.first_overdue: dict[tuple[int, datetime.datetime], datetime.datetime] = {}
        self.set_late: dict[tuple[int, datetime.datetime], datetime.datetime] = {}
        self.event_mark = 0
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.counts: Counter = Counter()
        self._init_incidents()

    # --- running ---------------------------------------------------------------------

    def run(self) -> Report:
        if settings.SMS_BACKEND != "sms.backends.locmem.SmsBackend":
            raise RuntimeError("the simulation audits the locmem SMS outbox: set SMS_BACKEND to it")
        started = self.started = time.perf_counter()
        if not hasattr(sms, "outbox"):
            sms.outbox = []
        if not hasattr(mail, "outbox"):
            mail.outbox = []
        self.sms_mark, self.mail_mark = len(sms.outbox), len(mail.outbox)
        # Each in-process task run logs a line at INFO; tens of thousands of them cost more than the run.
        trace_log = logging.getLogger("celery.app.trace")
        level = trace_log.level
        trace_log.setLevel(logging.WARNING)
        try:
            self._run()
        finally:
            trace_log.setLevel(level)
        self.report.violations = {
            name: {"count": self.counts[name], "examples": self.examples[name]} for name in INVARIANTS
        }
        self.report.wall_seconds = time.perf_counter() - started
        return self.report

    def _run(self) -> None:
        config = self.config
        with time_machine.travel(config.start, tick=False) as clock:
            self.clock = clock
            self._build_world()
            self.event_mark = ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self._plan_filings()
            self.next_tick = config.start + config.interval
            year_end = config.start + config.days * DAY
            self._progress("the year")
            self._play_until(year_end)
            if config.until_all_closed:
                self._settle(year_end)
                self._clear_queue(year_end)
            self._progress("the audit")
            self._audit()

    def _progress(self, text: str) -> None:
        if self.config.progress:
            # time.perf_counter is the one clock the simulated one does not move.
            self.config.progress(f"[{time.perf_counter() - self.started:6.0f} s] {text}")

    def _violation(self, invariant: str, text: str) -> None:
        self.counts[invariant] += 1
        if len(self.examples[invariant]) < 10:
            self.examples[invariant].append(text)

    def _play_until(self, end: datetime.datetime) -> None:
        """Make the planned moves in time order, running the deadline job every interval."""
        while self.next_tick <= end:
            tick = self.next_tick
            while self.heap and self.heap[0].when <= tick:
                self._execute(heapq.heappop(self.heap))
            self._tick(tick)
            self._incidents_at(tick)
            self.next_tick += self.config.interval
            if self.report.ticks % 200 == 0:
                self._progress(f"{tick:%Y-%m-%d} {len(self.memos)} complaints filed")

    def _settle(self, year_end: datetime.datetime) -> None:
        """Nobody acts: the deadline job alone must close every case or flag it with the council."""
        self._progress("nobody acts")
        self.acting = frozenset()
        for plan in sorted(p for p in self.heap if p.action == "file"):  # filed after the last tick of the year
            self._execute(plan)
        self.heap.clear()
        self.tokens = {pk: next(self.token_seq) for pk in self.tokens}
        limit = year_end + self.config.settle_bound
        while True:
            waiting = self._open_cases().exclude(status__in=STAFF_STATES, is_overdue=True)
            if not waiting.exists():
                self.report.settled_after = self.next_tick - self.config.interval - year_end
                return
            if self.next_tick > limit:
                for case_number, status in waiting.values_list("case_number", "status")[:10]:
                    self._violation(
                        "every_case_ends",
                        f"{case_number} still {status} {self.config.settle_bound.days} days after the year with "
                        "nobody acting, neither closed nor flagged with the council",
                    )
                self.counts["every_case_ends"] += max(0, waiting.count() - 10)
                return
            self._play_until(self.next_tick)

    def _clear_queue(self, year_end: datetime.datetime) -> None:
        """The council clears its queue; consumers and merchants stay silent."""
        self._progress("the council clears its queue")
        self.acting = frozenset({"staff"})
        for complaint in self._load(self._open_cases().values_list("pk", flat=True)):
            self._replan(complaint)
        limit = self.next_tick + self.config.clear_bound
        while self._open_cases().exists():
            if self.next_tick > limit:
                for case_number, status in self._open_cases().values_list("case_number", "status")[:10]:
                    self._violation(
                        "every_case_ends",
                        f"{case_number} still {status} {self.config.clear_bound.days} days after the council "
                        "began clearing its queue",
                    )
                return
            self._play_until(self.next_tick)
        self.report.closed_after = self.next_tick - self.config.interval - year_end

    # --- the world -------------------------------------------------------------------

    def _build_world(self) -> None:
        rng = self.rng
        self.councils: dict[str, Council] = {}
        for code, parent, name, working_days in COUNCILS:
            self.councils[code] = Council.objects.create(
                code=code,
                name=name,
                parent=self.councils.get(parent),
                case_prefix="HB",
                working_days=working_days,
            )
        self.root_path = self.councils["SIM"].path
        self.council_codes = {c.pk: code for code, c in self.councils.items()}
        # City councils' supervisors have an email address (escalations also reach them by email);
        # the province's and the districts' see theirs in the app only.
        self.supervisors = {
            code: _staff(
                f"sim-sup-{code.lower()}",
                Role.SUPERVISOR,
                council,
                f"{code.lower()}@council.example" if code.count("-") == 1 else "",
            )
            for code, council in self.councils.items()
        }
        self.mediators = [
            _staff(f"sim-med-{code.lower()}-{i}", Role.MEDIATOR, self.councils[code], f"m{i}.{code.lower()}@c.example")
            for code, count in MEDIATORS.items()
            for i in range(count)
        ]
        self.clerks = [
            _staff(f"sim-clerk-{code.lower()}", Role.INTAKE_CLERK, self.councils[code], "") for code in CLERK_COUNCILS
        ]
        self.users = {u.pk: u for u in [*self.supervisors.values(), *self.mediators, *self.clerks]}
        self.merchants: dict[str, Merchant] = {}
        self.owners: dict[str, User] = {}
        for n, spec in enumerate(MERCHANTS):
            phones = [f"139{n:04d}{p:04d}" for p in range(spec.phones)]
            merchant = Merchant.objects.create(
                name=spec.key.replace("-", " ").title(),
                uscc=f"91420100SIM{n:06d}X",
                region=self.councils[spec.council],
                status=spec.status,
                notice_phones=phones,
                enrolled_at=self.config.start - 100 * DAY if spec.status == MerchantStatus.ENROLLED else None,
            )
            self.merchants[spec.key] = merchant
            owner = User(
                username=f"sim-owner-{n}",
                role=Role.MERCHANT_OWNER,
                merchant=merchant,
                name=f"Owner of {merchant.name}",
                phone=f"136{n:08d}",
                password="!",
            )
            owner.save()
            owner.merchant = merchant
            self.owners[spec.key] = owner
        consumers = self.config.consumers or max(50, self.config.complaints // 4)
        User.objects.bulk_create(
            User(
                username=f"sim-consumer-{i}",
                role=Role.CONSUMER,
                phone=f"137{i:08d}",
                name=f"Consumer {i}",
                language=rng.choice(("zh-hans", "en")),
                password="!",
            )
            for i in range(consumers)
        )
        self.consumers = list(User.objects.filter(username__startswith="sim-consumer-").order_by("pk"))
        self.consumers.sort(key=lambda u: int(u.username.rsplit("-", 1)[1]))

    def _plan_filings(self) -> None:
        config, rng = self.config, self.rng
        seconds = config.days * 86400
        moments = sorted(rng.randrange(seconds) for _ in range(config.complaints))
        for index, second in enumerate(moments):
            when = config.start + datetime.timedelta(seconds=second)
            heapq.heappush(self.heap, Plan(when, next(self.seq), index, 0, "file", None))

    # --- moves -----------------------------------------------------------------------

    def _execute(self, plan: Plan) -> None:
        self.clock.move_to(plan.when)
        if plan.action == "file":
            self._file(plan.case)
            return
        if self.tokens.get(plan.case) != plan.token:
            self.report.stale_moves += 1
            return
        moved_from = plan.status
        payload = dict(plan.payload)
        if "due_in_days" in payload:
            payload["due_date"] = timezone.localdate() + datetime.timedelta(days=payload.pop("due_in_days"))
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                complaint = workflow.perform(actor=plan.actor, complaint_id=plan.case, action=plan.action, **payload)
        except DomainError as exc:
            memo = self.memos[plan.case]
            self._violation(
                "moves_accepted", f"case #{memo.index}: {plan.action} by {plan.actor} in {plan.status} refused: {exc!r}"
            )
            self.tokens[plan.case] = next(self.token_seq)  # nothing more is planned for this case
            return
        self.report.moves[plan.action] += 1
        if complaint.status != plan.status:
            self.memos[complaint.pk].own_moves += 1
        self._check_case(complaint, f"after {plan.action}", moved=complaint.status != moved_from)
        self._replan(complaint)

    def _file(self, index: int) -> None:
        rng = self.rng
        consumer = rng.choice(self.consumers)
        persona, _, delay = _weighted(rng, [(p[1], p) for p in CONSUMER_PERSONAS])
        fields = dict(
            category=rng.choice(CATEGORIES),
            channel=rng.choice(CHANNELS),
            title=f"Complaint {index}",
            description="The goods were not as described and the shop stopped answering.",
            amount=Decimal(rng.randrange(2000, 900000)) / 100,
            demands=rng.sample(DEMANDS, rng.randint(1, 2)),
            share_contact=rng.random() < 0.3,
        )
        spec = None
        if rng.random() < UNNAMED_MERCHANT_SHARE:
            council = rng.choice(DISTRICTS)
            fields.update(merchant_name=f"Street stall {index % 17}", region=self.councils[council])
        else:
            spec = _weighted(rng, [(m.weight, m) for m in MERCHANTS])
            council = spec.council
            fields["merchant"] = self.merchants[spec.key]
        stand_in = None
        fields.update(self._incident_to_join(spec))
        with TestCase.captureOnCommitCallbacks(execute=True):
            if rng.random() < INTAKE_SHARE:
                complaint, stand_in = self._file_by_intake(index, consumer, fields)
                consumer = complaint.consumer
            else:
                complaint = filing.file_complaint(consumer=consumer, **fields)
        self.memos[complaint.pk] = CaseMemo(index, consumer, persona, delay, spec, council, 1, stand_in)
        self.report.moves["file"] += 1
        self._check_case(complaint, "after filing")
        self._replan(complaint)

    def _file_by_intake(self, index: int, consumer: User, fields: dict) -> tuple[Complaint, User | None]:
        """An intake clerk files for a caller: an existing consumer, or a new number."""
        rng = self.rng
        clerk = rng.choice(self.clerks)
        phone, name = consumer.phone, ""
        if rng.random() < INTAKE_NEW_CONSUMER_SHARE:
            phone, name = f"135{index:08d}", f"Caller {index}"
        complaint = intake.file_for_consumer(
            staff=clerk,
            phone=phone,
            name=name,
            intake_channel=rng.choice(INTAKE_CHANNELS),
            consent=True,
            consent_statement="",
            **fields,
        )
        self.report.moves["intake"] += 1
        return complaint, (clerk if rng.random() < STAND_IN_SHARE else None)

    def _replan(self, complaint: Complaint) -> None:
        """Decide the next move on the case, by whoever's move it is (a new token voids older plans)."""
        token = next(self.token_seq)
        self.tokens[complaint.pk] = token
        memo, rng, status = self.memos[complaint.pk], self.rng, complaint.status

        def plan(delay, actor, action, **payload):
            if delay is None:
                return
            when = timezone.now() + datetime.timedelta(seconds=round(delay * 86400))
            heapq.heappush(self.heap, Plan(when, next(self.seq), complaint.pk, token, action, actor, payload, status))

        consumer_acts = "consumer" in self.acting and memo.delay is not None
        if status == CLOSED:
            rateable = complaint.outcome in rules.RATEABLE_OUTCOMES and complaint.satisfaction is None
            if consumer_acts and rateable and rng.random() < RATING_SHARE:
                score = _weighted(rng, [(1, 1), (1, 2), (2, 3), (4, 4), (5, 5)])
                plan(rng.uniform(0.1, 5.0), memo.consumer, "rate", score=score, comment="Thanks.")
            return
        # The consumer's moves, or the clerk's for them; a rating is always the consumer's own.
        consumer = memo.stand_in or memo.consumer
        if status in (S.AWAITING_CONSUMER, S.AWAITING_CONFIRMATION):
            if consumer_acts:
                action, payload = self._consumer_choice(complaint)
                plan(rng.uniform(*memo.delay), consumer, action, **payload)
            return
        if consumer_acts and rng.random() < WITHDRAW_WHILE_WAITING:
            plan(rng.uniform(0.5, 12.0), consumer, "withdraw", message="I gave up.")
        if status == S.AWAITING_MERCHANT and "merchant" in self.acting:
            delay = _delay(rng, MERCHANT_ANSWER[memo.merchant.habit])
            plan(delay, self.owners[memo.merchant.key], "respond", **self._answer())
        elif status == S.SETTLED:
            if memo.merchant and memo.merchant.status == MerchantStatus.ENROLLED:
                if "merchant" in self.acting:
                    delay = _delay(rng, MERCHANT_FULFIL[memo.merchant.habit])
                    proof = PROOF.get((complaint.agreement or {}).get("remedy"), {})
                    plan(delay, self.owners[memo.merchant.key], "fulfil", message="Done, receipt attached.", **proof)
            elif "staff" in self.acting and complaint.mediator_id:
                delay = self._staff_delay(MEDIATOR_FULFILS)
                proof = PROOF.get((complaint.agreement or {}).get("remedy"), {})
                plan(delay, self.users[complaint.mediator_id], "fulfil", message="The shop refunded in cash.", **proof)
        elif status == S.UNDER_REVIEW and "staff" in self.acting:
            supervisor = self.supervisors[self.council_codes[complaint.council_id]]
            clearing = "consumer" not in self.acting
            if clearing or rng.random() < 0.3:
                action, payload = "review_reject", {"message": "Outside the council's remit; call 12315."}
            else:
                action, payload = "review_accept", {"message": "Accepted for mediation."}
            plan(self._staff_delay(REVIEW_DELAY), supervisor, action, **payload)
        elif status == S.IN_MEDIATION and "staff" in self.acting:
            if complaint.waiting_on == Party.COUNCIL:
                supervisor = self.supervisors[self.council_codes[complaint.council_id]]
                eligible = [m for m in self.mediators if complaint.council_path.startswith(m.council.path)]
                plan(self._staff_delay(ASSIGN_DELAY), supervisor, "assign", mediator=rng.choice(eligible))
            else:
                mediator = self.users[complaint.mediator_id]
                failing = "consumer" not in self.acting or rng.random() < (0.7 if complaint.agreement else 0.4)
                if failing:
                    action = "record_failure"
                    payload = {"message": "No agreement.", "advice": rng.choice(list(rules.MEDIATION_ADVICE))}
                else:
                    action, payload = "record_agreement", {"message": "Refund half within 10 days."}
                plan(self._staff_delay(MEDIATION_DELAY), mediator, action, **payload)

    def _consumer_choice(self, complaint: Complaint) -> tuple[str, dict]:
        rng = self.rng
        if complaint.status == S.AWAITING_CONFIRMATION:
            if rng.random() < 0.8:
                return "confirm", {"message": "Received, thank you."}
            return "dispute", {"message": "Nothing arrived."}
        if complaint.offer and complaint.offer.get("kind") == "offer":
            choices = ((55, "accept"), (25, "reject"), (12, "request_mediation"), (8, "withdraw"))
        else:
            choices = ((50, "reject"), (35, "request_mediation"), (15, "withdraw"))
        action = _weighted(rng, choices)
        messages = {
            "accept": {},
            "reject": {"message": "Not enough: I want a full refund."},
            "request_mediation": {"message": "Please mediate."},
            "withdraw": {"message": "I settled it elsewhere."},
        }
        return action, messages[action]

    def _answer(self) -> dict:
        rng = self.rng
        if rng.random() < 0.25:
            return {"kind": "decline", "message": "The goods were used; we cannot refund."}
        payload = {
            "kind": "offer",
            "message": "We offer a remedy.",
            "remedy": rng.choice(REMEDIES),
            "offer_amount": Decimal(rng.randrange(1000, 500000)) / 100,
        }
        if rng.random() < 0.4:
            payload["due_in_days"] = rng.randint(1, 20)
        return payload

    def _staff_delay(self, table) -> float | None:
        if "consumer" not in self.acting:  # clearing the queue
            return self.rng.uniform(*STAFF_CLEARING_DELAY)
        return _delay(self.rng, table)

    # --- the deadline job and the checks at each tick -----------------------------------

    def _open_cases(self):
        return Complaint.objects.filter(council_path__startswith=self.root_path).exclude(status=CLOSED)

    def _open_rows(self, *, past_deadline: bool = False) -> list[tuple]:
        cases = self._open_cases()
        if past_deadline:
            now = timezone.now()
            cases = cases.filter(Q(due_at__lt=now) | Q(settle_by__lt=now))
        return list(
            cases.values_list(
                "pk", "status", "waiting_on", "due_at", "settle_by", "is_overdue", "mediator_id", "reminder_sent_for"
            )
        )

    def _tick(self, now: datetime.datetime) -> None:
        self.clock.move_to(now)
        self.report.ticks += 1
        before = {row[0]: row for row in self._open_rows(past_deadline=True)}
        for row in before.values():
            self._check_deadline_wait(row, now)
        with TestCase.captureOnCommitCallbacks(execute=True):
            counts = deadlines.apply_deadlines(now)
        self.report.deadline_job.update(counts)
        self._send_pending()
        for row in self._open_rows():
            self._check_open_row(row, now)
        self._check_deadline_moves(before, now)

    def _send_pending(self) -> None:
        """Run the send task for rows still pending, as the outbox sweep would."""
        pending = Notification.objects.filter(
            status=NoticeStatus.PENDING, channel__in=[Channel.SMS, Channel.EMAIL]
        ).values_list("pk", flat=True)
        for pk in list(pending):
            send_notification.apply(args=[pk])
            self.report.catch_up_sends += 1

    @staticmethod
    def _deadline_of(row) -> datetime.datetime | None:
        """The deadline the job has yet to act on (None once a staff deadline has been flagged)."""
        _, status, _, due_at, settle_by, is_overdue, _, _ = row
        if status in STAFF_STATES and is_overdue:
            return None  # applied: the council has been alerted
        return _deadline_of_state(status, due_at, settle_by)

    def _name(self, pk: int) -> str:
        memo = self.memos.get(pk)
        return f"case #{memo.index}" if memo else f"complaint {pk}"

    def _check_deadline_wait(self, row, now: datetime.datetime) -> None:
        deadline = self._deadline_of(row)
        if deadline is None or deadline >= now:
            return
        key = (row[0], deadline)
        first = self.first_overdue.setdefault(key, now)
        # A deadline set when it had already passed (its own violation) counts from when it was set.
        wait = now - max(deadline, self.set_late.get(key, deadline))
        self.report.max_deadline_wait = max(self.report.max_deadline_wait, wait)
        if wait > self.config.interval:
            self._violation(
                "deadline_wait",
                f"{self._name(row[0])} {row[1]}: deadline {_at(deadline)} passed "
                f"{_hours(wait)} ago (first seen overdue {_at(first)}), still not applied",
            )

    def _check_open_row(self, row, now: datetime.datetime) -> None:
        pk, status, waiting_on, due_at, settle_by, is_overdue, mediator_id, reminder_sent_for = row
        name = self._name(pk)
        expected = _expected_party(status, mediator_id)
        if waiting_on != expected or due_at is None:
            self._violation(
                "one_party_and_deadline",
                f"{name} {status} after the deadline job at {_at(now)}: waiting on {waiting_on!r} "
                f"(expected {expected!r}), deadline {_at(due_at)}",
            )
        deadline = self._deadline_of(row)
        if deadline is not None and deadline < now:
            # The next run is one interval away: this case would wait longer than that.
            self.first_overdue.setdefault((pk, deadline), now)
            self._violation(
                "deadline_wait", f"{name} {status}: deadline {_at(deadline)} passed, the job at {_at(now)} left it"
            )
        if (
            status == S.AWAITING_MERCHANT
            and due_at
            and due_at - deadlines.REMINDER_BEFORE <= now < due_at
            and reminder_sent_for != due_at
        ):
            self._violation("reminders", f"{name}: due {_at(due_at)}, no reminder after the job at {_at(now)}")

    def _check_deadline_moves(self, before: dict, now: datetime.datetime) -> None:
        """Every status change the job made follows a passed deadline of the state it left."""
        events = list(
            ComplaintEvent.objects.filter(pk__gt=self.event_mark, actor__isnull=True)
            .order_by("pk")
            .values_list("pk", "complaint_id", "kind", "from_status", "to_status")
        )
        if not events:
            return
        self.event_mark = events[-1][0]
        moved = []
        for _, pk, kind, from_status, to_status in events:
            if from_status == to_status:
                continue
            moved.append(pk)
            row = before.get(pk)
            if row is None or row[1] != from_status:
                self._violation(
                    "deadline_moves",
                    f"{self._name(pk)}: {kind} by the job at {_at(now)}, but no deadline of it had passed",
                )
                continue
            deadline = _deadline_of_state(row[1], row[3], row[4])
            if deadline is None or deadline >= now:
                self._violation(
                    "deadline_moves", f"{self._name(pk)}: {kind} at {_at(now)} before its deadline {_at(deadline)}"
                )
        for complaint in self._load(moved):
            self._check_case(complaint, "after the deadline job")
            self._replan(complaint)

    def _load(self, pks) -> list[Complaint]:
        """Complaints in filing order, so decisions never depend on database ids."""
        complaints = Complaint.objects.filter(pk__in=list(pks)).select_related("merchant", "council")
        return sorted(complaints, key=lambda c: self.memos[c.pk].index)

    def _check_case(self, complaint: Complaint, when: str, *, moved: bool = True) -> None:
        """After a move: one party whose move it is, and (when the move set one) a deadline still ahead."""
        if complaint.status == CLOSED:
            return
        expected = _expected_party(complaint.status, complaint.mediator_id)
        if complaint.waiting_on != expected or complaint.due_at is None:
            self._violation(
                "one_party_and_deadline",
                f"{self._name(complaint.pk)} {complaint.status} {when}: waiting on "
                f"{complaint.waiting_on!r} (expected {expected!r}), deadline {complaint.due_at}",
            )
        now = timezone.now()
        if moved and complaint.due_at is not None and complaint.due_at <= now:
            self.set_late[(complaint.pk, complaint.due_at)] = now
            self._violation(
                "deadlines_ahead",
                f"{self._name(complaint.pk)} {complaint.status} {when} at {_at(now)}: "
                f"its new deadline {_at(complaint.due_at)} has already passed",
            )

    # --- the audit at the end ----------------------------------------------------------

    def _audit(self) -> None:
        report = self.report
        cases = {
            c.pk: c
            for c in Complaint.objects.filter(council_path__startswith=self.root_path).select_related(
                "council", "merchant"
            )
        }
        report.complaints = len(cases)
        events = defaultdict(list)
        for ev in (
            ComplaintEvent.objects.filter(complaint_id__in=list(cases))
            .order_by("complaint_id", "pk")
            .values_list("complaint_id", "kind", "actor_role", "from_status", "to_status", "created_at")
        ):
            events[ev[0]].append(ev[1:])
        report.events = sum(len(v) for v in events.values())
        fingerprint = hashlib.sha256()
        for pk, case in sorted(cases.items(), key=lambda item: item[1].case_number):
            evs = events[pk]
            report.outcomes[case.outcome or "open"] += 1
            if case.closed_at:
                report.max_case_duration = max(report.max_case_duration, case.closed_at - case.filed_at)
            self._audit_timeline(case, evs)
            self._audit_outcome(case, evs)
            fingerprint.update(f"{case.case_number} {case.status} {case.outcome}\n".encode())
            for kind, role, _, to_status, at in evs:
                fingerprint.update(f" {kind} {role} {to_status} {at.isoformat()}\n".encode())
        report.fingerprint = fingerprint.hexdigest()[:16]
        self._audit_notices(cases, events)
        self._audit_intake(cases)

    def _audit_intake(self, cases: dict) -> None:
        filed_for_you = Counter(
            Notification.objects.filter(
                complaint_id__in=list(cases), event="filed_for_you", channel=Channel.SMS
            ).values_list("complaint_id", flat=True)
        )
        for pk, case in cases.items():
            memo = self.memos[pk]
            expected = 1 if case.filed_by_id else 0
            if filed_for_you[pk] != expected:
                self._violation("intake", f"{case.case_number}: {filed_for_you[pk]} SMS filed for you, {expected} owed")
            if case.filed_by_id and (case.intake_channel == "online" or case.filed_by_id not in self.users):
                self._violation("intake", f"{case.case_number}: filed by {case.filed_by_id} via {case.intake_channel}")
            if memo.stand_in is None and case.filed_by_id is None and case.intake_channel != "online":
                self._violation("intake", f"{case.case_number}: filed online with channel {case.intake_channel}")
        unmarked = (
            ComplaintEvent.objects.filter(complaint_id__in=list(cases), actor_role=Role.INTAKE_CLERK)
            .exclude(data__on_behalf_of_consumer=True)
            .values_list("complaint__case_number", "kind")
        )
        for case_number, kind in unmarked[:20]:
            self._violation("intake", f"{case_number}: {kind} by the clerk is not marked on the consumer's behalf")
        self.report.moves["on_behalf"] = ComplaintEvent.objects.filter(
            complaint_id__in=list(cases), data__on_behalf_of_consumer=True
        ).count()
        self._audit_incidents(cases)

    def _audit_timeline(self, case: Complaint, evs: list[tuple]) -> None:
        name = f"{case.case_number}"
        if not evs or evs[0][0] != "filed" or evs[0][2] != "":
            self._violation("timeline", f"{name}: the timeline does not start with the filing")
            return
        status, previous_at, own_changes = "", None, 0
        for kind, role, from_status, to_status, at in evs:
            if previous_at and at < previous_at:
                self._violation("timeline", f"{name}: {kind} at {at} is earlier than the event before it")
            if from_status != status:
                self._violation("timeline", f"{name}: {kind} from {from_status!r}, but the case was {status!r}")
            if from_status != to_status and role != "system":
                own_changes += 1
            status, previous_at = to_status, at
        if status != case.status:
            self._violation("timeline", f"{name}: the timeline ends at {status!r}, the case is {case.status!r}")
        memo = self.memos[case.pk]
        if own_changes != memo.own_moves:
            self._violation(
                "timeline",
                f"{name}: the parties changed its status {memo.own_moves} times; the timeline shows {own_changes}",
            )

    def _audit_outcome(self, case: Complaint, evs: list[tuple]) -> None:
        name = case.case_number
        closings = [i for i, ev in enumerate(evs) if ev[3] == CLOSED and ev[2] != CLOSED]
        if case.status != CLOSED:
            if closings or case.outcome:
                self._violation("outcomes", f"{name} is open with outcome {case.outcome!r}")
            return
        if len(closings) != 1:
            self._violation("outcomes", f"{name}: {len(closings)} closing events")
            return
        kind, role, from_status, _, at = evs[closings[0]]
        if role == Role.INTAKE_CLERK:
            role = Role.CONSUMER  # the clerk closed it for the consumer (_audit_intake checks the mark)
        self.report.closings[kind] += 1
        expected = CLOSINGS.get(case.outcome)
        if expected is None or (kind, role) != expected[:2] or expected[2] not in (None, from_status):
            self._violation("outcomes", f"{name}: outcome {case.outcome} reached by {kind} ({role}) from {from_status}")
            return
        if case.closed_at != at:
            self._violation("outcomes", f"{name}: closed at {case.closed_at}, closing event at {at}")
        days = DEADLINE_CLOSURE_DAYS.get(case.outcome)
        if days:
            entered = next(ev for ev in reversed(evs[: closings[0]]) if ev[3] == from_status and ev[2] != from_status)
            due = add_days(case.council, entered[4], getattr(case.council, days))
            if not due < at <= due + self.config.interval:
                self._violation(
                    "outcomes",
                    f"{name}: {case.outcome} at {_at(at)}, the deadline was {_at(due)}",
                )

    def _audit_notices(self, cases: dict, events: dict) -> None:
        report, interval = self.report, self.config.interval
        rows = list(
            Notification.objects.filter(complaint_id__in=list(cases)).values_list(
                "idempotency_key",
                "event",
                "channel",
                "address",
                "subject",
                "body",
                "status",
                "created_at",
                "sent_at",
                "complaint_id",
            )
        )
        report.notices.update(row[2] for row in rows)
        keys = [r[0] for r in rows]
        if len(keys) != len(set(keys)):
            dupes = [k for k, n in Counter(keys).items() if n > 1]
            self._violation("notices_sent_once", f"duplicate idempotency keys: {dupes[:5]}")
        for key, event, channel, _, _, _, status, created_at, sent_at, _ in rows:
            if status != NoticeStatus.SENT or sent_at is None:
                self._violation("notices_sent_once", f"{key} ({event} {channel}) is {status}")
            elif sent_at - created_at > interval:
                self._violation("notices_sent_once", f"{key} sent {sent_at - created_at} after it was written")
        sms_rows = Counter((r[3], r[5]) for r in rows if r[2] == Channel.SMS)
        texts = sms.outbox[self.sms_mark :]
        sent = Counter((m.recipients[0] if len(m.recipients) == 1 else tuple(m.recipients), m.body) for m in texts)
        report.sms_sent = len(texts)
        for (address, body), n in (sent - sms_rows).items():
            self._violation("notices_sent_once", f"{n} SMS to {address} without a notice row, or sent twice: {body}")
        for (address, body), n in (sms_rows - sent).items():
            self._violation("notices_sent_once", f"{n} SMS notice rows to {address} never sent: {body}")
        email_rows = Counter((r[3], r[4]) for r in rows if r[2] == Channel.EMAIL)
        emails = mail.outbox[self.mail_mark :]
        report.emails_sent = len(emails)
        sent_emails = Counter((m.to[0] if len(m.to) == 1 else tuple(m.to), m.subject) for m in emails)
        for (address, subject), n in (sent_emails - email_rows).items():
            self._violation("notices_sent_once", f"{n} emails to {address} without a row, or sent twice: {subject}")
        for (address, subject), n in (email_rows - sent_emails).items():
            self._violation("notices_sent_once", f"{n} email rows to {address} never sent: {subject}")
        self._audit_owed(cases, events, rows)

    def _audit_owed(self, cases: dict, events: dict, rows: list[tuple]) -> None:
        by_case = defaultdict(list)
        for _, event, channel, address, *_, complaint_id in rows:
            if channel == Channel.SMS:
                by_case[complaint_id].append((event, address))
        for pk, case in cases.items():
            sms_rows = by_case[pk]
            changes = [
                (kind, to_status) for kind, _, from_status, to_status, _ in events[pk] if from_status != to_status
            ]
            enrolled = case.merchant_id is not None and case.merchant.is_enrolled
            phones = case.merchant.notice_phones if enrolled else []
            filed = Counter(address for event, address in sms_rows if event == "filed")
            if filed != Counter(phones):
                self._violation(
                    "filed_sms",
                    f"{case.case_number} ({'enrolled' if enrolled else 'not enrolled'}): filed SMS to "
                    f"{dict(filed)}, notice phones {phones}",
                )
            owed_consumer = sum(
                1
                for kind, to_status in changes
                if kind not in CONSUMER_SILENT_KINDS and not (kind == "rejected" and to_status == S.AWAITING_MERCHANT)
            )
            owed_consumer += 1 if case.filed_by_id else 0  # filed for them: told how to follow the case
            owed_consumer += sum(1 for ev in events[pk] if ev[0] == EventKind.INCIDENT_MESSAGE)
            to_consumer = sum(1 for _, address in sms_rows if address == case.consumer.phone)
            if to_consumer != owed_consumer:
                self._violation(
                    "notices_owed", f"{case.case_number}: {to_consumer} SMS to the consumer, {owed_consumer} owed"
                )
            owed_merchant = sum(
                1
                for kind, to_status in changes
                if kind in MERCHANT_SMS_KINDS or (kind == "rejected" and to_status == S.AWAITING_MERCHANT)
            )
            rounds = 1 + sum(
                1 for kind, to_status in changes if kind == "rejected" and to_status == S.AWAITING_MERCHANT
            )
            for phone in phones:
                to_phone = [event for event, address in sms_rows if address == phone]
                others = sum(1 for event in to_phone if event != "reminder")
                reminders = len(to_phone) - others
                if others != owed_merchant or reminders > rounds:
                    self._violation(
                        "notices_owed",
                        f"{case.case_number}: {others} SMS to merchant phone {phone} ({owed_merchant} owed) and "
                        f"{reminders} reminders for {rounds} rounds",
                    )


# --- helpers ---------------------------------------------------------------------------


def _staff(username: str, role: str, council: Council, email: str) -> User:
    user = User(username=username, role=role, council=council, name=username, email=email, password="!")
    user.save()
    user.council = council
    return user


def _weighted(rng: random.Random, table):
    weights, values = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def _delay(rng: random.Random, table) -> float | None:
    span = _weighted(rng, table)
    return None if span is None else rng.uniform(*span)


def _deadline_of_state(status: str, due_at, settle_by):
    """The deadline that decides a state: due_at, or the 14-day settlement limit where it comes first."""
    if status in (S.AWAITING_MERCHANT, S.AWAITING_CONSUMER) and settle_by and (not due_at or settle_by < due_at):
        return settle_by
    return due_at


def _expected_party(status: str, mediator_id) -> str:
    if status == S.IN_MEDIATION:
        return Party.MEDIATOR if mediator_id else Party.COUNCIL
    return {
        S.UNDER_REVIEW: Party.COUNCIL,
        S.AWAITING_MERCHANT: Party.MERCHANT,
        S.AWAITING_CONSUMER: Party.CONSUMER,
        S.SETTLED: Party.MERCHANT,
        S.AWAITING_CONFIRMATION: Party.CONSUMER,
    }[status]
