"""The deadline clock and the periodic job that applies it (SPEC "Lifecycle", deadlines).

The job is run the way beat runs it: at some moment past a deadline, possibly twice,
possibly twice at once.
"""

import datetime

import chinese_calendar
import pytest
import sms
from django.core import mail
from django.db import connection
from django.utils import timezone

from complaints import deadlines, workflow
from complaints.deadlines import add_days, is_working_day
from complaints.models import ComplaintEvent, Outcome, Status
from merchants.models import OverdueMark
from notifications.models import Notification
from tests.concurrency import at_once

CST = timezone.get_fixed_timezone(480)
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _frozen_clock(time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=CST), tick=False)


@pytest.fixture
def run_job(time_machine, django_capture_on_commit_callbacks):
    """Run the deadline job at `at` (committing, so its notices are sent) and return its counts."""

    def _run(at: datetime.datetime) -> dict[str, int]:
        time_machine.move_to(at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines.apply_deadlines()

    return _run


def texts_to(phone: str) -> list[str]:
    return [m.body for m in sms.outbox if m.recipients == [phone]]


# --- the merchant's reminder ----------------------------------------------------------


def test_the_merchant_is_reminded_once_24_hours_before_its_deadline(case_in, run_job):
    case = case_in(Status.AWAITING_MERCHANT)

    assert run_job(case.due_at - 25 * HOUR) == {}
    assert run_job(case.due_at - 23 * HOUR) == {"reminder": 1}
    assert run_job(case.due_at - 23 * HOUR) == {}
    assert run_job(case.due_at - 2 * HOUR) == {}

    [reminder] = texts_to("13900000001")
    assert case.case_number in reminder and "Reminder" in reminder
    assert Notification.objects.filter(complaint=case, event="reminder").count() == 1
    case.refresh_from_db()
    assert case.status == Status.AWAITING_MERCHANT
    assert case.events.count() == 1


def test_a_new_round_gets_its_own_reminder(case_in, wang, owner, run_job, time_machine):
    case = case_in(Status.AWAITING_MERCHANT)
    run_job(case.due_at - 23 * HOUR)
    time_machine.move_to(case.due_at - 22 * HOUR, tick=False)
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    case = workflow.perform(actor=wang, complaint_id=case.pk, action="reject", message="Please look again.")

    assert run_job(case.due_at - 23 * HOUR) == {"reminder": 1}

    assert Notification.objects.filter(complaint=case, event="reminder").count() == 2


def test_no_reminder_once_the_merchant_has_answered(case_in, run_job):
    case = case_in(Status.AWAITING_CONSUMER)

    assert run_job(case.due_at - 23 * HOUR) == {}
    assert not Notification.objects.filter(event="reminder").exists()


# --- each deadline moves the case once ------------------------------------------------


@pytest.mark.parametrize(
    "status, deadline, moved_to, outcome, result, kind",
    [
        (Status.AWAITING_MERCHANT, "due_at", Status.IN_MEDIATION, "", "merchant_overdue", "merchant_deadline_passed"),
        (Status.AWAITING_CONSUMER, "due_at", Status.CLOSED, Outcome.NO_REPLY, "no_reply", "consumer_deadline_passed"),
        (
            Status.AWAITING_CONSUMER,
            "settle_by",
            Status.IN_MEDIATION,
            "",
            "settlement_deadline",
            "settlement_deadline_passed",
        ),
        (Status.SETTLED, "due_at", Status.IN_MEDIATION, "", "fulfilment_overdue", "fulfilment_deadline_passed"),
        (
            Status.AWAITING_CONFIRMATION,
            "due_at",
            Status.CLOSED,
            Outcome.UNCONFIRMED,
            "unconfirmed",
            "confirmation_deadline_passed",
        ),
    ],
)
def test_each_deadline_moves_the_case_exactly_once_when_the_job_runs_twice(
    case_in, run_job, status, deadline, moved_to, outcome, result, kind
):
    case = case_in(status)
    at = getattr(case, deadline) + MINUTE
    if deadline == "settle_by":
        case.due_at = case.settle_by + DAY  # only the 14-day limit has passed
        case.save()

    first = run_job(at)
    notices = Notification.objects.count()
    second = run_job(at)

    assert (first, second) == ({result: 1}, {})
    case.refresh_from_db()
    assert (case.status, case.outcome) == (moved_to, outcome)
    assert case.events.filter(kind=kind).count() == 1
    assert case.overdue_marks.count() == (1 if result in ("merchant_overdue", "fulfilment_overdue") else 0)
    assert Notification.objects.count() == notices


def test_a_deadline_not_yet_passed_moves_nothing(case_in, run_job):
    case = case_in(Status.AWAITING_CONSUMER)

    assert run_job(case.due_at - MINUTE) == {}
    case.refresh_from_db()
    assert case.status == Status.AWAITING_CONSUMER


def test_the_merchant_overdue_text_is_sent_once(case_in, run_job):
    case = case_in(Status.AWAITING_MERCHANT)

    run_job(case.due_at + MINUTE)
    run_job(case.due_at + 2 * MINUTE)

    assert len([t for t in texts_to("13900000001") if "missed the deadline" in t]) == 1


# --- staff deadlines ------------------------------------------------------------------


@pytest.fixture
def staff_case(request, case_in, supervisor, province_supervisor, sibling_supervisor):
    return case_in(request.param)


@pytest.mark.parametrize("staff_case", [Status.UNDER_REVIEW, Status.IN_MEDIATION], indirect=True)
def test_a_passed_staff_deadline_marks_the_case_overdue_and_alerts_supervisors_once(
    staff_case, run_job, supervisor, province_supervisor, sibling_supervisor
):
    case = staff_case
    status = case.status
    emails_before = len(mail.outbox)

    assert run_job(case.due_at + MINUTE) == {"staff_overdue": 1}
    assert run_job(case.due_at + DAY) == {}

    case.refresh_from_db()
    assert (case.status, case.is_overdue) == (status, True)
    assert "overdue" in case.priority_reasons
    [event] = case.events.filter(kind="staff_deadline_passed")
    assert (event.from_status, event.to_status, event.visibility) == (status, status, "staff")
    alerts = Notification.objects.filter(complaint=case, event="staff_overdue")
    assert sorted((n.recipient.username, n.channel) for n in alerts) == [
        ("hb_supervisor", "in_app"),
        ("supervisor", "email"),
        ("supervisor", "in_app"),
    ]
    assert [m.to for m in mail.outbox[emails_before:]] == [["liu@council.example"]]


def test_the_next_move_clears_the_overdue_mark_of_a_staff_deadline(case_in, supervisor, run_job, time_machine):
    case = case_in(Status.UNDER_REVIEW)
    run_job(case.due_at + MINUTE)

    case = workflow.perform(actor=supervisor, complaint_id=case.pk, action="review_accept")

    assert (case.is_overdue, case.status) == (False, Status.IN_MEDIATION)
    assert case.due_at == timezone.now() + 30 * DAY


# --- working days on the official calendar --------------------------------------------


def test_the_official_calendar_knows_the_2026_national_day_holiday_and_its_working_weekend_days():
    holiday = [datetime.date(2026, 10, d) for d in range(1, 8)]
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    # The State Council's 2026 arrangement: back to work on Thursday 8 October, and the
    # Sunday before (20 September) and the Saturday after (10 October) are working days.
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 8))
    assert chinese_calendar.is_workday(datetime.date(2026, 9, 20))
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 10))
    assert not chinese_calendar.is_workday(datetime.date(2026, 10, 11))
    assert [is_working_day(d) for d in holiday] == [False] * 7


