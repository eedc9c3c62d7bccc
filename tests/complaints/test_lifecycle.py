"""Every row of the lifecycle table (SPEC "Lifecycle"), through complaints.workflow.

Each step checks that the transition appended exactly one timeline event naming the
move and the actor, that it wrote the notices its audience is owed, and that an open
case still has exactly one party whose move it is and a deadline.
"""

import datetime
from decimal import Decimal

import pytest
import sms
from django.utils import timezone

from complaints import deadlines, rules, workflow
from complaints.models import Complaint, ComplaintEvent, Outcome, Party, Status, Visibility
from mediation.errors import InvalidInput, NotAllowed, WrongState
from merchants.models import MerchantStatus, OverdueMark
from notifications.models import NoticeStatus, Notification
from tests.conftest import proof_for

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
OPEN = [
    Status.UNDER_REVIEW,
    Status.AWAITING_MERCHANT,
    Status.AWAITING_CONSUMER,
    Status.IN_MEDIATION,
    Status.SETTLED,
    Status.AWAITING_CONFIRMATION,
]


def assert_clock(case: Complaint) -> None:
    """An open case has exactly one party whose move it is, and a deadline; a closed one neither."""
    case.refresh_from_db()
    if case.is_open:
        assert case.waiting_on in Party.values, case.status
        assert case.due_at is not None, case.status
    else:
        assert (case.waiting_on, case.due_at) == ("", None)


def act(actor, case: Complaint, action: str, **payload) -> tuple[Complaint, ComplaintEvent]:
    """One action through the state machine, which must append exactly one timeline event."""
    before = Complaint.objects.get(pk=case.pk).status
    seen = list(case.events.values_list("pk", flat=True))
    result = workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)
    events = list(ComplaintEvent.objects.filter(complaint=case).exclude(pk__in=seen))
    assert len(events) == 1, [e.kind for e in events]
    event = events[0]
    assert (event.from_status, event.to_status) == (before, result.status)
    assert (event.actor, event.actor_role) == (actor, actor.role)
    assert_clock(result)
    return result, event


def notices_of(event: ComplaintEvent) -> list[tuple[str, str, str]]:
    """(notice, channel, recipient) written for a timeline event."""
    rows = Notification.objects.filter(idempotency_key__startswith=f"ev{event.pk}:").select_related("recipient")
    return sorted((n.event, n.channel, n.address if n.channel != "in_app" else n.recipient.username) for n in rows)


@pytest.fixture
def deadlines_at(time_machine):
    """Travel to `at`, run the deadline job, and return the case with the events it wrote."""

    def _run(case: Complaint, at: datetime.datetime) -> tuple[Complaint, list[ComplaintEvent]]:
        seen = list(case.events.values_list("pk", flat=True))
        time_machine.move_to(at, tick=False)
        deadlines.apply_deadlines()
        case.refresh_from_db()
        assert_clock(case)
        return case, list(case.events.exclude(pk__in=seen))

    return _run


def system_event(events, kind, from_status, to_status) -> ComplaintEvent:
    assert [e.kind for e in events] == [kind]
    event = events[0]
    assert (event.from_status, event.to_status, event.actor, event.actor_role) == (
        from_status,
        to_status,
        None,
        "system",
    )
    return event


@pytest.fixture(autouse=True)
def _frozen_clock(time_machine):
    """Time stands still unless a test moves it, so deadlines can be compared exactly."""
    time_machine.move_to(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_fixed_timezone(480)), tick=False)


OFFER = dict(kind="offer", message="We refund in full.", remedy="refund", offer_amount=Decimal("2999.00"))


# --- filing ---------------------------------------------------------------------------


def test_filing_against_an_enrolled_merchant_waits_for_the_merchant_with_answer_and_settlement_deadlines(
    file_complaint, wang, shop
):
    case = file_complaint()

    assert case.status == Status.AWAITING_MERCHANT
    assert case.waiting_on == Party.MERCHANT
    assert case.due_at == case.filed_at + 7 * DAY
    assert case.settle_by == case.filed_at + 14 * DAY
    assert (case.council, case.council_path) == (shop.region, shop.region.path)
    [event] = case.events.all()
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "filed",
        "",
        Status.AWAITING_MERCHANT,
        wang,
    )
    assert notices_of(event) == [("filed", "sms", "13900000001")]
    assert_clock(case)


