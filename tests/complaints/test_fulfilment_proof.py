"""Proof of fulfilment (issue 16, part 3): marking a settlement carried out takes the proof its
agreed remedy needs, with files that join the case's evidence; the consumer sees it beside the
agreed terms and, disputing, names the term not met; the timeline, the API and the bundle carry it."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from complaints import services, workflow
from complaints.models import EventKind, Status
from mediation.errors import InvalidInput
from tests.api.conftest import png_bytes, upload


def settled(case_in, owner, wang, remedy="refund"):
    """A case settled on the merchant's offer of `remedy`."""
    case = case_in(Status.AWAITING_MERCHANT)
    workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="We put it right.", remedy=remedy
    )
    return workflow.perform(actor=wang, complaint_id=case.pk, action="accept")


def fulfil(actor, case, **fields):
    return workflow.perform(actor=actor, complaint_id=case.pk, action="fulfil", **fields)


# --- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "remedy, needed",
    [
        ("refund", {"amount", "paid_on", "reference"}),
        ("compensation", {"amount", "paid_on"}),
        ("return", {"courier", "tracking_number"}),
        ("exchange", {"courier", "tracking_number"}),
        ("repair", {"repaired_on"}),
    ],
)
def test_each_remedy_asks_for_its_proof(case_in, owner, wang, remedy, needed):
    case = settled(case_in, owner, wang, remedy)

    with pytest.raises(InvalidInput) as refused:
        fulfil(owner, case, message="Done.")

    assert set(refused.value.fields) == needed
    case.refresh_from_db()
    assert case.status == Status.SETTLED and case.fulfilment is None


def test_an_apology_needs_only_the_message(case_in, owner, wang):
    case = settled(case_in, owner, wang, "apology")

    case = fulfil(owner, case, message="We apologised in writing.")

    assert case.status == Status.AWAITING_CONFIRMATION and case.fulfilment == {"remedy": "apology"}


def test_a_refund_with_its_proof_and_receipt_is_recorded_on_the_case_and_the_timeline(case_in, owner, wang):
    case = settled(case_in, owner, wang)
    receipt = services.add_evidence(
        actor=owner, complaint=case, upload=upload("receipt.png", png_bytes()), kind="receipt"
    )
    today = timezone.localdate()

    case = fulfil(
        owner, case, message="Refunded.", amount="199.00", paid_on=today, reference="WX-88", evidence=[receipt.pk]
    )

    proof = {
        "remedy": "refund",
        "amount": "199.00",
        "paid_on": today.isoformat(),
        "reference": "WX-88",
        "evidence": [receipt.pk],
    }
    assert case.fulfilment == proof
    assert case.events.get(kind=EventKind.FULFILLED).data == {"proof": proof}
    assert receipt.uploader_role == "merchant_owner"


def test_a_payment_in_the_future_or_a_file_of_another_case_is_refused(case_in, owner, wang, file_complaint):
    case = settled(case_in, owner, wang)
    other = file_complaint(title="Another")
    elsewhere = services.add_evidence(actor=wang, complaint=other, upload=upload("x.png", png_bytes()))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    proof = {"message": "Refunded.", "amount": "1.00", "reference": "R"}

    with pytest.raises(InvalidInput) as future:
        fulfil(owner, case, paid_on=tomorrow, **proof)
    with pytest.raises(InvalidInput) as foreign:
        fulfil(owner, case, paid_on=timezone.localdate(), evidence=[elsewhere.pk], **proof)

    assert "paid_on" in future.value.fields and "evidence" in foreign.value.fields


# --- the pages --------------------------------------------------------------------------------


