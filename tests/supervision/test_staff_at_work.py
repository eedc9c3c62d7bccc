"""Council staff at work: the queue's order menu, a mediator's own cases, finding a caller,
exports a council can report from, and a weekly chart people read."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.utils import translation

from complaints import workflow
from supervision.views import week_labels

QUEUE = "/council/"
API = "/api/v1/complaints/"
DASHBOARD = "/council/dashboard/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


def listed(response) -> set[str]:
    return {case.case_number for case in response.context["page"]}


def api_listed(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["case_number"] for row in response.json()["results"]}


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no menu {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def _mediated(file_complaint, owner, wang, supervisor, mediator, **fields):
    case = file_complaint(**fields)
    workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )
    workflow.perform(actor=wang, complaint_id=case.pk, action="request_mediation", message="Please help")
    return workflow.perform(actor=supervisor, complaint_id=case.pk, action="assign", mediator=mediator.pk)


# --- the queue's order menu --------------------------------------------------------------


@pytest.mark.parametrize("language", [EN, ZH])
def test_the_order_menu_offers_each_order_once_under_its_own_label(client, supervisor, file_complaint, language):
    file_complaint()
    client.force_login(supervisor)

    menu = options(client.get(QUEUE, **language).text, "ordering")

    values = [value for value, _label in menu]
    assert values == ["", "due_at", "-filed_at", "filed_at"]
    assert len({label for _value, label in menu}) == len(menu)
    assert not any("descending" in label or "(" in label for _value, label in menu)


def test_the_english_order_labels_say_what_comes_first(client, supervisor, file_complaint):
    file_complaint()
    client.force_login(supervisor)

    menu = dict(options(client.get(QUEUE, **EN).text, "ordering"))

    assert menu == {
        "": "Highest priority first",
        "due_at": "Nearest deadline first",
        "-filed_at": "Newest first",
        "filed_at": "Oldest first",
    }


def test_orders_outside_the_menu_still_work_in_links_and_the_export_api(client, api, supervisor, file_complaint):
    first, second = file_complaint(title="First"), file_complaint(title="Second")
    client.force_login(supervisor)

    page = client.get(QUEUE, {"ordering": "-priority"})
    export = api.as_(supervisor).get("/api/v1/complaints/export.csv", {"ordering": "-due_at"})

    assert not page.context["filter_form"].errors
    assert [case.pk for case in page.context["page"]] == [first.pk, second.pk]  # equal priority: by id
    assert export.status_code == 200


# --- a mediator's own cases ------------------------------------------------------------------


@pytest.fixture
def assigned(file_complaint, owner, wang, supervisor, mediator):
    return _mediated(file_complaint, owner, wang, supervisor, mediator, title="Needs a mediator")


def test_a_mediator_opens_the_queue_on_the_cases_assigned_to_them(client, mediator, assigned, file_complaint):
    other = file_complaint(title="Still with the merchant")
    client.force_login(mediator)

    response = client.get(QUEUE)

    assert listed(response) == {assigned.case_number}
    assert other.case_number not in response.text
    assert re.search(r'<input type="checkbox" name="mine"[^>]*checked', response.text)


def test_the_mediator_clears_the_default_to_see_every_case(client, mediator, assigned, file_complaint):
    other = file_complaint(title="Still with the merchant")
    client.force_login(mediator)

    clear = re.search(r'<a class="btn btn-secondary" href="([^"]+)">Clear filters</a>', client.get(QUEUE).text)
    assert clear, "the default filter can be cleared"
    everything = client.get(clear.group(1).replace("&amp;", "&"))

    assert listed(everything) == {assigned.case_number, other.case_number}
    assert not re.search(r'<input type="checkbox" name="mine"[^>]*checked', everything.text)
    assert "Clear filters" not in everything.text


def test_a_mediator_who_unticks_the_box_and_filters_sees_every_case(client, mediator, assigned, file_complaint):
    other = file_complaint(title="Still with the merchant")
    client.force_login(mediator)

    # The form as the browser sends it, with the box unticked.
    response = client.get(QUEUE, {"status": "", "q": "", "open": "on"})

    assert listed(response) == {assigned.case_number, other.case_number}


def test_a_supervisor_still_opens_on_every_case(client, supervisor, assigned, file_complaint):
    other = file_complaint(title="Still with the merchant")
    client.force_login(supervisor)

    assert listed(client.get(QUEUE)) == {assigned.case_number, other.case_number}


# --- finding a caller ------------------------------------------------------------------------


@pytest.fixture
def callers(file_complaint, li):
    return {
        "wang": file_complaint(title="Kettle leaks", description="It leaks."),
        "li": file_complaint(consumer=li, title="Phone screen cracked"),
    }


@pytest.mark.parametrize("typed", ["13800138001", "138 0013 8001", "+86 138-0013-8001"])
def test_staff_find_a_callers_cases_by_their_whole_mobile_number(client, supervisor, callers, typed):
    client.force_login(supervisor)

    assert listed(client.get(QUEUE, {"q": typed})) == {callers["li"].case_number}


def test_staff_find_a_callers_cases_by_their_full_name(client, supervisor, callers):
    client.force_login(supervisor)

    assert listed(client.get(QUEUE, {"q": "李娜"})) == {callers["li"].case_number}
    assert listed(client.get(QUEUE, {"q": " 王小明 "})) == {callers["wang"].case_number}


def test_a_part_of_a_number_finds_nobody(client, supervisor, callers):
    client.force_login(supervisor)

    for typed in ("1380013800", "38001380", "8001", "138****8001"):
        assert listed(client.get(QUEUE, {"q": typed})) == set(), typed


def test_text_search_still_finds_the_words_of_a_case(client, supervisor, callers):
    client.force_login(supervisor)

    assert listed(client.get(QUEUE, {"q": "screen"})) == {callers["li"].case_number}


def test_the_api_list_finds_callers_for_staff(api, supervisor, callers):
    staff = api.as_(supervisor)

    assert api_listed(staff.get(API, {"q": "13800138001"})) == {callers["li"].case_number}
    assert api_listed(staff.get(API, {"q": "王小明"})) == {callers["wang"].case_number}


@pytest.mark.parametrize("person", ["owner", "agent"])
def test_merchant_staff_never_find_a_consumer_by_number_or_name(api, request, callers, person):
    merchant = api.as_(request.getfixturevalue(person))

    assert api_listed(merchant.get(API)) == {callers["wang"].case_number, callers["li"].case_number}
    assert api_listed(merchant.get(API, {"q": "13800138001"})) == set()
    assert api_listed(merchant.get(API, {"q": "李娜"})) == set()


def test_staff_do_not_find_a_caller_outside_their_jurisdiction(api, sibling_supervisor, callers):
    assert api_listed(api.as_(sibling_supervisor).get(API, {"q": "13800138001"})) == set()


# --- exports ----------------------------------------------------------------------------------


@pytest.fixture
def export_case(file_complaint, owner, wang, supervisor, mediator):
    return _mediated(file_complaint, owner, wang, supervisor, mediator, title="Charger caught fire")


def test_the_csv_carries_the_title_and_the_mediator(client, supervisor, export_case):
    client.force_login(supervisor)

    body = b"".join(client.get("/council/export.csv", **EN).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))

    assert [(row["Case number"], row["Title"], row["Mediator"]) for row in rows] == [
        (export_case.case_number, "Charger caught fire", "Sun Mediator")
    ]


@pytest.mark.parametrize("url", ["/council/export.xlsx", "/api/v1/complaints/export.xlsx"])
def test_the_workbook_has_widths_amounts_and_dates_a_spreadsheet_reads(client, api, supervisor, export_case, url):
    http = api.as_(supervisor) if url.startswith("/api/") else client
    client.force_login(supervisor)

    content = b"".join(http.get(url, **EN).streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    column = {name: index + 1 for index, name in enumerate(header)}
    row = {name: sheet.cell(row=2, column=index) for name, index in column.items()}

    assert row["Title"].value == "Charger caught fire"
    assert row["Mediator"].value == "Sun Mediator"
    amount = row["Amount (CNY)"]
    assert amount.data_type == "n" and amount.value == 2999 and amount.number_format == "#,##0.00"
    for name in ("Filed at", "Deadline"):
        assert row[name].is_date and isinstance(row[name].value, datetime.datetime), name
        assert row[name].number_format == "yyyy-mm-dd hh:mm", name
    widths = {name: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for name, i in column.items()}
    assert widths["Title"] >= 30 and widths["Filed at"] >= 16
    assert all(width >= 8 for width in widths.values())


# --- the weekly chart ------------------------------------------------------------------------


MONDAYS = [
    datetime.date(2025, 12, 22),
    datetime.date(2025, 12, 29),
    datetime.date(2026, 1, 5),
    datetime.date(2026, 1, 12),
]


def test_weeks_are_named_by_their_monday_as_people_write_a_date():
    with translation.override("en"):
        english = week_labels(MONDAYS, today=datetime.date(2026, 3, 18))
        this_year = week_labels(MONDAYS[2:], today=datetime.date(2026, 3, 18))
    with translation.override("zh-hans"):
        chinese = week_labels(MONDAYS, today=datetime.date(2026, 3, 18))

    assert english == ["22 Dec 2025", "29 Dec", "5 Jan 2026", "12 Jan"]
    assert this_year == ["5 Jan", "12 Jan"]
    assert chinese == ["2025年12月22日", "12月29日", "2026年1月5日", "1月12日"]


@pytest.mark.parametrize(("language", "last"), [(EN, "16 Mar"), (ZH, "3月16日")])
def test_the_chart_names_weeks_by_date_in_the_readers_language(client, supervisor, month, language, last):
    client.force_login(supervisor)

    chart = client.get(DASHBOARD, **language).context["chart_data"]["weekly"]

    assert len(chart["labels"]) == 12 and chart["labels"][-1] == last
    assert not any(re.search(r"\d{4}-W\d\d", label) for label in chart["labels"])
    assert last in chart["titles"][-1]


def test_the_weekly_counts_are_drawn_as_bars_not_curves(settings):
    script = (settings.BASE_DIR / "static" / "js" / "dashboard.js").read_text()
    trend = script[script.index('getElementById("trend-chart")') : script.index('getElementById("category-chart")')]

    assert 'type: "bar"' in trend
    assert "tension" not in trend and '"line"' not in trend
