"""Mediation sessions on the case page: the forms, the session card and what each party reads."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from complaints import workflow
from complaints.models import Complaint, MediationSession, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)


def page(client, user, case) -> str:
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def post(client, user, case, action, data):
    client.force_login(user)
    return client.post(f"/cases/{case.pk}/act/{action}/", {f"{action}-{k}": v for k, v in data.items()})


def action_forms(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


@pytest.fixture
def case(time_machine, case_in, supervisor, mediator):
    time_machine.move_to(MONDAY, tick=False)
    complaint = case_in(Status.IN_MEDIATION)
    return workflow.perform(actor=supervisor, complaint_id=complaint.pk, action="assign", mediator=mediator)


def test_the_mediator_schedules_a_session_in_person_from_the_case_page(client, case, mediator, owner, wang):
    html = page(client, mediator, case)
    assert "schedule_session" in action_forms(html)
    assert 'type="datetime-local"' in html

    response = post(
        client,
        mediator,
        case,
        "schedule_session",
        {
            "starts_at": "2026-12-09T14:00",
            "mode": "in_person",
            "address": "江岸区消委会调解室",
            "invite_consumer": "on",
            "merchant_attendee": owner.pk,
        },
    )

    assert response.status_code == 302
    session = MediationSession.objects.get(complaint=case)
    assert session.starts_at == datetime.datetime(2026, 12, 9, 14, 0, tzinfo=SHANGHAI)
    consumer_page = page(client, wang, case)
    assert 'id="sessions"' in consumer_page
    assert "江岸区消委会调解室" in consumer_page and "2026-12-09 14:00" in consumer_page
    assert "request_reschedule" in action_forms(consumer_page)


def test_a_session_without_its_address_keeps_the_form_with_the_error(client, case, mediator):
    response = post(client, mediator, case, "schedule_session", {"starts_at": "2026-12-09T14:00", "mode": "in_person"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Give the address where the session is held." in html
    assert not MediationSession.objects.filter(complaint=case).exists()


def test_minutes_from_the_page_and_the_parties_answer_them(client, time_machine, case, mediator, owner, wang):
    workflow.perform(
        actor=mediator,
        complaint_id=case.pk,
        action="schedule_session",
        starts_at=MONDAY + datetime.timedelta(days=1),
        mode="online",
        link="https://meet.example.cn/a",
        merchant_attendee=owner,
    )
    time_machine.move_to(MONDAY + datetime.timedelta(days=1, hours=2), tick=False)
    assert "record_minutes" in action_forms(page(client, mediator, case))

    response = post(
        client,
        mediator,
        case,
        "record_minutes",
        {
            "consumer_attended": "on",
            "merchant_attended": "on",
            "consumer_position": "Wants 1,299 CNY back.",
            "agreed": "yes",
            "remedy": "refund",
            "amount": "1299.00",
            "terms": "Refund after the return.",
            "next_step": "Return the phone by Friday.",
        },
    )
    assert response.status_code == 302

    consumer_page = page(client, wang, case)
    assert {"acknowledge_minutes", "dispute_minutes"} <= action_forms(consumer_page)
    assert "Wants 1,299 CNY back." in consumer_page and "Refund after the return." in consumer_page
    assert "Are these minutes right?" in consumer_page

    post(client, wang, case, "acknowledge_minutes", {})
    post(client, owner, case, "dispute_minutes", {"message": "The amount was 1,000 CNY."})

    mediator_page = page(client, mediator, case)
    assert "Minutes disputed" in mediator_page
    assert "The amount was 1,000 CNY." in mediator_page
    assert "schedule_session" in action_forms(mediator_page)
    assert Complaint.objects.get(pk=case.pk).status == Status.IN_MEDIATION


def test_the_case_page_shows_silence_as_acknowledgement(client, time_machine, case, mediator, owner, agent, wang):
    from complaints import deadlines

    workflow.perform(
        actor=mediator,
        complaint_id=case.pk,
        action="schedule_session",
        starts_at=MONDAY + datetime.timedelta(days=1),
        mode="online",
        link="https://meet.example.cn/a",
    )
    time_machine.move_to(MONDAY + datetime.timedelta(days=1, hours=2), tick=False)
    workflow.perform(
        actor=mediator, complaint_id=case.pk, action="record_minutes", agreed=False, advice="court", next_step="Court."
    )
    time_machine.move_to(MONDAY + datetime.timedelta(days=7), tick=False)
    deadlines.apply_deadlines()

    html = page(client, agent, case)
    # Tuesday's minutes: Wednesday, Thursday, Friday.
    assert "Acknowledged by silence on 2026-12-11" in html
    assert "13800138000" not in html
