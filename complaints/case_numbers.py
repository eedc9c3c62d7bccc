"""The case number (SPEC "Complaints": HB2026-000123): the root council's prefix, the year in
China, and the year's number in filing order.

On PostgreSQL the year's number comes from a database sequence per prefix and year, created on
the year's first filing by complaints_next_case_number (migration 0019). A sequence is not
transactional: parallel filings never wait for each other's commit, and a filing that rolls
back leaves a gap. Numbers stay unique and increasing within a year. A new sequence starts
after the CaseSequence row of its prefix and year, so it never repeats a number issued before.
The complaint's INSERT takes the number itself (complaints_case_number, migration 0025) and
returns it (CaseNumberField): a filing spends no round trip on its number.

Elsewhere (SQLite, the embedded default) the CaseSequence row is read and bumped under its row
lock: SQLite serialises every write anyway.
"""

import datetime

from django.db import connection
from django.db.models import CharField, Func, Value
from django.utils import timezone

from accounts.models import Council

from .models import CaseSequence


def format_case_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}{year}-{number:06d}"


def _root_id(council: Council) -> int:
    # The path is the chain of ids from the root ("/1/4/9/"): no walk up the parents.
    return int(council.path.strip("/").split("/")[0])


class _TakenByTheInsert(Func):
    """The case number, taken by the statement that writes it: the root council's prefix and the
    year's next number from its sequence, formatted as format_case_number does."""

    function = "complaints_case_number"
    output_field = CharField()

    def __init__(self, root_id: int, year: int):
        super().__init__(Value(root_id), Value(year))


def _from_row(root_id: int, year: int) -> tuple[str, int]:
    prefix = Council.objects.values_list("case_prefix", flat=True).get(pk=root_id)
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return prefix, sequence.last


def next_case_number(council: Council, now: datetime.datetime) -> str | Func:
    """The next case number for a case handled by `council`, filed at `now`, to set on the new
    complaint before it is saved: on PostgreSQL, the expression its INSERT takes the number with
    (the saved case holds the number); elsewhere the number. Call it inside the filing's
    transaction, as late as possible: on SQLite it holds the sequence row until commit."""
    year = timezone.localtime(now).year
    if connection.vendor == "postgresql":
        return _TakenByTheInsert(_root_id(council), year)
    prefix, number = _from_row(_root_id(council), year)
    return format_case_number(prefix, year, number)