def test_filing_texts_every_notice_phone_of_the_merchant_with_the_case_number(
    file_complaint, shop, django_capture_on_commit_callbacks
):
    shop.notice_phones = ["13900000001", "13900000003"]
    shop.save()

    with django_capture_on_commit_callbacks(execute=True):
        case = file_complaint()

    assert sorted(m.recipients[0] for m in sms.outbox) == ["13900000001", "13900000003"]
    assert all(case.case_number in m.body for m in sms.outbox)
    assert set(case.notices.values_list("status", flat=True)) == {NoticeStatus.SENT}


def test_filing_against_a_merchant_not_enrolled_goes_to_council_review(file_complaint, wang, unlisted_shop):
    case = file_complaint(merchant=unlisted_shop)

    assert case.status == Status.UNDER_REVIEW
    assert case.waiting_on == Party.COUNCIL
    assert case.due_at == case.filed_at + 7 * DAY
    assert case.settle_by is None
    assert case.council == unlisted_shop.region
    [event] = case.events.all()
    assert (event.kind, event.from_status, event.to_status, event.actor) == ("filed", "", Status.UNDER_REVIEW, wang)
    assert notices_of(event) == []
    assert_clock(case)


def test_filing_against_a_suspended_merchant_goes_to_council_review(file_complaint, shop):
    shop.status = MerchantStatus.SUSPENDED
    shop.save()

    case = file_complaint()

    assert case.status == Status.UNDER_REVIEW
    assert not case.notices.exists()


def test_filing_against_a_named_off_platform_merchant_goes_to_review_by_the_chosen_region(file_complaint, wuhan):
    case = file_complaint(merchant=None, merchant_name="Street Vendor", merchant_phone="13700000000", region=wuhan)

    assert case.status == Status.UNDER_REVIEW
    assert (case.merchant, case.merchant_name, case.merchant_phone) == (None, "Street Vendor", "13700000000")
    assert case.council == wuhan
    assert_clock(case)


def test_off_platform_complaint_without_a_region_is_reviewed_by_the_root_council(file_complaint, hubei, wuhan):
    case = file_complaint(merchant=None, merchant_name="Street Vendor")

    assert case.council == hubei
    assert case.status == Status.UNDER_REVIEW


def test_off_platform_complaint_must_name_the_merchant(file_complaint, hubei):
    with pytest.raises(InvalidInput) as caught:
        file_complaint(merchant=None, merchant_name="")

    assert "merchant_name" in caught.value.fields
    assert not Complaint.objects.exists()


# --- council review -------------------------------------------------------------------


def test_supervisor_accepts_a_reviewed_complaint_for_mediation(case_in, supervisor):
    case = case_in(Status.UNDER_REVIEW)

    case, event = act(supervisor, case, "review_accept")

    assert (case.status, case.waiting_on) == (Status.IN_MEDIATION, Party.COUNCIL)
    assert case.due_at == event.created_at + 30 * DAY
    assert event.kind == "review_accepted"
    assert notices_of(event) == [
        ("review_accepted", "in_app", "13800138000"),
        ("review_accepted", "sms", "13800138000"),
    ]


def test_supervisor_rejects_a_reviewed_complaint_with_a_reason(case_in, supervisor):
    case = case_in(Status.UNDER_REVIEW)

    case, event = act(supervisor, case, "review_reject", message="Not a consumer dispute.")

    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.REJECTED)
    assert case.closed_at == event.created_at
    assert event.message == "Not a consumer dispute."
    assert notices_of(event) == [("closed", "in_app", "13800138000"), ("closed", "sms", "13800138000")]


def test_rejecting_a_reviewed_complaint_needs_a_reason(case_in, supervisor):
    case = case_in(Status.UNDER_REVIEW)

    with pytest.raises(InvalidInput) as caught:
        workflow.perform(actor=supervisor, complaint_id=case.pk, action="review_reject", message="")

    assert "message" in caught.value.fields
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    assert case.events.count() == 1


# --- the merchant answers -------------------------------------------------------------


