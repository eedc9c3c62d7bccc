"""Beat stopped for an hour and started again (SPEC "Lifecycle": the periodic deadline job is
idempotent and safe to run twice).

Celery beat keeps when each job last ran in its schedule file. Stopped for an hour, it leaves
every entry an hour old; started again, it sends an overdue interval job once, at once, and
counts the next run from then (`Scheduler.reserve` sets `last_run_at` to now), rather than
once per missed interval. Meanwhile a deadline of each kind fell due. The stack runs as
separate processes (a worker and beat on the test database and a Redis of the test's own):
the one catch-up run makes every case's move once, with one set of notices each, and a plain
restart, or a second run on a schedule again an hour old, changes nothing.
"""

import ast
import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

import pytest
from celery.beat import PersistentScheduler
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent, Outcome, Status
from notifications.models import Channel, NoticeStatus, Notification

from .stack import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

S = Status
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
JOB = "apply-deadlines"
TASK = "complaints.tasks.apply_deadlines"
# Beat sweeps the outbox every second here: its log then shows it ticking, so "no second run"
# is seen over a few ticks rather than assumed.
SWEEP_SECONDS = "1"

# The notices one deadline move owes, by event. Escalated: Wang (SMS, in-app), the shop's owner
# (in-app) and Wuhan's supervisor (in-app, email); the merchant's overdue: the shop's notice
# phone (SMS); closed: Wang (SMS, in-app) and the owner (in-app); staff overdue: the supervisor.
ESCALATED = {"escalated": 5}
MERCHANT_MISSED = {**ESCALATED, "merchant_overdue": 1}
CLOSED = {"closed": 3}
STAFF = {"staff_overdue": 2}


@dataclass(frozen=True)
class Case:
    """A case made in `status`, its deadlines moved (offsets from now) into the hour beat was
    stopped or beyond it, and what the catch-up run must leave: the status and outcome, the
    one timeline event, the merchant's overdue marks and the notices written, by event."""

    status: str
    deadlines: dict[str, datetime.timedelta]
    moves_to: str
    outcome: str = ""
    event: str = ""
    marks: tuple[str, ...] = ()
    notices: dict[str, int] = field(default_factory=dict)


CASES = {
    "reminder window entered": Case(
        S.AWAITING_MERCHANT, {"due_at": 24 * HOUR - 30 * MINUTE}, S.AWAITING_MERCHANT, notices={"reminder": 1}
    ),
    "merchant's deadline passed": Case(
        S.AWAITING_MERCHANT,
        {"due_at": -20 * MINUTE},
        S.IN_MEDIATION,
        event="merchant_deadline_passed",
        marks=("answer",),
        notices=MERCHANT_MISSED,
    ),
    "14 days passed awaiting the merchant": Case(
        S.AWAITING_MERCHANT,
        {"settle_by": -50 * MINUTE, "due_at": 2 * DAY},
        S.IN_MEDIATION,
        event="settlement_deadline_passed",
        notices=ESCALATED,
    ),
    "14 days passed awaiting the consumer": Case(
        S.AWAITING_CONSUMER,
        {"settle_by": -55 * MINUTE, "due_at": 2 * DAY},
        S.IN_MEDIATION,
        event="settlement_deadline_passed",
        notices=ESCALATED,
    ),
    "consumer's deadline passed": Case(
        S.AWAITING_CONSUMER,
        {"due_at": -40 * MINUTE},
        S.CLOSED,
        Outcome.NO_REPLY,
        event="consumer_deadline_passed",
        notices=CLOSED,
    ),
    "fulfilment deadline passed": Case(
        S.SETTLED,
        {"due_at": -10 * MINUTE},
        S.IN_MEDIATION,
        event="fulfilment_deadline_passed",
        marks=("fulfilment",),
        notices=MERCHANT_MISSED,
    ),
    "confirmation deadline passed": Case(
        S.AWAITING_CONFIRMATION,
        {"due_at": -30 * MINUTE},
        S.CLOSED,
        Outcome.UNCONFIRMED,
        event="confirmation_deadline_passed",
        notices=CLOSED,
    ),
    "review deadline passed": Case(
        S.UNDER_REVIEW, {"due_at": -45 * MINUTE}, S.UNDER_REVIEW, event="staff_deadline_passed", notices=STAFF
    ),
    "mediation deadline passed": Case(
        S.IN_MEDIATION, {"due_at": -15 * MINUTE}, S.IN_MEDIATION, event="staff_deadline_passed", notices=STAFF
    ),
    "consumer's deadline ahead": Case(S.AWAITING_CONSUMER, {"due_at": 3 * DAY}, S.AWAITING_CONSUMER),
    "merchant's deadline ahead": Case(S.AWAITING_MERCHANT, {"due_at": 2 * DAY}, S.AWAITING_MERCHANT),
}
DEADLINE_EVENTS = {case.event for case in CASES.values() if case.event}


