"""Collective complaints (incidents): opening one, its cases, joining it when filing, and the
bulk acts (a message, a mediator, a collective offer) through the state machine, each once."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEntry
from complaints import deadlines, incidents, workflow
from complaints.bundle import build_pdf
from complaints.incident_selectors import incident_totals, proposed_cases, public_incidents
from complaints.models import Complaint, ComplaintEvent, EventKind, IncidentStatus, Status
from complaints.presenters import timeline_entries
from mediation.errors import InvalidInput, NotAllowed, WrongState
from notifications.models import Channel, Notification


@pytest.fixture
def incident(supervisor, shop):
    return incidents.open_incident(
        actor=supervisor,
        merchant=shop,
        title="Prepaid cards not honoured",
        description="The shop closed and stopped honouring prepaid cards.",
        keywords="card, prepaid",
        order_pattern="PC-*",
    )


@pytest.fixture
def three_cases(file_complaint, wang, li):
    return [
        file_complaint(title="Prepaid card refused", order_number="PC-1"),
        file_complaint(consumer=li, title="Shop closed", description="My prepaid card is worthless.", amount="500"),
        file_complaint(title="Laptop broken", description="The keyboard died.", order_number="X-9", amount="100"),
    ]


def test_a_supervisor_opens_an_incident_and_it_is_audited(incident, supervisor):
    assert incident.council == supervisor.council and incident.status == IncidentStatus.OPEN
    entry = AuditEntry.objects.get(action="incident.open")
    assert entry.actor == supervisor and entry.object_id == str(incident.pk)


def test_mediators_and_consumers_do_not_open_incidents(mediator, wang, shop):
    for person in (mediator, wang):
        with pytest.raises(NotAllowed):
            incidents.open_incident(actor=person, merchant=shop, title="x")


def test_an_incident_names_its_merchant(supervisor):
    with pytest.raises(InvalidInput) as exc:
        incidents.open_incident(actor=supervisor, title="Nobody")
    assert "merchant_name" in exc.value.fields


def test_the_rule_proposes_open_cases_by_keyword_or_order_pattern(incident, three_cases, supervisor):
    proposed = list(proposed_cases(incident, supervisor))
    assert proposed == three_cases[:2]


def test_a_sibling_supervisor_does_not_see_the_incident(incident, sibling_supervisor):
    with pytest.raises(Exception) as exc:
        incidents.add_cases(actor=sibling_supervisor, incident_id=incident.pk, case_ids=[])
    assert exc.type.__name__ == "Http404"


def test_cases_are_added_once_and_belong_to_one_incident(incident, three_cases, supervisor, shop, wang):
    a, b, _c = three_cases
    result = incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[a.pk, b.pk, a.pk, "x"])
    assert [r["id"] for r in result.done] == [a.pk, b.pk]
    again = incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[a.pk])
    assert again.already and not again.done
    other = incidents.open_incident(actor=supervisor, merchant=shop, title="Another")
    moved = incidents.add_cases(actor=supervisor, incident_id=other.pk, case_ids=[a.pk])
    assert moved.refused[0]["reason"] == "The case is already in another incident."
    a.refresh_from_db()
    assert a.incident == incident
    assert ComplaintEvent.objects.filter(complaint=a, kind=EventKind.INCIDENT_ADDED).count() == 1
    assert Notification.objects.filter(complaint=a, event="incident_added", recipient=wang).exists()
    totals = incident_totals(incident)
    assert totals["cases"] == 2 and totals["consumers"] == 2 and totals["amount"] == Decimal("3499.00")
    assert AuditEntry.objects.filter(action="incident.add_cases").count() == 3


def test_cases_are_taken_out(incident, three_cases, supervisor):
    a = three_cases[0]
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[a.pk])
    result = incidents.remove_cases(actor=supervisor, incident_id=incident.pk, case_ids=[a.pk])
    assert result.done
    a.refresh_from_db()
    assert a.incident is None
    assert ComplaintEvent.objects.filter(complaint=a, kind=EventKind.INCIDENT_REMOVED).exists()


def test_a_collective_message_reaches_each_case_once(incident, three_cases, supervisor, wang, li):
    a, b, _c = three_cases
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[a.pk, b.pk])
    first = incidents.message_all(actor=supervisor, incident_id=incident.pk, message="We are on it.")
    second = incidents.message_all(actor=supervisor, incident_id=incident.pk, message="We are on it.")
    keyed = incidents.message_all(actor=supervisor, incident_id=incident.pk, message="Update", key="form-1")
    keyed_again = incidents.message_all(actor=supervisor, incident_id=incident.pk, message="Update", key="form-1")
    assert len(first.done) == 2 and len(second.already) == 2 and not second.done
    assert len(keyed.done) == 2 and len(keyed_again.already) == 2
    for case in (a, b):
        assert ComplaintEvent.objects.filter(complaint=case, kind=EventKind.INCIDENT_MESSAGE).count() == 2
    texts = Notification.objects.filter(event="incident_message", channel=Channel.SMS)
    assert sorted(texts.values_list("address", flat=True)) == sorted([wang.phone, li.phone] * 2)
    assert "wrote to everyone in Prepaid cards not honoured" in texts.first().body
    assert Notification.objects.filter(event="incident_message", channel=Channel.IN_APP).count() == 4
    assert AuditEntry.objects.filter(action="incident.message").count() == 4


def test_a_mediator_is_assigned_where_the_state_allows_it(incident, file_complaint, supervisor, mediator, owner):
    waiting = file_complaint(title="Prepaid card")
    mediated = file_complaint(title="Prepaid card too")
    workflow.perform(actor=owner, complaint_id=mediated.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=mediated.consumer, complaint_id=mediated.pk, action="request_mediation", message="Help")
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    result = incidents.assign_mediator_to_all(actor=supervisor, incident_id=incident.pk, mediator=mediator.pk)
    assert [r["id"] for r in result.done] == [mediated.pk]
    assert result.refused[0]["id"] == waiting.pk
    assert "Awaiting the merchant" in result.refused[0]["reason"]
    assert Complaint.objects.get(pk=mediated.pk).mediator == mediator
    again = incidents.assign_mediator_to_all(actor=supervisor, incident_id=incident.pk, mediator=mediator.pk)
    assert [r["id"] for r in again.already] == [mediated.pk]


def test_a_collective_offer_goes_to_each_eligible_case_and_each_consumer_answers(
    incident, file_complaint, supervisor, owner, wang, li, unlisted_shop
):
    waiting = file_complaint(title="Prepaid card", amount="1000.00")
    mediated = file_complaint(consumer=li, title="Prepaid card too", amount="300.00")
    workflow.perform(actor=owner, complaint_id=mediated.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=li, complaint_id=mediated.pk, action="request_mediation", message="Help")
    closed = file_complaint(title="Prepaid card three")
    workflow.perform(actor=wang, complaint_id=closed.pk, action="withdraw")
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[waiting.pk, mediated.pk])
    Complaint.objects.filter(pk=closed.pk).update(incident=incident)
    result = incidents.collective_offer(
        actor=supervisor,
        incident_id=incident.pk,
        message="The administrator refunds 80 % of every card.",
        remedy="refund",
        percent=Decimal("80"),
    )
    assert {r["id"] for r in result.done} == {waiting.pk, mediated.pk}
    assert [r["id"] for r in result.refused] == [closed.pk]
    waiting.refresh_from_db()
    mediated.refresh_from_db()
    assert waiting.status == mediated.status == Status.AWAITING_CONSUMER
    assert waiting.offer["amount"] == "800.00" and mediated.offer["amount"] == "240.00"
    assert waiting.first_response_at is not None
    # Sent again: nothing changes.
    again = incidents.collective_offer(
        actor=supervisor,
        incident_id=incident.pk,
        message="The administrator refunds 80 % of every card.",
        remedy="refund",
        percent=Decimal("80"),
    )
    assert len(again.already) == 2 and not again.done
    # Each consumer on their own: Wang accepts, Li rejects and is back in mediation.
    workflow.perform(actor=wang, complaint_id=waiting.pk, action="accept")
    workflow.perform(actor=li, complaint_id=mediated.pk, action="reject", message="Not enough")
    assert Complaint.objects.get(pk=waiting.pk).status == Status.SETTLED
    assert Complaint.objects.get(pk=mediated.pk).status == Status.IN_MEDIATION
    labels = [e["label"] for e in timeline_entries(wang, waiting)]
    assert "A collective offer to every consumer of the incident" in labels
    assert Notification.objects.filter(event="collective_offer", recipient=wang).exists()


def test_an_offer_on_a_mediated_case_is_not_undone_by_the_settlement_limit(
    incident, file_complaint, supervisor, owner, li
):
    mediated = file_complaint(consumer=li, title="Prepaid card")
    workflow.perform(actor=owner, complaint_id=mediated.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=li, complaint_id=mediated.pk, action="request_mediation", message="Help")
    Complaint.objects.filter(pk=mediated.pk).update(settle_by=timezone.now() - datetime.timedelta(days=1))
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[mediated.pk])
    incidents.collective_offer(
        actor=supervisor, incident_id=incident.pk, message="Refund", remedy="refund", amount=Decimal("10")
    )
    deadlines.apply_deadlines()
    assert Complaint.objects.get(pk=mediated.pk).status == Status.AWAITING_CONSUMER


def test_offer_terms_are_checked(incident, supervisor):
    with pytest.raises(InvalidInput):
        incidents.collective_offer(actor=supervisor, incident_id=incident.pk, message="x", remedy="cash")
    with pytest.raises(InvalidInput):
        incidents.collective_offer(
            actor=supervisor,
            incident_id=incident.pk,
            message="x",
            remedy="refund",
            amount=Decimal("1"),
            percent=Decimal("5"),
        )


def test_a_consumer_joins_an_open_public_incident_when_filing(incident, file_complaint, wang):
    case = file_complaint(incident=incident.pk)
    assert case.incident == incident
    joined = ComplaintEvent.objects.get(complaint=case, kind=EventKind.INCIDENT_JOINED)
    assert joined.actor == wang


def test_joining_needs_the_same_merchant_and_an_open_public_incident(
    incident, file_complaint, supervisor, other_shop, li
):
    with pytest.raises(InvalidInput):
        file_complaint(consumer=li, merchant=other_shop, incident=incident.pk)
    incidents.close_incident(actor=supervisor, incident_id=incident.pk)
    with pytest.raises(InvalidInput):
        file_complaint(incident=incident.pk)
    with pytest.raises(WrongState):
        incidents.message_all(actor=supervisor, incident_id=incident.pk, message="Hi")


def test_a_consumer_joins_an_incident_about_a_merchant_not_enrolled(supervisor, file_complaint, jiangan):
    incident = incidents.open_incident(actor=supervisor, merchant_name="Live Room 88", title="Fake jade")
    case = file_complaint(merchant=None, merchant_name="live room 88", region=jiangan, incident=incident.pk)
    assert case.incident == incident


def test_large_public_incidents_are_listed_without_personal_data(incident, file_complaint, settings, wang):
    settings.INCIDENT_PUBLIC_MIN_CASES = 2
    file_complaint(incident=incident.pk)
    assert public_incidents() == []
    file_complaint(incident=incident.pk, order_number="PC-2")
    rows = public_incidents()
    assert rows[0]["cases"] == 2 and rows[0]["merchant_name"] == "Jiang'an Electronics"
    assert set(rows[0]) == {"id", "merchant_name", "title", "cases", "status", "opened"}


def test_the_case_bundle_names_the_incident_and_its_collective_acts(incident, three_cases, supervisor, wang):
    case = three_cases[0]
    incidents.add_cases(actor=supervisor, incident_id=incident.pk, case_ids=[case.pk])
    incidents.message_all(actor=supervisor, incident_id=incident.pk, message="Refunds start Monday.")
    case.refresh_from_db()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(build_pdf(wang, case))).pages)
    assert "Prepaid cards not honoured" in text
    assert "The council's message to every consumer of the incident" in text
    assert "Refunds start Monday." in text
    entries = timeline_entries(wang, case)
    assert ("Incident", "Prepaid cards not honoured") in entries[-1]["details"]


def test_an_incident_is_about_a_merchant_of_the_supervisors_jurisdiction(supervisor, other_shop):
    with pytest.raises(InvalidInput) as exc:
        incidents.open_incident(actor=supervisor, merchant=other_shop.pk, title="Yichang")
    assert "merchant" in exc.value.fields
