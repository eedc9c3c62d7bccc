"""One-time SMS codes and consumer sign-up (SPEC "Notifications": login codes)."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Role, SmsCode, User
from mediation.errors import InvalidInput, Throttled
from notifications.models import Notification
from tests.conftest import PASSWORD

CST = timezone.get_fixed_timezone(480)
PHONE = "13700137000"
STRONG = "violet-harbour-42"


@pytest.fixture(autouse=True)
def _clock(db, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 12, 9, 0, tzinfo=CST), tick=False)


def later(time_machine, **delta):
    time_machine.move_to(timezone.now() + datetime.timedelta(**delta), tick=False)


# --- issuing a code -------------------------------------------------------------------


def test_a_code_is_six_digits_stored_only_as_a_hash_and_texted_to_the_phone():
    code = services.request_code(phone=PHONE, ip="203.0.113.5")

    assert re.fullmatch(r"\d{6}", code)
    row = SmsCode.objects.get()
    assert (row.phone, row.ip, row.attempts, row.used_at) == (PHONE, "203.0.113.5", 0, None)
    assert code not in row.code_hash and len(row.code_hash) == 64
    notice = Notification.objects.get(event="login_code")
    assert (notice.channel, notice.address) == ("sms", PHONE)
    assert code in notice.body


def test_codes_differ_from_request_to_request(time_machine):
    codes = set()
    for _ in range(5):
        codes.add(services.request_code(phone=PHONE))
        later(time_machine, minutes=2)

    assert len(codes) > 1


def test_a_phone_written_with_country_code_and_separators_is_the_same_phone():
    assert services.normalise_phone("+86 137-0013-7000") == PHONE
    assert services.normalise_phone(" 13700137000 ") == PHONE


@pytest.mark.parametrize(
    "phone", ["", None, "12345", "1370013700", "137001370001", "02787654321", "+1 202 555 0100", "abc"]
)
def test_an_invalid_mobile_number_is_invalid_input(phone):
    with pytest.raises(InvalidInput) as caught:
        services.request_code(phone=phone)

    assert "phone" in caught.value.fields
    assert not SmsCode.objects.exists()


# --- using a code ---------------------------------------------------------------------


def test_a_code_is_good_for_five_minutes(time_machine):
    code = services.request_code(phone=PHONE)
    later(time_machine, minutes=4, seconds=59)

    assert services.check_code(phone=PHONE, code=code) == PHONE
    assert SmsCode.objects.get().used_at == timezone.now()


def test_a_code_expires_after_five_minutes(time_machine):
    code = services.request_code(phone=PHONE)
    later(time_machine, minutes=5, seconds=1)

    with pytest.raises(InvalidInput) as caught:
        services.check_code(phone=PHONE, code=code)

    assert "code" in caught.value.fields


def test_a_code_is_used_once():
    code = services.request_code(phone=PHONE)
    services.check_code(phone=PHONE, code=code)

    with pytest.raises(InvalidInput):
        services.check_code(phone=PHONE, code=code)


def test_a_code_is_only_good_for_its_own_phone():
    code = services.request_code(phone=PHONE)

    with pytest.raises(InvalidInput):
        services.check_code(phone="13700137001", code=code)


def test_five_wrong_tries_lock_the_code():
    code = services.request_code(phone=PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(InvalidInput):
            services.check_code(phone=PHONE, code=wrong)

    with pytest.raises(InvalidInput):
        services.check_code(phone=PHONE, code=code)

    assert SmsCode.objects.get().attempts == 5


def test_four_wrong_tries_still_leave_the_right_code_usable():
    code = services.request_code(phone=PHONE)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            services.check_code(phone=PHONE, code="000000" if code != "000000" else "111111")

    assert services.check_code(phone=PHONE, code=code) == PHONE


# --- limits ---------------------------------------------------------------------------


def test_one_code_per_phone_a_minute(time_machine):
    services.request_code(phone=PHONE)
    later(time_machine, seconds=20)

    with pytest.raises(Throttled) as caught:
        services.request_code(phone=PHONE)

    assert 39 <= caught.value.retry_after <= 41
    assert caught.value.status_code == 429
    later(time_machine, seconds=41)
    assert services.request_code(phone=PHONE)
    assert SmsCode.objects.count() == 2


def test_ten_codes_per_phone_a_day(time_machine):
    for _ in range(10):
        services.request_code(phone=PHONE)
        later(time_machine, minutes=2)

    with pytest.raises(Throttled) as caught:
        services.request_code(phone=PHONE)

    assert 23 * 3600 < caught.value.retry_after <= 24 * 3600
    later(time_machine, seconds=caught.value.retry_after)
    assert services.request_code(phone=PHONE)


def test_one_network_asks_for_at_most_30_codes_an_hour(time_machine):
    for n in range(30):
        services.request_code(phone=f"137001{n:05d}", ip="198.51.100.7")

    with pytest.raises(Throttled) as caught:
        services.request_code(phone="13700199999", ip="198.51.100.7")

    assert caught.value.retry_after == 3600
    assert services.request_code(phone="13700199999", ip="198.51.100.8")
    later(time_machine, hours=1, seconds=1)
    assert services.request_code(phone="13700199998", ip="198.51.100.7")


def test_a_throttled_request_issues_no_code():
    services.request_code(phone=PHONE)

    with pytest.raises(Throttled):
        services.request_code(phone=PHONE)

    assert SmsCode.objects.count() == 1
    assert Notification.objects.count() == 1


# --- signing up -----------------------------------------------------------------------


def test_a_consumer_signs_up_with_phone_code_and_password():
    code = services.request_code(phone="+86 137 0013 7000")

    user = services.register_consumer(phone=PHONE, code=code, password=STRONG, name=" 赵六 ")

    assert (user.username, user.phone, user.role, user.name) == (PHONE, PHONE, Role.CONSUMER, "赵六")
    assert user.check_password(STRONG) and STRONG not in user.password
    assert user.language == "en"


def test_a_number_that_already_has_an_account_cannot_sign_up_again(wang):
    code = services.request_code(phone=wang.phone)

    with pytest.raises(InvalidInput) as caught:
        services.register_consumer(phone=wang.phone, code=code, password=STRONG, name="Impostor")

    assert "phone" in caught.value.fields
    assert User.objects.filter(phone=wang.phone).count() == 1
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_signing_up_twice_with_the_same_number_makes_one_account(time_machine):
    services.register_consumer(phone=PHONE, code=services.request_code(phone=PHONE), password=STRONG, name="Zhao")
    later(time_machine, minutes=2)

    with pytest.raises(InvalidInput):
        services.register_consumer(phone=PHONE, code=services.request_code(phone=PHONE), password=STRONG, name="Zhao")

    assert User.objects.filter(phone=PHONE).count() == 1


def test_signing_up_with_a_wrong_code_creates_no_account():
    code = services.request_code(phone=PHONE)

    with pytest.raises(InvalidInput) as caught:
        services.register_consumer(phone=PHONE, code="x" + code[1:], password=STRONG, name="Zhao")

    assert "code" in caught.value.fields
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_weak_password_is_refused_without_using_up_the_code():
    code = services.request_code(phone=PHONE)

    with pytest.raises(InvalidInput) as caught:
        services.register_consumer(phone=PHONE, code=code, password="12345678", name="Zhao")

    assert "password" in caught.value.fields
    assert services.register_consumer(phone=PHONE, code=code, password=STRONG, name="Zhao").pk


@pytest.mark.parametrize("field, kwargs", [("name", {"name": "  "}), ("phone", {"phone": "110"})])
def test_sign_up_needs_a_name_and_a_mobile_number(field, kwargs):
    code = services.request_code(phone=PHONE)
    data = dict(phone=PHONE, code=code, password=STRONG, name="Zhao") | kwargs

    with pytest.raises(InvalidInput) as caught:
        services.register_consumer(**data)

    assert field in caught.value.fields
