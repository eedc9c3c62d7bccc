"""Bugs the year-in-a-day simulation found, pinned by a direct test each."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import deadlines, workflow
from complaints.deadlines import add_days
from complaints.models import Status
from merchants.models import OverdueMark

pytestmark = pytest.mark.django_db

CST = timezone.get_fixed_timezone(480)


def test_an_offer_accepted_after_the_date_it_promised_gets_the_councils_fulfilment_period(
    time_machine, file_complaint, owner, wang
):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=CST), tick=False)
    case = file_complaint()
    workflow.perform(
        actor=owner,
        complaint_id=case.pk,
        action="respond",
        kind="offer",
        message="We refund in full by tomorrow.",
        remedy="refund",
        offer_amount=Decimal("2999.00"),
        due_date=datetime.date(2026, 3, 11),
    )
    # The consumer accepts within their 7 days, but after the date the merchant promised.
    accepted_at = datetime.datetime(2026, 3, 14, 9, 0, tzinfo=CST)
    time_machine.move_to(accepted_at, tick=False)

    case = workflow.perform(actor=wang, complaint_id=case.pk, action="accept")

    assert case.status == Status.SETTLED
    assert case.due_at == add_days(case.council, accepted_at, case.council.fulfilment_days)
    assert deadlines.apply_deadlines(accepted_at + datetime.timedelta(hours=6)) == {}
    case.refresh_from_db()
    assert case.status == Status.SETTLED
    assert not OverdueMark.objects.filter(complaint=case).exists()


def test_an_offer_accepted_before_the_date_it_promised_keeps_that_date(time_machine, file_complaint, owner, wang):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=CST), tick=False)
    case = file_complaint()
    workflow.perform(
        actor=owner,
        complaint_id=case.pk,
        action="respond",
        kind="offer",
        message="We refund in full by Friday.",
        remedy="refund",
        offer_amount=Decimal("2999.00"),
        due_date=datetime.date(2026, 3, 13),
    )

    case = workflow.perform(actor=wang, complaint_id=case.pk, action="accept")

    assert case.due_at == datetime.datetime(2026, 3, 13, 23, 59, 59, tzinfo=CST)
