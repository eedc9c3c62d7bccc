"""Who before what (API.md "Conventions"), for every workflow action: a case the caller may not
see is 404, a role that may never do the action is 403, a state that does not allow it is 409
with `status` and `allowed_actions`, and only then is the body validated (400)."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from complaints import access, workflow
from complaints.actions import ACTIONS
from complaints.models import Complaint, MediationSession, Status
from mediation.errors import NotAllowed

# A case in mediation always has its mediator here (only the assigned mediator records the
# outcome); a mediated settlement is one the mediator recorded, still assigned to it.
MEDIATED_SETTLEMENT = "mediated_settlement"
# A case a supervisor filed for Wang at the counter, which Wang has not taken over yet.
UNCLAIMED = "unclaimed"
# Mediation sessions: one scheduled (the merchant's owner invited), one the consumer asked to
# move, one whose time has come, and one with minutes awaiting the parties' answers.
SESSION_SCHEDULED = "session_scheduled"
MOVE_ASKED = "move_asked"
SESSION_HELD = "session_held"
MINUTES_RECORDED = "minutes_recorded"
TOO_LONG = "x" * 5001


@dataclass(frozen=True)
class Row:
    action: str
    possible: str  # a state where `right` may do it
    wrong: str  # a state where `right` may not
    right: str
    never: str | None  # sees the case but may never do the action; None: every party may
    api_bad: object  # an invalid body, and the field the API names in its answer
    api_field: str
    page_bad: dict | None  # the same for the page's form (prefix left out)


ROWS = [
    Row("respond", Status.AWAITING_MERCHANT, Status.AWAITING_CONSUMER, "owner", "wang", {}, "kind", {}),
    Row("accept", Status.AWAITING_CONSUMER, Status.AWAITING_MERCHANT, "wang", "owner", [], "non_field_errors", {}),
    Row("reject", Status.AWAITING_CONSUMER, Status.AWAITING_MERCHANT, "wang", "agent", {}, "message", {}),
    Row(
        "request_mediation",
        Status.AWAITING_CONSUMER,
        Status.AWAITING_MERCHANT,
        "wang",
        "supervisor",
        {},
        "message",
        {},
    ),
    Row(
        "withdraw",
        Status.AWAITING_MERCHANT,
        Status.CLOSED,
        "wang",
        "agent",
        {"message": TOO_LONG},
        "message",
        {"message": TOO_LONG},
    ),
    Row("message", Status.AWAITING_MERCHANT, Status.CLOSED, "wang", None, {}, "message", {}),
    Row(
        "review_accept",
        Status.UNDER_REVIEW,
        Status.AWAITING_MERCHANT,
        "supervisor",
        "wang",
        {"message": ["a list"]},
        "message",
        {"message": TOO_LONG},
    ),
    Row("review_reject", Status.UNDER_REVIEW, Status.AWAITING_MERCHANT, "supervisor", "mediator", {}, "message", {}),
    Row("assign", Status.IN_MEDIATION, Status.AWAITING_MERCHANT, "supervisor", "mediator", {}, "mediator", {}),
    Row("record_agreement", Status.IN_MEDIATION, MEDIATED_SETTLEMENT, "mediator", "supervisor", {}, "message", {}),
    Row(
        "record_failure",
        Status.IN_MEDIATION,
        MEDIATED_SETTLEMENT,
        "mediator",
        "owner",
        {"message": "Failed"},
        "advice",
        {"message": "Failed"},
    ),
    Row("schedule_session", Status.IN_MEDIATION, SESSION_SCHEDULED, "mediator", "supervisor", {}, "starts_at", {}),
    Row("request_reschedule", SESSION_SCHEDULED, Status.IN_MEDIATION, "wang", "supervisor", {}, "message", {}),
    Row("reschedule_session", SESSION_SCHEDULED, Status.IN_MEDIATION, "mediator", "wang", {}, "starts_at", {}),
    Row("keep_session_time", MOVE_ASKED, SESSION_SCHEDULED, "mediator", "owner", {}, "message", {}),
    Row("record_minutes", SESSION_HELD, SESSION_SCHEDULED, "mediator", "supervisor", {}, "agreed", {}),
    Row(
        "acknowledge_minutes",
        MINUTES_RECORDED,
        SESSION_HELD,
        "wang",
        "supervisor",
        {"message": TOO_LONG},
        "message",
        {"message": TOO_LONG},
    ),
    Row("dispute_minutes", MINUTES_RECORDED, SESSION_HELD, "owner", "mediator", {}, "message", {}),
    Row("fulfil", Status.SETTLED, Status.AWAITING_MERCHANT, "owner", "wang", {}, "message", {}),
    Row(
        "confirm",
        Status.AWAITING_CONFIRMATION,
        Status.SETTLED,
        "wang",
        "owner",
        {"message": TOO_LONG},
        "message",
        {"message": TOO_LONG},
    ),
    Row(
        "dispute",
        Status.AWAITING_CONFIRMATION,
        Status.SETTLED,
        "wang",
        "agent",
        {"message": TOO_LONG},
        "message",
        {"message": TOO_LONG},
    ),
    Row("take_over", UNCLAIMED, Status.AWAITING_MERCHANT, "wang", "owner", [], "non_field_errors", {}),
    Row("rate", Status.CLOSED, Status.AWAITING_MERCHANT, "wang", "supervisor", {}, "score", {"score": "11"}),
    # Under review against a merchant not enrolled: the merchant was never involved.
    Row("report_violation", Status.AWAITING_MERCHANT, Status.UNDER_REVIEW, "wang", "supervisor", {}, "kind", {}),
    Row("assign_agent", Status.AWAITING_MERCHANT, Status.CLOSED, "owner", "agent", {}, "agent", {"agent": "0"}),
]
BY_ACTION = {row.action: row for row in ROWS}


def case_at(state: str, *, case_in, supervisor, mediator) -> Complaint:
    """A case of Wang's brought through the state machine to `state`."""
    if state in (SESSION_SCHEDULED, MOVE_ASKED, SESSION_HELD, MINUTES_RECORDED):
        return _session_case(
            state, case_at(Status.IN_MEDIATION, case_in=case_in, supervisor=supervisor, mediator=mediator)
        )
    if state == MEDIATED_SETTLEMENT:
        case = case_at(Status.IN_MEDIATION, case_in=case_in, supervisor=supervisor, mediator=mediator)
        return workflow.perform(actor=mediator, complaint_id=case.pk, action="record_agreement", message="Agreed")
    if state == UNCLAIMED:
        case = case_in(Status.AWAITING_MERCHANT)
        Complaint.objects.filter(pk=case.pk).update(filed_by=supervisor, intake_channel="counter")
        return Complaint.objects.get(pk=case.pk)
    case = case_in(state)
    if state == Status.IN_MEDIATION:
        workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator)
    return Complaint.objects.get(pk=case.pk)