def make_cases(case_in) -> dict[str, Complaint]:
    """Each case brought through the state machine, then given deadlines that fell due (or not)
    in the hour beat was stopped."""
    now = timezone.now()
    made = {}
    for name, made_as in CASES.items():
        case = case_in(made_as.status)
        Complaint.objects.filter(pk=case.pk).update(**{f: now + offset for f, offset in made_as.deadlines.items()})
        case.refresh_from_db()
        made[name] = case
    return made


# --- beat's schedule file and logs ------------------------------------------------------


def schedule_entries(beat) -> dict:
    store = PersistentScheduler.persistence.open(str(beat.schedule), flag="r")
    try:
        return dict(store["entries"])
    finally:
        store.close()


def stopped_for_an_hour(beat) -> None:
    """What an hour without beat leaves in its schedule file: every job last ran an hour ago."""
    an_hour_ago = timezone.now() - HOUR
    store = PersistentScheduler.persistence.open(str(beat.schedule), writeback=True)
    try:
        for entry in store["entries"].values():
            entry.last_run_at = an_hour_ago.astimezone(entry.last_run_at.tzinfo)
    finally:
        store.close()


def sends(log: str, job: str) -> int:
    return log.count(f"Scheduler: Sending due task {job} ")


def start_beat(beat) -> int:
    """Start (or restart) beat; return where this run's part of its log begins."""
    offset = len(beat.log())
    beat.start()
    wait_until(lambda: "beat: Starting..." in beat.log()[offset:], "beat to start", timeout=30)
    return offset


def wait_for_ticks(beat, offset: int, ticks: int = 3) -> None:
    wait_until(
        lambda: sends(beat.log()[offset:], "sweep-outbox") >= ticks,
        f"beat to sweep the outbox {ticks} times",
        timeout=30,
    )


def deadline_runs(worker) -> list[dict[str, int]]:
    """What each run of the deadline job the worker finished returned."""
    found = re.findall(rf"{re.escape(TASK)}\[[^\]]+\] succeeded in [^:]+: (\{{[^}}]*\}})", worker.log())
    return [ast.literal_eval(counts) for counts in found]


# --- what the cases show -----------------------------------------------------------------


def notices_since(baseline: int, case: Complaint) -> Counter:
    return Counter(Notification.objects.filter(pk__gt=baseline, complaint=case).values_list("event", flat=True))


def deadline_events(case: Complaint) -> Counter:
    return Counter(case.events.filter(kind__in=DEADLINE_EVENTS).values_list("kind", flat=True))


def state(cases: dict[str, Complaint]) -> dict:
    found = {}
    for name, case in cases.items():
        case.refresh_from_db()
        found[name] = (
            case.status,
            case.outcome,
            case.is_overdue,
            case.due_at,
            case.reminder_sent_for,
            case.events.count(),
            case.overdue_marks.count(),
            case.notices.count(),
        )
    return found


def all_sms_sent() -> bool:
    return not Notification.objects.filter(channel=Channel.SMS).exclude(status=NoticeStatus.SENT).exists()


