"""A case's API body as ComplaintSerializer, ComplaintDetailSerializer and TimelineEventSerializer
write it out, against what DRF makes of the fields they declare (the schema of the body): the
same, for a case in every status and for everyone who may read it."""

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from complaints import access, workflow
from complaints.models import Status
from complaints.serializers import ComplaintDetailSerializer, ComplaintSerializer, TimelineEventSerializer

from .conftest import png_bytes, upload

pytestmark = pytest.mark.django_db


def request_of(user):
    request = APIRequestFactory().get("/api/v1/complaints/")
    request.user = user
    return request


def through_the_fields(serializer, case) -> dict:
    """What DRF's Serializer.to_representation makes of the serializer's declared fields."""
    return serializers.Serializer.to_representation(serializer, case)


def assert_written_out_as_drf_would(user, case) -> None:
    case = access.get_complaint_for(user, case.pk)
    context = {"request": request_of(user)}
    assert ComplaintSerializer(case, context=context).data == through_the_fields(
        ComplaintSerializer(case, context=context), case
    )

    context = {
        "request": request_of(user),
        "timeline": list(access.timeline_for(user, case)),
        "allowed_actions": workflow.allowed_actions(user, case),
        "sessions": [],
        "notices": list(case.notices.order_by("created_at", "id")) if user.is_council_staff else None,
    }
    expected = through_the_fields(ComplaintDetailSerializer(case, context=context), case)
    if context["notices"] is None:
        expected.pop("notices")
    body = ComplaintDetailSerializer(case, context=context).data
    assert body == expected
    assert list(body) == list(expected)

    assert context["timeline"]
    for event in context["timeline"]:
        written = TimelineEventSerializer(event, context={"request": request_of(user), "complaint": case})
        assert written.data == through_the_fields(written, event)
        assert list(written.data) == list(through_the_fields(written, event))


@pytest.mark.parametrize("status", Status.values)
def test_a_case_in_every_status_reads_as_its_fields_make_it_for_everyone(
    status, case_in, wang, owner, agent, supervisor
):
    case = case_in(status)
    for user in (wang, owner, agent, supervisor):
        if access.complaints_visible_to(user).filter(pk=case.pk).exists():
            assert_written_out_as_drf_would(user, case)


def test_a_case_with_evidence_against_a_merchant_not_on_the_platform(file_complaint, wang, province_supervisor, hubei):
    case = file_complaint(
        merchant=None,
        merchant_name="A shop on Jianghan Road",
        region=hubei,
        purchase_date="2026-11-02",
        order_number="A-1",
        evidence=[upload("receipt.png", png_bytes(), "image/png")],
    )
    with translation.override("zh-hans"):
        assert_written_out_as_drf_would(wang, case)
        assert_written_out_as_drf_would(province_supervisor, case)


def test_a_closed_case_the_consumer_rated(case_in, wang, owner, supervisor):
    case = case_in(Status.CLOSED)
    case = workflow.perform(actor=wang, complaint_id=case.pk, action="rate", score=4, comment="Slow, but fair.")

    assert case.satisfaction == 4
    for user in (wang, owner, supervisor):
        assert_written_out_as_drf_would(user, case)


def test_the_filing_answer_names_labels_in_the_callers_language(api, wang, shop):
    case_body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": "屏幕碎了"}
    case_body |= {"description": "收到时屏幕就碎了。", "amount": "12.5", "demands": ["refund"]}
    api.force_authenticate(user=wang)

    body = api.post("/api/v1/complaints/", case_body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["amount"] == "12.50"
    assert body["status_display"] == "待商家处理" and body["category_display"] == "质量问题"
    assert body["filed_at"].endswith("+08:00")
