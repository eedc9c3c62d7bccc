"""Exports of a filtered case list as CSV and XLSX, for a council's monthly report.

Both are built for 100,000 rows and more: the rows are read from the database in chunks
(a server-side cursor on PostgreSQL) as plain tuples, never as a list of model objects.
CSV is streamed as it is written; XLSX is written by openpyxl's write-only workbook to a
temporary file on disk, which is then streamed. Labels are translated into the requester's
language and times are local (Asia/Shanghai). No consumer contact data is exported.

In the workbook every column has a width that fits its usual content, amounts are numbers
shown with two decimals and times are dates, so a spreadsheet sums and sorts them as such.
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from complaints.models import Category, Channel, Complaint, IntakeChannel, Outcome, Party, Remedy, Status
from mediation.text import clean_text

CHUNK_SIZE = 2000
BOM = "\ufeff"  # so that Excel reads the CSV as UTF-8 (Chinese names and labels)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The columns, in order: (header, the values_list fields the column is made from).
MEDIATOR_FIELDS = ("mediator__name", "mediator__first_name", "mediator__last_name", "mediator__username")
COLUMNS = [
    (gettext_lazy("Case number"), ("case_number",)),
    (gettext_lazy("Title"), ("title",)),
    (gettext_lazy("Filed at"), ("filed_at",)),
    (gettext_lazy("Council"), ("council__name",)),
    (gettext_lazy("Mediator"), MEDIATOR_FIELDS),
    (gettext_lazy("Merchant"), ("merchant__name", "merchant_name")),
    (gettext_lazy("Category"), ("category",)),
    (gettext_lazy("Purchase channel"), ("channel",)),
    (gettext_lazy("Platform"), ("platform",)),
    (gettext_lazy("Intake channel"), ("intake_channel",)),
    (gettext_lazy("Amount (CNY)"), ("amount",)),
    (gettext_lazy("Demands"), ("demands",)),
    (gettext_lazy("Status"), ("status",)),
    (gettext_lazy("Outcome"), ("outcome",)),
    (gettext_lazy("Whose move"), ("waiting_on",)),
    (gettext_lazy("Deadline"), ("due_at",)),
    (gettext_lazy("Overdue"), ("is_overdue",)),
    (gettext_lazy("First response at"), ("first_response_at",)),
    (gettext_lazy("Closed at"), ("closed_at",)),
    (gettext_lazy("Satisfaction (1-5)"), ("satisfaction",)),
    (gettext_lazy("Priority"), ("priority",)),
]
FIELDS = [field for _header, fields in COLUMNS for field in fields]
DATE_FORMAT = "%Y-%m-%d %H:%M"
# The workbook's column widths in characters (a Chinese character takes two), by the first
# field of a column; other columns are XLSX_WIDTH wide. Then the number formats.
XLSX_WIDTH = 14
XLSX_WIDTHS = {
    "case_number": 16,
    "title": 40,
    "filed_at": 17,
    "council__name": 26,
    "merchant__name": 28,
    "demands": 24,
    "status": 22,
    "outcome": 22,
    "due_at": 17,
    "is_overdue": 8,
    "first_response_at": 17,
    "closed_at": 17,
    "satisfaction": 10,
    "priority": 8,
}
XLSX_DATE = "yyyy-mm-dd hh:mm"
XLSX_FORMATS = {
    "filed_at": XLSX_DATE,
    "due_at": XLSX_DATE,
    "first_response_at": XLSX_DATE,
    "closed_at": XLSX_DATE,
    "amount": "#,##0.00",
}


@dataclass(frozen=True)
class Labels:
    """Translated labels, taken once in the request's language, before streaming starts."""

    headers: list[str]
    choices: dict[str, dict[str, str]]
    yes: str
    no: str

    @classmethod
    def current(cls) -> "Labels":
        enums = {
            "category": Category,
            "channel": Channel,
            "intake_channel": IntakeChannel,
            "status": Status,
            "outcome": Outcome,
        }
        choices = {name: {code: str(label) for code, label in enum.choices} for name, enum in enums.items()}
        choices["waiting_on"] = {code: str(label) for code, label in Party.choices}
        choices["demands"] = {code: str(label) for code, label in Remedy.choices}
        return cls(headers=[str(h) for h, _f in COLUMNS], choices=choices, yes=_("Yes"), no=_("No"))


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """A naive local time: spreadsheets have no time zones."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """Text a consumer typed (a merchant's name, a platform) is never taken for a formula, and
    is cleaned as it is today when typed: rows stored before that may hold control characters,
    which openpyxl refuses (one of them failed the whole workbook)."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _person(name, first_name, last_name, username) -> str:
    """A staff member as pages name them (User.display_name), from the row's columns."""
    return name or f"{first_name or ''} {last_name or ''}".strip() or username or ""


def export_rows(cases: QuerySet[Complaint], labels: Labels, now: datetime.datetime) -> Iterator[list]:
    """One list of typed values per case (datetimes naive local, amounts Decimal), in order."""
    rows = cases.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE)
    choices = labels.choices
    for row in rows:
        v = dict(zip(FIELDS, row, strict=True))
        is_open = v["status"] != Status.CLOSED
        overdue = is_open and (v["is_overdue"] or (v["due_at"] is not None and v["due_at"] < now))
        yield [
            _plain(v["case_number"]),
            _plain(v["title"]),
            _local(v["filed_at"]),
            _plain(v["council__name"]),
            _plain(_person(*(v[field] for field in MEDIATOR_FIELDS))),
            _plain(v["merchant__name"] or v["merchant_name"]),
            choices["category"].get(v["category"], v["category"]),
            choices["channel"].get(v["channel"], v["channel"]),
            _plain(v["platform"]),
            choices["intake_channel"].get(v["intake_channel"], v["intake_channel"]),
            v["amount"],
            "; ".join(choices["demands"].get(str(d), str(d)) for d in (v["demands"] or [])),
            choices["status"].get(v["status"], v["status"]),
            choices["outcome"].get(v["outcome"], v["outcome"]) if v["outcome"] else "",
            choices["waiting_on"].get(v["waiting_on"], v["waiting_on"]) if v["waiting_on"] else "",
            _local(v["due_at"]) if is_open else None,
            labels.yes if overdue else labels.no,
            _local(v["first_response_at"]),
            _local(v["closed_at"]),
            v["satisfaction"],
            v["priority"],
        ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class _Echo:
    """csv.writer writes into this and gets the line back, so each row can be yielded."""

    def write(self, value: str) -> str:
        return value


def csv_lines(cases: QuerySet[Complaint], labels: Labels, now: datetime.datetime) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(labels.headers)
    for row in export_rows(cases, labels, now):
        yield writer.writerow([_text(value) for value in row])


def _filename(extension: str) -> str:
    return f"complaints-{timezone.localdate():%Y%m%d}.{extension}"


def csv_response(cases: QuerySet[Complaint]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(cases, Labels.current(), timezone.now()), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def write_xlsx(cases: QuerySet[Complaint], target, labels: Labels, now: datetime.datetime) -> None:
    """Write the workbook row by row; openpyxl's write-only mode keeps no rows in memory
    (and writes through lxml, which is several times faster, when it is installed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Complaints")[:31])
    sheet.freeze_panes = "A2"
    for index, (_header, fields) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS.get(fields[0], XLSX_WIDTH)
    sheet.append(labels.headers)
    # One styled cell per formatted column, reused for every row: a row is written out as it
    # is appended, so the cell holds this row's value only until then.
    styled = {}
    for index, (_header, fields) in enumerate(COLUMNS):
        if fields[0] in XLSX_FORMATS:
            styled[index] = WriteOnlyCell(sheet)
            styled[index].number_format = XLSX_FORMATS[fields[0]]
    for row in export_rows(cases, labels, now):
        for index, cell in styled.items():
            if row[index] is not None:
                cell.value = row[index]
                row[index] = cell
        sheet.append(row)
    workbook.save(target)


def xlsx_response(cases: QuerySet[Complaint]) -> FileResponse:
    # An unnamed temporary file on disk: deleted as soon as the response closes it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(cases, handle, Labels.current(), timezone.now())
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