def test_merchant_offer_waits_for_the_consumer_and_records_the_first_response(
    case_in, owner, django_capture_on_commit_callbacks
):
    case = case_in(Status.AWAITING_MERCHANT)
    due = timezone.localdate() + 3 * DAY

    with django_capture_on_commit_callbacks(execute=True):
        case, event = act(owner, case, "respond", **OFFER, due_date=due)

    assert (case.status, case.waiting_on) == (Status.AWAITING_CONSUMER, Party.CONSUMER)
    assert case.due_at == event.created_at + 7 * DAY
    assert case.first_response_at == event.created_at
    assert case.offer == {
        "kind": "offer",
        "round": 1,
        "remedy": "refund",
        "amount": "2999.00",
        "due_date": due.isoformat(),
        "message": "We refund in full.",
    }
    assert event.kind == "responded"
    assert notices_of(event) == [("responded", "in_app", "13800138000"), ("responded", "sms", "13800138000")]
    [text] = [m for m in sms.outbox if m.recipients == ["13800138000"]]
    assert case.case_number in text.body


def test_merchant_agent_answers_for_the_merchant(case_in, agent):
    case = case_in(Status.AWAITING_MERCHANT)

    case, event = act(agent, case, "respond", **OFFER)

    assert case.status == Status.AWAITING_CONSUMER
    assert event.actor == agent


def test_merchant_decline_waits_for_the_consumer_who_cannot_accept_it(case_in, owner, wang):
    case = case_in(Status.AWAITING_MERCHANT)

    case, event = act(owner, case, "respond", kind="decline", message="The damage was caused by the customer.")

    assert (case.status, case.waiting_on) == (Status.AWAITING_CONSUMER, Party.CONSUMER)
    assert case.offer["kind"] == "decline" and case.offer["remedy"] is None
    assert case.first_response_at == event.created_at
    assert "accept" not in workflow.allowed_actions(wang, case)
    with pytest.raises(WrongState):
        workflow.perform(actor=wang, complaint_id=case.pk, action="accept")


def test_first_response_time_is_kept_from_the_first_answer(case_in, owner, wang, time_machine):
    case = case_in(Status.AWAITING_MERCHANT)
    case, first = act(owner, case, "respond", kind="decline", message="No.")
    time_machine.move_to(timezone.now() + DAY, tick=False)
    case, _ = act(wang, case, "reject", message="Please look again.")
    time_machine.move_to(timezone.now() + DAY, tick=False)

    case, second = act(owner, case, "respond", **OFFER)

    assert case.first_response_at == first.created_at
    assert second.created_at > first.created_at


@pytest.mark.parametrize(
    "payload, field",
    [
        (dict(kind="maybe", message="Hm."), "kind"),
        (dict(kind="offer", message="", remedy="refund"), "message"),
        (dict(kind="offer", message="Here is our offer."), "remedy"),
        (dict(kind="offer", message="Here is our offer.", remedy="gift card"), "remedy"),
        (
            dict(kind="offer", message="Here is our offer.", remedy="refund", due_date=datetime.date(2020, 1, 1)),
            "due_date",
        ),
    ],
)
def test_a_malformed_answer_is_refused_and_changes_nothing(case_in, owner, payload, field):
    case = case_in(Status.AWAITING_MERCHANT)

    with pytest.raises(InvalidInput) as caught:
        workflow.perform(actor=owner, complaint_id=case.pk, action="respond", **payload)

    assert field in caught.value.fields
    case.refresh_from_db()
    assert (case.status, case.offer, case.first_response_at) == (Status.AWAITING_MERCHANT, None, None)
    assert case.events.count() == 1


def test_passed_merchant_deadline_sends_the_case_to_mediation_with_an_answer_overdue_mark(
    case_in, shop, supervisor, deadlines_at
):
    case = case_in(Status.AWAITING_MERCHANT)

    case, events = deadlines_at(case, case.due_at + MINUTE)

    event = system_event(events, "merchant_deadline_passed", Status.AWAITING_MERCHANT, Status.IN_MEDIATION)
    assert (case.status, case.waiting_on) == (Status.IN_MEDIATION, Party.COUNCIL)
    assert list(OverdueMark.objects.filter(complaint=case).values_list("stage", "merchant")) == [
        (OverdueMark.Stage.ANSWER, shop.pk)
    ]
    notices = notices_of(event)
    assert ("merchant_overdue", "sms", "13900000001") in notices
    assert ("escalated", "sms", "13800138000") in notices
    assert ("escalated", "in_app", "supervisor") in notices
    assert {n[0] for n in notices} == {"escalated", "merchant_overdue"}


# --- the consumer answers -------------------------------------------------------------


