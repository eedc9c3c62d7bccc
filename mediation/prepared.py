"""Reads on the busiest paths, with their SQL compiled once.

Every API request reads its token, and every filing reads the merchant, locks the consumer's
row and reads their cases of the last day. For such small reads, building the queryset and
compiling it to SQL costs the web process more CPU than running it: 0.35 ms to build and compile
the token's read that runs in 0.13 ms, 1.0 ms for the merchant's with its open cases. Compiled
once, a filing's CPU in the web process went from 9.5-10.1 to 6.0-7.1 ms under gunicorn (filing
load over 1,000,000 cases, before and after in turn). A PreparedRead builds its
queryset once per kind of database with stand-in values, compiles it, and notes where each value
lands among the SQL's parameters. A call runs that SQL with its own values and builds the rows as
the queryset would have: select_related, annotations, deferred fields and the fields' converters.

    TOKEN = PreparedRead(lambda key: Token.objects.select_related("user").filter(key=key), key=str)
    token = TOKEN.first(key=key)

A named value must reach the SQL as one parameter, unchanged: an int, a string or an aware
datetime, compared with `=`, `<`, `>` and the like. A value the ORM would change on its way
(`__contains` wraps it in %, `__in` takes a list, None becomes IS NULL) is not found among the
parameters, and the first call says so (ImproperlyConfigured) instead of running other SQL.
Reads go where the queryset's would (mediation.db_router); the statements pass through the
connection's cursor like any other, so its wrappers see them.

The outbox's worker runs two statements of its own per notice it sends: the claim, an
UPDATE ... RETURNING no queryset expresses, and the record of how the send went. `instances_of`
makes the claimed row an instance with its converters worked out once, and `update_by_pk` is
filter(pk=...).update() with its SQL built once per set of fields. Model.objects.raw() and the
queryset's update cost the worker 1.9 ms of CPU per notice sent; these, 1.1 ms.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Stand-ins of each kind of value, distinct per name (n) and per compilation (pass): none is a
# value a query holds as a constant.
_STAND_IN = {
    int: lambda n, pass_: -1_987_654_321 + 1_000_000 * pass_ - n,  # within every integer column's range
    str: lambda n, pass_: f"\x1fprepared-read-{pass_}-{n}\x1f",
    datetime.datetime: lambda n, pass_: datetime.datetime(1901 + pass_, 2, 3, 4, 5, 6, n, tzinfo=datetime.UTC),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per parameter: the name of the value it takes, or None for a constant of the query.
    slots: tuple[str | None, ...]
    constants: tuple
    make_rows: Callable


class PreparedRead:
    """A read whose queryset `build(**values)` is compiled once per kind of database.

    `kinds` names each value's type (int, str or datetime.datetime)."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        unknown = {name: kind for name, kind in kinds.items() if kind not in _STAND_IN}
        if unknown:
            raise ImproperlyConfigured(f"PreparedRead takes int, str and datetime values, not {unknown}")
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._model = None

    def all(self, **values) -> list:
        """The rows the queryset would give for these values, as it would give them."""
        self._check(values)
        alias = router.db_for_read(self._model_of())
        connection = connections[alias]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(alias)
        params = [
            compiled.constants[i] if slot is None else _adapted(connection, values[slot])
            for i, slot in enumerate(compiled.slots)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled.make_rows(alias, rows)

    def first(self, **values):
        """The first row, or None."""
        rows = self.all(**values)
        return rows[0] if rows else None

    def _check(self, values: dict) -> None:
        if values.keys() != self._kinds.keys():
            raise TypeError(f"PreparedRead takes {sorted(self._kinds)}, given {sorted(values)}")
        for name, value in values.items():
            kind = self._kinds[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"{name} must be {kind.__name__}, not {value!r}")
            if kind is datetime.datetime and value.tzinfo is None:
                raise TypeError(f"{name} must be an aware datetime")
            if kind is int and not -(2**63) <= value < 2**63:
                raise ValueError(f"{name} is beyond a database integer: {value}")

    def _model_of(self):
        if self._model is None:
            self._model = self._build(**self._stand_ins(0)).model
        return self._model

    def _stand_ins(self, pass_: int) -> dict:
        return {name: _STAND_IN[kind](n, pass_) for n, (name, kind) in enumerate(self._kinds.items())}

    def _compile(self, alias: str) -> _Compiled:
        """Compiled twice with different stand-ins: the SQL and every parameter that is not one
        of the values must come out the same, or the query depends on the values in a way a
        compiled statement cannot follow (pk__in=[pk, pk + 1])."""
        connection = connections[alias]
        passes = []
        for pass_ in (0, 1):
            stand_ins = self._stand_ins(pass_)
            queryset = self._build(**stand_ins)
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            by_value = {(type(v), v): name for name, v in ((n, _adapted(connection, v)) for n, v in stand_ins.items())}
            slots = tuple(by_value.get((type(param), param)) for param in params)
            missing = set(stand_ins) - set(slots)
            if missing:
                raise ImproperlyConfigured(
                    f"PreparedRead: {sorted(missing)} do not reach the SQL unchanged; use a plain queryset"
                )
            constants = tuple(None if slot else param for slot, param in zip(slots, params, strict=True))
            passes.append((sql, slots, constants))
        if passes[0] != passes[1]:
            raise ImproperlyConfigured(
                f"PreparedRead: the SQL of {sorted(self._kinds)} changes with their values; use a plain queryset"
            )
        return _Compiled(sql=sql, slots=slots, constants=constants, make_rows=_row_maker(queryset, compiler))


def _adapted(connection, value):
    """A value as the ORM hands it to this database's driver."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _row_maker(queryset: QuerySet, compiler) -> Callable:
    """Model instances from rows, as django.db.models.query.ModelIterable makes them."""
    if queryset._fields is not None or queryset._iterable_class is not ModelIterable:
        raise ImproperlyConfigured("PreparedRead reads model instances: no values() or values_list()")
    if queryset._prefetch_related_lookups:
        raise ImproperlyConfigured("PreparedRead runs one statement: no prefetch_related()")
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])

    def make_rows(alias: str, rows: list) -> list:
        populators = get_related_populators(klass_info, select, alias)
        if converters:
            rows = compiler.apply_converters(rows, converters)
        instances = []
        for row in rows:
            instance = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in annotation_col_map.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    return make_rows


# --- statements of one's own, over a model's rows ---------------------------------------------


@functools.cache
def _column_converters(model, vendor: str) -> tuple[str, tuple]:
    """The model's concrete columns, quoted, and per column the converters the ORM applies, on
    the `vendor` database the model is written to (the key of the cache)."""
    connection = connections[router.db_for_write(model)]
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    converters = []
    for position, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        if found:
            converters.append((position, col, tuple(found)))
    return columns, tuple(converters)


def columns_of(model) -> str:
    """The model's concrete columns, quoted and in their order, for the RETURNING or the SELECT
    list of a statement whose rows `instances_of` reads."""
    connection = connections[router.db_for_write(model)]
    return _column_converters(model, connection.vendor)[0]


def instances_of(model, rows: list) -> list:
    """Instances of `model` from rows of columns_of(model), converted as a queryset converts them
    (JSON parsed, SQLite's datetimes and decimals): for a statement a queryset cannot express,
    such as an UPDATE ... RETURNING, without Model.objects.raw()'s work per call."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    _columns, converters = _column_converters(model, connection.vendor)
    names = [field.attname for field in model._meta.concrete_fields]
    instances = []
    for row in rows:
        values = list(row)
        for position, col, functions in converters:
            for function in functions:
                values[position] = function(values[position], col, connection)
        instances.append(model.from_db(alias, names, values))
    return instances


@functools.cache
def _update_sql(model, vendor: str, names: tuple[str, ...]) -> tuple[str, tuple]:
    connection = connections[router.db_for_write(model)]
    fields = tuple(model._meta.get_field(name) for name in names)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    return sql, fields


def update_by_pk(model, pk: int, **values) -> int:
    """model.objects.filter(pk=pk).update(**values) for plain values (no expressions), with its
    SQL built once per set of fields; returns how many rows changed (0 or 1)."""
    expressions = sorted(name for name, value in values.items() if hasattr(value, "resolve_expression"))
    if expressions:
        raise TypeError(f"update_by_pk takes plain values; use a queryset for {expressions}")
    connection = connections[router.db_for_write(model)]
    sql, fields = _update_sql(model, connection.vendor, tuple(values))
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.rowcount
