"""What the state machine refuses: an action the state forbids (WrongState, with the
status and what the actor may do instead), an action the role may never do
(NotAllowed), and a case the actor may not see (404, so its existence is not leaked)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from complaints import workflow
from complaints.actions import ACTIONS
from complaints.models import Status
from mediation.errors import InvalidInput, NotAllowed, WrongState


def perform(actor, case, action, **payload):
    return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)


def assert_untouched(case, status):
    events = case.events.count()
    case.refresh_from_db()
    assert case.status == status
    assert case.events.count() == events


# (state, who tries, forbidden action, payload, what that person may do instead)
WRONG_STATE = [
    (Status.UNDER_REVIEW, "supervisor", "assign", {"mediator": None}, ["message", "review_accept", "review_reject"]),
    (Status.UNDER_REVIEW, "wang", "request_mediation", {"message": "Please"}, ["withdraw", "message"]),
    (Status.AWAITING_MERCHANT, "wang", "accept", {}, ["withdraw", "message", "report_violation"]),
    (Status.AWAITING_MERCHANT, "owner", "fulfil", {"message": "Done"}, ["respond", "message", "assign_agent"]),
    (Status.AWAITING_MERCHANT, "supervisor", "review_accept", {}, ["message"]),
    (Status.AWAITING_CONSUMER, "owner", "respond", {"kind": "decline", "message": "No"}, ["message", "assign_agent"]),
    (
        Status.AWAITING_CONSUMER,
        "wang",
        "confirm",
        {},
        ["accept", "reject", "request_mediation", "withdraw", "message", "report_violation"],
    ),
    (Status.IN_MEDIATION, "wang", "accept", {}, ["withdraw", "message", "report_violation"]),
    (Status.IN_MEDIATION, "owner", "respond", {"kind": "decline", "message": "No"}, ["message", "assign_agent"]),
    (Status.SETTLED, "wang", "confirm", {}, ["withdraw", "message", "report_violation"]),
    (Status.SETTLED, "supervisor", "assign", {"mediator": None}, ["message"]),
    (Status.AWAITING_CONFIRMATION, "owner", "fulfil", {"message": "Again"}, ["message", "assign_agent"]),
    (
        Status.AWAITING_CONFIRMATION,
        "wang",
        "accept",
        {},
        ["withdraw", "message", "confirm", "dispute", "report_violation"],
    ),
    (Status.CLOSED, "wang", "withdraw", {}, ["rate", "report_violation"]),
    (Status.CLOSED, "owner", "message", {"message": "Hello?"}, []),
    (Status.CLOSED, "supervisor", "message", {"message": "Reopen"}, []),
]


@pytest.mark.parametrize("status, who, action, payload, allowed", WRONG_STATE)
def test_an_action_the_state_forbids_is_a_wrong_state_error_naming_what_is_allowed(
    request, case_in, status, who, action, payload, allowed
):
    case = case_in(status)
    actor = request.getfixturevalue(who)

    with pytest.raises(WrongState) as caught:
        perform(actor, case, action, **payload)

    assert caught.value.status == status
    assert caught.value.allowed_actions == allowed
    assert caught.value.allowed_actions == workflow.allowed_actions(actor, case)
    assert_untouched(case, status)


def test_every_state_forbids_something_to_someone():
    """The table above covers every status."""
    assert {row[0] for row in WRONG_STATE} == set(Status.values)


# (action, state where it is possible, who may never do it, payload)
NEVER = [
    ("respond", Status.AWAITING_MERCHANT, "wang", {"kind": "decline", "message": "No"}),
    ("respond", Status.AWAITING_MERCHANT, "supervisor", {"kind": "decline", "message": "No"}),
    ("accept", Status.AWAITING_CONSUMER, "agent", {}),
    ("accept", Status.AWAITING_CONSUMER, "owner", {}),
    ("reject", Status.AWAITING_CONSUMER, "owner", {"message": "Bad"}),
    ("request_mediation", Status.AWAITING_CONSUMER, "agent", {"message": "Help"}),
    ("request_mediation", Status.AWAITING_CONSUMER, "supervisor", {"message": "Help"}),
    ("withdraw", Status.AWAITING_MERCHANT, "agent", {}),
    ("withdraw", Status.IN_MEDIATION, "supervisor", {}),
    ("review_accept", Status.UNDER_REVIEW, "wang", {}),
    ("review_accept", Status.UNDER_REVIEW, "mediator", {}),
    ("review_reject", Status.UNDER_REVIEW, "wang", {"message": "No"}),
    ("assign", Status.IN_MEDIATION, "mediator", {"mediator": None}),
    ("assign", Status.IN_MEDIATION, "owner", {"mediator": None}),
    ("record_agreement", Status.IN_MEDIATION, "supervisor", {"message": "Agreed"}),
    ("record_agreement", Status.IN_MEDIATION, "mediator", {"message": "Agreed"}),  # not assigned to it
    ("record_agreement", Status.IN_MEDIATION, "owner", {"message": "Agreed"}),
    ("record_failure", Status.IN_MEDIATION, "supervisor", {"message": "Failed", "advice": "court"}),
    ("record_failure", Status.IN_MEDIATION, "wang", {"message": "Failed", "advice": "court"}),
    ("schedule_session", Status.IN_MEDIATION, "supervisor", {"starts_at": None, "mode": "online"}),
    ("schedule_session", Status.IN_MEDIATION, "owner", {"starts_at": None, "mode": "online"}),
    ("request_reschedule", Status.IN_MEDIATION, "supervisor", {"message": "Later"}),
    ("reschedule_session", Status.IN_MEDIATION, "wang", {"starts_at": None}),
    ("keep_session_time", Status.IN_MEDIATION, "owner", {"message": "No"}),
    ("record_minutes", Status.IN_MEDIATION, "supervisor", {"agreed": False, "next_step": "x"}),
    ("acknowledge_minutes", Status.IN_MEDIATION, "mediator", {}),
    ("dispute_minutes", Status.IN_MEDIATION, "supervisor", {"message": "Wrong"}),
    ("fulfil", Status.SETTLED, "wang", {"message": "Done"}),
    ("fulfil", Status.SETTLED, "supervisor", {"message": "Done"}),
    ("fulfil", Status.SETTLED, "mediator", {"message": "Done"}),  # not assigned to it
    ("confirm", Status.AWAITING_CONFIRMATION, "owner", {}),
    ("confirm", Status.AWAITING_CONFIRMATION, "supervisor", {}),
    ("dispute", Status.AWAITING_CONFIRMATION, "agent", {}),
    ("take_over", Status.AWAITING_MERCHANT, "owner", {}),
    ("take_over", Status.AWAITING_MERCHANT, "supervisor", {}),
    ("rate", Status.CLOSED, "owner", {"score": 5}),
    ("rate", Status.CLOSED, "supervisor", {"score": 5}),
    ("report_violation", Status.AWAITING_CONSUMER, "owner", {"kind": "harassment", "message": "They called me"}),
    ("report_violation", Status.AWAITING_CONSUMER, "supervisor", {"kind": "harassment", "message": "Calls"}),
    ("assign_agent", Status.AWAITING_MERCHANT, "agent", {"agent": None}),
    ("assign_agent", Status.AWAITING_MERCHANT, "wang", {"agent": None}),
]


@pytest.mark.parametrize("action, status, who, payload", NEVER)
def test_a_role_that_may_never_do_an_action_is_not_allowed(request, case_in, supervisor, action, status, who, payload):
    case = case_in(status)
    actor = request.getfixturevalue(who)

    with pytest.raises(NotAllowed):
        perform(actor, case, action, **payload)

    assert action not in workflow.allowed_actions(actor, case)
    assert_untouched(case, status)


def test_every_action_has_a_role_that_may_never_do_it():
    assert {row[0] for row in NEVER} >= set(ACTIONS) - {"message"}


def test_only_the_assigned_mediator_records_the_outcome(case_in, supervisor, mediator, wuhan):
    from tests.conftest import make_user

    colleague = make_user("mediator2", "mediator", council=wuhan, name="Qian Mediator")
    case = case_in(Status.IN_MEDIATION)
    perform(supervisor, case, "assign", mediator=mediator)

    with pytest.raises(NotAllowed):
        perform(colleague, case, "record_agreement", message="Agreed")

    case = perform(mediator, case, "record_agreement", message="Agreed")
    assert case.status == Status.SETTLED


def test_only_consumers_file_complaints(file_complaint, owner, supervisor):
    for actor in (owner, supervisor):
        with pytest.raises(NotAllowed):
            file_complaint(consumer=actor)


def test_an_unknown_action_is_invalid_input(case_in, wang):
    case = case_in(Status.AWAITING_MERCHANT)

    with pytest.raises(InvalidInput) as caught:
        perform(wang, case, "delete")

    assert "action" in caught.value.fields


@pytest.mark.parametrize(
    "who, action, payload",
    [
        ("other_agent", "respond", {"kind": "decline", "message": "No"}),
        ("other_agent", "message", {"message": "Hello"}),
        ("sibling_supervisor", "message", {"message": "Hello"}),
        ("sibling_supervisor", "assign", {"mediator": None}),
        ("li", "withdraw", {}),
        ("li", "accept", {}),
    ],
)
def test_a_case_the_actor_cannot_see_is_not_found(request, case_in, who, action, payload):
    case = case_in(Status.AWAITING_MERCHANT)
    actor = request.getfixturevalue(who)

    with pytest.raises(Http404):
        perform(actor, case, action, **payload)

    assert_untouched(case, Status.AWAITING_MERCHANT)


def test_an_anonymous_visitor_finds_no_case(case_in):
    case = case_in(Status.AWAITING_MERCHANT)

    with pytest.raises(Http404):
        perform(AnonymousUser(), case, "message", message="Hi")


def test_a_missing_case_is_not_found(db, wang):
    with pytest.raises(Http404):
        workflow.perform(actor=wang, complaint_id=424242, action="withdraw")