def test_consumer_accepting_the_offer_settles_the_case_with_the_offer_as_agreement(case_in, wang):
    case = case_in(Status.AWAITING_CONSUMER)
    offer = case.offer

    case, event = act(wang, case, "accept")

    assert (case.status, case.waiting_on) == (Status.SETTLED, Party.MERCHANT)
    assert case.agreement == {**offer, "source": "offer"}
    assert case.settled_at == event.created_at
    assert case.due_at == event.created_at + 15 * DAY
    assert notices_of(event) == [
        ("settled", "in_app", "13800138000"),
        ("settled", "in_app", "owner"),
        ("settled", "sms", "13800138000"),
        ("settled", "sms", "13900000001"),
    ]


def test_accepted_offer_with_a_date_is_due_at_the_end_of_that_day(case_in, owner, wang):
    case = case_in(Status.AWAITING_MERCHANT)
    due = timezone.localdate() + 5 * DAY
    case, _ = act(owner, case, "respond", **OFFER, due_date=due)

    case, _ = act(wang, case, "accept")

    local_due = timezone.localtime(case.due_at)
    assert (local_due.date(), local_due.time()) == (due, datetime.time(23, 59, 59))


def test_consumer_rejects_twice_and_the_merchant_is_asked_again_then_the_third_rejection_goes_to_mediation(
    case_in, owner, wang
):
    case = case_in(Status.AWAITING_CONSUMER)
    for next_round in (2, 3):
        case, event = act(wang, case, "reject", message="That is not enough.")

        assert (case.status, case.waiting_on, case.round) == (Status.AWAITING_MERCHANT, Party.MERCHANT, next_round)
        assert case.offer is None
        assert case.due_at == event.created_at + 7 * DAY
        assert notices_of(event) == [("asked_again", "in_app", "owner"), ("asked_again", "sms", "13900000001")]
        case, _ = act(owner, case, "respond", **OFFER)
        assert case.offer["round"] == next_round

    case, event = act(wang, case, "reject", message="Still not enough.")

    assert (case.status, case.round) == (Status.IN_MEDIATION, 3)
    assert event.kind == "rejected"
    assert {n[0] for n in notices_of(event)} == {"escalated"}


def test_rejecting_an_answer_needs_a_message(case_in, wang):
    case = case_in(Status.AWAITING_CONSUMER)

    with pytest.raises(InvalidInput):
        workflow.perform(actor=wang, complaint_id=case.pk, action="reject", message="")


def test_consumer_asks_the_council_to_mediate(case_in, wang):
    case = case_in(Status.AWAITING_CONSUMER)

    case, event = act(wang, case, "request_mediation", message="The merchant will not move.")

    assert (case.status, case.waiting_on) == (Status.IN_MEDIATION, Party.COUNCIL)
    assert case.due_at == event.created_at + 30 * DAY
    assert event.kind == "mediation_requested"
    assert ("escalated", "in_app", "owner") in notices_of(event)


def test_passed_consumer_deadline_closes_the_case_as_no_reply(case_in, deadlines_at):
    case = case_in(Status.AWAITING_CONSUMER)

    case, events = deadlines_at(case, case.due_at + MINUTE)

    event = system_event(events, "consumer_deadline_passed", Status.AWAITING_CONSUMER, Status.CLOSED)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.NO_REPLY)
    assert ("closed", "sms", "13800138000") in notices_of(event)


# --- the 14-day settlement limit ------------------------------------------------------


def test_case_still_awaiting_the_merchant_14_days_after_filing_goes_to_mediation(
    case_in, owner, wang, time_machine, deadlines_at
):
    case = case_in(Status.AWAITING_MERCHANT)
    filed = case.filed_at
    time_machine.move_to(filed + DAY, tick=False)
    case, _ = act(owner, case, "respond", **OFFER)
    time_machine.move_to(filed + 10 * DAY, tick=False)
    case, _ = act(wang, case, "reject", message="No.")
    assert case.due_at > case.settle_by  # the merchant's own deadline is not what moves it

    case, events = deadlines_at(case, filed + 14 * DAY + MINUTE)

    system_event(events, "settlement_deadline_passed", Status.AWAITING_MERCHANT, Status.IN_MEDIATION)
    assert case.status == Status.IN_MEDIATION
    assert not OverdueMark.objects.filter(complaint=case).exists()


