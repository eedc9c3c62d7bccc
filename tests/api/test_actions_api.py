"""Case actions through the API: one body shape per action, the state machine decides."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from complaints import workflow
from complaints.actions import ACTIONS
from complaints.api import ACTION_VIEWS
from complaints.models import Complaint
from tests.conftest import make_user, proof_for


def act(api, person, case, action, data=None):
    return api.as_(person).post(f"/api/v1/complaints/{case.pk}/{action}/", data or {}, format="json")


def status_of(case):
    return Complaint.objects.get(pk=case.pk).status


@pytest.fixture
def offered(file_complaint, owner):
    """A case where the merchant has offered a refund."""
    case = file_complaint()
    workflow.perform(
        actor=owner,
        complaint_id=case.pk,
        action="respond",
        kind="offer",
        message="Sorry",
        remedy="refund",
        offer_amount=Decimal("100.00"),
    )
    return case


@pytest.fixture
def in_mediation(offered, wang):
    workflow.perform(actor=wang, complaint_id=offered.pk, action="request_mediation", message="Too little")
    return offered


def test_every_workflow_action_has_a_body_and_a_route(api, wang, file_complaint):
    assert set(ACTION_VIEWS) == set(ACTIONS)
    case = file_complaint()
    for name in ACTIONS:
        assert act(api, wang, case, name, {}).status_code != 404, name


def test_unknown_actions_are_404(api, wang, file_complaint):
    case = file_complaint()
    for name in ("explode", "self_destruct", "Respond", "respond.json"):
        response = act(api, wang, case, name)
        assert response.status_code == 404, name
        assert response.json()["code"] == "not_found"


def test_actions_need_a_login(api, file_complaint):
    case = file_complaint()
    assert api.post(f"/api/v1/complaints/{case.pk}/withdraw/", {}, format="json").status_code == 401


def test_a_get_on_an_action_is_405(api, wang, file_complaint):
    case = file_complaint()
    assert api.as_(wang).get(f"/api/v1/complaints/{case.pk}/withdraw/").status_code == 405


# --- respond --------------------------------------------------------------------------


def test_the_merchant_offers_a_refund(api, owner, file_complaint):
    case = file_complaint()
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = act(
        api,
        owner,
        case,
        "respond",
        {"kind": "offer", "message": "We refund you.", "remedy": "refund", "offer_amount": "120.5", "due_date": due},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "awaiting_consumer"
    assert data["offer"]["amount"] == "120.50"
    assert data["offer"]["due_date"] == due
    assert data["first_response_at"]
    assert data["allowed_actions"] == ["message", "assign_agent"]


def test_the_merchant_declines(api, agent, file_complaint):
    case = file_complaint()
    response = act(api, agent, case, "respond", {"kind": "decline", "message": "Not our product."})
    assert response.status_code == 200
    assert response.json()["offer"]["kind"] == "decline"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "offer", "message": "Sorry"}, "remedy"),
        ({"kind": "offer", "message": "Sorry", "remedy": "a pony"}, "remedy"),
        ({"kind": "maybe", "message": "Sorry"}, "kind"),
        ({"kind": "decline"}, "message"),
        ({"kind": "decline", "message": ""}, "message"),
        ({"kind": "decline", "message": "x" * 5001}, "message"),
        ({"kind": "decline", "message": ["a list"]}, "message"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "offer_amount": "-5"}, "offer_amount"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "offer_amount": "1.005"}, "offer_amount"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "offer_amount": "10000000.01"}, "offer_amount"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "offer_amount": "Infinity"}, "offer_amount"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "due_date": "soon"}, "due_date"),
        ({"kind": "offer", "message": "S", "remedy": "refund", "due_date": "2020-01-01"}, "due_date"),
    ],
)
def test_bad_answers_are_field_errors(api, owner, file_complaint, data, field):
    case = file_complaint()
    response = act(api, owner, case, "respond", data)
    assert response.status_code == 400
    assert field in response.json()
    assert status_of(case) == "awaiting_merchant"


# --- the consumer's moves --------------------------------------------------------------


def test_the_consumer_asks_again_and_the_round_goes_up(api, wang, offered):
    response = act(api, wang, offered, "reject", {"message": "Refund the shipping too."})
    assert response.status_code == 200
    assert response.json()["status"] == "awaiting_merchant"
    assert response.json()["round"] == 2
    assert act(api, wang, offered, "reject", {"message": "Again"}).status_code == 409


def test_rejecting_needs_a_message(api, wang, offered):
    response = act(api, wang, offered, "reject", {})
    assert response.status_code == 400
    assert "message" in response.json()


def test_the_consumer_withdraws(api, wang, file_complaint):
    case = file_complaint()
    response = act(api, wang, case, "withdraw", {})
    assert response.status_code == 200
    assert response.json()["outcome"] == "withdrawn"
    assert response.json()["outcome_display"] == "Withdrawn"


def test_only_staff_and_merchants_write_notes_for_the_council(api, wang, owner, file_complaint):
    case = file_complaint()
    assert act(api, wang, case, "message", {"message": "Secret", "staff_only": True}).status_code == 403
    assert act(api, owner, case, "message", {"message": "For the council", "staff_only": True}).status_code == 200
    assert act(api, wang, case, "message", {"message": "Hello", "staff_only": "maybe"}).status_code == 400


@pytest.mark.parametrize("score", [0, 6, "five", 2.5, None, True])
def test_a_rating_is_a_whole_number_from_1_to_5(api, wang, offered, owner, score):
    workflow.perform(actor=wang, complaint_id=offered.pk, action="accept")
    workflow.perform(actor=owner, complaint_id=offered.pk, action="fulfil", message="Refunded", **proof_for(offered))
    workflow.perform(actor=wang, complaint_id=offered.pk, action="confirm")
    response = act(api, wang, offered, "rate", {"score": score})
    assert response.status_code == 400
    assert "score" in response.json()


def test_disputing_a_fulfilment_goes_to_mediation(api, wang, offered, owner):
    workflow.perform(actor=wang, complaint_id=offered.pk, action="accept")
    act(api, owner, offered, "fulfil", {"message": "Refunded, receipt 123", **proof_for(offered)})
    response = act(api, wang, offered, "dispute", {"message": "No money arrived."})
    assert response.status_code == 200
    assert response.json()["status"] == "in_mediation"


# --- the council's moves ---------------------------------------------------------------


def test_a_supervisor_reviews_a_case_against_a_merchant_not_enrolled(api, supervisor, file_complaint, unlisted_shop):
    accepted = file_complaint(merchant=unlisted_shop)
    rejected = file_complaint(merchant=unlisted_shop)
    assert act(api, supervisor, accepted, "review_accept", {}).json()["status"] == "in_mediation"
    assert act(api, supervisor, rejected, "review_reject", {}).status_code == 400
    response = act(api, supervisor, rejected, "review_reject", {"message": "Not a consumer dispute."})
    assert response.json()["outcome"] == "rejected"


def test_a_supervisor_assigns_a_mediator_of_the_jurisdiction(api, supervisor, mediator, in_mediation, yichang):
    yichang_mediator = make_user("yc_mediator", Role.MEDIATOR, council=yichang)
    for wrong in (yichang_mediator.pk, supervisor.pk, 999999, "abc", None):
        response = act(api, supervisor, in_mediation, "assign", {"mediator": wrong})
        assert response.status_code == 400, wrong
        assert "mediator" in response.json()
    response = act(api, supervisor, in_mediation, "assign", {"mediator": mediator.pk})
    assert response.status_code == 200
    assert response.json()["mediator"] == {"id": mediator.pk, "name": "Sun Mediator"}
    assert response.json()["waiting_on"] == "mediator"


def test_the_mediator_records_a_failure_with_advice(api, supervisor, mediator, wang, in_mediation):
    act(api, supervisor, in_mediation, "assign", {"mediator": mediator.pk})
    bad = act(api, mediator, in_mediation, "record_failure", {"message": "No deal", "advice": "prayer"})
    assert bad.status_code == 400
    assert "advice" in bad.json()
    response = act(api, mediator, in_mediation, "record_failure", {"message": "No deal", "advice": "12315"})
    assert response.status_code == 200
    assert response.json()["outcome"] == "not_settled"
    assert act(api, wang, in_mediation, "rate", {"score": 2, "comment": "Slow"}).json()["satisfaction"] == 2


def test_the_mediator_records_an_agreement(api, supervisor, mediator, in_mediation):
    act(api, supervisor, in_mediation, "assign", {"mediator": mediator.pk})
    body = {"remedy": "refund", "amount": "150.00", "message": "Refund 150 CNY."}
    response = act(api, mediator, in_mediation, "record_agreement", body)
    assert response.status_code == 200
    assert response.json()["status"] == "settled"
    agreement = response.json()["agreement"]
    assert (agreement["source"], agreement["remedy"], agreement["amount"]) == ("mediation", "refund", "150.00")


def test_a_mediator_not_assigned_may_not_record_an_agreement(api, mediator, in_mediation):
    response = act(api, mediator, in_mediation, "record_agreement", {"message": "Done"})
    assert response.status_code == 403
    assert status_of(in_mediation) == "in_mediation"


# --- refusals --------------------------------------------------------------------------


def test_a_wrong_state_answers_409_with_what_is_allowed(api, wang, file_complaint):
    case = file_complaint()
    response = act(api, wang, case, "accept")
    assert response.status_code == 409
    assert response.json()["status"] == "awaiting_merchant"
    assert response.json()["allowed_actions"] == ["withdraw", "message", "report_violation"]
    assert response.json()["code"] == "wrong_state"


@pytest.mark.parametrize(
    "person, action, data",
    [
        ("wang", "respond", {"kind": "decline", "message": "x"}),
        ("owner", "withdraw", {}),
        ("agent", "review_accept", {}),
        ("supervisor", "respond", {"kind": "decline", "message": "x"}),
        ("mediator", "assign", {"mediator": 1}),
    ],
)
def test_a_role_that_may_never_act_gets_403(api, file_complaint, request, person, action, data):
    case = file_complaint()
    response = act(api, request.getfixturevalue(person), case, action, data)
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert status_of(case) == "awaiting_merchant"


@pytest.mark.parametrize("person", ["li", "other_agent", "sibling_supervisor"])
def test_acting_on_someone_elses_case_is_404(api, file_complaint, request, person):
    case = file_complaint()
    response = act(api, request.getfixturevalue(person), case, "message", {"message": "Hi"})
    assert response.status_code == 404
    assert case.events.count() == 1
