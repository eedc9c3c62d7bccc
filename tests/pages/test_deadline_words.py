"""Every deadline on the case page says what happens when it passes: in the words of the party
whose move it is ("If you do not reply by …, the case is closed") and of everyone else, and the
words are what the deadline job (complaints/deadlines.py) then does."""

import datetime
import html

import pytest
from django.utils import timezone

from complaints import deadlines
from complaints.models import OPEN_STATUSES, Status
from complaints.presenters import DEADLINE_EFFECTS


def effect_on_page(client, user, case) -> str:
    client.force_login(user)
    text = html.unescape(client.get(f"/cases/{case.pk}/").content.decode())
    start = text.index('id="deadline-effect">') + len('id="deadline-effect">')
    return text[start : text.index("</p>", start)]


def when(case) -> str:
    return timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M")


def test_every_open_state_says_what_its_deadline_does():
    assert set(OPEN_STATUSES) <= set(DEADLINE_EFFECTS)


def test_the_consumer_is_told_that_not_replying_closes_the_case(client, wang, owner, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    case.settle_by = None  # only the consumer's own clock
    case.save(update_fields=["settle_by"])

    assert effect_on_page(client, wang, case) == f"If you do not reply by {when(case)}, the case is closed."
    assert effect_on_page(client, owner, case) == f"If the consumer does not reply by {when(case)}, the case is closed."

    deadlines.apply_deadlines(case.due_at + datetime.timedelta(minutes=1))
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, "no_reply")


def test_the_consumer_is_told_that_a_silent_merchant_sends_the_case_to_the_council(client, wang, agent, case_in):
    case = case_in(Status.AWAITING_MERCHANT)
    expected = f"If the merchant does not answer by {when(case)}, the case goes to the council."
    assert effect_on_page(client, wang, case) == expected
    assert effect_on_page(client, agent, case) == (
        f"If you do not answer by {when(case)}, the case goes to the council "
        "and counts as overdue in your public record."
    )

    deadlines.apply_deadlines(case.due_at + datetime.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION


def test_the_settlement_deadline_is_shown_when_it_comes_first(client, wang, case_in):
    case = case_in(Status.AWAITING_CONSUMER)
    case.settle_by = case.due_at - datetime.timedelta(days=2)
    case.save(update_fields=["settle_by"])
    settle_by = timezone.localtime(case.settle_by).strftime("%Y-%m-%d %H:%M")

    words = effect_on_page(client, wang, case)

    assert words == f"If the case is not settled by {settle_by}, it goes to the council for mediation."
    deadlines.apply_deadlines(case.settle_by + datetime.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION


def test_fulfilment_and_confirmation_deadlines(client, wang, owner, case_in):
    settled = case_in(Status.SETTLED)
    assert effect_on_page(client, wang, settled) == (
        f"If the merchant has not carried out the agreement by {when(settled)}, the case goes back to the council."
    )
    assert effect_on_page(client, owner, settled).startswith("If the agreement is not marked as carried out by")

    waiting = case_in(Status.AWAITING_CONFIRMATION)
    assert effect_on_page(client, wang, waiting) == (
        f"If you do not answer by {when(waiting)}, the case is closed without your confirmation."
    )

    later = max(settled.due_at, waiting.due_at) + datetime.timedelta(minutes=1)
    deadlines.apply_deadlines(later)
    settled.refresh_from_db()
    waiting.refresh_from_db()
    assert settled.status == Status.IN_MEDIATION
    assert (waiting.status, waiting.outcome) == (Status.CLOSED, "unconfirmed")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staff_deadlines_say_the_case_is_marked_overdue(client, supervisor, wang, case_in, language):
    case = case_in(Status.UNDER_REVIEW)
    client.cookies["django_language"] = language
    mine, theirs = effect_on_page(client, supervisor, case), effect_on_page(client, wang, case)
    assert when(case) in mine and when(case) in theirs and mine != theirs
    if language == "en":
        assert mine.startswith("If you have not decided by")

    deadlines.apply_deadlines(case.due_at + datetime.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.is_overdue and case.status == Status.UNDER_REVIEW
    assert when(case) not in effect_on_page(client, wang, case)


def test_a_closed_case_has_no_deadline(client, wang, case_in):
    case = case_in(Status.CLOSED)
    client.force_login(wang)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200 and 'id="deadline-effect"' not in response.content.decode()
