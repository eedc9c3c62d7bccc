"""Named people and places for every test (STYLE.md "Tests").

Hubei province > Wuhan city > Jiang'an district, and Yichang as Wuhan's sibling city.
"""

import pytest
import sms
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Council, Role, User
from merchants.models import Merchant, MerchantStatus

PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "evidence"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Suites file many cases as one consumer; tests/security checks the real limits.
    settings.COMPLAINTS_PER_DAY = 1000
    settings.MESSAGES_PER_HOUR = 1000
    # Tests read the dashboard's figures right after changing cases; tests/supervision checks the cache.
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Unit tests run tasks in-process after commit; tests marked `integration`
    use a real broker and worker instead."""
    from mediation.celery import app

    eager = "integration" not in request.keywords
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    """django-sms keeps its outbox on the module across tests."""
    sms.outbox = []
    cache.clear()
    yield
    sms.outbox = []


# --- Case-number sequences (complaints/case_numbers.py) ----------------------------------------

FORGET_CASE_NUMBER_SEQUENCES = r"""
DO $$ DECLARE s record; BEGIN
    FOR s IN SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'complaints\_case\_number\_%' LOOP
        EXECUTE format('DROP SEQUENCE IF EXISTS %I', s.relname);
    END LOOP;
END $$"""


@pytest.fixture(autouse=True)
def _forget_case_number_sequences(request, django_db_blocker):
    """A PostgreSQL sequence outlives the flush after a test that commits: its case numbers are
    forgotten, so the next test's first case is 000001 again. (A test that rolls back takes the
    sequence it created with it.)"""
    yield
    marker = request.node.get_closest_marker("django_db")
    committed = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if not (committed or {"transactional_db", "live_server"} & set(request.fixturenames)):
        return
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(FORGET_CASE_NUMBER_SEQUENCES)


@pytest.fixture
def hubei(db):
    return Council.objects.create(name="Hubei Consumer Council", code="HB", case_prefix="HB")


@pytest.fixture
def wuhan(hubei):
    return Council.objects.create(name="Wuhan Consumer Council", code="HB-WH", parent=hubei)


@pytest.fixture
def jiangan(wuhan):
    return Council.objects.create(name="Jiang'an District Consumer Council", code="HB-WH-JA", parent=wuhan)


@pytest.fixture
def yichang(hubei):
    return Council.objects.create(name="Yichang Consumer Council", code="HB-YC", parent=hubei)


# Proof of fulfilment for each agreed remedy (complaints.proof), as a merchant gives it.
PROOF = {
    "refund": {"amount": "2999.00", "paid_on": "2020-01-02", "reference": "R-1"},
    "compensation": {"amount": "200.00", "paid_on": "2020-01-02"},
    "return": {"courier": "SF Express", "tracking_number": "SF1234567890"},
    "exchange": {"courier": "SF Express", "tracking_number": "SF1234567890"},
    "repair": {"repaired_on": "2020-01-02"},
}


def proof_for(case) -> dict:
    """The proof the case's agreed remedy needs when it is marked carried out."""
    from complaints.models import Complaint

    remedy = (Complaint.objects.get(pk=case.pk).agreement or {}).get("remedy") or ""
    return dict(PROOF.get(remedy, {}))


