"""Keeping the closed cases' running totals (complaints.rollup_models) equal to a recount.

A case enters the totals in the transaction that closes it, and its rating or an operator's
correction moves them in the transaction that makes it: `record_change` takes what the case
added before and after the change and applies the difference. Each row is changed by one
upsert that adds to the stored counts (never read, changed and written back), so closings
committed at the same time never lose each other's counts; rows are written in key order so
two closings never wait on each other in a cycle.

Bulk loads bypass the transitions: `rebuild` (manage.py rebuild_rollups) recounts from the
cases themselves.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from .models import Category, Complaint, IntakeChannel, Outcome, Status
from .rollup_models import (
    MAX_RESPONSE_HOURS,
    ClosedCaseRollup,
    ClosedCaseTotal,
    ClosingWeekRollup,
    ResponseTimeRollup,
    ResponseTimeTotal,
)

HOUR_US = 3_600_000_000
# The columns of a closed case (what contribution() reads); a model instance or a row of
# values_list(*CASE_FIELDS, named=True) serves alike.
CASE_FIELDS = (
    "council_id",
    "council_path",
    "status",
    "outcome",
    "category",
    "intake_channel",
    "filed_at",
    "closed_at",
    "merchant_first_due_at",
    "first_response_at",
    "satisfaction",
)
# Every choice needs its column: a new outcome, category or channel needs a migration here.
for _prefix, _choices in (("outcome", Outcome), ("category", Category), ("intake", IntakeChannel)):
    for _value in _choices.values:
        ClosedCaseRollup._meta.get_field(f"{_prefix}_{_value}")

# The columns that name a row besides its council, per table.
KEYS = {
    ClosedCaseRollup: ("filed_on",),
    ClosedCaseTotal: (),
    ClosingWeekRollup: ("filed_on", "closed_week"),
    ResponseTimeRollup: ("filed_on", "hours"),
    ResponseTimeTotal: ("hours",),
}
MODELS = tuple(KEYS)
# (model, council_id, council_path, key values in KEYS' order) -> {column: delta}
Contribution = dict[tuple, Counter]


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def response_hours(microseconds: int) -> int:
    """The started hour an answer came in (answered within N hours <=> this <= N)."""
    return min(max(-(-microseconds // HOUR_US), 0), MAX_RESPONSE_HOURS)


def contribution(case) -> Contribution:
    """What a case adds to the totals: nothing while it is open."""
    if case.status != Status.CLOSED:
        return {}
    filed_on = local_day(case.filed_at)
    base = (case.council_id, case.council_path)
    main = Counter(cases=1, rated=0, satisfaction_sum=0)
    main[f"outcome_{case.outcome}"] += 1
    main[f"category_{case.category}"] += 1
    main[f"intake_{case.intake_channel}"] += 1
    parts: Contribution = {(ClosedCaseRollup, *base, (filed_on,)): main}
    if case.merchant_first_due_at is not None:
        main["went_to_merchant"] += 1
    if case.first_response_at is not None:
        response = case.first_response_at - case.filed_at
        microseconds = response // datetime.timedelta(microseconds=1)
        main["answered"] += 1
        main["response_microseconds"] += microseconds
        if case.merchant_first_due_at is not None and case.first_response_at <= case.merchant_first_due_at:
            main["answered_in_time"] += 1
        hours = response_hours(microseconds)
        parts[(ResponseTimeRollup, *base, (filed_on, hours))] = Counter(cases=1)
        parts[(ResponseTimeTotal, *base, (hours,))] = Counter(cases=1)
    if case.satisfaction is not None:
        main["rated"] += 1
        main["satisfaction_sum"] += case.satisfaction
    if case.closed_at is not None:
        parts[(ClosingWeekRollup, *base, (filed_on, week_of(local_day(case.closed_at))))] = Counter(cases=1)
    parts[(ClosedCaseTotal, *base, ())] = Counter(main)
    return parts


def record_change(before: Contribution, after: Contribution) -> None:
    """Apply what a change of one case did to the totals, in the caller's transaction."""
    net: Contribution = defaultdict(Counter)
    for key, counts in after.items():
        net[key].update(counts)
    for key, counts in before.items():
        net[key].subtract(counts)
    for key in sorted(net, key=lambda k: (k[0]._meta.db_table, k[1:])):
        deltas = {column: n for column, n in net[key].items() if n}
        if deltas:
            _add(key, deltas)


def _count_columns(model) -> list[str]:
    keys = {"id", "council", "council_path", *KEYS[model]}
    return [f.column for f in model._meta.concrete_fields if f.name not in keys]


def _add(key: tuple, deltas: dict[str, int]) -> None:
    model, council_id, council_path, named = key
    keys = ["council_id", *KEYS[model]]
    counts = _count_columns(model)
    table = model._meta.db_table
    columns = ["council_id", "council_path", *KEYS[model], *counts]
    values = [council_id, council_path, *named, *(deltas.get(c, 0) for c in counts)]
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in counts if c in deltas)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(values))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}, council_path = EXCLUDED.council_path"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def recount(cases: Iterable) -> Contribution:
    """The totals of the given cases, added up in memory."""
    totals: Contribution = defaultdict(Counter)
    for case in cases:
        for key, counts in contribution(case).items():
            totals[key].update(counts)
    return totals


def rebuild(*, batch_size: int = 5000) -> dict[str, int]:
    """Recount every total from the closed cases; returns the rows written per table.

    The totals' tables are locked first (on PostgreSQL): a case closing meanwhile waits for the
    recount to commit and then adds itself, and one that closed before is in the recount."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                tables = ", ".join(m._meta.db_table for m in MODELS)
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        closed = Complaint.objects.filter(status=Status.CLOSED).order_by().values_list(*CASE_FIELDS, named=True)
        totals = recount(closed.iterator(chunk_size=batch_size))
        written = {}
        for model in MODELS:
            model.objects.all().delete()
            counted = _count_columns(model)
            columns = ["council_id", "council_path", *KEYS[model], *counted]
            rows = [
                (council_id, path, *named, *(counts.get(c, 0) for c in counted))
                for (m, council_id, path, named), counts in totals.items()
                if m is model
            ]
            _insert(model, columns, rows, batch_size)
            written[model._meta.model_name] = len(rows)
    return written


def _insert(model, columns: list[str], rows: list[tuple], batch_size: int) -> None:
    """Many rows at once: on PostgreSQL straight through the driver (the ORM's per-row work
    would take minutes over a million cases), elsewhere through bulk_create."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES %s"
        with connection.cursor() as cursor:
            execute_values(cursor.cursor, sql, rows, page_size=batch_size)
        return
    names = [model._meta.get_field(c.removesuffix("_id")).attname for c in columns]
    model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=batch_size)
