"""The case bundle (issue 5 item 9): one PDF per case with the facts, the consumer as the
viewer may see them, the evidence with its SHA-256, the timeline, the agreement and the
chain verification, for the parties and staff; 404 for anyone else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from complaints import workflow
from complaints.models import ComplaintEvent, Status
from complaints.services import add_evidence
from complaints.timeline import append_event

# The smallest PDF with a page: evidence PDFs are rebuilt from their pages (complaints/evidence.py).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


@pytest.fixture
def case(case_in, wang):
    # Evidence is added while the case is open; a closed case takes it only from council staff.
    case = case_in(Status.AWAITING_CONFIRMATION)
    add_evidence(actor=wang, complaint=case, upload=SimpleUploadedFile("receipt.pdf", PDF), kind="receipt")
    return workflow.perform(actor=wang, complaint_id=case.pk, action="confirm")


def text_of(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_consumer_downloads_the_bundle_with_facts_evidence_hash_timeline_and_verification(client, wang, case):
    client.force_login(wang)

    text = text_of(client.get(f"/cases/{case.pk}/bundle.pdf"))

    evidence = case.evidence.get()
    assert case.case_number in text
    assert evidence.sha256 in text.replace("\n", "")
    assert "王小明" in text and "13800138000" in text
    assert "We refund in full." in text  # the merchant's offer on the timeline
    assert "Timeline verified" in text
    assert "Agreement" in text


def test_an_agent_sees_the_consumer_masked_in_the_bundle(api, agent, case):
    text = text_of(api.as_(agent).get(f"/api/v1/complaints/{case.pk}/bundle.pdf"))

    assert case.case_number in text
    assert "王*" in text and "138****8000" in text
    assert "王小明" not in text and "13800138000" not in text


def test_staff_get_the_bundle_with_staff_only_events_and_parties_do_not(client, api, supervisor, wang, case):
    append_event(case, kind="message", actor=supervisor, message="Internal staff note", visibility="staff")

    assert "Internal staff note" in text_of(api.as_(supervisor).get(f"/api/v1/complaints/{case.pk}/bundle.pdf"))
    client.force_login(wang)
    assert "Internal staff note" not in text_of(client.get(f"/cases/{case.pk}/bundle.pdf"))


def test_the_bundle_reports_an_altered_timeline(api, supervisor, case):
    event = case.events.order_by("id")[1]
    ComplaintEvent.objects.filter(pk=event.pk).update(message="Rewritten")

    text = text_of(api.as_(supervisor).get(f"/api/v1/complaints/{case.pk}/bundle.pdf"))

    assert "altered" in text and f"#{event.pk}" in text


def test_chinese_text_and_hostile_characters_render(client, file_complaint, wang):
    case = file_complaint(title="屏幕<碎了> & \x01 ‮right-to-left", description="收到时屏幕已碎。\n第二行")
    client.force_login(wang)

    text = text_of(client.get(f"/cases/{case.pk}/bundle.pdf"))

    assert "屏幕<碎了> &" in text and "收到时屏幕已碎" in text


@pytest.mark.parametrize("who", ["li", "other_agent", "sibling_supervisor"])
def test_outsiders_get_404(client, api, request, who, case):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(f"/cases/{case.pk}/bundle.pdf").status_code == 404
    assert api.as_(user).get(f"/api/v1/complaints/{case.pk}/bundle.pdf").status_code == 404


def test_anonymous_visitors_get_no_bundle(client, api, case):
    assert client.get(f"/cases/{case.pk}/bundle.pdf").status_code == 302
    assert api.get(f"/api/v1/complaints/{case.pk}/bundle.pdf").status_code in (401, 403)


def test_the_case_page_links_to_the_bundle(client, owner, case):
    client.force_login(owner)
    assert f'href="/cases/{case.pk}/bundle.pdf"' in client.get(f"/cases/{case.pk}/").content.decode()
