"""The closed cases' running totals behind the dashboard and the public figures move in the
transaction that closes, rates or corrects a case, and never lose a count to a closing
committed at the same time."""

import datetime
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from complaints import rollups, workflow
from complaints.models import (
    ClosedCaseRollup,
    ClosingWeekRollup,
    Complaint,
    ResponseTimeRollup,
    ResponseTimeTotal,
    Status,
)
from complaints.services import correct_complaint
from supervision.dashboard import Scope, staff_dashboard

pytestmark = pytest.mark.django_db


def totals(complaint) -> ClosedCaseRollup:
    return ClosedCaseRollup.objects.get(council=complaint.council, filed_on=rollups.local_day(complaint.filed_at))


def all_rows() -> set[tuple]:
    return {
        tuple(getattr(row, f.attname) for f in model._meta.concrete_fields if f.name != "id")
        for model in rollups.MODELS
        for row in model.objects.all()
    }


def test_an_open_case_is_in_no_total(file_complaint):
    file_complaint()

    assert not ClosedCaseRollup.objects.exists() and not ClosingWeekRollup.objects.exists()


def test_a_withdrawn_case_is_counted_when_it_closes(file_complaint, wang):
    case = file_complaint(category="delivery")

    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")

    case.refresh_from_db()
    row = totals(case)
    assert (row.cases, row.outcome_withdrawn, row.outcome_resolved) == (1, 1, 0)
    assert (row.category_delivery, row.category_quality, row.intake_online) == (1, 0, 1)
    # It went to the merchant, who never answered.
    assert (row.went_to_merchant, row.answered, row.answered_in_time) == (1, 0, 0)
    week = ClosingWeekRollup.objects.get()
    assert week.closed_week == rollups.week_of(timezone.localdate(case.closed_at)) and week.cases == 1


def test_a_resolved_case_counts_its_answer_and_its_rating(case_in, wang):
    case = case_in(Status.CLOSED)
    row = totals(case)
    assert (row.cases, row.outcome_resolved, row.answered, row.answered_in_time) == (1, 1, 1, 1)
    assert row.response_microseconds == (case.first_response_at - case.filed_at) // datetime.timedelta(microseconds=1)
    assert ResponseTimeRollup.objects.get().hours <= 1  # answered within the first hour
    assert ResponseTimeTotal.objects.get().hours <= 1  # the same, over every filing day
    assert (row.rated, row.satisfaction_sum) == (0, 0)

    workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=4)

    row.refresh_from_db()
    assert (row.cases, row.rated, row.satisfaction_sum) == (1, 1, 4)
    figures = staff_dashboard(Scope(council=case.council))
    assert figures["satisfaction"] == {"n": 1, "average": 4.0, "percent": 80.0}


def test_correcting_a_closed_case_moves_its_category(file_complaint, wang):
    operator = User.objects.create_superuser("operator", "op@example.cn", "x-admin-pass-123")
    case = file_complaint(category="quality")
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")

    correct_complaint(actor=operator, complaint_id=case.pk, category="safety")

    row = totals(case)
    assert (row.cases, row.category_quality, row.category_safety) == (1, 0, 1)
    assert staff_dashboard(Scope(council=case.council))["category_counts"]["safety"] == 1


def test_rebuild_gives_the_totals_the_transitions_kept(file_complaint, case_in, wang, unlisted_shop, supervisor):
    case_in(Status.CLOSED)
    withdrawn = file_complaint(category="price")
    workflow.perform(actor=wang, complaint_id=withdrawn.pk, action="withdraw")
    rejected = file_complaint(merchant=unlisted_shop)
    workflow.perform(actor=supervisor, complaint_id=rejected.pk, action="review_reject", message="Not ours.")
    file_complaint()  # open
    kept = all_rows()

    ClosedCaseRollup.objects.all().delete()
    call_command("rebuild_rollups", stdout=io.StringIO())

    assert kept and all_rows() == kept


def test_cases_closed_outside_the_transitions_count_after_a_rebuild(file_complaint, wuhan):
    """A bulk load writes closed cases directly, as bench/load_data does."""
    case = file_complaint()
    Complaint.objects.filter(pk=case.pk).update(status=Status.CLOSED, outcome="no_reply", closed_at=timezone.now())
    assert staff_dashboard(Scope(council=wuhan))["closed"] == 0

    written = rollups.rebuild()

    assert written["closedcaserollup"] == 1
    figures = staff_dashboard(Scope(council=wuhan))
    assert (figures["closed"], figures["by_outcome"]["no_reply"], figures["total"]) == (1, 1, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks as PostgreSQL takes them")
def test_two_closings_at_the_same_time_both_count(file_complaint, wang):
    first, second = file_complaint(), file_complaint()
    errors = []

    def withdraw_second():
        try:
            workflow.perform(actor=wang, complaint_id=second.pk, action="withdraw")
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        workflow.perform(actor=wang, complaint_id=first.pk, action="withdraw")
        # The second closing adds to the same row while this one has not committed: it waits
        # for this commit, then adds to what this one wrote.
        other = threading.Thread(target=withdraw_second)
        other.start()
        time.sleep(0.5)
    other.join(timeout=30)

    assert not errors and not other.is_alive()
    first.refresh_from_db()
    row = totals(first)
    assert (row.cases, row.outcome_withdrawn, row.went_to_merchant) == (2, 2, 2)


def test_a_case_withdrawn_before_the_merchants_deadline_counts_as_due_only_once_it_passes(file_complaint, wang):
    """The handling rate's n: a first deadline counts once passed or answered (SPEC)."""
    case = file_complaint()
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
    case.refresh_from_db()
    scope = Scope(council=case.council)

    assert staff_dashboard(scope)["answered_in_time"]["n"] == 0

    after = case.merchant_first_due_at + datetime.timedelta(seconds=1)
    assert staff_dashboard(scope, now=after)["answered_in_time"] == {"count": 0, "n": 1, "rate": 0.0}


def test_a_period_ending_today_or_later_reads_the_totals_over_every_day(case_in):
    from complaints.rollup_selectors import closed_answered_within

    case = case_in(Status.CLOSED)
    today = timezone.localdate()
    ResponseTimeRollup.objects.all().delete()  # only the totals over every filing day are left

    assert closed_answered_within(case.council, hours=24, filed_before=today) == 1
    assert closed_answered_within(case.council, hours=24, filed_before=today + datetime.timedelta(days=9000)) == 1
    # A period ending yesterday reads the filing days, and the case was filed today.
    assert closed_answered_within(case.council, hours=24, filed_before=today - datetime.timedelta(days=1)) == 0