def test_case_still_awaiting_the_consumer_14_days_after_filing_goes_to_mediation(
    case_in, owner, wang, time_machine, deadlines_at
):
    case = case_in(Status.AWAITING_MERCHANT)
    filed = case.filed_at
    time_machine.move_to(filed + DAY, tick=False)
    act(owner, case, "respond", **OFFER)
    time_machine.move_to(filed + 5 * DAY, tick=False)
    act(wang, case, "reject", message="No.")
    time_machine.move_to(filed + 11 * DAY, tick=False)
    case, _ = act(owner, case, "respond", **OFFER)
    assert case.due_at > case.settle_by

    case, events = deadlines_at(case, filed + 14 * DAY + MINUTE)

    system_event(events, "settlement_deadline_passed", Status.AWAITING_CONSUMER, Status.IN_MEDIATION)
    assert (case.status, case.waiting_on) == (Status.IN_MEDIATION, Party.COUNCIL)


def test_settled_case_is_not_moved_by_the_14_day_limit(case_in, deadlines_at):
    case = case_in(Status.SETTLED)

    case, events = deadlines_at(case, case.settle_by + MINUTE)

    assert events == []
    assert case.status == Status.SETTLED


# --- mediation ------------------------------------------------------------------------


def test_supervisor_assigns_a_mediator_of_the_jurisdiction(case_in, supervisor, mediator):
    case = case_in(Status.IN_MEDIATION)

    case, event = act(supervisor, case, "assign", mediator=mediator)

    assert (case.status, case.mediator, case.waiting_on) == (Status.IN_MEDIATION, mediator, Party.MEDIATOR)
    assert event.kind == "mediator_assigned"
    assert event.data == {"mediator": mediator.pk, "mediator_name": "Sun Mediator"}
    assert notices_of(event) == [
        ("mediator_assigned", "email", "sun@council.example"),
        ("mediator_assigned", "in_app", "mediator"),
    ]


def test_province_supervisor_assigns_a_mediator_by_id(case_in, province_supervisor, mediator):
    case = case_in(Status.IN_MEDIATION)

    case, _ = act(province_supervisor, case, "assign", mediator=mediator.pk)

    assert case.mediator == mediator


@pytest.mark.parametrize("who", ["sibling_mediator", "wang", "supervisor", None])
def test_assigning_someone_who_is_not_a_mediator_of_the_jurisdiction_is_a_field_error(
    request, case_in, supervisor, who
):
    case = case_in(Status.IN_MEDIATION)
    candidate = request.getfixturevalue(who) if who else 999_999

    with pytest.raises(InvalidInput) as caught:
        workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=candidate)

    assert "mediator" in caught.value.fields
    case.refresh_from_db()
    assert case.mediator is None
    assert not case.events.filter(kind="mediator_assigned").exists()


@pytest.fixture
def mediated_case(case_in, supervisor, mediator):
    case = case_in(Status.IN_MEDIATION)
    return workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator)


def test_mediator_records_the_agreement_and_the_case_is_settled(mediated_case, mediator):
    case, event = act(mediator, mediated_case, "record_agreement", message="Refund of 1500 CNY within 3 days.")

    assert (case.status, case.waiting_on) == (Status.SETTLED, Party.MERCHANT)
    # Recorded without structured terms (the page and API ask for them): the text alone.
    assert case.agreement == {
        "source": "mediation",
        "remedy": None,
        "amount": None,
        "due_date": None,
        "message": "Refund of 1500 CNY within 3 days.",
    }
    assert case.due_at == event.created_at + 15 * DAY
    assert {n[0] for n in notices_of(event)} == {"settled"}


@pytest.mark.parametrize("advice", ["12315", "arbitration", "court"])
def test_mediator_records_failure_with_advice_and_the_case_closes_not_settled(mediated_case, mediator, advice):
    case, event = act(mediator, mediated_case, "record_failure", message="No agreement.", advice=advice)

    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.NOT_SETTLED)
    assert event.data == {"advice": advice}
    assert advice in rules.MEDIATION_ADVICE
    assert ("closed", "sms", "13800138000") in notices_of(event)


@pytest.mark.parametrize("advice", ["", "police", None])
def test_failure_with_unknown_advice_is_refused(mediated_case, mediator, advice):
    with pytest.raises(InvalidInput) as caught:
        workflow.perform(
            actor=mediator, complaint_id=mediated_case.pk, action="record_failure", message="No.", advice=advice
        )

    assert "advice" in caught.value.fields
    mediated_case.refresh_from_db()
    assert mediated_case.status == Status.IN_MEDIATION


# --- fulfilment and confirmation ------------------------------------------------------


