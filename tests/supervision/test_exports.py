"""Exports of the filtered case list: /council/export.csv and .xlsx, and the API's."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import workflow

PAGE_CSV = "/council/export.csv"
PAGE_XLSX = "/council/export.xlsx"
API_CSV = "/api/v1/complaints/export.csv"
API_XLSX = "/api/v1/complaints/export.xlsx"
HEADERS = [
    "Case number",
    "Title",
    "Filed at",
    "Council",
    "Mediator",
    "Merchant",
    "Category",
    "Purchase channel",
    "Platform",
    "Intake channel",
    "Amount (CNY)",
    "Demands",
    "Status",
    "Outcome",
    "Whose move",
    "Deadline",
    "Overdue",
    "First response at",
    "Closed at",
    "Satisfaction (1-5)",
    "Priority",
]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list]:
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def cases(file_complaint, owner, wang, li, other_shop):
    quality = file_complaint(title="Quality", platform="淘宝", order_number="ORD-1", demands=["refund", "return"])
    answered = workflow.perform(
        actor=owner,
        complaint_id=file_complaint(category="delivery", title="Lost parcel").pk,
        action="respond",
        kind="offer",
        message="Sorry",
        remedy="refund",
    )
    withdrawn = workflow.perform(actor=wang, complaint_id=file_complaint(category="delivery").pk, action="withdraw")
    yichang = file_complaint(consumer=li, merchant=other_shop, title="Yichang")
    return {"quality": quality, "answered": answered, "withdrawn": withdrawn, "yichang": yichang}


@pytest.mark.parametrize("url", [PAGE_CSV, API_CSV])
def test_csv_holds_exactly_the_filtered_rows(client, api, supervisor, cases, url):
    http = api.as_(supervisor) if url.startswith("/api/") else client
    client.force_login(supervisor)

    response = http.get(url, {"category": "delivery"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    rows = csv_rows(response)
    assert rows[0] == HEADERS
    assert {row[0] for row in rows[1:]} == {cases["answered"].case_number, cases["withdrawn"].case_number}


def test_csv_columns_are_translated_labels_in_local_time(client, supervisor, cases):
    client.force_login(supervisor)

    rows = csv_rows(client.get(PAGE_CSV, {"q": "ORD-1"}))

    assert len(rows) == 2
    row = dict(zip(HEADERS, rows[1], strict=True))
    case = cases["quality"]
    assert row["Case number"] == case.case_number
    assert row["Filed at"] == f"{timezone.localtime(case.filed_at):%Y-%m-%d %H:%M}"
    assert timezone.localtime(case.filed_at).utcoffset().total_seconds() == 8 * 3600
    assert row["Council"] == "Jiang'an District Consumer Council"
    assert row["Merchant"] == "Jiang'an Electronics"
    assert (row["Category"], row["Purchase channel"], row["Platform"]) == ("Quality", "E-commerce platform", "淘宝")
    assert (row["Amount (CNY)"], row["Demands"]) == ("2999.00", "Refund; Return")
    assert (row["Status"], row["Outcome"], row["Whose move"], row["Overdue"]) == (
        "Awaiting the merchant",
        "",
        "Merchant",
        "No",
    )
    assert row["Deadline"] and row["First response at"] == "" and row["Closed at"] == ""


@pytest.mark.parametrize("url", [PAGE_XLSX, API_XLSX])
def test_xlsx_opens_and_holds_the_filtered_rows(client, api, supervisor, cases, url):
    http = api.as_(supervisor) if url.startswith("/api/") else client
    client.force_login(supervisor)

    response = http.get(url, {"status": "awaiting_merchant"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = xlsx_rows(response)
    assert rows[0] == HEADERS
    assert [row[0] for row in rows[1:]] == [cases["quality"].case_number]
    row = dict(zip(HEADERS, rows[1], strict=True))
    assert row["Filed at"].tzinfo is None  # a local time; spreadsheets have no time zones
    assert float(row["Amount (CNY)"]) == 2999.0
    assert row["Priority"] == cases["quality"].priority


def test_exports_keep_the_queue_order_and_leave_out_other_jurisdictions(client, supervisor, cases):
    client.force_login(supervisor)

    numbers = [row[0] for row in csv_rows(client.get(PAGE_CSV))[1:]]
    queue = [case.case_number for case in client.get("/council/").context["page"]]

    assert numbers == queue
    assert cases["yichang"].case_number not in numbers


def test_no_consumer_contact_data_in_the_exports(client, supervisor, cases, wang):
    client.force_login(supervisor)

    text = b"".join(client.get(PAGE_CSV).streaming_content).decode("utf-8")
    workbook = b"".join(client.get(PAGE_XLSX).streaming_content)
    cells = " ".join(str(v) for row in xlsx_rows_from_bytes(workbook) for v in row)

    for export in (text, cells):
        assert wang.phone not in export
        assert wang.name not in export
        assert "138****" not in export


def xlsx_rows_from_bytes(content: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_text_a_consumer_typed_is_never_a_formula(client, supervisor, file_complaint):
    file_complaint(platform='=HYPERLINK("http://x")')
    client.force_login(supervisor)

    row = dict(zip(HEADERS, csv_rows(client.get(PAGE_CSV))[1], strict=True))
    cell = dict(zip(HEADERS, xlsx_rows(client.get(PAGE_XLSX))[1], strict=True))

    assert row["Platform"].startswith("'=")
    assert cell["Platform"].startswith("'=")


# --- who may export ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [PAGE_CSV, PAGE_XLSX])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize("url", [PAGE_CSV, PAGE_XLSX])
@pytest.mark.parametrize("person", ["wang", "owner", "agent", "mediator"])
def test_only_supervisors_export_pages(request, client, url, person):
    client.force_login(request.getfixturevalue(person))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [API_CSV, API_XLSX])
@pytest.mark.parametrize("person", ["wang", "owner", "agent", "mediator"])
def test_only_supervisors_export_through_the_api(request, api, url, person):
    response = api.as_(request.getfixturevalue(person)).get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


@pytest.mark.parametrize("url", [API_CSV, API_XLSX])
def test_the_api_export_needs_a_login(api, db, url):
    assert api.get(url).status_code == 401


def test_the_api_refuses_filters_it_does_not_understand(api, supervisor, cases, other_shop):
    response = api.as_(supervisor).get(API_CSV, {"merchant": other_shop.pk, "priority": "-4"})

    assert response.status_code == 400
    assert {"merchant", "priority"} <= set(response.json())


def test_the_queue_offers_export_links_with_its_filters_to_supervisors_only(client, supervisor, mediator, cases):
    client.force_login(supervisor)
    page = client.get("/council/", {"category": "delivery", "page": "1"})
    client.force_login(mediator)
    mediator_page = client.get("/council/", {"category": "delivery"})

    assert 'href="/council/export.csv?category=delivery"' in page.text
    assert 'href="/council/export.xlsx?category=delivery"' in page.text
    assert "export.csv" not in mediator_page.text
