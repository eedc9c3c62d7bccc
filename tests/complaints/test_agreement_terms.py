"""A mediated agreement has the terms of a merchant's offer (remedy, amount, carried out by), on
the page and in the API, and the date it is carried out by sets the fulfilment deadline."""

import datetime

import pytest
from django.utils import timezone

from complaints import workflow
from complaints.models import Status


@pytest.fixture
def in_mediation(file_complaint, wang, owner, supervisor, mediator):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    workflow.perform(actor=wang, complaint_id=case.pk, action="request_mediation", message="Please help.")
    return workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator)


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def test_the_mediator_records_structured_terms_on_the_page_and_the_date_sets_the_deadline(
    client, mediator, wang, in_mediation
):
    agreed = in_days(10)
    client.force_login(mediator)
    page = client.get(f"/cases/{in_mediation.pk}/").content.decode()
    for field in ("record_agreement-remedy", "record_agreement-amount", "record_agreement-due_date"):
        assert f'name="{field}"' in page

    response = client.post(
        f"/cases/{in_mediation.pk}/act/record_agreement/",
        {
            "record_agreement-remedy": "refund",
            "record_agreement-amount": "1500",
            "record_agreement-due_date": agreed.isoformat(),
            "record_agreement-message": "Half the price back.",
        },
    )

    assert response.status_code == 302
    in_mediation.refresh_from_db()
    assert in_mediation.status == Status.SETTLED
    assert in_mediation.agreement == {
        "source": "mediation",
        "remedy": "refund",
        "amount": "1500.00",
        "due_date": agreed.isoformat(),
        "message": "Half the price back.",
    }
    # The fulfilment clock runs to the agreed date, not the council's 15 days.
    assert in_mediation.due_at == end_of(agreed)
    client.force_login(wang)
    text = client.get(f"/cases/{in_mediation.pk}/").content.decode()
    assert "Agreement reached in mediation" in text
    assert "¥1,500.00" in text and agreed.isoformat() in text


def test_without_a_date_the_councils_fulfilment_period_applies(api, mediator, in_mediation):
    response = api.as_(mediator).post(
        f"/api/v1/complaints/{in_mediation.pk}/record_agreement/",
        {"remedy": "apology", "message": "A written apology."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["agreement"]["remedy"] == "apology" and body["agreement"]["due_date"] is None
    in_mediation.refresh_from_db()
    # 15 days by default (more where the council counts working days).
    assert in_mediation.due_at >= timezone.now() + datetime.timedelta(days=14)


def test_the_api_takes_the_same_terms_and_sets_the_deadline(api, mediator, in_mediation):
    agreed = in_days(5)
    response = api.as_(mediator).post(
        f"/api/v1/complaints/{in_mediation.pk}/record_agreement/",
        {"remedy": "exchange", "amount": "0", "due_date": agreed.isoformat(), "message": "A new sofa."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["agreement"]["due_date"] == agreed.isoformat()
    in_mediation.refresh_from_db()
    assert in_mediation.due_at == end_of(agreed)
    event = in_mediation.events.get(kind="agreement_recorded")
    assert (event.data["remedy"], event.data["due_date"]) == ("exchange", agreed.isoformat())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "Refund by Friday."}, "remedy"),
        ({"remedy": "cash", "message": "x"}, "remedy"),
        ({"remedy": "refund", "message": "x", "due_date": "2001-01-01"}, "due_date"),
        ({"remedy": "refund", "message": "x", "amount": "-1"}, "amount"),
    ],
)
def test_the_api_refuses_an_agreement_without_valid_terms(api, mediator, in_mediation, body, field):
    response = api.as_(mediator).post(f"/api/v1/complaints/{in_mediation.pk}/record_agreement/", body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())
    in_mediation.refresh_from_db()
    assert in_mediation.status == Status.IN_MEDIATION


def test_the_page_refuses_a_past_date_and_keeps_the_terms(client, mediator, in_mediation):
    client.force_login(mediator)
    response = client.post(
        f"/cases/{in_mediation.pk}/act/record_agreement/",
        {
            "record_agreement-remedy": "refund",
            "record_agreement-amount": "300",
            "record_agreement-due_date": in_days(-1).isoformat(),
            "record_agreement-message": "Refund of 300.",
        },
        follow=True,
    )
    text = response.content.decode()
    assert "The date is in the past." in text
    assert 'value="300"' in text and "Refund of 300." in text
    in_mediation.refresh_from_db()
    assert in_mediation.status == Status.IN_MEDIATION