def test_merchant_marks_the_settlement_carried_out_and_the_consumer_is_asked_to_confirm(case_in, owner):
    case = case_in(Status.SETTLED)

    case, event = act(owner, case, "fulfil", message="Refunded, receipt R-1.", **proof_for(case))

    assert (case.status, case.waiting_on) == (Status.AWAITING_CONFIRMATION, Party.CONSUMER)
    assert case.due_at == event.created_at + 7 * DAY
    assert notices_of(event) == [("fulfilled", "in_app", "13800138000"), ("fulfilled", "sms", "13800138000")]


def test_mediator_marks_an_off_platform_settlement_carried_out(file_complaint, wuhan, supervisor, mediator, wang):
    case = file_complaint(merchant=None, merchant_name="Street Vendor", region=wuhan)
    case, _ = act(supervisor, case, "review_accept")
    case, _ = act(supervisor, case, "assign", mediator=mediator)
    case, _ = act(mediator, case, "record_agreement", message="Vendor refunds 100 CNY.")

    case, _ = act(mediator, case, "fulfil", message="Vendor paid in cash, receipt photographed.", **proof_for(case))

    assert case.status == Status.AWAITING_CONFIRMATION
    case, _ = act(wang, case, "confirm")
    assert case.outcome == Outcome.RESOLVED


def test_passed_fulfilment_deadline_sends_the_case_to_mediation_with_a_fulfilment_overdue_mark(
    case_in, shop, deadlines_at
):
    case = case_in(Status.SETTLED)

    case, events = deadlines_at(case, case.due_at + MINUTE)

    event = system_event(events, "fulfilment_deadline_passed", Status.SETTLED, Status.IN_MEDIATION)
    assert case.status == Status.IN_MEDIATION
    assert list(OverdueMark.objects.filter(complaint=case).values_list("stage", "merchant")) == [
        (OverdueMark.Stage.FULFILMENT, shop.pk)
    ]
    assert {n[0] for n in notices_of(event)} == {"escalated", "merchant_overdue"}


def test_consumer_confirms_and_the_case_closes_resolved(case_in, wang):
    case = case_in(Status.AWAITING_CONFIRMATION)

    case, event = act(wang, case, "confirm")

    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.RESOLVED)
    assert case.closed_at == event.created_at
    assert notices_of(event) == [("consumer_moved", "in_app", "owner")]


def test_passed_confirmation_deadline_closes_the_case_unconfirmed(case_in, deadlines_at):
    case = case_in(Status.AWAITING_CONFIRMATION)

    case, events = deadlines_at(case, case.due_at + MINUTE)

    system_event(events, "confirmation_deadline_passed", Status.AWAITING_CONFIRMATION, Status.CLOSED)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.UNCONFIRMED)


def test_consumer_disputes_the_fulfilment_and_the_case_goes_to_mediation(case_in, wang):
    case = case_in(Status.AWAITING_CONFIRMATION)

    case, event = act(wang, case, "dispute", message="The refund never arrived.")

    assert (case.status, case.waiting_on) == (Status.IN_MEDIATION, Party.COUNCIL)
    assert {n[0] for n in notices_of(event)} == {"escalated"}


def test_a_disputed_case_with_a_mediator_waits_on_that_mediator(mediated_case, mediator, owner, wang):
    case, _ = act(mediator, mediated_case, "record_agreement", message="Refund 1500.")
    case, _ = act(owner, case, "fulfil", message="Done.", **proof_for(case))

    case, _ = act(wang, case, "dispute", message="Not received.")

    assert (case.status, case.waiting_on, case.mediator) == (Status.IN_MEDIATION, Party.MEDIATOR, mediator)


# --- any open state -------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_consumer_withdraws_from_every_open_state(case_in, wang, status):
    case = case_in(status)

    case, event = act(wang, case, "withdraw", message="Sorted it out myself.")

    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.WITHDRAWN)
    assert event.kind == "withdrawn"


@pytest.mark.parametrize("status", OPEN)
def test_a_message_in_every_open_state_leaves_the_status_and_reaches_the_other_parties(
    case_in, wang, supervisor, status
):
    case = case_in(status)

    case, event = act(wang, case, "message", message="Any news?")

    assert case.status == status
    assert (event.kind, event.visibility, event.message) == ("message", Visibility.PARTIES, "Any news?")
    recipients = {n[2] for n in notices_of(event)}
    assert "13800138000" not in recipients  # not to the writer
    if case.merchant.is_enrolled:
        assert "owner" in recipients

    case, event = act(supervisor, case, "message", message="We are looking into it.")
    assert case.status == status
    assert "13800138000" in {n[2] for n in notices_of(event)}


