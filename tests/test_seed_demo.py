"""`manage.py seed_demo`: the demo data a newcomer logs in to (API.md "Demo accounts")."""

import datetime
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from stdnum.cn import uscc

from accounts.models import Council, Role, User
from complaints.models import Complaint, ComplaintEvent, Outcome, Status
from merchants.models import Merchant, MerchantStatus, OverdueMark
from notifications.models import Notification
from supervision.management.demo_data import STORIES

DEMO_PASSWORD = "demo-pass-123"
ACCOUNTS = ["supervisor", "mediator", "merchant", "agent", "13800138000"]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Council, User, Merchant, Complaint, ComplaintEvent, Notification, OverdueMark]
    return {model.__name__: model.objects.count() for model in models}


# The suite's settings (tests/conftest.py `_test_settings`) that shape the seeded rows; the
# function-scoped `settings` fixture cannot reach a module-scoped fixture. The password hasher
# matters most: a hash the tests' hasher list does not know never logs in.
SEED_SETTINGS = {
    "LANGUAGE_CODE": "en",
    "SMS_BACKEND": "sms.backends.locmem.SmsBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "COMPLAINTS_PER_DAY": 1000,
    "MESSAGES_PER_HOUR": 1000,
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Play the demo once for this module (seconds of state machine), inside a transaction that
    is rolled back when the module is done: the demo's "supervisor", "agent" and 王小明 would
    otherwise meet tests/conftest.py's people of the same names in every later module. The
    transaction is never committed, so on-commit tasks stay unrun, as under the `db` fixture."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(**SEED_SETTINGS):
                output = seed()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield output
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(demo, db):
    """The demo's output; each test runs in a savepoint (the `db` fixture) on top of the shared
    demo, so what one test changes the next does not see."""
    return demo


def test_seeding_twice_changes_nothing(seeded):
    first = counts()
    passwords = dict(User.objects.values_list("username", "password"))

    second_output = seed()

    assert counts() == first
    assert dict(User.objects.values_list("username", "password")) == passwords
    assert "already present" in second_output


def test_demo_has_cases_in_every_state_and_every_outcome(seeded):
    cases = Complaint.objects.all()
    assert cases.count() >= 30
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert set(cases.filter(status=Status.CLOSED).values_list("outcome", flat=True)) == set(Outcome.values)
    assert cases.filter(status__in=[Status.UNDER_REVIEW, Status.IN_MEDIATION], is_overdue=True).count() >= 2


def test_demo_consumer_has_a_case_in_every_state(seeded):
    wang = User.objects.get(phone="13800138000")
    assert set(wang.complaints.values_list("status", flat=True)) == set(Status.values)


def test_every_story_ends_where_it_says(seeded):
    by_title = {c.title: c for c in Complaint.objects.all()}
    for story in STORIES:
        case = by_title[story.title]
        assert (case.status, case.outcome) == story.expect, story.title
        assert case.is_overdue == story.overdue, story.title
        assert case.round == story.rounds, story.title


def test_cases_were_made_by_the_state_machine(seeded):
    """Each case has its filing event first, later events in order, and the notices of its events."""
    for case in Complaint.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert events[0].kind == "filed"
        assert abs(events[0].created_at - case.filed_at) < datetime.timedelta(seconds=1)
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        if case.status == Status.CLOSED:
            assert case.closed_at == events[-1].created_at or events[-1].kind == "rated"
    shop = Merchant.objects.get(members__username="merchant")
    filed_against_shop = Complaint.objects.filter(merchant=shop).count()
    sms_to_shop = Notification.objects.filter(event="filed", address__in=shop.notice_phones).count()
    assert sms_to_shop == filed_against_shop
    assert OverdueMark.objects.filter(stage=OverdueMark.Stage.ANSWER).exists()
    assert OverdueMark.objects.filter(stage=OverdueMark.Stage.FULFILMENT).exists()


def test_demo_accounts_log_in_with_the_demo_password(seeded):
    for username in ACCOUNTS:
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    assert authenticate(phone="13800138000", password=DEMO_PASSWORD).name == "王小明"
    assert not Client().login(username="supervisor", password="wrong-password")


def test_demo_people_have_the_roles_the_readme_names(seeded):
    users = {u.username: u for u in User.objects.select_related("council", "merchant")}
    hubei = Council.objects.get(code="HB")
    assert users["supervisor"].role == Role.SUPERVISOR and users["supervisor"].council == hubei
    assert users["mediator"].role == Role.MEDIATOR and users["mediator"].council == hubei
    assert users["merchant"].role == Role.MERCHANT_OWNER
    assert users["agent"].role == Role.MERCHANT_AGENT
    assert users["agent"].merchant == users["merchant"].merchant
    assert users["merchant"].merchant.region.code == "HB-WH-JA"
    assert users["merchant"].merchant.notice_phones
    assert users["13800138000"].phone == "13800138000"
    assert users["13800138000"].role == Role.CONSUMER
    assert {u.language for u in users.values()} == {"zh-hans"}


def test_council_tree_and_merchants(seeded):
    wuhan = Council.objects.get(code="HB-WH")
    assert Council.objects.get(code="HB").parent is None
    assert Council.objects.get(code="HB").case_prefix == "HB"
    assert Council.objects.get(code="HB-WH-JA").parent == wuhan
    assert Council.objects.get(code="HB-YC").parent.code == "HB"
    statuses = sorted(Merchant.objects.values_list("status", flat=True))
    assert statuses == [MerchantStatus.APPLIED, MerchantStatus.ENROLLED, MerchantStatus.ENROLLED]
    for merchant in Merchant.objects.all():
        assert uscc.is_valid(merchant.uscc), merchant.uscc
    assert Merchant.objects.filter(status=MerchantStatus.ENROLLED, enrolled_at__isnull=True).count() == 0


def test_seed_prints_the_accounts_table(seeded):
    lines = seeded.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["username", "password", "role"])
    rows = {line.split()[0]: line.split()[1:3] for line in lines[header + 1 :] if line.strip() and "  " in line}
    for username in ACCOUNTS:
        assert rows[username][0] == DEMO_PASSWORD
    assert rows["supervisor"][1] == "supervisor"
    assert rows["agent"][1] == "merchant_agent"


# --- the operators' admin, on the demo data ---------------------------------------------


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", "ops@example.com", DEMO_PASSWORD)


def test_operator_admin_lists_and_opens_every_demo_record(seeded, operator, client):
    from django.contrib import admin
    from django.urls import reverse

    client.force_login(operator)
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "HB2026"}).status_code == 200, changelist
        for obj in model.objects.all()[:3]:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


def test_admin_never_changes_status_or_timeline(seeded, operator, client):
    from django.urls import reverse

    client.force_login(operator)
    case = Complaint.objects.filter(status=Status.AWAITING_MERCHANT).first()
    page = client.get(reverse("admin:complaints_complaint_change", args=[case.pk])).content.decode()
    assert 'name="title"' in page
    assert 'name="status"' not in page and 'name="outcome"' not in page and 'name="due_at' not in page
    assert client.get(reverse("admin:complaints_complaint_add")).status_code == 403

    event = case.events.first()
    assert client.get(reverse("admin:complaints_complaintevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:complaints_complaintevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    page = client.get(reverse("admin:complaints_complaintevent_change", args=[event.pk])).content.decode()
    assert 'name="message"' not in page and 'name="kind"' not in page
    assert ComplaintEvent.objects.filter(pk=event.pk).exists()

    notice = Notification.objects.first()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    page = client.get(reverse("admin:notifications_notification_change", args=[notice.pk])).content.decode()
    assert 'name="status"' not in page
