"""Text search gives the exact substring test's cases in the list's order, page after page and with
the same capped count, whichever way it runs: through the index for a rare word, walking the
list's order for a common one, and without the index even for the count for a very common one."""

import time

import pytest

from complaints import search
from complaints.models import Complaint
from mediation import paging
from supervision import selectors

pytestmark = pytest.mark.django_db

# Of the 40 cases below: 2 hold 退货难 (rare), 8 hold 虚假宣传 and 10 hold IPHONE in any case
# (common), 24 hold 质量问题 (very common); others hold a needle's pairs but not the needle.
RARE, COMMON, COMMON_ASCII, VERY_COMMON = "退货难", "虚假宣传", "iPhone", "质量问题"


def _text(i: int) -> tuple[str, str]:
    title = "手机质量问题" if i % 5 < 3 else "质量很好，问题在物流"
    description = "商家拒绝处理。"
    if i % 5 == 1:
        description += "店铺虚假宣传，夸大功能。"
    if i % 4 == 0:
        description += ["Bought an IPHONE case.", "iphone 15", "my iPhone"][i % 3]
    if i in (7, 31):
        description += "退货难，客服不理。"
    if i % 7 == 3:
        description += "虚假的宣传页面；退货很难。"  # the pairs of 虚假宣传 and 退货难, not the words
    return title, description


@pytest.fixture
def cases(file_complaint, wang, li, settings):
    settings.COMPLAINTS_PER_DAY = 100
    settings.SEARCH_COMMON_SHARE = 0.1
    settings.SEARCH_VERY_COMMON_SHARE = 0.3
    filed = []
    for i in range(40):
        title, description = _text(i)
        filed.append(file_complaint(consumer=wang if i % 2 else li, title=title, description=description))
    # Priorities spread over the cases so that the queue's order is not the filing order.
    for i, case in enumerate(filed):
        Complaint.objects.filter(pk=case.pk).update(priority=(i * 7) % 5)
    return filed


def _holding(needle: str, order: tuple[str, ...]) -> list[str]:
    """The exact substring test, in Python, over every case, in the list's order."""
    upper = needle.upper()
    return [
        case.case_number
        for case in Complaint.objects.order_by(*order)
        if upper in case.title.upper()
        or upper in case.description.upper()
        or case.case_number.upper() == upper
        or case.order_number == needle
    ]


def _api_pages(client, needle: str) -> tuple[list[str], list[tuple[int, bool]]]:
    found, counts, page = [], [], 1
    while True:
        response = client.get("/api/v1/complaints/", {"q": needle, "page": page, "page_size": 3})
        assert response.status_code == 200
        body = response.json()
        found += [row["case_number"] for row in body["results"]]
        counts.append((body["count"], body["count_capped"]))
        if not body["next"]:
            return found, counts
        page += 1


def _queue_pages(client, needle: str, monkeypatch) -> tuple[list[str], int]:
    from supervision import views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    found, page = [], 1
    while True:
        response = client.get("/council/", {"q": needle, "page": page})
        assert response.status_code == 200
        shown = response.context["page"]
        found += [case.case_number for case in shown.object_list]
        if not shown.has_next():
            return found, shown.paginator.count
        page += 1


def _regime(needle: str, settings) -> str:
    share = search.share(needle)
    if share < settings.SEARCH_COMMON_SHARE:
        return "rare"
    return "common" if share <= settings.SEARCH_VERY_COMMON_SHARE else "very common"


@pytest.mark.parametrize(
    ("needle", "regime"),
    [(RARE, "rare"), (COMMON, "common"), (COMMON_ASCII, "common"), (VERY_COMMON, "very common")],
)
def test_every_regime_finds_the_exact_cases_in_the_queue_order(
    cases, needle, regime, client, supervisor, settings, monkeypatch
):
    assert _regime(needle, settings) == regime
    expected = _holding(needle, ("-priority", "filed_at", "pk"))
    assert expected  # the data holds the needle
    monkeypatch.setattr(paging, "COUNT_CAP", 9)
    client.force_login(supervisor)
    found, count = _queue_pages(client, needle, monkeypatch)
    assert found == expected[:9]  # pages reach as far as the count: the first COUNT_CAP cases
    assert count == min(len(expected), 9)


def _raise_to_the_head(cases) -> None:
    """Eleven cases get a safety complaint's priority or more, the first ones holding every
    needle but the rare one, the others none: the head's matches and the rest meet mid-page."""
    for i, case in enumerate(cases[:11]):
        Complaint.objects.filter(pk=case.pk).update(priority=search.HEAD_PRIORITY + (i % 3) * 5)


@pytest.mark.parametrize("cap", [9, 10_000])
@pytest.mark.parametrize("needle", [COMMON, COMMON_ASCII, VERY_COMMON])
def test_the_queue_head_searched_through_its_own_index_gives_the_exact_cases_in_order(
    cases, needle, cap, client, supervisor, settings, monkeypatch
):
    _raise_to_the_head(cases)
    monkeypatch.setattr(search, "HEAD_RARE_SHARE", 1.01)  # however common in the head
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    expected = _holding(needle, search.QUEUE_ORDER)
    head = [c.case_number for c in Complaint.objects.filter(priority__gte=search.HEAD_PRIORITY)]
    assert 0 < len(set(expected) & set(head)) < len(expected)  # matches in the head and after it
    rows = search.matching(selectors.staff_queue(supervisor), needle)
    assert isinstance(search.head_first(rows), search.HeadFirst)
    client.force_login(supervisor)

    found, count = _queue_pages(client, needle, monkeypatch)

    assert found == expected[:cap]
    assert count == min(len(expected), cap)