def _session_case(state: str, case: Complaint) -> Complaint:
    mediator, owner = case.mediator, case.merchant.members.get(role="merchant_owner")

    def step(actor, action, **payload):
        return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)

    starts_at = timezone.now() + datetime.timedelta(days=2)
    step(mediator, "schedule_session", starts_at=starts_at, mode="in_person", address="Room 3", merchant_attendee=owner)
    if state == MOVE_ASKED:
        step(case.consumer, "request_reschedule", message="I am away.")
    if state in (SESSION_HELD, MINUTES_RECORDED):
        # As if the days had passed: the session's time has come.
        MediationSession.objects.filter(complaint=case).update(starts_at=timezone.now() - datetime.timedelta(hours=1))
    if state == MINUTES_RECORDED:
        step(mediator, "record_minutes", agreed=False, advice="court", next_step="A second session.")
    return Complaint.objects.get(pk=case.pk)


def snapshot(case) -> tuple:
    case = Complaint.objects.get(pk=case.pk)
    return case.status, case.events.count(), case.offer, case.satisfaction, case.mediator_id


@pytest.fixture
def bring(case_in, supervisor, mediator):
    def _bring(state):
        return case_at(state, case_in=case_in, supervisor=supervisor, mediator=mediator)

    return _bring


def act(api, person, case, action, body):
    return api.as_(person).post(f"/api/v1/complaints/{case.pk}/{action}/", body, format="json")


def test_the_table_covers_every_action():
    assert [row.action for row in ROWS] == list(ACTIONS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_the_table_is_right_about_who_may_do_what_where(request, bring, row):
    """The people and states above mean what the tests below take them to mean."""
    right = request.getfixturevalue(row.right)
    possible, wrong = bring(row.possible), bring(row.wrong)
    assert row.action in workflow.allowed_actions(right, possible)
    assert row.action not in workflow.allowed_actions(right, wrong)
    if row.never:
        never = request.getfixturevalue(row.never)
        for case in (possible, wrong):
            assert access.complaints_visible_to(never).filter(pk=case.pk).exists()
            with pytest.raises(NotAllowed):
                workflow.check_may(never, case, row.action)


@pytest.mark.parametrize("outsider", ["li", "other_agent", "sibling_supervisor"])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_a_case_the_caller_may_not_see_is_404_before_anything_else(api, request, bring, row, outsider):
    case = bring(row.possible)
    before = snapshot(case)

    response = act(api, request.getfixturevalue(outsider), case, row.action, row.api_bad)

    assert response.status_code == 404, response.json()
    assert response.json()["code"] == "not_found"
    assert snapshot(case) == before


@pytest.mark.parametrize("state", ["possible", "wrong"])
@pytest.mark.parametrize("row", [r for r in ROWS if r.never], ids=lambda r: r.action)
def test_a_role_that_may_never_do_the_action_is_403_before_the_state_and_the_body(api, request, bring, row, state):
    case = bring(getattr(row, state))
    before = snapshot(case)

    response = act(api, request.getfixturevalue(row.never), case, row.action, row.api_bad)

    assert response.status_code == 403, response.json()
    assert response.json() == {"detail": "Your role may not do this on this case.", "code": "not_allowed"}
    assert snapshot(case) == before


def test_every_action_but_messages_has_a_role_that_may_never_do_it():
    """Everyone who sees a case may write on it; whoever does not see it gets 404 (above)."""
    assert {row.action for row in ROWS if row.never is None} == {"message"}


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_the_right_role_in_a_state_that_does_not_allow_it_is_409_before_the_body(api, request, bring, row):
    right = request.getfixturevalue(row.right)
    case = bring(row.wrong)
    before = snapshot(case)

    response = act(api, right, case, row.action, {})

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "wrong_state"
    assert body["status"] == case.status
    assert body["allowed_actions"] == workflow.allowed_actions(right, case)
    assert row.action not in body["allowed_actions"]
    assert snapshot(case) == before


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.action)
def test_the_right_role_in_the_right_state_with_a_bad_body_is_400(api, request, bring, row):
    case = bring(row.possible)
    before = snapshot(case)

    response = act(api, request.getfixturevalue(row.right), case, row.action, row.api_bad)

    assert response.status_code == 400, response.json()
    assert row.api_field in response.json()
    assert snapshot(case) == before


def test_a_consumer_marking_a_settlement_carried_out_with_no_message_is_403(api, wang, bring):
    """The issue's example: the role is refused before the missing message is noticed."""
    case = bring(Status.SETTLED)

    response = act(api, wang, case, "fulfil", {})

    assert response.status_code == 403
    assert "message" not in response.json()
