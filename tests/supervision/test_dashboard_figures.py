"""Every figure of the staff dashboard, page and API, against the hand-built month (conftest)."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.models import Council

from .conftest import EXPECTED, EXPECTED_WEEKS

DASHBOARD = "/council/dashboard/"
STATS = "/api/v1/stats/"


@pytest.fixture
def page(client, supervisor, month):
    client.force_login(supervisor)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_figure_on_the_page_is_the_known_answer(page, name):
    assert page.context["figures"][name] == EXPECTED[name]


def test_weekly_trend_counts_filed_and_closed_cases_per_iso_week(page):
    weekly = page.context["figures"]["weekly"]

    assert len(weekly) == 12
    assert weekly[0]["week"] == "2026-W01"
    assert weekly[0]["week_start"].isoformat() == "2025-12-29"
    found = {w["week"]: {"filed": w["filed"], "closed": w["closed"]} for w in weekly if w["filed"] or w["closed"]}
    assert found == EXPECTED_WEEKS


def test_merchants_with_most_open_and_most_overdue_cases(page, shop, bookshop, unlisted_shop):
    figures = page.context["figures"]

    assert [(m["name"], m["open"], m["overdue"]) for m in figures["top_open_merchants"]] == [
        (shop.name, 2, 0),
        (unlisted_shop.name, 1, 1),
        (bookshop.name, 1, 0),
    ]
    assert [(m["merchant"], m["overdue"]) for m in figures["top_overdue_merchants"]] == [(unlisted_shop.pk, 1)]


def test_the_page_shows_the_figures_as_tables_beside_their_targets(page):
    html = page.text

    assert re.search(r'id="figure-open">\s*<span class="stat">4</span>', html)
    assert re.search(r'id="figure-new-today">\s*<span class="stat">1</span>', html)
    assert re.search(r'id="figure-overdue">\s*<span class="stat">1</span>', html)
    assert "1 more due within 24 h" in html
    assert "20.0%" in html and "resolved 1 of 5 closed" in html
    answered = html[html.index('id="row-answered-in-time"') :]
    assert re.search(r"80\.0%.*?4 of 5 cases whose deadline has come.*?≥ 90%.*?Missed", answered, re.S)
    first = html[html.index('id="row-first-response"') :]
    assert re.search(r"39\.0 h.*?4 answered cases.*?≤ 24 h.*?Missed", first, re.S)
    satisfaction = html[html.index('id="row-satisfaction"') :]
    assert re.search(r"3\.5 of 5 \(70\.0%\).*?2 ratings.*?≥ 4\.25 of 5 \(85%\).*?Missed", satisfaction, re.S)
    assert "published default" in html


def test_outcomes_are_each_on_their_own_line_with_the_n_and_period(page):
    table = page.text[page.text.index('id="by-outcome"') :]

    for outcome in ("resolved", "unconfirmed", "not_settled", "no_reply", "withdrawn"):
        assert re.search(
            rf'data-outcome="{outcome}"><td>[^<]+</td><td class="count">1</td><td class="count">20\.0%', table
        )
    assert "Shares of 5 closed cases, all cases filed so far." in table


def test_weekly_and_category_tables_hold_the_chart_figures(page):
    html = page.text

    assert re.search(r'data-week="2026-W11">.*?<td class="count">3</td><td class="count">3</td>', html)
    assert re.search(r'data-category="quality"><td>Quality</td><td class="count">5</td>.*?55\.6%', html, re.S)
    data = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    assert '"filed": [0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3]' in data
    assert '"closed": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 1]' in data


def test_charts_are_drawn_by_a_local_library_and_no_inline_script(page):
    html = page.text

    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in html
    assert '<script src="/static/js/dashboard.js" defer></script>' in html
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert inline == []
    assert "cdn" not in html.lower()


def test_the_api_gives_the_same_figures_as_the_page(api, supervisor, page):
    figures = api.as_(supervisor).get(STATS).json()

    for name, value in EXPECTED.items():
        assert figures[name] == value, name
    page_figures = page.context["figures"]
    assert figures["weekly"] == [{**w, "week_start": w["week_start"].isoformat()} for w in page_figures["weekly"]]
    assert figures["top_open_merchants"] == page_figures["top_open_merchants"]
    assert figures["period"] == {"filed_after": None, "filed_before": None}


# --- filters -----------------------------------------------------------------------------


def test_region_filter_narrows_to_a_district(client, api, supervisor, month, jiangan):
    client.force_login(supervisor)

    page = client.get(DASHBOARD, {"region": jiangan.pk})
    figures = api.as_(supervisor).get(STATS, {"region": jiangan.pk}).json()

    assert page.context["figures"]["total"] == figures["total"] == 8  # c9 is in Wuhan city itself
    assert page.context["figures"]["by_status"]["awaiting_merchant"] == figures["by_status"]["awaiting_merchant"] == 2
    assert figures["council"] == {"id": jiangan.pk, "name": jiangan.name}
    assert 'href="/council/?region=' in page.text


def test_date_filter_takes_cases_filed_between_both_days_included(client, api, supervisor, month):
    client.force_login(supervisor)
    params = {"filed_after": "2026-03-09", "filed_before": "2026-03-15"}

    page = client.get(DASHBOARD, params)
    figures = api.as_(supervisor).get(STATS, params).json()

    # c4, c5 and c7.
    for result in (page.context["figures"], figures):
        assert result["total"] == 3
        assert result["open"] == 1
        assert result["by_outcome"]["no_reply"] == 1 and result["by_outcome"]["withdrawn"] == 1
        assert result["resolution_rate"] == 0.0
        assert result["first_response"]["average_hours"] == 48.0
    assert [w["week"] for w in figures["weekly"]] == ["2026-W11"]
    assert "filed from 2026-03-09 to 2026-03-15" in page.text


def test_a_region_outside_the_jurisdiction_is_refused(client, api, supervisor, month, yichang):
    client.force_login(supervisor)

    page = client.get(DASHBOARD, {"region": yichang.pk})
    response = api.as_(supervisor).get(STATS, {"region": yichang.pk})

    assert page.status_code == 200
    assert "region" in page.context["form"].errors
    assert page.context["figures"]["total"] == 9  # the whole jurisdiction, never Yichang's
    assert response.status_code == 400
    assert "region" in response.json()


@pytest.mark.parametrize(
    "params",
    [
        {"filed_after": "2026-03-20", "filed_before": "2026-03-01"},
        {"filed_after": "yesterday"},
        {"region": "x"},
        {"filed_before": "9999-12-31", "filed_after": "0001-01-01"},
    ],
)
def test_odd_filters_never_break_the_page_or_the_api(client, api, supervisor, month, params):
    client.force_login(supervisor)

    assert client.get(DASHBOARD, params).status_code == 200
    assert api.as_(supervisor).get(STATS, params).status_code in (200, 400)


# --- jurisdiction ---------------------------------------------------------------------------


def test_the_sibling_city_sees_only_its_own_case(client, sibling_supervisor, month):
    client.force_login(sibling_supervisor)

    figures = client.get(DASHBOARD).context["figures"]

    assert figures["total"] == 1
    assert figures["by_status"]["awaiting_merchant"] == 1
    assert month["c1"].case_number not in client.get(DASHBOARD).text


def test_a_wuhan_supervisor_cannot_pick_yichang_as_a_region(client, supervisor, month, yichang, jiangan, wuhan):
    client.force_login(supervisor)

    choices = list(client.get(DASHBOARD).context["form"].fields["region"].queryset)

    assert choices == [wuhan, jiangan]
    assert yichang not in choices


# --- targets -----------------------------------------------------------------------------


def test_a_council_without_targets_uses_its_parents(client, supervisor, month, hubei, wuhan):
    Council.objects.filter(pk=hubei.pk).update(target_handling_rate=75, target_first_response_hours=48)
    Council.objects.filter(pk=wuhan.pk).update(target_satisfaction=60)
    client.force_login(supervisor)

    figures = client.get(DASHBOARD).context["figures"]

    assert figures["targets"]["handling_rate"] == 75
    assert figures["targets"]["first_response_hours"] == 48
    assert figures["targets"]["satisfaction"] == 60
    assert figures["targets"]["satisfaction_score"] == 3.0
    assert figures["targets"]["set_by"] == {
        "handling_rate": hubei.name,
        "satisfaction": wuhan.name,
        "first_response_hours": hubei.name,
    }
    # 80 % >= 75 %, 39 h <= 48 h, 3.5 >= 3.0; three of the four answers came within 48 h.
    assert figures["meets_target"] == {"handling_rate": True, "satisfaction": True, "first_response": True}
    assert figures["first_response"]["within_target"] == {"count": 3, "n": 4, "rate": 75.0}


def test_a_district_filter_uses_the_districts_own_targets(client, supervisor, month, jiangan):
    Council.objects.filter(pk=jiangan.pk).update(target_handling_rate=80)
    client.force_login(supervisor)

    figures = client.get(DASHBOARD, {"region": jiangan.pk}).context["figures"]

    assert figures["targets"]["handling_rate"] == 80
    assert figures["meets_target"]["handling_rate"] is True


def test_the_dashboard_links_to_the_notice_delivery_overview_when_it_exists(page):
    try:
        url = reverse("supervision:notices")
    except NoReverseMatch:
        assert 'id="notices-link"' not in page.text
    else:
        assert f'<a href="{url}" id="notices-link">' in page.text
