"""Mediation as a meeting: scheduling, moving, minutes, acknowledgements and what they decide."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from complaints import deadlines, workflow
from complaints.models import (
    Acknowledgement,
    Complaint,
    EventKind,
    MediationSession,
    Outcome,
    RescheduleAnswer,
    SessionParty,
    Status,
)
from complaints.presenters import session_entries, timeline_entries
from mediation.errors import InvalidInput, NotAllowed, WrongState
from notifications.models import Notification

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def case(time_machine, case_in, supervisor, mediator):
    """A case in mediation on a Monday morning, with Sun as its mediator."""
    time_machine.move_to(MONDAY, tick=False)
    complaint = case_in(Status.IN_MEDIATION)
    return workflow.perform(actor=supervisor, complaint_id=complaint.pk, action="assign", mediator=mediator)


def act(actor, case, action, **payload) -> Complaint:
    return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)


def schedule(mediator, case, *, at=None, **extra) -> Complaint:
    payload = {
        "starts_at": at or MONDAY + 2 * DAY + 4 * HOUR,  # Wednesday 14:00
        "mode": "online",
        "link": "https://meet.example.cn/hb-123",
        "invite_consumer": True,
        **extra,
    }
    return act(mediator, case, "schedule_session", **payload)


def minutes(mediator, case, *, agreed=True, **extra) -> Complaint:
    payload = {
        "agreed": agreed,
        "next_step": "The merchant refunds; the consumer confirms on the platform.",
        "consumer_attended": True,
        "merchant_attended": True,
        "consumer_position": "Wants a full refund.",
        "merchant_position": "Offers a refund on return of the goods.",
        **extra,
    }
    if agreed:
        payload.setdefault("terms", "Full refund of 1,299 CNY after the goods come back.")
        payload.setdefault("remedy", "refund")
        payload.setdefault("amount", Decimal("1299.00"))
    else:
        payload.setdefault("advice", "arbitration")
    return act(mediator, case, "record_minutes", **payload)


def notices(case, event: str) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(complaint=case, event=event).select_related("recipient")
    return {(n.channel, n.recipient.username if n.channel == "in_app" else n.address) for n in rows}


def session_of(case) -> MediationSession:
    return MediationSession.objects.filter(complaint=case).order_by("-number").first()


def held(time_machine, session):
    time_machine.move_to(session.starts_at + 2 * HOUR, tick=False)


# --- scheduling --------------------------------------------------------------------------


def test_mediator_schedules_an_online_session_and_both_parties_are_told_the_time(case, mediator, owner, wang):
    schedule(mediator, case, merchant_attendee=owner.pk, message="Please join five minutes early.")

    session = session_of(case)
    assert (session.number, session.mode, session.link) == (1, "online", "https://meet.example.cn/hb-123")
    parties = {p.party: p for p in session.participants.all()}
    assert parties[SessionParty.CONSUMER].invitee == wang
    assert parties[SessionParty.MERCHANT].invitee == owner
    sent = notices(case, "session_scheduled")
    assert ("sms", "13800138000") in sent and ("in_app", wang.username) in sent
    assert ("sms", "13900000001") in sent and ("in_app", owner.username) in sent
    text = Notification.objects.filter(complaint=case, event="session_scheduled", address="13800138000").get().body
    assert "2026-12-09 14:00" in text
    event = case.events.get(kind=EventKind.SESSION_SCHEDULED)
    assert event.message == "Please join five minutes early."
    # One session at a time: the next is scheduled after this one's minutes.
    assert "schedule_session" not in workflow.allowed_actions(mediator, Complaint.objects.get(pk=case.pk))


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"starts_at": MONDAY - HOUR}, "starts_at"),
        ({"starts_at": MONDAY + 61 * DAY}, "starts_at"),
        ({"link": ""}, "link"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"mode": "in_person", "link": "", "address": " "}, "address"),
        ({"invite_consumer": False}, "invite_consumer"),
    ],
)
def test_a_session_needs_a_future_time_a_place_and_someone_invited(case, mediator, extra, field):
    with pytest.raises(InvalidInput) as error:
        schedule(mediator, case, **extra)
    assert field in error.value.fields
    assert not MediationSession.objects.filter(complaint=case).exists()


def test_only_the_merchants_owner_or_its_agent_on_the_case_is_invited_for_it(case, mediator, other_agent, agent):
    with pytest.raises(InvalidInput) as error:
        schedule(mediator, case, merchant_attendee=other_agent.pk)
    assert "merchant_attendee" in error.value.fields
    # The agent is not on this case yet.
    with pytest.raises(InvalidInput):
        schedule(mediator, case, merchant_attendee=agent.pk)


def test_only_the_cases_mediator_schedules_and_only_in_mediation(case, supervisor, case_in, mediator):
    with pytest.raises(NotAllowed):
        schedule(supervisor, case)
    waiting = case_in(Status.AWAITING_MERCHANT)
    with pytest.raises((NotAllowed, WrongState)):
        schedule(mediator, waiting)


def test_an_in_person_session_names_its_address(case, mediator):
    schedule(mediator, case, mode="in_person", link="", address="江岸区消委会调解室 (3F)")
    session = session_of(case)
    assert (session.mode, session.address, session.link) == ("in_person", "江岸区消委会调解室 (3F)", "")


# --- moving it ---------------------------------------------------------------------------


def test_a_party_asks_once_to_move_the_session_and_the_mediator_is_told(case, mediator, wang, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    act(wang, case, "request_reschedule", message="I am at work on Wednesday afternoon.")

    assert notices(case, "session_move_requested") == {("in_app", "mediator"), ("email", "sun@council.example")}
    assert "request_reschedule" not in workflow.allowed_actions(wang, Complaint.objects.get(pk=case.pk))
    with pytest.raises(WrongState):
        act(wang, case, "request_reschedule", message="Again.")
    # The merchant may still ask once, and the mediator may keep the time.
    assert "request_reschedule" in workflow.allowed_actions(owner, Complaint.objects.get(pk=case.pk))
    assert "keep_session_time" in workflow.allowed_actions(mediator, Complaint.objects.get(pk=case.pk))


def test_a_side_not_invited_may_not_ask_to_move_it(case, mediator, owner):
    schedule(mediator, case)  # nobody from the merchant
    with pytest.raises(WrongState):
        act(owner, case, "request_reschedule", message="We want to come.")


def test_the_mediator_moves_the_session_and_both_parties_are_told(case, mediator, wang, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    act(wang, case, "request_reschedule", message="Working.")
    act(mediator, case, "reschedule_session", starts_at=MONDAY + 3 * DAY + 9 * HOUR, message="Thursday evening then.")

    session = session_of(case)
    assert session.starts_at == MONDAY + 3 * DAY + 9 * HOUR
    assert session.link == "https://meet.example.cn/hb-123"  # the place stays unless changed
    consumer = session.participants.get(party=SessionParty.CONSUMER)
    assert (consumer.reschedule_answer, consumer.reschedule_reply) == (RescheduleAnswer.MOVED, "Thursday evening then.")
    sent = notices(case, "session_moved")
    assert ("sms", "13800138000") in sent and ("sms", "13900000001") in sent
    assert (
        "2026-12-10 19:00"
        in Notification.objects.get(complaint=case, event="session_moved", address="13800138000").body
    )


def test_keeping_the_time_tells_only_the_party_who_asked_why(case, mediator, wang, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    act(wang, case, "request_reschedule", message="Working.")
    act(mediator, case, "keep_session_time", message="The merchant can only come then; join from your phone.")

    assert notices(case, "session_time_kept") == {("sms", "13800138000"), ("in_app", wang.username)}
    consumer = session_of(case).participants.get(party=SessionParty.CONSUMER)
    assert consumer.reschedule_answer == RescheduleAnswer.KEPT
    assert "keep_session_time" not in workflow.allowed_actions(mediator, Complaint.objects.get(pk=case.pk))


# --- the reminder ------------------------------------------------------------------------


def test_the_parties_are_reminded_the_day_before_once(case, mediator, time_machine, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    starts = session_of(case).starts_at

    time_machine.move_to(starts - 25 * HOUR, tick=False)
    deadlines.apply_deadlines()
    assert not notices(case, "session_reminder")

    time_machine.move_to(starts - 20 * HOUR, tick=False)
    deadlines.apply_deadlines()
    deadlines.apply_deadlines()
    sent = notices(case, "session_reminder")
    assert ("sms", "13800138000") in sent and ("sms", "13900000001") in sent
    assert Notification.objects.filter(complaint=case, event="session_reminder", address="13800138000").count() == 1
    assert case.events.filter(kind=EventKind.SESSION_REMINDER_SENT).count() == 1


def test_a_moved_session_is_reminded_again_for_its_new_time(case, mediator, time_machine):
    schedule(mediator, case)
    starts = session_of(case).starts_at
    time_machine.move_to(starts - 20 * HOUR, tick=False)
    deadlines.apply_deadlines()
    act(mediator, case, "reschedule_session", starts_at=starts + 3 * DAY)
    time_machine.move_to(starts + 3 * DAY - 20 * HOUR, tick=False)
    deadlines.apply_deadlines()
    assert Notification.objects.filter(complaint=case, event="session_reminder", address="13800138000").count() == 2


# --- minutes -----------------------------------------------------------------------------


def test_minutes_wait_for_the_session_to_begin(case, mediator):
    schedule(mediator, case)
    with pytest.raises(WrongState):
        minutes(mediator, case)


def test_minutes_are_acknowledged_within_3_working_days(case, mediator, time_machine, wang, owner):
    schedule(mediator, case, at=datetime.datetime(2026, 12, 11, 9, 0, tzinfo=SHANGHAI))  # a Friday
    held(time_machine, session_of(case))
    minutes(mediator, case)

    session = session_of(case)
    # Friday's minutes: Monday, Tuesday, Wednesday; to the end of Wednesday.
    assert session.acknowledge_by == datetime.datetime(2026, 12, 16, 23, 59, 59, tzinfo=SHANGHAI)
    sent = notices(case, "minutes_recorded")
    assert ("sms", "13800138000") in sent and ("in_app", owner.username) in sent
    assert (
        "2026-12-16" in Notification.objects.get(complaint=case, event="minutes_recorded", address="13800138000").body
    )
    assert {"acknowledge_minutes", "dispute_minutes"} <= set(workflow.allowed_actions(wang, case))
    assert {"acknowledge_minutes", "dispute_minutes"} <= set(workflow.allowed_actions(owner, case))


def test_agreed_minutes_need_their_terms_and_failed_ones_their_advice(case, mediator, time_machine):
    schedule(mediator, case)
    held(time_machine, session_of(case))
    with pytest.raises(InvalidInput) as error:
        minutes(mediator, case, terms="")
    assert "terms" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        minutes(mediator, case, agreed=False, advice="")
    assert "advice" in error.value.fields
    with pytest.raises(InvalidInput) as error:
        minutes(mediator, case, due_date=datetime.date(2026, 12, 1))
    assert "due_date" in error.value.fields


def test_both_acknowledging_agreed_minutes_settles_the_case_as_a_recorded_agreement(
    case, mediator, time_machine, wang, owner
):
    schedule(mediator, case, merchant_attendee=owner.pk)
    held(time_machine, session_of(case))
    minutes(mediator, case, due_date=datetime.date(2026, 12, 20))
    act(wang, case, "acknowledge_minutes")
    assert Complaint.objects.get(pk=case.pk).status == Status.IN_MEDIATION

    settled = act(owner, case, "acknowledge_minutes", message="Agreed.")

    assert settled.status == Status.SETTLED
    assert settled.agreement == {
        "source": "mediation",
        "remedy": "refund",
        "amount": "1299.00",
        "due_date": "2026-12-20",
        "message": "Full refund of 1,299 CNY after the goods come back.",
        "session": 1,
    }
    assert settled.due_at == datetime.datetime(2026, 12, 20, 23, 59, 59, tzinfo=SHANGHAI)
    event = settled.events.get(kind=EventKind.MINUTES_AGREED)
    assert (event.from_status, event.to_status, event.actor) == (Status.IN_MEDIATION, Status.SETTLED, owner)
    sent = notices(case, "settled")
    assert ("sms", "13800138000") in sent and ("sms", "13900000001") in sent


def test_silence_counts_as_acknowledgement_and_is_shown_so(case, mediator, time_machine, wang, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    held(time_machine, session_of(case))
    minutes(mediator, case)
    act(wang, case, "acknowledge_minutes")
    session = session_of(case)

    time_machine.move_to(session.acknowledge_by - HOUR, tick=False)
    deadlines.apply_deadlines()
    assert Complaint.objects.get(pk=case.pk).status == Status.IN_MEDIATION

    time_machine.move_to(session.acknowledge_by + HOUR, tick=False)
    deadlines.apply_deadlines()
    deadlines.apply_deadlines()

    case = Complaint.objects.get(pk=case.pk)
    assert case.status == Status.SETTLED
    merchant = session.participants.get(party=SessionParty.MERCHANT)
    assert merchant.acknowledgement == Acknowledgement.SILENCE
    assert case.events.filter(kind=EventKind.MINUTES_SILENCE).count() == 1
    assert case.events.filter(kind=EventKind.MINUTES_AGREED).get().actor is None
    shown = session_entries(wang, case)[0]["participants"]
    answers = {p["party"]: p["acknowledgement_display"] for p in shown}
    # Wednesday's minutes: Thursday, Friday and, after the weekend, Monday.
    assert answers["merchant"] == "Acknowledged by silence on 2026-12-14"
    labels = [e["label"] for e in timeline_entries(wang, case)]
    assert "The merchant did not answer: the minutes count as acknowledged" in labels


def test_disputed_minutes_keep_the_case_in_mediation_and_the_mediator_may_meet_again(
    case, mediator, time_machine, wang, owner
):
    schedule(mediator, case, merchant_attendee=owner.pk)
    held(time_machine, session_of(case))
    minutes(mediator, case)
    act(owner, case, "dispute_minutes", message="We agreed to refund only on return of the goods.")

    assert notices(case, "minutes_disputed") == {("in_app", "mediator"), ("email", "sun@council.example")}
    time_machine.move_to(session_of(case).acknowledge_by + HOUR, tick=False)
    deadlines.apply_deadlines()
    case = Complaint.objects.get(pk=case.pk)
    assert case.status == Status.IN_MEDIATION  # the consumer's silence does not make it an agreement
    allowed = workflow.allowed_actions(mediator, case)
    assert {"schedule_session", "record_agreement", "record_failure"} <= set(allowed)
    schedule(mediator, case, at=timezone.now() + 2 * DAY)
    assert session_of(case).number == 2


def test_a_party_answers_the_minutes_once(case, mediator, time_machine, wang):
    schedule(mediator, case)
    held(time_machine, session_of(case))
    minutes(mediator, case)
    act(wang, case, "acknowledge_minutes")
    with pytest.raises(WrongState):
        act(wang, case, "dispute_minutes", message="Changed my mind.")


def test_a_failed_session_closes_the_case_when_the_mediation_deadline_passes(case, mediator, time_machine, wang, owner):
    schedule(mediator, case, merchant_attendee=owner.pk)
    held(time_machine, session_of(case))
    minutes(mediator, case, agreed=False, advice="court")
    act(wang, case, "acknowledge_minutes")
    act(owner, case, "acknowledge_minutes")
    case = Complaint.objects.get(pk=case.pk)
    assert case.status == Status.IN_MEDIATION  # the deadline has not passed

    time_machine.move_to(case.due_at + HOUR, tick=False)
    deadlines.apply_deadlines()

    case = Complaint.objects.get(pk=case.pk)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.NOT_SETTLED)
    event = case.events.get(kind=EventKind.SESSION_FAILED_CLOSED)
    assert event.data == {"advice": "court", "session": 1}
    assert ("sms", "13800138000") in notices(case, "closed")


def test_a_further_session_keeps_the_case_open_past_the_deadline(case, mediator, time_machine, wang):
    schedule(mediator, case)
    held(time_machine, session_of(case))
    minutes(mediator, case, agreed=False)
    first = session_of(case)
    case = Complaint.objects.get(pk=case.pk)
    schedule(mediator, case, at=case.due_at + DAY)
    time_machine.move_to(first.acknowledge_by + HOUR, tick=False)
    deadlines.apply_deadlines()  # the consumer's silence on the first minutes

    time_machine.move_to(case.due_at + HOUR, tick=False)
    deadlines.apply_deadlines()

    case = Complaint.objects.get(pk=case.pk)
    assert case.status == Status.IN_MEDIATION
    assert case.is_overdue  # the council's deadline passed, as for any case in mediation


def test_failed_minutes_still_unanswered_close_once_silence_settles_them(case, mediator, time_machine):
    schedule(mediator, case)
    held(time_machine, session_of(case))
    case = Complaint.objects.get(pk=case.pk)
    case.due_at = timezone.now() + DAY  # the mediation deadline falls inside the 3 working days
    case.save(update_fields=["due_at"])
    minutes(mediator, case, agreed=False)
    ack_by = session_of(case).acknowledge_by

    time_machine.move_to(case.due_at + HOUR, tick=False)
    deadlines.apply_deadlines()
    assert Complaint.objects.get(pk=case.pk).status == Status.IN_MEDIATION  # a party may still dispute

    time_machine.move_to(ack_by + HOUR, tick=False)
    deadlines.apply_deadlines()
    case = Complaint.objects.get(pk=case.pk)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.NOT_SETTLED)


# --- who sees what -------------------------------------------------------------------------


def test_the_agent_on_the_case_is_invited_answers_for_the_merchant_and_sees_the_consumer_masked(
    case, mediator, time_machine, owner, agent
):
    workflow.perform(actor=owner, complaint_id=case.pk, action="assign_agent", agent=agent)
    schedule(mediator, case, merchant_attendee=agent.pk)
    held(time_machine, session_of(case))
    minutes(mediator, case)
    act(agent, case, "acknowledge_minutes")

    entry = session_entries(agent, Complaint.objects.get(pk=case.pk))[0]
    parties = {p["party"]: p for p in entry["participants"]}
    assert parties["consumer"]["invitee"] == "王*"
    assert parties["merchant"]["invitee"] == "Chen Agent"
    assert parties["merchant"]["acknowledgement"] == "acknowledged"
    assert "13800138000" not in str(entry)


def test_the_consumers_words_in_a_session_go_with_their_account(case, mediator, time_machine, wang):
    from privacy.services import delete_account
    from tests.conftest import PASSWORD

    schedule(mediator, case)
    act(wang, case, "request_reschedule", message="I live at 12 Jiefang Road, call me.")
    held(time_machine, session_of(case))
    minutes(mediator, case, agreed=False)
    act(wang, case, "dispute_minutes", message="My neighbour Li saw it all.")
    act(mediator, case, "record_failure", message="No agreement.", advice="court")

    delete_account(user=wang, password=PASSWORD)

    consumer = session_of(case).participants.get(party=SessionParty.CONSUMER)
    assert "Jiefang" not in consumer.reschedule_reason
    assert "neighbour" not in consumer.dispute_reason
    assert not case.events.filter(message__contains="Jiefang").exists()
