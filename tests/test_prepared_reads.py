"""A read compiled once gives what its queryset gives, for every call's values, and refuses a
query whose values it cannot place (mediation.prepared)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Complaint
from mediation.prepared import PreparedRead, columns_of, instances_of, update_by_pk
from merchants.models import Merchant

pytestmark = pytest.mark.django_db


def concrete_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def counted_build(build):
    calls = []

    def counted(**values):
        calls.append(values)
        return build(**values)

    return counted, calls


def test_rows_are_the_querysets_with_related_rows_and_annotations(shop, other_shop, file_complaint, li):
    file_complaint()
    file_complaint(consumer=li)
    open_cases = Count("complaints", filter=Q(complaints__status__in=["awaiting_merchant", "under_review"]))
    build, calls = counted_build(
        lambda pk: Merchant.objects.select_related("region").annotate(open_cases=open_cases).filter(pk=pk)
    )
    read = PreparedRead(build, pk=int)

    for merchant in (shop, other_shop, shop):
        expected = Merchant.objects.select_related("region").annotate(open_cases=open_cases).get(pk=merchant.pk)
        got = read.first(pk=merchant.pk)
        assert concrete_values(got) == concrete_values(expected)
        assert got.open_cases == expected.open_cases
        with CaptureQueriesContext(transaction.get_connection()) as queries:
            assert concrete_values(got.region) == concrete_values(expected.region)
        assert not queries.captured_queries, "the region came with the merchant"
        assert not got._state.adding and got._state.db == "default"
    assert [shop_.open_cases for shop_ in (read.first(pk=shop.pk), read.first(pk=other_shop.pk))] == [2, 0]
    # Built with stand-ins only (once for the model, twice to compile), never with a call's values.
    assert len(calls) == 3 and all(call["pk"] < 0 for call in calls)


def test_every_field_comes_back_converted_as_the_orm_gives_it(file_complaint, wang):
    case = file_complaint(amount="2999.50", demands=["refund", "apology"])
    read = PreparedRead(lambda pk: Complaint.objects.filter(pk=pk), pk=int)

    got = read.first(pk=case.pk)

    assert concrete_values(got) == concrete_values(Complaint.objects.get(pk=case.pk))
    assert got.amount == Decimal("2999.50") and got.demands == ["refund", "apology"]
    assert got.filed_at.tzinfo is not None


def test_a_datetime_and_a_string_place_where_they_belong(file_complaint, wang, li):
    first = file_complaint(order_number="A-1")
    second = file_complaint(order_number="A-2")
    file_complaint(consumer=li, order_number="A-1")
    Complaint.objects.filter(pk=first.pk).update(filed_at=timezone.now() - datetime.timedelta(days=3))
    read = PreparedRead(
        lambda consumer, since, order: Complaint.objects.filter(
            consumer=consumer, filed_at__gt=since, order_number=order
        ).order_by("-filed_at"),
        consumer=int,
        since=datetime.datetime,
        order=str,
    )
    now = timezone.now()

    assert [c.pk for c in read.all(consumer=wang.pk, since=now - datetime.timedelta(days=1), order="A-2")] == [
        second.pk
    ]
    assert read.all(consumer=wang.pk, since=now - datetime.timedelta(days=1), order="A-1") == []
    assert [c.pk for c in read.all(consumer=wang.pk, since=now - datetime.timedelta(days=7), order="A-1")] == [first.pk]
    assert read.first(consumer=li.pk, since=now + datetime.timedelta(days=1), order="A-1") is None


def test_deferred_fields_load_on_use_as_with_only(file_complaint):
    case = file_complaint(title="Cracked screen")
    read = PreparedRead(lambda pk: Complaint.objects.filter(pk=pk).only("pk", "status"), pk=int)

    got = read.first(pk=case.pk)

    assert got.get_deferred_fields() >= {"title", "description"}
    assert got.status == case.status
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        assert got.title == "Cracked screen"
    assert len(queries.captured_queries) == 1


def test_a_read_is_one_statement_that_the_connections_wrappers_see(shop):
    read = PreparedRead(lambda pk: Merchant.objects.filter(pk=pk), pk=int)
    read.first(pk=shop.pk)  # compiled

    with CaptureQueriesContext(transaction.get_connection()) as queries:
        read.first(pk=shop.pk)

    assert len(queries.captured_queries) == 1
    assert "merchants_merchant" in queries.captured_queries[0]["sql"]


def test_a_lock_taken_inside_a_transaction(wang):
    from accounts.models import User

    read = PreparedRead(lambda pk: User.objects.select_for_update().filter(pk=pk).only("pk"), pk=int)
    with transaction.atomic(), CaptureQueriesContext(transaction.get_connection()) as queries:
        assert [user.pk for user in read.all(pk=wang.pk)] == [wang.pk]
    if transaction.get_connection().features.has_select_for_update:
        assert "FOR UPDATE" in queries.captured_queries[0]["sql"]


def test_a_value_the_orm_would_change_is_refused_before_any_sql_runs(file_complaint):
    file_complaint(title="Cracked screen")
    wrapped = PreparedRead(lambda word: Complaint.objects.filter(title__contains=word), word=str)
    many = PreparedRead(lambda pk: Complaint.objects.filter(pk__in=[pk, pk + 1]), pk=int)

    with pytest.raises(ImproperlyConfigured, match="word"):
        wrapped.all(word="Cracked")
    with pytest.raises(ImproperlyConfigured, match="changes with their values"):
        many.all(pk=1)


def test_values_of_the_wrong_kind_are_refused(shop):
    read = PreparedRead(lambda pk: Merchant.objects.filter(pk=pk), pk=int)

    for wrong in (None, str(shop.pk), True, 1.0):
        with pytest.raises(TypeError):
            read.all(pk=wrong)
    with pytest.raises(ValueError):
        read.all(pk=2**63)
    with pytest.raises(TypeError):
        read.all(id=shop.pk)
    with pytest.raises(TypeError, match="aware"):
        PreparedRead(lambda since: Complaint.objects.filter(filed_at__gt=since), since=datetime.datetime).all(
            since=datetime.datetime(2026, 1, 1)
        )
    with pytest.raises(ImproperlyConfigured):
        PreparedRead(lambda amount: Complaint.objects.filter(amount=amount), amount=float)


def test_only_model_rows_are_read_in_one_statement(shop):
    values = PreparedRead(lambda pk: Merchant.objects.filter(pk=pk).values("name"), pk=int)
    prefetching = PreparedRead(lambda pk: Merchant.objects.filter(pk=pk).prefetch_related("overdue_marks"), pk=int)

    with pytest.raises(ImproperlyConfigured, match="model instances"):
        values.all(pk=shop.pk)
    with pytest.raises(ImproperlyConfigured, match="prefetch_related"):
        prefetching.all(pk=shop.pk)


# --- statements of one's own: rows of a model and updates by primary key ---------------------


def test_rows_of_a_returning_statement_are_the_instances_a_queryset_gives(file_complaint):
    case = file_complaint(amount="2999.50", demands=["refund", "apology"])
    table = connection.ops.quote_name(Complaint._meta.db_table)
    with connection.cursor() as cursor:
        returning = columns_of(Complaint)
        cursor.execute(f"UPDATE {table} SET priority = priority WHERE id = %s RETURNING {returning}", [case.pk])
        rows = cursor.fetchall()
    (got,) = instances_of(Complaint, rows)
    assert concrete_values(got) == concrete_values(Complaint.objects.get(pk=case.pk))
    assert got.demands == ["refund", "apology"] and got.amount == Decimal("2999.50")
    assert not got._state.adding and got._state.db == "default"


def test_an_update_by_primary_key_writes_what_the_querysets_update_writes(file_complaint):
    case, other = file_complaint(), file_complaint(order_number="OTHER-1")
    when = timezone.now() - datetime.timedelta(days=3)
    before = Complaint.objects.get(pk=case.pk)
    with CaptureQueriesContext(connection) as queries:
        changed = update_by_pk(Complaint, case.pk, demands=["repair"], closed_at=when, priority=7)
    assert changed == 1 and len(queries.captured_queries) == 1
    Complaint.objects.filter(pk=other.pk).update(demands=["repair"], closed_at=when, priority=7)
    written, by_queryset = Complaint.objects.get(pk=case.pk), Complaint.objects.get(pk=other.pk)
    for row in (written, by_queryset):
        assert (row.demands, row.closed_at, row.priority) == (["repair"], when, 7)
    assert concrete_values(written) | {"demands": 0, "closed_at": 0, "priority": 0} == (
        concrete_values(before) | {"demands": 0, "closed_at": 0, "priority": 0}
    ), "no other field changed"
    assert update_by_pk(Complaint, 10**9, priority=1) == 0


def test_an_update_by_primary_key_refuses_expressions(file_complaint):
    case = file_complaint()
    with pytest.raises(TypeError, match="priority"):
        update_by_pk(Complaint, case.pk, priority=F("priority") + 1)
    assert Complaint.objects.get(pk=case.pk).priority == case.priority
