"""A merchant's public record counts only the cases it was given to answer, and shows no
credit index until it has enough of them (SPEC "Merchants")."""

import pytest

from complaints import records
from merchants import enrolment

from .conftest import step


def detail(pk):
    return f"/api/v1/merchants/{pk}/"


@pytest.fixture
def newly_enrolled(file_complaint, wang, supervisor, unlisted_shop):
    """A merchant enrolled a minute ago whose only case, filed before it enrolled, the council rejected."""
    case = file_complaint(merchant=unlisted_shop)
    step(supervisor, case, "review_reject", message="Not a consumer dispute.")
    return enrolment.approve_merchant(actor=supervisor, merchant_id=unlisted_shop.pk)


def test_a_case_the_council_rejected_before_enrolment_does_not_count(client, api, newly_enrolled):
    record = records.public_record(newly_enrolled)
    assert (record["complaints_received"], record["closed"], record["resolution_rate"]["n"]) == (0, 0, 0)
    body = api.get(detail(newly_enrolled.pk)).json()
    assert body["credit_index"] is None
    assert body["record"]["credit_index"] is None
    assert body["record"]["credit_index_reason"] == "no_cases"
    text = client.get(f"/merchants/{newly_enrolled.pk}/").content.decode()
    assert "0.0" not in text
    assert "No cases in the last 12 months" in text


def test_a_case_reviewed_by_the_council_before_enrolment_does_not_count(file_complaint, supervisor, unlisted_shop):
    case = file_complaint(merchant=unlisted_shop)
    step(supervisor, case, "review_accept")
    merchant = enrolment.approve_merchant(actor=supervisor, merchant_id=unlisted_shop.pk)
    assert records.public_record(merchant)["complaints_received"] == 0


def test_a_case_withdrawn_before_the_merchant_answered_does_not_count(file_complaint, wang, shop, settings):
    settings.RECORD_MIN_CASES = 1
    step(wang, file_complaint(), "withdraw")
    record = records.public_record(shop)
    assert (record["complaints_received"], record["closed"], record["credit_index"]) == (0, 0, None)
    assert record["credit_index_reason"] == "no_cases"


def test_a_case_withdrawn_after_the_answer_counts_as_answered_but_not_as_unresolved(
    answered_case, wang, shop, settings
):
    settings.RECORD_MIN_CASES = 1
    step(wang, answered_case(), "withdraw")
    record = records.public_record(shop)
    assert (record["complaints_received"], record["answered"]) == (1, 1)
    assert record["resolution_rate"] == {"rate": None, "n": 0}
    assert record["credit_index"] == 100.0  # answered in time; nothing closed against it


def test_below_the_minimum_the_record_says_not_enough_cases_yet(client, api, file_complaint, shop, settings):
    settings.RECORD_MIN_CASES = 5
    for _ in range(4):
        file_complaint()
    body = api.get(detail(shop.pk)).json()
    assert (body["credit_index"], body["record"]["credit_index_reason"]) == (None, "not_enough_cases")
    assert (body["record"]["complaints_received"], body["record"]["min_cases"]) == (4, 5)
    listed = {m["id"]: m["credit_index"] for m in api.get("/api/v1/merchants/").json()["results"]}
    assert listed[shop.pk] is None
    text = client.get(f"/merchants/{shop.pk}/").content.decode()
    assert "Not enough cases yet: 4 of the 5 needed" in text
    assert 'class="muted index-pending">Not enough cases yet<' in client.get("/merchants/").content.decode()

    file_complaint()
    body = api.get(detail(shop.pk)).json()
    assert body["credit_index"] == 100.0  # five cases, none due yet: nothing against the merchant
    assert body["record"]["credit_index_reason"] is None
    assert "Not enough cases yet" not in client.get(f"/merchants/{shop.pk}/").content.decode()


def test_the_minimum_is_a_setting(file_complaint, shop, settings):
    file_complaint()
    settings.RECORD_MIN_CASES = 2
    assert records.public_record(shop)["credit_index"] is None
    settings.RECORD_MIN_CASES = 1
    assert records.public_record(shop)["credit_index"] == 100.0


@pytest.mark.parametrize("url", ["/merchants/", "/merchants/{pk}/"])
def test_the_public_pages_document_which_cases_count_and_the_minimum(client, shop, settings, url):
    settings.RECORD_MIN_CASES = 5
    text = client.get(url.format(pk=shop.pk)).content.decode()
    assert "Which cases count" in text
    assert "Only cases the merchant was given to answer count" in text
    assert "at least 5 such cases in the last 12 months" in text
