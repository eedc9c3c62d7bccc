"""bench/db_limit.py turns what a filing ran into pgbench scripts that run, whatever SQL it sees."""

import datetime
import decimal

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from accounts.models import Role
from bench import db_limit, pgbench_run, replay
from complaints.models import Complaint
from merchants.models import Merchant, MerchantStatus
from tests.conftest import make_user

WHO = {"consumer": 300123, "merchant": 47, "complaint": 1000001, "case_number": "HB2026-000042"}
POOLS = ((300100, 300199), (40, 60))


def scripts_for(statements):
    with connection.cursor() as wrapper:
        done, refused, _notes = replay.replayable(statements, wrapper.cursor, WHO)
    return (
        replay.replay_script(done, refused, *POOLS),
        replay.no_shared_row_script(done, *POOLS),
    )


def returning_complaint():
    return replay.Statement(
        'INSERT INTO "complaints_complaint" ("case_number", "consumer_id", "merchant_id") VALUES (%s, %s, %s) '
        'RETURNING "complaints_complaint"."id"',
        ("HB2026-000042", 300123, 47),
        returned=(1000001,),
        columns=("id",),
        rows=1,
    )


@pytest.mark.django_db
def test_an_insert_returning_an_id_is_read_back_and_later_statements_use_it():
    event = replay.Statement(
        'INSERT INTO "complaints_complaintevent" ("complaint_id", "message") VALUES (%s, %s)',
        (1000001, "case 1000001 filed; see /cases/1000001/"),
    )
    replayed, _ = scripts_for([replay.Statement("BEGIN"), returning_complaint(), event, replay.Statement("COMMIT")])

    text = replayed.text()
    assert "\\gset dbl_r1_" in text
    assert "VALUES (:dbl_r1_id, ('case ' || :dbl_r1_id || ' filed; see /cases/' || :dbl_r1_id || '/'))" in text
    assert "('~' || right(:dbl_u::text, 12)), :dbl_consumer, :dbl_merchant" in text
    assert "1000001" not in text.split("\\gset")[1]


@pytest.mark.django_db
def test_multi_row_values_chinese_text_nulls_and_quoted_identifiers_are_kept_as_sent():
    statement = replay.Statement(
        'INSERT INTO "notifications_notification" ("idempotency_key", "body", "sent_at", "Odd ""Name""") '
        "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s) RETURNING id",
        ("ev7:sms:139", "您的投诉 HB2026-000042 已受理；50%", None, 1, "ev7:email", "退款", None, 2),
        returned=(11,),
        columns=("id",),
        rows=2,
    )
    replayed, _ = scripts_for([statement])

    line = replayed.lines[-1]
    assert '"Odd ""Name"""' in line
    assert "('您的投诉 ' || ('~' || right(:dbl_u::text, 12)) || ' 已受理；50%')" in line
    assert line.count("NULL") == 2
    assert "\\gset" not in line  # two rows returned: nothing to read back
    assert line.endswith(";")


@pytest.mark.django_db
def test_unnest_arrays_on_conflict_and_functions_run_verbatim_with_ids_made_variables():
    statements = [
        replay.Statement("BEGIN"),
        replay.Statement("SELECT next_case_number(%s, %s)", ("HB", 2026), returned=("HB2026-000042",), rows=1),
        replay.Statement("SELECT nextval('complaints_case_hb_2026')", None, returned=(42,), rows=1),
        returning_complaint(),
        replay.Statement(
            'INSERT INTO "complaints_notice" ("complaint_id", "phone") SELECT * FROM UNNEST(%s::bigint[], %s::text[])',
            ([1000001, 1000001], ["13900000001", "13900000002"]),
        ),
        replay.Statement(
            'INSERT INTO "merchants_opencount" ("merchant_id", "open") VALUES (%s, 1) '
            'ON CONFLICT ("merchant_id") DO UPDATE SET "open" = "merchants_opencount"."open" + 1',
            (47,),
        ),
        replay.Statement("COMMIT"),
    ]
    replayed, no_shared = scripts_for(statements)

    assert "SELECT next_case_number('HB', 2026);" in replayed.lines
    assert "SELECT nextval('complaints_case_hb_2026');" in replayed.lines
    assert "UNNEST(ARRAY[:dbl_r3_id, :dbl_r3_id]::bigint[], ARRAY['13900000001','13900000002']::text[])" in (
        replayed.text()
    )
    assert any("ON CONFLICT" in line for line in replayed.lines)
    # The ceiling keeps the inserts of new rows only, in one transaction.
    assert [line.split()[0] for line in no_shared.lines if not line.startswith(("--", "\\"))] == [
        "BEGIN;",
        "INSERT",
        "INSERT",
        "COMMIT;",
    ]
    assert "ON CONFLICT" in no_shared.notes[0]