def test_the_head_is_searched_through_its_index_only_for_a_word_rare_there(cases, supervisor, settings):
    _raise_to_the_head(cases)
    settings.SEARCH_SHARE_SECONDS = 0  # each estimate sampled afresh
    queue = selectors.staff_queue(supervisor)
    rare_in_head = "物流"  # in the title of some cases, none of the head's first ones after the change below
    Complaint.objects.filter(priority__gte=search.HEAD_PRIORITY).update(title="手机质量问题")

    assert search.head_share(rare_in_head) == 0.0
    assert isinstance(search.head_first(search.matching(queue, rare_in_head)), search.HeadFirst)
    assert search.head_share(VERY_COMMON) == 1.0
    assert not isinstance(search.head_first(search.matching(queue, VERY_COMMON)), search.HeadFirst)
    # Nor in another order than the queue's (the case list API's, newest first).
    newest_first = search.matching(queue.order_by("-filed_at"), rare_in_head)
    assert not isinstance(search.head_first(newest_first), search.HeadFirst)


@pytest.mark.parametrize("needle", [RARE, COMMON, COMMON_ASCII, VERY_COMMON, "iphone 15", "x"])
def test_every_regime_pages_and_counts_like_the_exact_test_in_the_api(cases, needle, api, supervisor, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 9)
    expected = _holding(needle, ("-filed_at",))
    found, counts = _api_pages(api.as_(supervisor), needle)
    assert found == expected[:9]
    assert set(counts) == {(min(len(expected), 9), len(expected) > 9)}


def test_a_common_word_counts_through_the_index_and_a_very_common_one_without(cases):
    queryset = Complaint.objects.all()
    rare, common, very_common = (search.matching(queryset, n) for n in (RARE, COMMON, VERY_COMMON))
    assert "@@" in str(rare.query) and getattr(rare.query, "count_narrowing", None) is None
    assert "@@" not in str(common.query) and getattr(common.query, "count_narrowing", None) is not None
    assert "@@" not in str(very_common.query)
    assert getattr(very_common.query, "count_narrowing", None) is None
    # A Han-only word is tested on the text as it is; a word with letters on the text folded.
    assert 'STRPOS("complaints_complaint"."description", 质量问题)' in str(very_common.query)
    assert 'STRPOS(UPPER("complaints_complaint"."description"), IPHONE)' in str(
        search.matching(queryset, COMMON_ASCII).query
    )


def test_a_callers_cases_are_found_beside_a_common_word(cases, api, supervisor, wang, monkeypatch):
    """A word that is also a caller's name finds their cases too, and the count counts them."""
    from accounts.models import User

    User.objects.filter(pk=wang.pk).update(name=COMMON)
    monkeypatch.setattr(paging, "COUNT_CAP", 100)
    expected = set(_holding(COMMON, ("-filed_at",))) | {c.case_number for c in Complaint.objects.filter(consumer=wang)}
    found, counts = _api_pages(api.as_(supervisor), COMMON)
    assert set(found) == expected and len(found) == len(expected)
    assert counts[0] == (len(expected), False)


def test_the_estimate_is_kept_ten_minutes_then_sampled_again(file_complaint, settings, monkeypatch):
    settings.COMPLAINTS_PER_DAY = 100
    for _ in range(3):
        file_complaint(description="商家拒绝退款。")
    file_complaint(description="屏幕坏点。")
    assert search.share("退款") == 0.75
    for _ in range(4):
        file_complaint(description="屏幕坏点。")
    assert search.share("退款") == 0.75  # the cached estimate

    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    assert search.share("退款") == 3 / 8


def test_a_callers_name_is_looked_up_through_an_index(supervisor):
    """Every text search by council staff also looks for a consumer of that name."""
    from django.db import connection

    from accounts.models import Role, User

    names = User.objects.filter(role=Role.CONSUMER, name__iexact=COMMON).values("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        assert "user_name_upper" in names.explain()


def test_a_word_is_very_common_from_a_share_that_falls_as_the_table_grows(db):
    from django.core.cache import cache

    cases = Complaint.objects.all()
    cache.set("search-cases:complaints_complaint", 150_000)
    assert search.very_common_share(cases) == pytest.approx(0.181, abs=0.001)
    cache.set("search-cases:complaints_complaint", 1_000_000)
    assert search.very_common_share(cases) == pytest.approx(0.07)  # 电话 (14 %) counts by scan
    cache.set("search-cases:complaints_complaint", 10_000_000)
    assert search.very_common_share(cases) == pytest.approx(0.022, abs=0.001)
    cache.clear()
    assert search.very_common_share(cases) == 1.0  # a small table (PostgreSQL's estimate): always the index


def test_the_head_index_covers_the_head_as_the_search_defines_it(db):
    from django.db import connection

    from complaints.priority import RULES

    assert search.HEAD_PRIORITY == RULES["safety"][0]  # a safety complaint heads the queue
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'complaint_search_terms_head'")
        [(definition,)] = cursor.fetchall()
    assert definition.endswith(f"USING gin (search_terms) WHERE (priority >= {search.HEAD_PRIORITY})")
