"""The load itself: one transaction that empties the tables and COPYs everything in, frozen."""

import io
import math
import time
from collections import Counter, deque

from .batches import CHUNK, COMPLAINT_COLUMNS, EVENT_COLUMNS, make_batch, open_complaint_lines
from .copy_text import copy_line
from .database import LOADED, connect
from .indexes import drop_for_load, plan_rebuild
from .notices import NOTICE_COLUMNS, NoticeWriter
from .reference import Ref


def copy_rows(cur, table: str, columns: str, data: bytes | str) -> None:
    if data:
        data = data.encode() if isinstance(data, str) else data
        cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)", io.BytesIO(data))


def copy_reference(cur, ref: Ref) -> None:
    rows = ref.rows
    copy_rows(
        cur,
        "accounts_council",
        "id, name, code, path, case_prefix, working_days, merchant_days, consumer_days, settlement_days, "
        "fulfilment_days, confirmation_days, review_days, mediation_days, parent_id",
        "".join(copy_line(r) for r in rows["accounts_council"]),
    )
    copy_rows(
        cur,
        "merchants_merchant",
        "id, name, uscc, region_id, address, notice_phones, email, status, enrolled_at, created_at, sector",
        "".join(copy_line(r) for r in rows["merchants_merchant"]),
    )
    # first_name, last_name, email, is_superuser, is_staff, is_active: as sign-up leaves them.
    signup_defaults = ("", "", "", False, False, True)
    # session_generation starts at 0, accounts.User's default (the column has no default in the database).
    users = "".join(
        copy_line((uid, pw, username, *signup_defaults, joined, role, name, phone, "zh-hans", merchant, council, 0))
        for uid, pw, username, name, role, phone, council, merchant, joined in rows["accounts_user"]
    )
    copy_rows(
        cur,
        "accounts_user",
        "id, password, username, first_name, last_name, email, is_superuser, is_staff, is_active, date_joined, "
        "role, name, phone, language, merchant_id, council_id, session_generation",
        users,
    )
    copy_rows(
        cur,
        "merchants_enrolmentapplicant",
        "merchant_id, user_id, created_at",
        "".join(copy_line(r) for r in rows["merchants_enrolmentapplicant"]),
    )
    copy_rows(
        cur,
        "merchants_merchantdecision",
        "merchant_id, decision, actor_id, reason, created_at",
        "".join(copy_line(r) for r in rows["merchants_merchantdecision"]),
    )


def load(url: str, pool, ref: Ref, numbers: list[str], phases: dict, progress) -> Counter:
    """One transaction: empty the tables, drop the rebuilt indexes, COPY everything (frozen)."""
    conn = connect(url)
    stats: Counter = Counter()
    with conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # foreign keys are checked after the load
        cur.execute(f"TRUNCATE {', '.join(LOADED)} RESTART IDENTITY CASCADE")
        drop_for_load(cur, plan_rebuild(cur))
        started = time.perf_counter()
        copy_reference(cur, ref)
        phases["reference rows (COPY)"] = round(time.perf_counter() - started, 1)

        started = time.perf_counter()
        notices = NoticeWriter()
        batches = math.ceil(len(numbers) / CHUNK)
        # Batches are copied in order (ids and event ids follow filing order); a few are generated
        # ahead, no more, so memory stays flat whichever side is slower.
        pending = deque(pool.apply_async(make_batch, (k,)) for k in range(min(batches, 3 * pool._processes)))
        submitted, event_offset = len(pending), 0
        waited = copying = 0.0
        held: list[tuple] = []
        while pending:
            ready = time.perf_counter()
            batch = pending.popleft().get()
            waited += time.perf_counter() - ready
            if submitted < batches:
                pending.append(pool.apply_async(make_batch, (submitted,)))
                submitted += 1
            ready = time.perf_counter()
            copy_rows(cur, "complaints_complaint", COMPLAINT_COLUMNS, batch["complaints"])
            copy_rows(cur, "complaints_complaintevent", EVENT_COLUMNS, batch["events"])
            copy_rows(cur, "merchants_overduemark", "stage, created_at, complaint_id, merchant_id", batch["marks"])
            copying += time.perf_counter() - ready
            held += batch["open"]
            notices.add(batch["notices"], event_offset)
            event_offset += batch["n_events"]
            stats.update(batch["stats"])
            progress.update(batch["count"])
        progress.close()
        copy_rows(cur, "complaints_complaint", COMPLAINT_COLUMNS, open_complaint_lines(held))
        stats["open_with_repeat_merchant"] = sum(1 for _m, fields, _r in held if "repeat_merchant" in fields[18])
        copy_rows(cur, "notifications_notification", NOTICE_COLUMNS, "".join(notices.lines).encode())
        phases["complaints, timelines, marks, notices (generate + COPY)"] = round(time.perf_counter() - started, 1)
        # Of which: the copying process waited for the generators, and ran COPY (the rest: notices).
        phases["  of which waiting for generated batches"] = round(waited, 1)
        phases["  of which COPY of complaints, events, marks"] = round(copying, 1)

        started = time.perf_counter()
        years = Counter(number[2:6] for number in numbers)
        for year, last in sorted(years.items()):
            cur.execute(
                "INSERT INTO complaints_casesequence (prefix, year, last) VALUES ('HB', %s, %s)", [int(year), last]
            )
        for table in LOADED:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1), "
                f"EXISTS (SELECT FROM {table}))"
            )
        phases["case sequences, id sequences"] = round(time.perf_counter() - started, 1)
    conn.close()
    return stats