@pytest.fixture
def working_days_council(jiangan):
    jiangan.working_days = True
    jiangan.save()
    return jiangan


def at(month, day, hour=10):
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=CST)


@pytest.mark.parametrize(
    "start, days, due",
    [
        (at(9, 30), 1, at(10, 8)),  # the whole National Day holiday is skipped
        (at(9, 29), 7, at(10, 14)),  # 30 Sep, 8, 9, 10 (Sat, working), 12, 13, 14 Oct
        (at(10, 9), 1, at(10, 10)),  # a declared working Saturday counts
        (at(10, 10), 1, at(10, 12)),  # an ordinary Sunday does not
        (at(9, 18), 1, at(9, 20)),  # a declared working Sunday counts
        (at(10, 2), 0, at(10, 2)),
    ],
)
def test_a_working_days_council_counts_only_official_working_days(working_days_council, start, days, due):
    assert add_days(working_days_council, start, days) == due


@pytest.mark.parametrize(
    "start, days, due", [(at(9, 30), 1, at(10, 1)), (at(9, 29), 7, at(10, 6)), (at(10, 10), 1, at(10, 11))]
)
def test_a_calendar_days_council_counts_plain_days(jiangan, start, days, due):
    assert not jiangan.working_days
    assert add_days(jiangan, start, days) == due


def test_a_working_day_late_in_the_evening_counts_by_the_date_in_china(working_days_council):
    # 23:30 on Wednesday 30 September in Shanghai is still 15:30 UTC the same day.
    start = datetime.datetime(2026, 9, 30, 23, 30, tzinfo=CST)

    assert add_days(working_days_council, start, 1) == datetime.datetime(2026, 10, 8, 23, 30, tzinfo=CST)


def test_years_the_calendar_does_not_cover_count_weekdays(working_days_council):
    friday = datetime.datetime(2101, 1, 7, 10, 0, tzinfo=CST)
    assert friday.weekday() == 4

    assert add_days(working_days_council, friday, 1) == friday + 3 * DAY


def test_a_complaint_filed_before_national_day_in_a_working_days_council_is_due_after_it(
    working_days_council, file_complaint, time_machine, run_job
):
    time_machine.move_to(at(9, 29), tick=False)

    case = file_complaint()

    assert case.due_at == at(10, 14)
    assert run_job(at(10, 12)) == {}
    assert run_job(at(10, 14) + MINUTE) == {"merchant_overdue": 1}


# --- two jobs at once -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (SELECT ... FOR UPDATE SKIP LOCKED); run with DATABASE_URL=postgres://...",
)
def test_two_jobs_at_once_move_each_overdue_case_exactly_once(file_complaint, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    cases = [file_complaint() for _ in range(20)]
    at = max(c.due_at for c in cases) + MINUTE
    results = at_once(lambda: deadlines.apply_deadlines(now=at), 2)

    assert sum(r.get("merchant_overdue", 0) for r in results) == 20
    for case in cases:
        case.refresh_from_db()
        assert case.status == Status.IN_MEDIATION
        assert ComplaintEvent.objects.filter(complaint=case, kind="merchant_deadline_passed").count() == 1
        assert OverdueMark.objects.filter(complaint=case).count() == 1
