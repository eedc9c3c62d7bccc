"""Filing through the API once: an Idempotency-Key answers the first result again, and a second
open case for the same order is refused with 409 naming the first unless confirmed."""

import pytest
import sms

from complaints.models import Complaint

LIST = "/api/v1/complaints/"


def body(merchant, **fields):
    data = {
        "merchant": merchant.pk,
        "category": "quality",
        "channel": "livestream",
        "order_number": "DY-20260301-0001",
        "demands": ["refund"],
        "title": "Phone screen cracked on arrival",
        "description": "The screen was cracked when I opened the box.",
    }
    data.update(fields)
    return data


def test_the_same_key_sent_again_answers_the_first_result_and_files_once(
    api, wang, shop, django_capture_on_commit_callbacks
):
    client = api.as_(wang)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(LIST, body(shop), format="json", HTTP_IDEMPOTENCY_KEY="4d6f-first-try")
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(LIST, body(shop), format="json", HTTP_IDEMPOTENCY_KEY="4d6f-first-try")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Complaint.objects.count() == 1
    assert [m.recipients for m in sms.outbox] == [["13900000001"]]


def test_a_key_is_the_consumers_own(api, wang, li, shop):
    mine = api.as_(wang).post(LIST, body(shop), format="json", HTTP_IDEMPOTENCY_KEY="same-key")
    theirs = api.as_(li).post(LIST, body(shop), format="json", HTTP_IDEMPOTENCY_KEY="same-key")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "中文"])
def test_a_key_that_is_not_1_to_255_printable_characters_is_refused(api, wang, shop, key):
    response = api.as_(wang).post(LIST, body(shop), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_second_open_case_for_the_same_order_answers_409_with_the_first_case(api, wang, shop):
    client = api.as_(wang)
    first = client.post(LIST, body(shop), format="json").json()

    refused = client.post(LIST, body(shop), format="json")

    assert refused.status_code == 409
    assert refused.json() | {"detail": ""} == {
        "detail": "",
        "code": "possible_duplicate",
        "case_number": first["case_number"],
        "complaint": first["id"],
    }
    assert first["case_number"] in refused.json()["detail"]
    assert Complaint.objects.count() == 1

    confirmed = client.post(LIST, body(shop, confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201
    assert Complaint.objects.count() == 2


def test_without_a_key_and_order_number_each_post_files(api, wang, shop):
    client = api.as_(wang)
    for _ in range(2):
        assert client.post(LIST, body(shop, order_number=""), format="json").status_code == 201
    assert Complaint.objects.count() == 2
