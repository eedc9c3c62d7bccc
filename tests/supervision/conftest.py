"""A hand-built month of cases in Wuhan's jurisdiction whose dashboard figures are known.

Every case is filed and moved through the state machine on a frozen clock, in time order,
so filing, answer and closing times are exact. The figures they give, as seen by the Wuhan
supervisor at NOW, are worked out in EXPECTED; each test checks the page or the API
against them.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import deadlines, workflow
from complaints.models import Complaint
from merchants.models import Merchant, MerchantStatus
from tests.conftest import proof_for

CST = timezone.get_fixed_timezone(480)
NOW = datetime.datetime(2026, 3, 18, 10, 0, tzinfo=CST)  # a Wednesday


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=CST)


@pytest.fixture
def bookshop(wuhan):
    """A merchant registered in Wuhan city itself, outside Jiang'an district."""
    return Merchant.objects.create(
        name="Wuhan Books", uscc="91420100MA4K0AAA0A", region=wuhan, status=MerchantStatus.ENROLLED
    )


@pytest.fixture
def clock(time_machine):
    def _set(moment: datetime.datetime) -> None:
        time_machine.move_to(moment, tick=False)

    return _set


@pytest.fixture
def month(clock, file_complaint, wang, li, owner, supervisor, mediator, unlisted_shop, other_shop, bookshop):
    """Nine cases in Wuhan (eight in Jiang'an, one in Wuhan city) and one in Yichang."""

    def act(actor, case, action, **payload):
        return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)

    def offer(case):
        return act(owner, case, "respond", kind="offer", message="We refund.", remedy="refund")

    c = {}
    clock(at(2, 9))
    c["c1"] = file_complaint(title="c1 resolved")
    clock(at(2, 21))
    offer(c["c1"])  # answered after 12 h
    clock(at(3, 9))
    c["c2"] = file_complaint(title="c2 unconfirmed", category="delivery")
    clock(at(3, 10))
    act(wang, c["c1"], "accept")
    clock(at(4, 9))
    c["c3"] = file_complaint(title="c3 not settled", category="safety", amount=Decimal("8000.00"))
    clock(at(4, 10))
    act(owner, c["c1"], "fulfil", message="Refunded, receipt 1", **proof_for(c["c1"]))
    clock(at(5, 9))
    offer(c["c2"])  # 48 h
    clock(at(5, 10))
    act(wang, c["c1"], "confirm")
    act(wang, c["c1"], "rate", score=5)
    clock(at(5, 11))
    act(wang, c["c2"], "accept")
    clock(at(6, 9))
    act(owner, c["c2"], "fulfil", message="Sent again, tracking 2", **proof_for(c["c2"]))
    clock(at(9, 9))
    c["c4"] = file_complaint(title="c4 no reply")
    clock(at(10, 9))
    offer(c["c4"])  # exactly 24 h
    clock(at(10, 10))
    c["c5"] = file_complaint(title="c5 withdrawn")
    clock(at(11, 10))
    assert deadlines.apply_deadlines() == {"merchant_overdue": 1}  # c3 was never answered
    clock(at(11, 15))
    c["c7"] = file_complaint(title="c7 due soon", category="after_sales")
    clock(at(12, 9))
    act(supervisor, c["c3"], "assign", mediator=mediator.pk)
    act(mediator, c["c3"], "record_failure", message="No agreement.", advice="12315")
    act(wang, c["c3"], "rate", score=2)
    clock(at(13, 10))
    act(owner, c["c5"], "respond", kind="decline", message="Not our fault.")  # 72 h
    clock(at(14, 10))
    assert deadlines.apply_deadlines() == {"unconfirmed": 1}  # c2
    clock(at(14, 11))
    act(wang, c["c5"], "withdraw")
    clock(at(16, 9))
    c["c6"] = file_complaint(title="c6 waiting")
    c["yichang"] = file_complaint(consumer=li, merchant=other_shop, title="Yichang case")
    clock(at(17, 9))
    c["c9"] = file_complaint(merchant=bookshop, title="c9 city", category="price", channel="livestream")
    clock(at(17, 10))
    assert deadlines.apply_deadlines() == {"no_reply": 1}  # c4
    clock(at(18, 8))
    c["c8"] = file_complaint(merchant=unlisted_shop, title="c8 overdue review")
    Complaint.objects.filter(pk=c["c8"].pk).update(due_at=at(18, 8))
    clock(NOW)
    return {name: Complaint.objects.get(pk=case.pk) for name, case in c.items()}


# The Wuhan supervisor's figures at NOW, without filters.
EXPECTED = {
    "total": 9,
    "by_status": {
        "under_review": 1,
        "awaiting_merchant": 3,
        "awaiting_consumer": 0,
        "in_mediation": 0,
        "settled": 0,
        "awaiting_confirmation": 0,
        "closed": 5,
    },
    "open": 4,
    "new_today": 1,
    "overdue": 1,
    "due_soon": 1,
    "closed": 5,
    "resolved": 1,
    "resolution_rate": 20.0,
    "by_outcome": {
        "resolved": 1,
        "unconfirmed": 1,
        "not_settled": 1,
        "no_reply": 1,
        "withdrawn": 1,
        "rejected": 0,
    },
    # c1, c2, c4, c5 answered by their deadline; c3 never answered; c6, c7, c9 not due yet.
    "answered_in_time": {"count": 4, "n": 5, "rate": 80.0},
    # 12 h, 48 h, 24 h and 72 h.
    "first_response": {"n": 4, "average_hours": 39.0, "within_target": {"count": 2, "n": 4, "rate": 50.0}},
    "satisfaction": {"n": 2, "average": 3.5, "percent": 70.0},
    "category_counts": {
        "after_sales": 1,
        "quality": 5,
        "false_advertising": 0,
        "price": 1,
        "delivery": 1,
        "contract": 0,
        "personal_info": 0,
        "safety": 1,
        "other": 0,
    },
    "category_shares": {
        "after_sales": 11.1,
        "quality": 55.6,
        "false_advertising": 0.0,
        "price": 11.1,
        "delivery": 11.1,
        "contract": 0.0,
        "personal_info": 0.0,
        "safety": 11.1,
        "other": 0.0,
    },
    "intake_channel_counts": {"online": 9, "hotline": 0, "counter": 0, "letter": 0, "email": 0},
    "targets": {
        "handling_rate": 90,
        "satisfaction": 85,
        "satisfaction_score": 4.25,
        "first_response_hours": 24,
        "set_by": {"handling_rate": "", "satisfaction": "", "first_response_hours": ""},
    },
    "meets_target": {"handling_rate": False, "satisfaction": False, "first_response": False},
}
# ISO weeks 10, 11 and 12 of 2026 (from 2 March); the nine weeks before them are empty.
EXPECTED_WEEKS = {
    "2026-W10": {"filed": 3, "closed": 1},
    "2026-W11": {"filed": 3, "closed": 3},
    "2026-W12": {"filed": 3, "closed": 1},
}