def test_staff_note_is_visible_to_staff_only_and_notifies_nobody(case_in, supervisor):
    case = case_in(Status.AWAITING_MERCHANT)

    case, event = act(supervisor, case, "message", message="Merchant has 3 similar cases.", staff_only=True)

    assert event.visibility == Visibility.STAFF
    assert notices_of(event) == []


@pytest.mark.parametrize("who", ["owner", "agent"])
def test_merchant_note_for_the_council_is_visible_to_merchant_and_staff(request, case_in, who):
    case = case_in(Status.AWAITING_MERCHANT)

    case, event = act(request.getfixturevalue(who), case, "message", message="Customer broke it.", staff_only=True)

    assert event.visibility == Visibility.MERCHANT_STAFF
    assert notices_of(event) == []


def test_consumer_cannot_write_a_note_hidden_from_the_merchant(case_in, wang):
    case = case_in(Status.AWAITING_MERCHANT)

    with pytest.raises(NotAllowed):
        workflow.perform(actor=wang, complaint_id=case.pk, action="message", message="Secret", staff_only=True)

    assert not case.events.filter(kind="message").exists()


def test_an_empty_message_is_refused(case_in, wang):
    case = case_in(Status.AWAITING_MERCHANT)

    with pytest.raises(InvalidInput):
        workflow.perform(actor=wang, complaint_id=case.pk, action="message", message="")


# --- rating ---------------------------------------------------------------------------


def test_consumer_rates_a_resolved_case_once(case_in, wang):
    case = case_in(Status.CLOSED)

    case, event = act(wang, case, "rate", score=4, comment="Quick refund.")

    assert (case.status, case.satisfaction, case.satisfaction_comment) == (Status.CLOSED, 4, "Quick refund.")
    assert (event.kind, event.data) == ("rated", {"score": 4})
    assert "rate" not in workflow.allowed_actions(wang, case)
    with pytest.raises(WrongState) as caught:
        workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=1)
    assert caught.value.status == Status.CLOSED
    case.refresh_from_db()
    assert case.satisfaction == 4


def test_consumer_rates_a_case_whose_mediation_failed(mediated_case, mediator, wang):
    case, _ = act(mediator, mediated_case, "record_failure", message="No.", advice="court")

    case, _ = act(wang, case, "rate", score=2)

    assert case.satisfaction == 2


@pytest.mark.parametrize("outcome_via", ["withdraw", "no_reply"])
def test_a_withdrawn_or_unanswered_case_cannot_be_rated(case_in, wang, deadlines_at, outcome_via):
    case = case_in(Status.AWAITING_CONSUMER)
    if outcome_via == "withdraw":
        case, _ = act(wang, case, "withdraw")
    else:
        case, _ = deadlines_at(case, case.due_at + MINUTE)
    assert case.status == Status.CLOSED

    with pytest.raises(WrongState):
        workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=5)


@pytest.mark.parametrize("score", [0, 6, "5", None])
def test_a_score_outside_one_to_five_is_refused(case_in, wang, score):
    case = case_in(Status.CLOSED)

    with pytest.raises(InvalidInput):
        workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=score)


# --- a whole case ---------------------------------------------------------------------


def test_a_case_from_filing_to_rating_texts_each_party_and_keeps_one_timeline(
    file_complaint, wang, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_complaint()
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]

    with django_capture_on_commit_callbacks(execute=True):
        case, _ = act(owner, case, "respond", **OFFER)
        case, _ = act(wang, case, "accept")
        case, _ = act(owner, case, "fulfil", message="Refunded, receipt 123", **proof_for(case))
        case, _ = act(wang, case, "confirm")
        case, _ = act(wang, case, "rate", score=5)

    assert (case.status, case.outcome, case.satisfaction) == (Status.CLOSED, Outcome.RESOLVED, 5)
    assert list(case.events.values_list("kind", flat=True)) == [
        "filed",
        "responded",
        "accepted",
        "fulfilled",
        "confirmed",
        "rated",
    ]
    texted = [m.recipients[0] for m in sms.outbox]
    assert texted.count("13800138000") == 3  # answered, settled, fulfilled
    assert not Notification.objects.exclude(status=NoticeStatus.SENT).exists()
