"""Text search finds Chinese words, through a GIN index on PostgreSQL, with exact results."""

import random

import pytest
from django.db import connection

from complaints import search
from complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_terms_of_chinese_and_ascii_text():
    assert search.search_terms("质量问题") == " ".join(sorted(["质", "量", "问", "题", "质量", "量问", "问题"]))
    assert set(search.search_terms("Order TB2024").split()) == {"ord", "rde", "der", "tb2", "b20", "202", "024"}
    # Punctuation and other scripts give no terms; short ASCII runs of a text are whole terms.
    assert set(search.search_terms("iPad 5G，退！").split()) == {"ipa", "pad", "5g", "退"}


def test_every_substring_of_a_text_matches_its_terms():
    """The index is only a filter: whatever the needle, a text holding it has all its terms."""
    rng = random.Random(315)
    alphabet = "质量问题退款虚假宣传手机屏幕 AbCd12，。!x"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        start = rng.randrange(len(text))
        needle = text[start : start + rng.randint(1, 12)]
        needle_terms = set(filter(None, search.needle_query(needle).replace("'", "").split(" & ")))
        assert needle_terms <= set(search.search_terms(text).split()), (text, needle)


def test_filing_stores_terms_and_the_queue_finds_chinese_words(file_complaint, supervisor, api):
    refund = file_complaint(title="申请退款被拒", description="商家拒绝七天无理由退货。")
    quality = file_complaint(title="手机质量问题", description="屏幕有坏点，order TB20240315。")
    assert "退款" in refund.search_terms.split()

    def found(q):
        response = api.as_(supervisor).get("/api/v1/complaints/", {"q": q})
        assert response.status_code == 200
        return {row["case_number"] for row in response.json()["results"]}

    assert found("退款") == {refund.case_number}
    assert found("质量问题") == {quality.case_number}
    assert found("坏") == {quality.case_number}
    assert found("tb2024") == {quality.case_number}
    assert found("退款问题") == set()  # no case holds the phrase
    assert found("x") == set()  # no term: the substring test alone


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_text_search_uses_the_gin_index(file_complaint, settings):
    settings.SEARCH_COMMON_SHARE = 2  # every needle counts as rare (tests/complaints/test_search_results.py)
    file_complaint(title="申请退款被拒")
    queryset = search.matching(Complaint.objects.order_by(), "退款")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "complaint_search_terms" in plan