def test_the_merchants_form_asks_only_what_the_remedy_needs_and_takes_a_receipt(client, case_in, owner, wang):
    case = settled(case_in, owner, wang, "return")
    client.force_login(owner)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'name="fulfil-tracking_number"' in page and 'name="fulfil-reference"' not in page
    assert 'enctype="multipart/form-data"' in page
    response = client.post(
        f"/cases/{case.pk}/act/fulfil/",
        {
            "fulfil-message": "Picked up by the courier.",
            "fulfil-courier": "SF Express",
            "fulfil-tracking_number": "SF1234567890",
            "fulfil-files": [upload("slip.png", png_bytes(), "image/png")],
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    (slip,) = case.evidence.all()
    assert (slip.kind, slip.uploader_role) == ("logistics", "merchant_owner")
    assert case.fulfilment == {
        "remedy": "return",
        "courier": "SF Express",
        "tracking_number": "SF1234567890",
        "evidence": [slip.pk],
    }


def test_the_page_keeps_nothing_when_the_proof_is_missing(client, case_in, owner, wang):
    case = settled(case_in, owner, wang)
    client.force_login(owner)

    response = client.post(f"/cases/{case.pk}/act/fulfil/", {"fulfil-message": "Refunded."}, follow=True)

    assert "Please correct the marked fields" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.SETTLED and not case.evidence.exists()


def test_the_consumer_sees_the_proof_beside_the_agreed_terms_and_names_the_term_not_met(client, case_in, owner, wang):
    case = settled(case_in, owner, wang)
    fulfil(owner, case, message="Refunded.", amount="2999.00", paid_on=timezone.localdate(), reference="WX-88")
    client.force_login(wang)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="proof"' in page and "What was agreed" in page and "WX-88" in page
    assert 'name="dispute-unmet_term"' in page
    refused = client.post(f"/cases/{case.pk}/act/dispute/", {"dispute-unmet_term": "other"}, follow=True)
    assert "Say what was not done." in refused.content.decode()
    client.post(f"/cases/{case.pk}/act/dispute/", {"dispute-unmet_term": "amount", "dispute-message": "Only 100 came."})

    case.refresh_from_db()
    assert case.status == Status.IN_MEDIATION
    disputed = case.events.get(kind=EventKind.DISPUTED)
    assert disputed.data == {"unmet_term": "amount"}
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "The amount is not what was agreed" in page  # on the timeline
    assert 'id="proof"' in page  # still shown, beside the agreement


# --- the API and the bundle ------------------------------------------------------------------


def test_the_api_takes_the_proof_and_names_what_is_missing(api, case_in, owner, wang):
    case = settled(case_in, owner, wang)
    client = api.as_(owner)

    missing = client.post(f"/api/v1/complaints/{case.pk}/fulfil/", {"message": "Refunded."}, format="json")
    receipt = client.post(
        f"/api/v1/complaints/{case.pk}/evidence/", {"file": upload("r.png", png_bytes()), "kind": "receipt"}
    )
    body = {
        "message": "Refunded.",
        "amount": "5.00",
        "paid_on": "2020-01-02",
        "reference": "R-9",
        "evidence": [receipt.json()["id"]],
    }
    done = api.as_(owner).post(f"/api/v1/complaints/{case.pk}/fulfil/", body, format="json")

    assert missing.status_code == 400 and {"amount", "paid_on", "reference"} <= set(missing.json())
    assert done.status_code == 200, done.json()
    event = [e for e in done.json()["timeline"] if e["kind"] == "fulfilled"][-1]
    assert event["data"]["proof"]["reference"] == "R-9"
    disputed = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/dispute/", {"unmet_term": "date"}, format="json")
    assert disputed.status_code == 200


def test_the_bundle_carries_the_proof_and_who_gave_each_file(client, case_in, owner, wang):
    case = settled(case_in, owner, wang)
    receipt = services.add_evidence(
        actor=owner, complaint=case, upload=upload("receipt.png", png_bytes()), kind="receipt"
    )
    fulfil(
        owner,
        case,
        message="Refunded.",
        amount="9.00",
        paid_on=timezone.localdate(),
        reference="WX-77",
        evidence=[receipt.pk],
    )
    client.force_login(wang)

    response = client.get(f"/cases/{case.pk}/bundle.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)

    assert "Proof of fulfilment" in text and "WX-77" in text
    assert "given by: Merchant owner" in text
