"""The tamper-evident timeline: each event is sealed with a SHA-256 hash chained to the
previous event of its case; an event changed in the database afterwards is caught by
verify_chain, the verify_timelines command, the staff integrity page and the case page."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from complaints import workflow
from complaints.integrity import verify_chain
from complaints.models import ComplaintEvent
from tests.api.conftest import png_bytes, upload


@pytest.fixture
def case(file_complaint, wang, owner):
    case = file_complaint()
    workflow.perform(actor=wang, complaint_id=case.pk, action="message", message="Please hurry.")
    workflow.perform(actor=owner, complaint_id=case.pk, action="message", message="Looking into it.")
    return case


def events_of(case) -> list[ComplaintEvent]:
    return list(case.events.order_by("created_at", "id"))


def alter(event, text="Everything was fine."):
    ComplaintEvent.objects.filter(pk=event.pk).update(message=text)


def test_each_event_is_chained_to_the_previous_event_of_its_case(case, file_complaint, li):
    other = file_complaint(consumer=li)
    events = events_of(case)
    assert len(events) == 3
    assert events[0].prev_hash == ""
    for before, after in zip(events, events[1:], strict=False):
        assert len(after.hash) == 64 and after.prev_hash == before.hash
    assert events_of(other)[0].prev_hash == ""  # chains are per case
    assert verify_chain(case) == []


def test_a_message_altered_in_the_database_is_caught_by_verify_chain(case):
    target = events_of(case)[1]
    alter(target)

    problems = verify_chain(case)

    assert [(p.event_id, p.position, p.reason) for p in problems] == [(target.pk, 2, "altered")]


def test_a_deleted_event_breaks_the_chain_at_the_next_event(case):
    events = events_of(case)
    ComplaintEvent.objects.filter(pk=events[1].pk).delete()

    assert [(p.event_id, p.reason) for p in verify_chain(case)] == [(events[2].pk, "broken")]


def test_the_command_passes_intact_timelines_and_names_an_altered_case_and_event(case, file_complaint, li, capsys):
    file_complaint(consumer=li)
    call_command("verify_timelines")
    assert "2 case timelines verified" in capsys.readouterr().out

    target = events_of(case)[2]
    alter(target)
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_timelines")

    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"{case.case_number}: altered event #{target.pk}" in err
    assert "1 of 2 cases" in err


def test_the_integrity_page_shows_the_supervisor_the_altered_case(client, supervisor, case, file_complaint, li):
    file_complaint(consumer=li)
    client.force_login(supervisor)
    intact = client.get("/council/integrity/", {"case": ""}).content.decode()
    assert "2 cases checked" in intact and 'id="integrity-ok"' in intact

    target = events_of(case)[1]
    alter(target)
    page = client.get("/council/integrity/", {"case": ""}).content.decode()
    one = client.get("/council/integrity/", {"case": case.case_number}).content.decode()

    for html in (page, one):
        assert f'data-case="{case.case_number}"' in html
        assert f"event #{target.pk}" in html
    assert "1 case checked" in one


def test_the_integrity_page_checks_only_the_supervisors_jurisdiction(client, sibling_supervisor, case):
    alter(events_of(case)[1])
    client.force_login(sibling_supervisor)

    page = client.get("/council/integrity/", {"case": case.case_number}).content.decode()

    assert "data-case=" not in page and "No case found" in page


@pytest.mark.parametrize("who", ["mediator", "wang", "owner"])
def test_the_integrity_page_is_for_supervisors(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/council/integrity/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_from_the_integrity_page(client, db):
    response = client.get("/council/integrity/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_see_on_the_case_page_whether_the_timeline_is_intact(client, supervisor, wang, case):
    client.force_login(supervisor)
    assert 'data-intact="true"' in client.get(f"/cases/{case.pk}/").content.decode()

    target = events_of(case)[1]
    alter(target)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-intact="false"' in page and f"Altered event #{target.pk}" in page

    client.force_login(wang)
    assert "chain-status" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_the_migration_seals_events_written_before_the_chain_existed(case):
    ComplaintEvent.objects.update(hash="", prev_hash="")
    assert {p.reason for p in verify_chain(case)} == {"unsealed"}

    migration = importlib.import_module("complaints.migrations.0005_event_hash_chain")
    migration.seal_existing_events(apps, None)

    assert verify_chain(case) == []


def test_a_case_filed_with_evidence_is_chained_without_reading_its_events_back(file_complaint):
    case = file_complaint(evidence=[upload("a.png", png_bytes()), upload("b.png", png_bytes())])

    assert [e.kind for e in events_of(case)] == ["filed", "evidence_added", "evidence_added"]
    assert verify_chain(case) == []
