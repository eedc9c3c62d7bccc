"""A filing's SQL, captured as the application ran it, turned into pgbench scripts.

No SQL is parsed. Each statement is kept as Django sent it; only its parameters are rendered,
one by one, by the database driver (`cursor.mogrify`), so quoting, NULLs, arrays, Chinese text,
casts, ON CONFLICT clauses, function calls and quoted identifiers stay exactly what the server
saw. A parameter becomes a pgbench expression instead of its literal only when its value is one
the filing must not share with the next one:

- the consumer's and the merchant's ids: a random one of the load's pools per transaction;
- an id a statement returned (`INSERT ... RETURNING`, one row): read back with `\\gset`, so the
  timeline event and the notices point at the row this transaction inserted, also where the id
  is written inside a text (an idempotency key `ev123:sms:...`, a link `/cases/123/`);
- the case number (unique): a value of the same length that no real case number has;
- a hash (32 or more hexadecimal digits): its last digits made unique per transaction.

Statements run verbatim otherwise: a case-number function or `nextval()` runs for real, a lock
is taken for real. A statement that cannot be rendered is left out and reported with the reason;
nothing here raises on what the application sent.
"""

import re
import time
from dataclasses import dataclass, field

# The DB-API "format"/"pyformat" placeholders psycopg2 itself substitutes; nothing SQL-specific.
PLACEHOLDER = re.compile(r"%%|%s|%\((\w+)\)s")
HASH = re.compile(r"[0-9a-f]{32,}")
UNIQUE = "dbl_u"  # 15 random digits per transaction
UNIQUE_DIGITS = 15
VARIABLE = re.compile(r":(dbl_\w+)")
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Statement:
    """One statement as executed: its SQL, its parameters, what it returned (first row)."""

    sql: str
    params: object = None
    returned: tuple | None = None
    columns: tuple = ()
    rows: int = -1


@dataclass
class Replayable:
    text: str  # the statement with its parameters rendered, without the terminator
    gset: str = ""  # the \gset prefix when its returned row is read back
    defines: set = field(default_factory=set)  # variables its \gset sets
    uses: set = field(default_factory=set)


@dataclass
class Script:
    lines: list
    statements: list  # (position, Replayable) in order
    unreplayable: list  # {"position", "sql", "reason"}
    notes: list

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Recorder:
    """An execute wrapper keeping every statement, the first row it returned and the time spent."""

    def __init__(self, *, keep_rows: bool = True):
        self.statements: list[Statement] = []
        self.db_seconds = 0.0
        self.keep_rows = keep_rows

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            result = execute(sql, params, many, context)
        finally:
            self.db_seconds += time.perf_counter() - started
        if many:
            self.statements += [Statement(sql, each) for each in params]
        else:
            self.statements.append(self._with_rows(Statement(sql, params), context))
        return result

    def _with_rows(self, statement: Statement, context) -> Statement:
        cursor = getattr(context.get("cursor"), "cursor", None)
        if not self.keep_rows or cursor is None or cursor.description is None or getattr(cursor, "name", None):
            return statement  # nothing returned, or a server-side cursor, which may not rewind
        if (statement.sql.split(None, 1) or [""])[0].upper() not in WRITES:
            return statement  # only a written row's id is read back
        try:
            rows = cursor.fetchall()
            cursor.scroll(0, mode="absolute")  # the application reads them as if untouched
        except Exception:  # noqa: BLE001 - a cursor that cannot rewind: no rows kept, nothing lost
            return statement
        statement.rows = len(rows)
        statement.returned = tuple(rows[0]) if rows else None
        statement.columns = tuple(column.name for column in cursor.description)
        return statement


class Unreplayable(Exception):
    pass


