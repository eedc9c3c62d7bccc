"""Mediation sessions through the API: one endpoint per action, the sessions in the case detail,
and the bundle's record of them."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from complaints import workflow
from complaints.models import Complaint, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
WEDNESDAY_2PM = "2026-12-09T14:00:00+08:00"


@pytest.fixture
def case(time_machine, case_in, supervisor, mediator):
    time_machine.move_to(MONDAY, tick=False)
    complaint = case_in(Status.IN_MEDIATION)
    return workflow.perform(actor=supervisor, complaint_id=complaint.pk, action="assign", mediator=mediator)


def act(api, person, case, action, data=None):
    return api.as_(person).post(f"/api/v1/complaints/{case.pk}/{action}/", data or {}, format="json")


def scheduled(api, mediator, case, owner, **extra):
    body = {
        "starts_at": WEDNESDAY_2PM,
        "mode": "online",
        "link": "https://meet.example.cn/hb-1",
        "merchant_attendee": owner.pk,
        **extra,
    }
    response = act(api, mediator, case, "schedule_session", body)
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_session_from_scheduling_to_agreement_through_the_api(api, time_machine, case, mediator, owner, wang):
    body = scheduled(api, mediator, case, owner)
    session = body["sessions"][0]
    assert (session["number"], session["state"], session["mode"]) == (1, "scheduled", "online")
    assert session["starts_at"] == WEDNESDAY_2PM
    assert {p["party"]: p["invitee"] for p in session["participants"]} == {
        "consumer": "王小明",
        "merchant": "Zhang Owner",
    }

    consumer = act(api, wang, case, "request_reschedule", {"message": "I work on Wednesdays."}).json()
    assert "request_reschedule" not in consumer["allowed_actions"]
    kept = act(api, mediator, case, "keep_session_time", {"message": "The merchant cannot move."}).json()
    moved = {p["party"]: p for p in kept["sessions"][0]["participants"]}["consumer"]
    assert (moved["move_answer"], moved["move_reply"]) == ("kept", "The merchant cannot move.")

    time_machine.move_to(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=SHANGHAI), tick=False)
    minutes = {
        "agreed": True,
        "consumer_attended": True,
        "merchant_attended": True,
        "consumer_position": "Full refund.",
        "merchant_position": "Refund on return.",
        "remedy": "refund",
        "amount": "1299.00",
        "due_date": "2026-12-20",
        "terms": "Refund of 1,299 CNY once the goods are back.",
        "next_step": "The consumer sends the goods back by 12 December.",
    }
    recorded = act(api, mediator, case, "record_minutes", minutes).json()
    shown = recorded["sessions"][0]
    assert shown["state"] == "awaiting_acknowledgement"
    assert shown["minutes"]["agreed"] is True
    assert shown["minutes"]["terms"]["amount"] == "1299.00"
    assert shown["minutes"]["acknowledge_by"] == "2026-12-14T23:59:59+08:00"

    assert act(api, wang, case, "acknowledge_minutes").json()["status"] == "in_mediation"
    final = act(api, owner, case, "acknowledge_minutes", {"message": "Fine."}).json()
    assert final["status"] == "settled"
    assert final["agreement"]["session"] == 1
    assert final["sessions"][0]["state"] == "acknowledged"
    assert [e["kind"] for e in final["timeline"]][-1] == "minutes_agreed"


def test_bad_session_bodies_are_400_with_the_field(api, case, mediator, owner, other_agent):
    cases = [
        ({"starts_at": "next week", "mode": "online", "link": "https://x.example"}, "starts_at"),
        ({"starts_at": WEDNESDAY_2PM, "mode": "online"}, "link"),
        ({"starts_at": WEDNESDAY_2PM, "mode": "online", "link": "ftp://x.example/a"}, "link"),
        ({"starts_at": WEDNESDAY_2PM, "mode": "boat"}, "mode"),
        ({"starts_at": WEDNESDAY_2PM, "mode": "in_person"}, "address"),
        ({"starts_at": "2026-12-01T10:00:00+08:00", "mode": "in_person", "address": "Room 3"}, "starts_at"),
        (
            {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "R", "merchant_attendee": 2**62},
            "merchant_attendee",
        ),
        (
            {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "R", "merchant_attendee": other_agent.pk},
            "merchant_attendee",
        ),
        (
            {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "R", "invite_consumer": False},
            "invite_consumer",
        ),
    ]
    for body, field in cases:
        response = act(api, mediator, case, "schedule_session", body)
        assert response.status_code == 400, (body, response.json())
        assert field in response.json(), (body, response.json())
    assert not Complaint.objects.get(pk=case.pk).sessions.exists()


def test_minutes_without_their_terms_or_advice_are_400(api, time_machine, case, mediator, owner):
    scheduled(api, mediator, case, owner)
    time_machine.move_to(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=SHANGHAI), tick=False)
    agreed = act(api, mediator, case, "record_minutes", {"agreed": True, "next_step": "x"})
    assert agreed.status_code == 400 and {"remedy", "terms"} <= set(agreed.json())
    failed = act(api, mediator, case, "record_minutes", {"agreed": False, "next_step": "x"})
    assert failed.status_code == 400 and "advice" in failed.json()


def test_minutes_before_the_session_and_a_second_request_to_move_are_409(api, case, mediator, owner, wang):
    scheduled(api, mediator, case, owner)
    early = act(api, mediator, case, "record_minutes", {"agreed": False, "advice": "court", "next_step": "x"})
    assert early.status_code == 409
    assert "record_minutes" not in early.json()["allowed_actions"]
    assert act(api, wang, case, "request_reschedule", {"message": "Busy."}).status_code == 200
    again = act(api, wang, case, "request_reschedule", {"message": "Still busy."})
    assert again.status_code == 409


def test_the_agent_sees_the_sessions_with_the_consumer_masked(api, case, mediator, owner, agent):
    workflow.perform(actor=owner, complaint_id=case.pk, action="assign_agent", agent=agent)
    scheduled(api, mediator, case, owner, merchant_attendee=agent.pk)

    body = api.as_(agent).get(f"/api/v1/complaints/{case.pk}/").json()

    participants = {p["party"]: p for p in body["sessions"][0]["participants"]}
    assert participants["consumer"]["invitee"] == "王*"
    assert participants["merchant"]["invitee"] == "Chen Agent"
    assert "13800138000" not in str(body)
    assert "request_reschedule" in body["allowed_actions"]


def test_a_disputed_minutes_is_shown_to_both_parties_and_the_council(
    api, time_machine, case, mediator, owner, wang, supervisor
):
    scheduled(api, mediator, case, owner)
    time_machine.move_to(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=SHANGHAI), tick=False)
    act(api, mediator, case, "record_minutes", {"agreed": False, "advice": "court", "next_step": "Meet again."})
    response = act(api, wang, case, "dispute_minutes", {"message": "The merchant offered 500 CNY."})
    assert response.status_code == 200

    for person in (wang, owner, supervisor, mediator):
        session = api.as_(person).get(f"/api/v1/complaints/{case.pk}/").json()["sessions"][0]
        consumer = {p["party"]: p for p in session["participants"]}["consumer"]
        assert session["state"] == "disputed"
        assert (consumer["acknowledgement"], consumer["dispute_reason"]) == (
            "disputed",
            "The merchant offered 500 CNY.",
        )
    body = api.as_(mediator).get(f"/api/v1/complaints/{case.pk}/").json()
    assert "schedule_session" in body["allowed_actions"]


def test_the_bundle_holds_every_session_with_its_minutes_and_answers(api, time_machine, case, mediator, owner, wang):
    scheduled(api, mediator, case, owner)
    time_machine.move_to(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=SHANGHAI), tick=False)
    act(
        api,
        mediator,
        case,
        "record_minutes",
        {"agreed": False, "advice": "court", "next_step": "A second session.", "consumer_position": "Refund in full."},
    )
    act(api, wang, case, "acknowledge_minutes")

    response = api.as_(owner).get(f"/api/v1/complaints/{case.pk}/bundle.pdf")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "Mediation sessions" in text
    assert "https://meet.example.cn/hb-1" in text
    assert "Refund in full." in text
    assert "A second session." in text
    assert "Acknowledged" in text and "Not yet answered" in text


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("schedule_session", {"starts_at": ["2026-12-09T14:00:00+08:00"], "mode": "online"}),
        ("schedule_session", {"starts_at": "9999-12-31T23:59:59+14:00", "mode": "online", "link": "https://a.cn"}),
        ("schedule_session", {"starts_at": WEDNESDAY_2PM, "mode": "online", "link": "https://a.cn/ x\u202e"}),
        ("schedule_session", {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "x" * 301}),
        (
            "schedule_session",
            {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "R", "merchant_attendee": -1},
        ),
        ("schedule_session", {"starts_at": WEDNESDAY_2PM, "mode": "in_person", "address": "\u200b\u200b"}),
        ("schedule_session", {"starts_at": WEDNESDAY_2PM, "mode": "online", "link": "https://" + "a" * 600}),
        ("schedule_session", {"starts_at": WEDNESDAY_2PM, "mode": None, "invite_consumer": "maybe"}),
        ("schedule_session", []),
        ("schedule_session", "text"),
    ],
)
def test_hostile_session_bodies_are_400_never_500(api, case, mediator, action, body):
    response = act(api, mediator, case, action, body)
    assert response.status_code == 400, response.content
    assert not Complaint.objects.get(pk=case.pk).sessions.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"agreed": "maybe", "next_step": "x"},
        {"agreed": True, "remedy": "cash", "terms": "t", "next_step": "x"},
        {"agreed": True, "remedy": "refund", "terms": "t", "amount": "-5", "next_step": "x"},
        {"agreed": True, "remedy": "refund", "terms": "t", "amount": "1e400", "next_step": "x"},
        {"agreed": True, "remedy": "refund", "terms": "t", "due_date": "2099-01-01", "next_step": "x"},
        {"agreed": False, "advice": "prayer", "next_step": "x"},
        {"agreed": False, "advice": "court", "next_step": "\u200b"},
        {"agreed": False, "advice": "court", "next_step": "x", "consumer_position": {"a": 1}},
    ],
)
def test_hostile_minutes_are_400_never_500(api, time_machine, case, mediator, owner, body):
    scheduled(api, mediator, case, owner)
    time_machine.move_to(datetime.datetime(2026, 12, 9, 16, 0, tzinfo=SHANGHAI), tick=False)
    response = act(api, mediator, case, "record_minutes", body)
    assert response.status_code == 400, response.content
    assert Complaint.objects.get(pk=case.pk).sessions.get().minutes_at is None


def test_the_sessions_of_a_case_as_a_list(api, case, mediator, owner, wang, li):
    scheduled(api, mediator, case, owner)

    body = api.as_(wang).get(f"/api/v1/complaints/{case.pk}/sessions/").json()

    assert body["count"] == 1
    assert body["results"][0]["number"] == 1
    assert body["results"] == api.as_(wang).get(f"/api/v1/complaints/{case.pk}/").json()["sessions"]
    assert api.as_(li).get(f"/api/v1/complaints/{case.pk}/sessions/").status_code == 404