def make_user(username, role, **fields):
    # The suite reads English: people get English notices unless a test says otherwise
    # (tests/test_languages.py covers Chinese).
    fields.setdefault("language", "en")
    user = User(username=username, role=role, name=fields.pop("name", username.title()), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def shop(jiangan):
    return Merchant.objects.create(
        name="Jiang'an Electronics",
        uscc="91420102MA4K0XXX0X",
        region=jiangan,
        status=MerchantStatus.ENROLLED,
        notice_phones=["13900000001"],
    )


@pytest.fixture
def other_shop(yichang):
    return Merchant.objects.create(
        name="Yichang Furniture",
        uscc="91420500MA4K0YYY0Y",
        region=yichang,
        status=MerchantStatus.ENROLLED,
        notice_phones=["13900000002"],
    )


@pytest.fixture
def unlisted_shop(jiangan):
    return Merchant.objects.create(
        name="Corner Store", uscc="92420102MA4K0ZZZ0Z", region=jiangan, status=MerchantStatus.APPLIED
    )


@pytest.fixture
def wang(db):
    """A consumer in Wuhan."""
    return make_user("13800138000", Role.CONSUMER, phone="13800138000", name="王小明")


@pytest.fixture
def li(db):
    """A second consumer."""
    return make_user("13800138001", Role.CONSUMER, phone="13800138001", name="李娜")


@pytest.fixture
def owner(shop):
    return make_user("owner", Role.MERCHANT_OWNER, merchant=shop, name="Zhang Owner", phone="13900000011")


@pytest.fixture
def agent(shop):
    return make_user("agent", Role.MERCHANT_AGENT, merchant=shop, name="Chen Agent", phone="13900000012")


@pytest.fixture
def other_agent(other_shop):
    """An agent of another merchant."""
    return make_user("other_agent", Role.MERCHANT_AGENT, merchant=other_shop, name="Zhou Agent")


@pytest.fixture
def supervisor(wuhan):
    """A supervisor of Wuhan: sees Wuhan and its districts."""
    return make_user("supervisor", Role.SUPERVISOR, council=wuhan, name="Liu Supervisor", email="liu@council.example")


@pytest.fixture
def sibling_supervisor(yichang):
    """A supervisor of Yichang, Wuhan's sibling city."""
    return make_user("yc_supervisor", Role.SUPERVISOR, council=yichang, name="Yang Supervisor")


@pytest.fixture
def mediator(wuhan):
    return make_user("mediator", Role.MEDIATOR, council=wuhan, name="Sun Mediator", email="sun@council.example")


@pytest.fixture
def clerk(wuhan):
    """An intake clerk of Wuhan: files for callers and sees only the cases she filed."""
    return make_user("clerk", Role.INTAKE_CLERK, council=wuhan, name="Zhou Clerk")


@pytest.fixture
def api():
    """An API client; `api.as_(user)` authenticates it as that person."""
    client = APIClient()

    def as_(user):
        client.force_authenticate(user=user)
        return client

    client.as_ = as_
    return client


@pytest.fixture
def file_complaint(wang, shop):
    """File a complaint through the state machine, as Wang against the shop by default."""
    from complaints import filing

    def _file(consumer=None, merchant=shop, **fields):
        data = dict(
            category="quality",
            channel="ecommerce",
            title="Phone screen cracked on arrival",
            description="The screen was cracked when I opened the box.",
            amount="2999.00",
            demands=["refund"],
        )
        data.update(fields)
        return filing.file_complaint(consumer=consumer or wang, merchant=merchant, **data)

    return _file


# --- Fixtures of the domain suite (tests/complaints, tests/notifications, tests/accounts) ---


@pytest.fixture
def province_supervisor(hubei):
    """A supervisor of the Hubei provincial council: sees every case in the province."""
    return make_user("hb_supervisor", Role.SUPERVISOR, council=hubei, name="Hu Supervisor")


@pytest.fixture
def sibling_mediator(yichang):
    """A mediator of Yichang, whose jurisdiction does not cover Wuhan's cases."""
    return make_user("yc_mediator", Role.MEDIATOR, council=yichang, name="Ma Mediator")


@pytest.fixture
def case_in(file_complaint, wang, owner, unlisted_shop):
    """`case_in(status)`: a complaint by Wang brought through the state machine to `status`
    ("closed" is a confirmed, resolved case)."""
    from decimal import Decimal

    from complaints import workflow
    from complaints.models import Status

    def _case(status):
        if status == Status.UNDER_REVIEW:
            return file_complaint(merchant=unlisted_shop)
        case = file_complaint()

        def step(actor, action, **payload):
            return workflow.perform(actor=actor, complaint_id=case.pk, action=action, **payload)

        if status == Status.AWAITING_MERCHANT:
            return case
        case = step(
            owner,
            "respond",
            kind="offer",
            message="We refund in full.",
            remedy="refund",
            offer_amount=Decimal("2999.00"),
        )
        if status == Status.AWAITING_CONSUMER:
            return case
        if status == Status.IN_MEDIATION:
            return step(wang, "request_mediation", message="The refund is not enough.")
        case = step(wang, "accept")
        if status == Status.SETTLED:
            return case
        case = step(owner, "fulfil", message="Refunded, receipt R-1.", **proof_for(case))
        if status == Status.AWAITING_CONFIRMATION:
            return case
        if status == Status.CLOSED:
            return step(wang, "confirm")
        raise ValueError(status)

    return _case