@pytest.mark.django_db
def test_a_hash_is_made_unique_per_transaction_at_its_length():
    digest = "31921ae97add4f12b8d23399591171691da9dec8b9a8b5f024a0dbbd5a47d43d"
    replayed, _ = scripts_for([replay.Statement('UPDATE "t" SET "hash" = %s', (digest,))])

    assert f"('{digest[:49]}' || right(:dbl_u::text, 15))" in replayed.lines[-1]


@pytest.mark.django_db
def test_a_statement_that_cannot_be_rendered_is_reported_with_the_reason_and_left_out():
    statements = [
        replay.Statement('SELECT 1 FROM "t" WHERE "a" = %s', (object(),)),
        replay.Statement('SELECT 1 FROM "t" WHERE "a" = %s AND "b" = %s', (1,)),
        replay.Statement('SELECT 1 FROM "t" WHERE "a" = %(a)s', {"b": 1}),
        replay.Statement('SELECT %s, 100%% FROM "t"', (decimal.Decimal("1.5"),)),
        replay.Statement("SELECT %s", (datetime.date(2026, 1, 2),)),
    ]
    replayed, _ = scripts_for(statements)

    assert [(r["position"], r["reason"].split(":")[0]) for r in replayed.unreplayable] == [
        (0, "parameter object cannot be rendered"),
        (1, "more placeholders than the 1 parameters"),
        (2, "no parameter named 'a'"),
    ]
    assert replayed.lines[-2:] == ['SELECT 1.5, 100% FROM "t";', "SELECT '2026-01-02'::date;"]


@pytest.fixture
def filing_parties(db):
    """Two consumers with tokens and two enrolled merchants of one council, whose id is the first
    merchant's by coincidence; every other id differs from all of these."""
    from accounts.models import Council

    with connection.cursor() as cursor:
        for table, start in (
            ("accounts_council", 4100),
            ("accounts_user", 310000),
            ("merchants_merchant", 4100),
            ("complaints_complaint", 5200000),
            ("complaints_complaintevent", 6300000),
            ("notifications_notification", 7400000),
        ):
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start])
    council = Council.objects.create(name="压测区消费者委员会", code="DBL-1", case_prefix="DB")
    consumers = [
        make_user(f"1380099000{n}", Role.CONSUMER, phone=f"1380099000{n}", name=f'赵 "引号" 用户{n}') for n in (1, 2)
    ]
    merchants = [
        Merchant.objects.create(
            name=f"压测商户 'quoted' {n}",
            uscc=f"91420102MA4K0DB{n}0X",
            region=council,
            status=MerchantStatus.ENROLLED,
            notice_phones=[f"1390099000{n}", f"1390099001{n}"],
        )
        for n in (1, 2)
    ]
    tokens = [Token.objects.create(user=consumer).key for consumer in consumers]
    return council, consumers, tokens, merchants


@pytest.mark.django_db(transaction=True)
def test_a_real_filing_becomes_scripts_that_pgbench_runs_against_the_database(filing_parties):
    from django.test import Client

    from bench.filing_load import filing_requests

    council, consumers, tokens, merchants = filing_parties
    assert council.pk == merchants[0].pk
    # A warm-up filing (the year's first makes its sequence), then the twin and the capture.
    warm_up, twin_request, request = filing_requests([tokens[1], tokens[1], tokens[0]], [m.pk for m in merchants], 0)
    db_limit.post_filing(Client(), warm_up)
    twin = db_limit.capture(twin_request)
    ordered, who = db_limit.capture(request)
    assert (who["consumer"], who["merchant"]) == (consumers[0].pk, merchants[0].pk)
    pools = ((consumers[0].pk, consumers[1].pk), (merchants[0].pk, merchants[1].pk))
    replayed, no_shared = db_limit.build_scripts(ordered, who, *pools, twin=twin)

    assert (replayed.unreplayable, replayed.notes) == ([], [])
    assert replay.counts(replayed)["insert"] >= 3  # the complaint, its event, its notices
    assert replay.counts(no_shared)["insert"] == replay.counts(replayed)["insert"]
    if not pgbench_run.pgbench_binary():
        pytest.fail("pgbench is not installed here (PostgreSQL's client package)")
    params = connection.get_connection_params()
    for script in (replayed, no_shared):
        ok, output = pgbench_run.run_once(script.text(), params)
        assert ok, output
    replays = Complaint.objects.filter(pk__gt=who["complaint"])
    assert replays.count() == 2
    # Each replayed INSERT took a number of its own from the year's sequence, as filings do.
    assert len({c.case_number for c in replays} | {who["case_number"]}) == 3
    # The council's id equals a merchant's, yet stays the council's in every replayed filing.
    assert {c.council_id for c in replays} == {council.pk}
    assert all(c.events.count() == 1 and c.notices.count() == 2 for c in replays)