class Renderer:
    """Renders parameters as SQL literals or pgbench expressions (see the module's docstring)."""

    def __init__(self, cursor, identities: dict):
        self.cursor = cursor
        self.ints = {}  # int value -> expression
        for name in ("consumer", "merchant"):
            value = identities.get(name)
            if _is_int(value):
                self.ints.setdefault(value, f":dbl_{name}")
        self.embedded = {}  # text of an id returned in this transaction -> expression
        self.case_number = identities.get("case_number") or None

    def learn_returned(self, position: int, statement: Statement) -> tuple[str, set]:
        """The \\gset prefix for a statement that returned one row, and the variables it sets."""
        verb = (statement.sql.split(None, 1) or [""])[0].upper()
        # Only a written row's id: a SELECT's values (counts, flags) are no identity.
        if verb not in WRITES or statement.rows != 1 or not statement.returned:
            return "", set()
        prefix, defined = f"dbl_r{position}_", set()
        for name, value in zip(statement.columns, statement.returned, strict=False):
            if _is_int(value) and re.fullmatch(r"\w+", name or ""):
                variable = f":{prefix}{name}"
                self.ints[value] = variable  # a new row's id outranks an identity it equals
                self.embedded[str(value)] = variable
                defined.add(prefix + name)
        return (prefix, defined) if defined else ("", set())

    def literal(self, value) -> str:
        try:
            return self.cursor.mogrify("%s", (value,)).decode()
        except Exception as exc:  # noqa: BLE001 - any value the driver refuses is reported, not raised
            raise Unreplayable(f"parameter {type(value).__name__} cannot be rendered: {exc}") from exc

    def render(self, value) -> str:
        expression = self.expression(value)
        return self.literal(value) if expression is None else expression

    def expression(self, value) -> str | None:
        """The pgbench expression for a value that must vary, None for one kept as its literal."""
        if _is_int(value):
            return self.ints.get(value)
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, (list, tuple)) and value:
            # An array (bulk_create's UNNEST): element by element when one of them varies.
            elements = [self.expression(v) for v in value]
            if any(e is not None for e in elements):
                rendered = (self.literal(v) if e is None else e for v, e in zip(value, elements, strict=True))
                return "ARRAY[" + ", ".join(rendered) + "]"
        return None

    def _text(self, value: str) -> str | None:
        if self.case_number and value == self.case_number:
            return self._unique_case_number()
        if HASH.fullmatch(value):
            keep = max(0, len(value) - UNIQUE_DIGITS)
            return f"({self.literal(value[:keep])} || right(:{UNIQUE}::text, {len(value) - keep}))"
        pieces = self._split(value)
        if len(pieces) == 1:
            return None
        rendered = [text if expression else self.literal(text) for expression, text in pieces if text]
        return "(" + " || ".join(rendered) + ")"

    def _unique_case_number(self) -> str:
        # The same length as the captured one, starting with "~", which no prefix has.
        digits = max(1, len(self.case_number) - 1)
        return f"('~' || right(:{UNIQUE}::text, {digits}))"

    def _split(self, value: str) -> list[tuple[bool, str]]:
        """The text cut around the case number and the returned ids written in it (whole numbers
        only), as (is an expression, text) pieces."""
        wanted = {}
        if self.case_number:
            wanted[self.case_number] = self._unique_case_number()
        wanted.update(self.embedded)
        if not wanted:
            return [(False, value)]
        alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
        pattern = re.compile(rf"(?<!\d)(?:{alternatives})(?!\d)")
        pieces, last = [], 0
        for match in pattern.finditer(value):
            pieces += [(False, value[last : match.start()]), (True, wanted[match.group()])]
            last = match.end()
        return [*pieces, (False, value[last:])] if pieces else [(False, value)]

    def checked(self, value, twin_value, twin: "Renderer | None") -> str:
        """render(value), unless the twin capture shows an id equal to an identity by coincidence:
        the same parameter of the other filing is not that filing's same identity."""
        expression = self.expression(value)
        if expression is None:
            return self.literal(value)
        if twin is not None and _is_int(value) and twin.expression(twin_value) != expression:
            return self.literal(value)
        return expression

    def statement(self, statement: Statement, twin_statement: Statement | None = None, twin=None) -> str:
        sql, params = statement.sql, statement.params
        twin_params = twin_statement.params if twin_statement is not None else None
        if twin_params is None:
            twin = None
        if params is None:
            return sql
        try:
            pieces = PLACEHOLDER.split(sql)
        except TypeError as exc:
            raise Unreplayable(f"SQL is not text: {exc}") from exc
        out, used = [pieces[0]], 0
        markers = PLACEHOLDER.finditer(sql)
        texts = pieces[1:]
        # re.split keeps the named group: text, name, text, name, ...
        for n, match in enumerate(markers):
            following = texts[2 * n + 1]
            if match.group() == "%%":
                out.append("%")
            elif match.group(1):
                if not isinstance(params, dict) or match.group(1) not in params:
                    raise Unreplayable(f"no parameter named {match.group(1)!r}")
                name = match.group(1)
                out.append(self.checked(params[name], twin and twin_params.get(name), twin))
            else:
                if isinstance(params, dict) or used >= len(params):
                    raise Unreplayable(f"more placeholders than the {len(params)} parameters")
                out.append(self.checked(params[used], twin and twin_params[used], twin))
                used += 1
            out.append(following)
        if not isinstance(params, dict) and used != len(params):
            raise Unreplayable(f"{len(params)} parameters for {used} placeholders")
        return "".join(out)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def aligned(ordered: list, twin: list) -> bool:
    """Whether two captures ran the same statements with as many parameters each."""
    if len(ordered) != len(twin):
        return False
    for a, b in zip(ordered, twin, strict=True):
        if (a.params is None) != (b.params is None):
            return False
        if a.params is not None and (a.sql != b.sql or type(a.params) is not type(b.params)):
            return False
        if isinstance(a.params, (list, tuple)) and len(a.params) != len(b.params):
            return False
    return True


