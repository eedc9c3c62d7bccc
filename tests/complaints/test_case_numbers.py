"""Every case has one human-readable number (SPEC "Complaints": HB2026-000123)."""

import datetime
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Council
from complaints.models import CaseSequence, Complaint
from merchants.models import Merchant, MerchantStatus
from tests.concurrency import at_once

CST = timezone.get_fixed_timezone(480)


@pytest.fixture(autouse=True)
def _in_2026(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=CST), tick=False)


def test_case_numbers_read_prefix_year_and_six_digits_in_filing_order(file_complaint, unlisted_shop, wuhan):
    numbers = [
        file_complaint().case_number,
        file_complaint(merchant=unlisted_shop).case_number,
        file_complaint(merchant=None, merchant_name="Street Vendor", region=wuhan).case_number,
    ]

    assert numbers == ["HB2026-000001", "HB2026-000002", "HB2026-000003"]
    assert all(re.fullmatch(r"HB2026-\d{6}", n) for n in numbers)


def test_the_sequence_restarts_each_year_in_china(file_complaint, time_machine):
    file_complaint()
    # 16:30 UTC on 31 December is already New Year's Day in Shanghai.
    time_machine.move_to(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC), tick=False)

    assert file_complaint().case_number == "HB2027-000001"


def test_the_prefix_is_the_root_councils(db, file_complaint):
    root = Council.objects.create(name="Hunan Consumer Council", code="HN", case_prefix="HN")
    city = Council.objects.create(name="Changsha Consumer Council", code="HN-CS", parent=root)
    merchant = Merchant.objects.create(
        name="Changsha Tea", uscc="91430100MA4K0AAA0A", region=city, status=MerchantStatus.ENROLLED
    )

    assert file_complaint(merchant=merchant).case_number == "HN2026-000001"


def test_the_database_refuses_a_duplicate_case_number(file_complaint):
    case = file_complaint()
    other = file_complaint()

    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=other.pk).update(case_number=case.case_number)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write; concurrent filing needs DATABASE_URL=postgres://...",
)
def test_complaints_filed_at_once_get_distinct_sequential_numbers(file_complaint, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    threads_count = 8
    numbers = at_once(lambda: file_complaint().case_number, threads_count)

    year = timezone.localdate().year
    assert sorted(numbers) == [f"HB{year}-{n:06d}" for n in range(1, threads_count + 1)]


def test_numbering_continues_after_the_numbers_issued_before(db, file_complaint):
    CaseSequence.objects.create(prefix="HB", year=2026, last=41)

    assert file_complaint().case_number == "HB2026-000042"
    assert file_complaint().case_number == "HB2026-000043"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite numbers from the CaseSequence row")
def test_a_filing_that_rolls_back_leaves_a_gap_and_no_number_is_issued_twice(file_complaint):
    assert file_complaint().case_number == "HB2026-000001"
    with pytest.raises(RuntimeError), transaction.atomic():
        file_complaint()  # HB2026-000002, never committed
        raise RuntimeError("the filing failed after its number was taken")

    assert file_complaint().case_number == "HB2026-000003"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite numbers from the CaseSequence row")
@pytest.mark.parametrize("raised_to", [5, 5000])
def test_numbers_issued_before_are_skipped_even_when_recorded_after_the_sequence_began(file_complaint, raised_to):
    # A restore or a bulk load raises the year's CaseSequence row after filings began.
    assert file_complaint().case_number == "HB2026-000001"
    CaseSequence.objects.update_or_create(prefix="HB", year=2026, defaults={"last": raised_to})

    assert file_complaint().case_number == f"HB2026-{raised_to + 1:06d}"
    assert file_complaint().case_number == f"HB2026-{raised_to + 2:06d}"


def test_a_year_past_999999_cases_gets_seven_digits(db, file_complaint):
    # On PostgreSQL the INSERT formats the number itself: it must agree with format_case_number.
    CaseSequence.objects.create(prefix="HB", year=2026, last=999_998)

    assert file_complaint().case_number == "HB2026-999999"
    assert file_complaint().case_number == "HB2026-1000000"
    assert Complaint.objects.filter(case_number="HB2026-1000000").exists()
