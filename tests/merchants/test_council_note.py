"""A merchant may add a note for the council only, beside its answer to the consumer."""

from complaints.models import Visibility


def respond(client, case, **extra):
    data = {"respond-kind": "offer", "respond-message": "We refund in full.", "respond-remedy": "refund"}
    data.update({f"respond-{k}": v for k, v in extra.items()})
    return client.post(f"/cases/{case.pk}/act/respond/", data)


def test_the_answer_and_the_note_for_the_council_are_two_events(client, agent, wang, supervisor, file_complaint):
    case = file_complaint()
    client.force_login(agent)
    assert 'name="respond-council_note"' in client.get(f"/cases/{case.pk}/").content.decode()

    response = respond(client, case, council_note="The consumer dropped the phone; see the courier's photo.")

    assert response.status_code == 302
    answer, note = case.events.filter(kind__in=["responded", "message"]).order_by("id")
    assert (answer.kind, answer.visibility) == ("responded", Visibility.PARTIES)
    assert (note.kind, note.visibility, note.actor) == ("message", Visibility.MERCHANT_STAFF, agent)
    client.force_login(wang)
    assert "courier&#x27;s photo" not in client.get(f"/cases/{case.pk}/").content.decode()
    client.force_login(supervisor)
    assert "courier&#x27;s photo" in client.get(f"/cases/{case.pk}/").content.decode()


def test_without_a_note_only_the_answer_is_written(client, owner, file_complaint):
    case = file_complaint()
    client.force_login(owner)
    respond(client, case, council_note="  ")
    assert list(case.events.values_list("kind", flat=True)) == ["filed", "responded"]


def test_a_refused_answer_writes_no_note(client, owner, file_complaint):
    case = file_complaint()
    client.force_login(owner)
    response = client.post(
        f"/cases/{case.pk}/act/respond/",
        {"respond-kind": "offer", "respond-message": "", "respond-council_note": "Internal"},
        follow=True,
    )
    assert "Please correct the marked fields" in response.content.decode()
    assert "Internal" in response.content.decode()  # the note is kept in its box
    assert list(case.events.values_list("kind", flat=True)) == ["filed"]
