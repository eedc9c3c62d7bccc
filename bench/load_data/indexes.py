"""The big tables' secondary indexes and unique constraints: dropped before the COPY, rebuilt after it.

The statements are saved in a table of their own first, so a run stopped between the COPY and the
rebuild can be finished by the next one (restore_after_stop)."""

import sys
import threading
import time

from .database import DDL_TABLE, LOADED, REBUILT, connect


def schema_snapshot(cur) -> dict:
    """Indexes and constraints of the rebuilt tables, as definitions (to compare before and after)."""
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY(%s)",
        [list(REBUILT)],
    )
    indexes = dict(cur.fetchall())
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[])",
        [list(REBUILT)],
    )
    constraints = {name: f"{definition} valid={valid}" for name, definition, valid in cur.fetchall()}
    return {"indexes": indexes, "constraints": constraints}


def plan_rebuild(cur) -> list[tuple[str, str, str, int]]:
    """(name, table, statement, lane) for every secondary index and unique constraint of the big tables.

    A unique constraint is rebuilt as its unique index, then attached (ADD CONSTRAINT ... USING
    INDEX keeps its name). Primary keys stay. Lanes 0 and 1 run at once: the GIN text index, the
    slowest, has lane 0 to itself; lane 2 (attaching the constraints, which locks the tables)
    runs after both.
    """
    cur.execute(
        "SELECT i.indexname, i.tablename, i.indexdef, c.conname IS NOT NULL, c.contype FROM pg_indexes i "
        "LEFT JOIN pg_constraint c ON c.conname = i.indexname AND c.conrelid = i.tablename::regclass "
        "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) ORDER BY i.tablename, i.indexname",
        [list(REBUILT)],
    )
    django_sql = model_index_sql()
    plan, attach = [], []
    for name, table, definition, is_constraint, contype in cur.fetchall():
        if contype == "p":
            continue
        lane = 0 if " gin " in definition.lower() else 1
        plan.append((name, table, django_sql.get(name, definition), lane))
        if is_constraint:
            attach.append((name, table, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"', 2))
    return plan + attach


def model_index_sql() -> dict[str, str]:
    """The CREATE INDEX statements migrations ran for the models' Meta.indexes.

    pg_indexes gives back a partial index's condition rewritten (casts moved), so recreating
    from it would give an equivalent index with a different definition; these are recreated
    from the statement Django wrote. The other indexes are recreated from pg_indexes.
    """
    from django.apps import apps
    from django.db import connection

    found = {}
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in apps.get_models():
            if model._meta.db_table in REBUILT:
                for index in model._meta.indexes:
                    found[index.name] = str(index.create_sql(model, editor))
    return found


def drop_for_load(cur, plan) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {DDL_TABLE} (ord int, name text, tbl text, statement text, lane int)")
    cur.execute(f"DELETE FROM {DDL_TABLE}")
    for ord_, (name, table, statement, lane) in enumerate(plan):
        cur.execute(f"INSERT INTO {DDL_TABLE} VALUES (%s, %s, %s, %s, %s)", [ord_, name, table, statement, lane])
    for name, table, statement, _lane in plan:
        if statement.startswith("ALTER TABLE"):
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS "{name}"')
    for name, _table, statement, _lane in plan:
        if not statement.startswith("ALTER TABLE"):
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore_after_stop(url: str) -> None:
    """A run stopped after its COPY committed and before the indexes were rebuilt left their
    definitions in bench_load_pending_ddl: empty the tables and rebuild them (fast when empty)."""
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [DDL_TABLE])
        if cur.fetchone()[0] is not None:
            cur.execute(f"TRUNCATE {', '.join(LOADED)} RESTART IDENTITY CASCADE")
            conn.close()
            rebuild(url, quiet=True)
            return
    conn.close()


def rebuild(url: str, *, quiet: bool = False) -> list[dict]:
    """Run the saved statements of bench_load_pending_ddl (two lanes at once), then drop it."""
    conn = connect(url, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [DDL_TABLE])
        if cur.fetchone()[0] is None:
            return []
        cur.execute(f"SELECT name, tbl, statement, lane FROM {DDL_TABLE} ORDER BY ord")
        plan = cur.fetchall()
    timings: list[dict] = []
    errors: list[BaseException] = []

    def run_lane(lane: int) -> None:
        try:
            lane_conn = connect(url, autocommit=True)
            with lane_conn.cursor() as cur:
                cur.execute("SET maintenance_work_mem = %s", ["1500MB" if lane == 0 else "1GB"])
                cur.execute("SET max_parallel_maintenance_workers = 2")
                for name, table, statement, statement_lane in plan:
                    if statement_lane != lane:
                        continue
                    if statement.startswith("ALTER TABLE"):
                        cur.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
                    else:
                        cur.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [name])
                    if cur.fetchone():
                        continue
                    started = time.perf_counter()
                    cur.execute(statement)
                    seconds = round(time.perf_counter() - started, 1)
                    timings.append({"name": name, "table": table, "seconds": seconds})
                    if not quiet:
                        print(f"  {seconds:6.1f} s  {name}", file=sys.stderr)
            lane_conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run_lane, args=(lane,)) for lane in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_lane(2)
    if errors:
        raise errors[0]
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE {DDL_TABLE}")
    conn.close()
    return timings