def assert_no_sms_doubled(worker, baseline: int) -> None:
    texts = worker.texts()
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    assert len(texts) == Notification.objects.filter(channel=Channel.SMS).count()
    for notice in Notification.objects.filter(pk__gt=baseline, channel=Channel.SMS):
        assert sum(notice.body in t and notice.address in t for t in texts) == 1, notice.body


@pytest.fixture
def stack(stack, own_redis, point_broker_at):
    """The stack, and this process queuing the notices of the cases it makes on the stack's Redis."""
    point_broker_at(own_redis.url)
    return stack


def test_beat_back_after_an_hour_runs_the_deadline_job_once_and_every_case_moves_once(
    stack, case_in, owner, supervisor
):
    worker = stack.worker()
    worker.start()
    beat = stack.beat(OUTBOX_SWEEP_SECONDS=SWEEP_SECONDS)
    # A first start runs the deadline job at once (mediation.celery), not a full interval later.
    offset = start_beat(beat)
    wait_until(lambda: len(deadline_runs(worker)) == 1, "the deadline job to run at beat's first start", timeout=30)
    assert sends(beat.log()[offset:], JOB) == 1 and deadline_runs(worker) == [{}]
    wait_for_ticks(beat, offset, ticks=1)
    beat.stop()
    assert JOB in schedule_entries(beat)

    cases = make_cases(case_in)
    baseline = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    stopped_for_an_hour(beat)
    assert all(timezone.now() - e.last_run_at > 59 * MINUTE for e in schedule_entries(beat).values())

    offset = start_beat(beat)
    wait_until(lambda: len(deadline_runs(worker)) >= 2, "the deadline job to run", timeout=30)
    wait_for_ticks(beat, offset)
    wait_until(all_sms_sent, "every SMS to be sent", timeout=30)

    # One catch-up run, sent at start, not one per missed interval; the next is due in 5 minutes.
    assert sends(beat.log()[offset:], JOB) == 1, beat.log_tail()
    assert deadline_runs(worker)[1:] == [
        {
            "reminder": 1,
            "merchant_overdue": 1,
            "settlement_deadline": 2,
            "no_reply": 1,
            "fulfilment_overdue": 1,
            "unconfirmed": 1,
            "staff_overdue": 2,
        }
    ]
    for name, expected in CASES.items():
        case = cases[name]
        case.refresh_from_db()
        assert (case.status, case.outcome) == (expected.moves_to, expected.outcome), name
        assert deadline_events(case) == Counter([expected.event] if expected.event else []), name
        assert tuple(case.overdue_marks.values_list("stage", flat=True)) == expected.marks, name
        assert notices_since(baseline, case) == Counter(expected.notices), name
    assert cases["review deadline passed"].is_overdue and cases["mediation deadline passed"].is_overdue
    reminded = cases["reminder window entered"]
    assert reminded.reminder_sent_for == reminded.due_at and reminded.events.count() == 1
    assert_no_sms_doubled(worker, baseline)

    after_first_run = state(cases)
    events = ComplaintEvent.objects.count()

    # A plain restart: the job last ran seconds ago (beat keeps that in its file on stopping),
    # so beat does not send it again.
    beat.stop()
    assert timezone.now() - schedule_entries(beat)[JOB].last_run_at < MINUTE
    offset = start_beat(beat)
    wait_for_ticks(beat, offset)
    assert sends(beat.log()[offset:], JOB) == 0, beat.log_tail()

    # Stopped for another hour: the job runs once more, and finds nothing left to do.
    beat.stop()
    stopped_for_an_hour(beat)
    offset = start_beat(beat)
    wait_until(lambda: len(deadline_runs(worker)) >= 3, "the deadline job to run again", timeout=30)
    wait_for_ticks(beat, offset)
    wait_until(all_sms_sent, "every SMS to be sent", timeout=30)

    assert sends(beat.log()[offset:], JOB) == 1, beat.log_tail()
    assert deadline_runs(worker)[2] == {}
    assert state(cases) == after_first_run
    assert ComplaintEvent.objects.count() == events
    assert_no_sms_doubled(worker, baseline)
