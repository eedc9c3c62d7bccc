"""The priority score is recomputed whenever one of its inputs changes, and explained on the queue."""

import datetime

import pytest

from complaints import deadlines, workflow
from complaints.models import Complaint
from complaints.priority import RULES


def scores(*cases) -> list[tuple[int, list[str]]]:
    return [tuple(Complaint.objects.values_list("priority", "priority_reasons").get(pk=c.pk)) for c in cases]


# The pages and the API name the merchant by id: filing then counts its open cases in the query
# that reads it. Services may pass the merchant they hold: filing counts them on their own.
chosen_by = pytest.mark.parametrize("by_id", [True, False], ids=["merchant id", "merchant object"])


@chosen_by
def test_a_third_open_complaint_against_a_merchant_raises_the_others(file_complaint, li, shop, by_id):
    merchant = shop.pk if by_id else shop
    first, second = file_complaint(merchant=merchant), file_complaint(consumer=li, merchant=merchant)
    assert scores(first, second) == [(0, []), (0, [])]

    third = file_complaint(merchant=merchant)

    assert scores(first, second, third) == [(15, ["repeat_merchant"])] * 3


def test_closing_one_of_three_lowers_the_others_again(file_complaint, li, wang):
    first, second, third = file_complaint(), file_complaint(consumer=li), file_complaint()

    workflow.perform(actor=wang, complaint_id=third.pk, action="withdraw")

    assert scores(first, second, third) == [(0, []), (0, []), (0, [])]


def test_complaints_against_other_merchants_are_left_alone(file_complaint, li, other_shop):
    elsewhere = file_complaint(consumer=li, merchant=other_shop)
    file_complaint(), file_complaint(), file_complaint()

    assert scores(elsewhere) == [(0, [])]


@chosen_by
def test_a_fourth_complaint_keeps_the_reason_and_adds_its_own_points(file_complaint, shop, by_id):
    merchant = shop.pk if by_id else shop
    cases = [file_complaint(merchant=merchant) for _ in range(3)]

    fourth = file_complaint(merchant=merchant, category="safety", channel="livestream")

    assert scores(*cases) == [(15, ["repeat_merchant"])] * 3
    assert scores(fourth) == [(65, ["safety", "repeat_merchant", "livestream"])]


def test_a_passed_staff_deadline_raises_the_priority(case_in, time_machine):
    case = case_in("in_mediation")
    assert "overdue" not in scores(case)[0][1]

    time_machine.move_to(case.due_at + datetime.timedelta(minutes=1), tick=False)
    assert deadlines.apply_deadlines() == {"staff_overdue": 1}

    assert scores(case)[0] == (30, ["overdue"])


def test_the_queue_sorts_by_the_stored_score(client, supervisor, file_complaint, li):
    low = file_complaint(title="Low")
    high = file_complaint(consumer=li, category="safety", title="High")
    client.force_login(supervisor)

    numbers = [c.case_number for c in client.get("/council/").context["page"]]

    assert numbers == [high.case_number, low.case_number]


def test_the_queue_explains_how_priority_is_scored(client, supervisor, db):
    client.force_login(supervisor)

    html = client.get("/council/").text

    box = html[html.index('id="priority-rules"') :]
    assert "How priority is scored" in box
    for code, (points, _label) in RULES.items():
        assert f'data-rule="{code}"' in box
        assert f"+{points}" in box
    assert "above 5,000 CNY" in box
    assert "at least 3 open complaints" in box


@pytest.mark.parametrize(
    ("min_score", "expected"),
    [("0", {"plain", "safety", "live"}), ("10", {"safety", "live"}), ("40", {"safety"}), ("41", set())],
)
def test_priority_filter_keeps_cases_at_or_above_the_score(
    client, supervisor, file_complaint, li, bookshop, min_score, expected
):
    cases = {
        "plain": file_complaint(),  # 0
        "safety": file_complaint(consumer=li, category="safety"),  # 40
        "live": file_complaint(merchant=bookshop, channel="livestream"),  # 10
    }
    client.force_login(supervisor)

    listed = {c.case_number for c in client.get("/council/", {"priority": min_score}).context["page"]}

    assert listed == {cases[name].case_number for name in expected}