def replayable(ordered: list, cursor, identities: dict, twin: tuple | None = None) -> tuple[list, list, list]:
    """Each captured statement rendered (BEGIN/COMMIT/savepoints as they came), or why not, and notes.

    `twin` is (statements, identities) of another filing by another consumer at another merchant:
    an id is a variable only where the twin has its own same identity in the same place."""
    renderer, notes = Renderer(cursor, identities), []
    twin_statements, twin_renderer = [None] * len(ordered), None
    if twin and aligned(ordered, twin[0]):
        twin_statements, twin_renderer = twin[0], Renderer(cursor, twin[1])
    elif twin:
        notes.append("the two captured filings ran different statements: ids are recognised by value alone")
    done, refused = [], []
    for position, statement in enumerate(ordered):
        twin_statement = twin_statements[position]
        try:
            text = renderer.statement(statement, twin_statement, twin_renderer).strip().rstrip(";").rstrip()
            if "\n\\" in text or text.startswith("\\"):
                raise Unreplayable("a line starts with a backslash (a pgbench meta-command)")
        except Unreplayable as exc:
            refused.append({"position": position, "sql": statement.sql[:200], "reason": str(exc)})
            continue
        gset, defined = renderer.learn_returned(position, statement)
        if twin_renderer is not None:
            twin_renderer.learn_returned(position, twin_statement)
        uses = set(VARIABLE.findall(text))
        done.append((position, Replayable(text, gset, defined, uses)))
    return done, refused, notes


def header(consumers: tuple[int, int], merchants: tuple[int, int], title: str) -> list[str]:
    low = 10 ** (UNIQUE_DIGITS - 1)
    return [
        f"-- {title}",
        "-- Generated by bench/db_limit.py from the statements the application ran; regenerated at every run.",
        f"\\set dbl_consumer random({consumers[0]}, {consumers[1]})",
        f"\\set dbl_merchant random({merchants[0]}, {merchants[1]})",
        f"\\set {UNIQUE} random({low}, {10 * low - 1})",
    ]


def terminated(item: Replayable) -> str:
    return item.text + (f" \\gset {item.gset}" if item.gset else ";")


def replay_script(done: list, refused: list, consumers, merchants) -> Script:
    """The filing as the application runs it, statement for statement."""
    lines = header(consumers, merchants, "One API filing (POST /api/v1/complaints/), replayed.")
    lines += [terminated(item) for _, item in done]
    return Script(lines, done, refused, [])


def no_shared_row_script(done: list, consumers, merchants) -> Script:
    """The filing's inserts alone in one transaction: no row read, locked or updated that another
    filing touches (an INSERT ... ON CONFLICT may update a shared row, so it is left out)."""
    inside, transaction, notes, defined = [], False, [], set()
    for position, item in done:
        verb = item.text.split(None, 1)[0].upper() if item.text.split() else ""
        if verb in ("BEGIN", "COMMIT"):
            transaction = verb == "BEGIN"
            continue
        if not transaction or verb != "INSERT":
            continue
        if "ON CONFLICT" in item.text.upper():
            notes.append(f"statement {position} left out: INSERT ... ON CONFLICT may update a shared row")
            continue
        if item.uses - defined - {"dbl_consumer", "dbl_merchant", UNIQUE}:
            notes.append(f"statement {position} left out: it reads a value of a statement left out")
            continue
        defined |= item.defines
        inside.append((position, item))
    inside = [(-1, Replayable("BEGIN")), *inside, (-1, Replayable("COMMIT"))]
    lines = header(consumers, merchants, "A filing's inserts sharing no row with another filing.")
    lines += [terminated(item) for _, item in inside]
    return Script(lines, inside, [], notes)


def counts(script: Script) -> dict:
    """Statements of the script by verb, and how many run inside the transaction."""
    found = {"statements": 0, "in_transaction": 0, "select": 0, "insert": 0, "update": 0, "other": 0}
    transaction = False
    for _, item in script.statements:
        verb = (item.text.split(None, 1) or [""])[0].lower()
        if verb in ("begin", "commit"):
            transaction = verb == "begin"
            continue
        found["statements"] += 1
        found["in_transaction"] += transaction
        found[verb if verb in found else "other"] += 1
    found["unreplayable"] = len(script.unreplayable)
    return found
