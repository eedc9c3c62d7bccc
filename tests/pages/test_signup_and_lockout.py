"""Signing up with a number that already has an account, every sign-up error at once, and the
way back in from a lockout (issue 14 item 22)."""

import re

import pytest
import sms
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import SmsCode, User
from tests.conftest import PASSWORD

SIGNUP = "/accounts/signup/"
SIGNUP_COMPLETE = "/accounts/signup/complete/"
NEW_PHONE = "13912345678"
STRONG = "quiet-river-42"


@pytest.fixture
def send_code(client, django_capture_on_commit_callbacks):
    def _send(phone):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SIGNUP, {"phone": phone})

    return _send


def last_sms_to(phone: str) -> str:
    bodies = [m.body for m in sms.outbox if m.recipients == [phone]]
    assert bodies, f"no SMS to {phone}"
    return bodies[-1]


def code_in(body: str) -> str:
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_the_page_answers_alike_but_the_sms_tells_the_holder_the_number_has_an_account(wang, send_code):
    registered, new = send_code(wang.phone), send_code(NEW_PHONE)

    # Nothing on the page tells a stranger who is registered ...
    for response in (registered, new):
        assert (response.status_code, response["Location"]) == (302, SIGNUP_COMPLETE)
    # ... but the holder of the number reads it at once, before filling anything in.
    assert "already has an account" in last_sms_to(wang.phone)
    assert "already has an account" not in last_sms_to(NEW_PHONE)


def test_the_code_sent_to_a_registered_number_logs_that_account_in_instead_of_failing(client, wang, send_code):
    send_code(wang.phone)
    response = client.post(
        SIGNUP_COMPLETE,
        {
            "phone": wang.phone,
            "code": code_in(last_sms_to(wang.phone)),
            "name": "Someone",
            "password": STRONG,
            "password_confirm": STRONG,
        },
        follow=True,
    )

    assert int(client.session[SESSION_KEY]) == wang.pk
    assert "already had an account" in response.content.decode()
    assert User.objects.filter(phone=wang.phone).count() == 1
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD) and wang.name == "王小明"  # nothing of the account changed


def test_a_wrong_code_to_a_registered_number_logs_nobody_in(client, wang, send_code):
    send_code(wang.phone)
    code = code_in(last_sms_to(wang.phone))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = client.post(
        SIGNUP_COMPLETE,
        {"phone": wang.phone, "code": wrong, "name": "X", "password": STRONG, "password_confirm": STRONG},
    )
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_every_sign_up_error_is_shown_at_once_and_a_right_code_stays_valid(client, db, send_code):
    send_code(NEW_PHONE)
    code = code_in(last_sms_to(NEW_PHONE))

    weak = client.post(
        SIGNUP_COMPLETE,
        {
            "phone": NEW_PHONE,
            "code": "000000" if code != "000000" else "111111",
            "name": "Zhao",
            "password": "12345678",
            "password_confirm": "12345678",
        },
    )
    assert weak.status_code == 400
    errors = weak.context["form"].errors
    assert set(errors) >= {"code", "password"}, errors  # both, not one after the other

    # With the code right and the password still weak, the code is not used up.
    again = client.post(
        SIGNUP_COMPLETE,
        {"phone": NEW_PHONE, "code": code, "name": "Zhao", "password": "12345678", "password_confirm": "12345678"},
    )
    assert set(again.context["form"].errors) == {"password"}
    assert SmsCode.objects.get(phone=NEW_PHONE).used_at is None

    done = client.post(
        SIGNUP_COMPLETE,
        {"phone": NEW_PHONE, "code": code, "name": "Zhao", "password": STRONG, "password_confirm": STRONG},
    )
    assert done.status_code == 302
    assert User.objects.get(phone=NEW_PHONE).name == "Zhao"


def test_step_two_says_what_to_do_when_the_number_already_has_an_account(client, db):
    page = client.get(SIGNUP_COMPLETE).content.decode()
    assert 'id="already-registered"' in page
    assert 'href="/accounts/code/"' in page and 'href="/accounts/password/reset/"' in page


def test_the_lockout_page_points_to_logging_in_with_an_sms_code(owner):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "owner", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="locked-code-login" href="/accounts/code/"' in page
    assert 'href="/accounts/password/reset/"' in page


def test_the_registered_numbers_code_is_kept_only_until_sent_like_a_login_code(wang, send_code):
    from notifications.models import Notification

    send_code(wang.phone)
    notice = Notification.objects.get(address=wang.phone)
    assert notice.event == "account_exists_code" and notice.status == "sent"
    assert notice.body == "(code sent)" and notice.params == {}


def test_a_gateway_without_its_own_template_sends_the_login_codes(settings):
    from types import SimpleNamespace

    from notifications.backends import template_of

    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATES = "湖北315", {"login_code": "SMS_5"}
    message = SimpleNamespace(event="account_exists_code", params={"code": "123456"})
    assert template_of(message)[0] == "SMS_5"


def test_the_api_asks_for_a_sign_up_code_the_same_way(wang, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        registered = api.post("/api/v1/auth/sms-code/", {"phone": wang.phone, "purpose": "signup"}, format="json")
        new = api.post("/api/v1/auth/sms-code/", {"phone": NEW_PHONE, "purpose": "signup"}, format="json")
    assert registered.status_code == new.status_code == 202 and registered.json() == new.json()
    assert "already has an account" in last_sms_to(wang.phone)
    token = api.post("/api/v1/auth/token/", {"phone": wang.phone, "code": code_in(last_sms_to(wang.phone))})
    assert token.status_code == 200 and token.json()["user"]["id"] == wang.pk
