"""Calls between the merchant and the consumer through a privacy number (complaints.calls), on
the local gateway: bindings, calls on the timeline from the gateway's callback, calls off and
on, and the periodic job that lets bindings go."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from complaints import calls, workflow
from complaints.models import BindingStatus, CaseBinding, CaseCall, Status
from complaints.presenters import timeline_entries
from mediation.errors import NotAllowed, WrongState
from telephony.callbacks import read_callback
from telephony.gateway import PermanentCallError, TransientCallError
from telephony.local import play_call
from telephony.models import LocalBinding


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CALL_CALLBACK_SECRET = "call-secret-for-tests"
    settings.CALL_BACKEND = "telephony.backends.local.CallBackend"


def bind(actor, case, direction="to_consumer"):
    return calls.bind_for_case(actor=actor, complaint_id=case.pk, direction=direction)


def play(binding, caller, **kw):
    body, _headers = play_call(middle_number=binding.middle_number, caller=caller, **kw)
    [record] = read_callback("local", body)
    return calls.record_call(record)


def test_an_agent_gets_a_middle_number_joining_their_phone_and_the_consumers(file_complaint, agent, wang):
    case = file_complaint()

    binding = bind(agent, case)

    assert binding.status == BindingStatus.ACTIVE
    assert binding.middle_number in ("17100000001", "17100000002", "17100000003")
    assert (binding.merchant_phone, binding.consumer_phone) == (agent.phone, wang.phone)
    local = LocalBinding.objects.get(subscription_id=binding.subscription_id)
    assert (local.phone_a, local.phone_b, local.active) == (agent.phone, wang.phone, True)
    assert binding.expires_at == binding.created_at + datetime.timedelta(minutes=120)
    entry = AuditEntry.objects.get(action="calls.bind")
    assert entry.actor == agent and entry.extra["privacy_number"] == binding.middle_number
    assert wang.phone not in str(entry.extra)


def test_asking_again_hands_out_the_same_binding_without_binding_again(file_complaint, agent):
    case = file_complaint()
    first = bind(agent, case)

    again = bind(agent, case)

    assert again.pk == first.pk
    assert CaseBinding.objects.count() == LocalBinding.objects.count() == 1
    assert AuditEntry.objects.filter(action="calls.bind").count() == 2


def test_the_consumer_calls_the_merchants_notice_phone_or_the_agent_in_charge(file_complaint, wang, owner, agent):
    case = file_complaint()
    binding = bind(wang, case, "to_merchant")
    assert (binding.merchant_phone, binding.merchant_user) == ("13900000001", None)

    other = file_complaint(order_number="B-2")
    workflow.perform(actor=owner, complaint_id=other.pk, action="assign_agent", agent=agent.pk)
    binding = bind(wang, other, "to_merchant")
    assert (binding.merchant_phone, binding.merchant_user) == (agent.phone, agent)


@pytest.mark.parametrize("who", ["wang", "supervisor", "mediator"])
def test_only_merchant_staff_call_the_consumer(request, file_complaint, who):
    case = file_complaint()
    with pytest.raises(NotAllowed):
        bind(request.getfixturevalue(who), case)
    assert not CaseBinding.objects.exists()


@pytest.mark.parametrize("who", ["owner", "agent", "supervisor"])
def test_only_the_consumer_calls_the_merchant(request, file_complaint, who):
    case = file_complaint()
    with pytest.raises(NotAllowed):
        bind(request.getfixturevalue(who), case, "to_merchant")


def test_a_case_of_another_merchant_is_not_found(file_complaint, other_agent):
    from django.http import Http404

    with pytest.raises(Http404):
        bind(other_agent, file_complaint())


def test_no_binding_on_a_closed_case(case_in, agent):
    case = case_in(Status.CLOSED)
    with pytest.raises(WrongState):
        bind(agent, case)


def test_no_binding_for_a_consumer_without_a_phone(file_complaint, agent, wang):
    case = file_complaint()
    type(wang).objects.filter(pk=wang.pk).update(phone=None)
    with pytest.raises(WrongState) as caught:
        bind(agent, case)
    assert "cannot be reached by phone" in str(caught.value.message)


def test_a_gateway_that_does_not_bind_makes_nothing(file_complaint, agent, settings):
    settings.CALL_LOCAL_POOL = []
    with pytest.raises(calls.CallGatewayUnavailable):
        bind(agent, file_complaint())
    assert not CaseBinding.objects.exists()


def test_turning_calls_off_refuses_new_bindings_and_lets_the_active_ones_go(
    file_complaint, agent, wang, django_capture_on_commit_callbacks
):
    case = file_complaint()
    binding = bind(agent, case)

    with django_capture_on_commit_callbacks(execute=True):
        calls.set_calls_enabled(actor=wang, complaint_id=case.pk, enabled=False)

    binding.refresh_from_db()
    assert binding.status == BindingStatus.UNBOUND  # unbound after commit
    assert not LocalBinding.objects.get(subscription_id=binding.subscription_id).active
    with pytest.raises(WrongState):
        bind(agent, case)
    assert case.events.filter(kind="calls_turned_off").count() == 1
    assert AuditEntry.objects.filter(action="calls.off").count() == 1

    calls.set_calls_enabled(actor=wang, complaint_id=case.pk, enabled=False)  # again: nothing more
    assert case.events.filter(kind="calls_turned_off").count() == 1

    calls.set_calls_enabled(actor=wang, complaint_id=case.pk, enabled=True)
    assert bind(agent, case).status == BindingStatus.ACTIVE
    assert case.events.filter(kind="calls_turned_on").count() == 1
    assert AuditEntry.objects.filter(action="calls.on").count() == 1


@pytest.mark.parametrize("who", ["owner", "agent", "supervisor"])
def test_only_the_consumer_turns_calls_off(request, file_complaint, who):
    case = file_complaint()
    with pytest.raises(NotAllowed):
        calls.set_calls_enabled(actor=request.getfixturevalue(who), complaint_id=case.pk, enabled=False)


def test_a_call_becomes_one_timeline_event_by_role_and_name(file_complaint, agent, wang, owner, supervisor):
    case = file_complaint()
    binding = bind(agent, case)

    call, created = play(binding, agent.phone, duration=185)

    assert created and call.caller_party == "merchant" and call.answered and call.duration_seconds == 185
    event = case.events.get(kind="call_answered")
    assert event.actor == agent
    for viewer in (wang, owner, agent, supervisor):
        [entry] = [e for e in timeline_entries(viewer, case) if e["kind"] == "call_answered"]
        details = dict(entry["details"])
        assert details["Caller"] == "Merchant Chen Agent"
        assert details["Duration"] == "3 min 5 s"
        assert wang.phone not in str(entry) and binding.middle_number not in str(entry)
    [agent_view] = [e for e in timeline_entries(agent, case) if e["kind"] == "call_answered"]
    assert dict(agent_view["details"])["Called"] == "Consumer 王*"  # masked for the agent
    [wang_view] = [e for e in timeline_entries(wang, case) if e["kind"] == "call_answered"]
    assert dict(wang_view["details"])["Called"] == "Consumer 王小明"


def test_the_consumer_calling_back_on_the_same_number_is_recorded_as_theirs(file_complaint, agent, wang):
    case = file_complaint()
    binding = bind(agent, case)

    call, _ = play(binding, wang.phone, answered=False)

    assert call.caller_party == "consumer" and not call.answered
    event = case.events.get(kind="call_missed")
    assert event.actor == wang


def test_the_same_report_twice_records_the_call_once(file_complaint, agent):
    case = file_complaint()
    binding = bind(agent, case)
    body, _ = play_call(middle_number=binding.middle_number, caller=agent.phone)
    [record] = read_callback("local", body)

    assert calls.record_call(record)[1] is True
    assert calls.record_call(record)[1] is False

    assert CaseCall.objects.count() == 1
    assert case.events.filter(kind="call_answered").count() == 1


def test_a_call_of_an_unknown_binding_changes_nothing(file_complaint):
    from telephony.gateway import CallRecord

    record = CallRecord("local", "c1", "nope", "13900000012", timezone.now(), 10, True)
    assert calls.record_call(record) == (None, False)


# --- the periodic job --------------------------------------------------------------------------


def test_the_job_unbinds_bindings_of_closed_and_expired_cases(file_complaint, case_in, agent, wang):
    open_case = file_complaint(order_number="OPEN")
    kept = bind(agent, open_case)
    closing = file_complaint(order_number="WITHDRAWN")
    of_closed = bind(agent, closing)
    workflow.perform(actor=wang, complaint_id=closing.pk, action="withdraw")
    expired = bind(wang, file_complaint(order_number="OLD"), "to_merchant")
    CaseBinding.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert calls.release_bindings() == {"marked": 2, "unbound": 2, "failed": 0}

    statuses = dict(CaseBinding.objects.values_list("pk", "status"))
    assert statuses == {kept.pk: "active", of_closed.pk: "unbound", expired.pk: "unbound"}
    assert calls.release_bindings() == {"marked": 0, "unbound": 0, "failed": 0}


def test_an_unbinding_the_gateway_fails_is_tried_again_next_run(file_complaint, agent, wang, monkeypatch):
    case = file_complaint()
    binding = bind(agent, case)
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")
    from telephony.backends import local

    def down(self, **kw):
        raise TransientCallError("gateway down")

    monkeypatch.setattr(local.CallBackend, "unbind", down)
    assert calls.release_bindings()["failed"] == 1
    binding.refresh_from_db()
    assert (binding.status, binding.unbind_attempts, binding.last_error) == ("unbinding", 1, "gateway down")

    monkeypatch.undo()
    assert calls.release_bindings()["unbound"] == 1
    binding.refresh_from_db()
    assert binding.status == "unbound" and binding.last_error == ""


def test_a_binding_the_case_no_longer_allows_once_bound_is_let_go_at_once(file_complaint, agent, monkeypatch):
    """The case closed while the gateway was binding: the binding is not handed out."""
    case = file_complaint()
    from complaints import access

    real = access.call_refusal
    answers = iter([(0, ""), (409, "closed meanwhile")])
    monkeypatch.setattr(access, "call_refusal", lambda *a: next(answers, None) or real(*a))

    with pytest.raises(WrongState):
        bind(agent, case)

    binding = CaseBinding.objects.get()
    assert binding.status == BindingStatus.UNBOUND
    assert not AuditEntry.objects.filter(action="calls.bind").exists()


@pytest.mark.django_db(transaction=True)  # the command closes its connection between runs
def test_beat_and_run_periodic_jobs_let_a_closed_cases_binding_go(settings, file_complaint, agent, wang):
    from django.core.management import call_command

    assert "complaints.tasks.release_call_bindings" in {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    case = file_complaint()
    binding = bind(agent, case)
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw")

    call_command("run_periodic_jobs", "--once")

    binding.refresh_from_db()
    assert binding.status == "unbound"


def test_a_refusal_from_the_gateway_is_a_permanent_error():
    assert not PermanentCallError("x").transient and TransientCallError("x").transient


# --- notices -------------------------------------------------------------------------------------


def test_the_consumer_is_told_once_which_number_the_merchant_calls_from(file_complaint, agent, wang):
    from notifications.models import Notification

    case = file_complaint()
    binding = bind(agent, case)
    bind(agent, case)  # the same binding again: no second text

    notices = Notification.objects.filter(complaint=case, event="call_coming")
    assert sorted(notices.values_list("channel", flat=True)) == ["in_app", "sms"]
    sms = notices.get(channel="sms")
    assert sms.address == wang.phone
    assert binding.middle_number in sms.body and case.case_number in sms.body
    assert agent.phone not in sms.body


def test_the_consumer_calling_the_merchant_sends_no_text(file_complaint, wang):
    from notifications.models import Notification

    case = file_complaint()
    bind(wang, case, "to_merchant")
    assert not Notification.objects.filter(event="call_coming").exists()


def test_the_merchant_is_told_in_the_app_when_calls_are_turned_off(file_complaint, owner, wang):
    from notifications.models import Notification

    case = file_complaint()
    calls.set_calls_enabled(actor=wang, complaint_id=case.pk, enabled=False)

    [notice] = Notification.objects.filter(complaint=case, event="calls_turned_off")
    assert (notice.recipient, notice.channel) == (owner, "in_app")


def test_an_agent_removed_from_the_team_loses_their_binding(file_complaint, agent, owner):
    from complaints.team import remove_agent

    binding = bind(agent, file_complaint())
    remove_agent(owner=owner, agent_id=agent.pk)

    assert calls.release_bindings()["unbound"] == 1
    binding.refresh_from_db()
    assert binding.status == "unbound"
