"""Sign-up with an SMS code, login by phone, username or code, logout (templates/accounts/)."""

import re

import pytest
import sms
from django.contrib.auth import SESSION_KEY

from accounts.models import Role, User
from tests.conftest import PASSWORD

SIGNUP = "/accounts/signup/"
SIGNUP_COMPLETE = "/accounts/signup/complete/"
LOGIN = "/accounts/login/"
REQUEST_CODE = "/accounts/code/"
CODE_LOGIN = "/accounts/code/login/"
NEW_PHONE = "13912345678"


@pytest.fixture
def send_code(client, django_capture_on_commit_callbacks):
    """Post a phone to a code form and run the SMS task; return the response."""

    def _send(url, phone):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {"phone": phone})

    return _send


def code_sent_to(phone: str) -> str:
    bodies = [m.body for m in sms.outbox if m.recipients == [phone]]
    assert bodies, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)


def logged_in_user(client):
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


def test_signup_with_a_code_end_to_end(client, db, send_code):
    response = send_code(SIGNUP, "+86 139 1234 5678")
    assert response.status_code == 302
    assert response["Location"] == SIGNUP_COMPLETE

    page = client.get(SIGNUP_COMPLETE)
    assert page.status_code == 200
    assert NEW_PHONE in page.content.decode()  # the number carries over to step two

    response = client.post(
        SIGNUP_COMPLETE,
        {
            "phone": NEW_PHONE,
            "code": code_sent_to(NEW_PHONE),
            "name": "赵敏",
            "password": "quiet-river-42",
            "password_confirm": "quiet-river-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/my/"
    user = logged_in_user(client)
    assert (user.phone, user.name, user.role) == (NEW_PHONE, "赵敏", Role.CONSUMER)
    assert client.get("/my/").status_code == 200


def test_signup_with_a_wrong_code_creates_nothing(client, db, send_code):
    send_code(SIGNUP, NEW_PHONE)
    real = code_sent_to(NEW_PHONE)
    wrong = "000000" if real != "000000" else "111111"

    response = client.post(
        SIGNUP_COMPLETE,
        {
            "phone": NEW_PHONE,
            "code": wrong,
            "name": "赵敏",
            "password": "quiet-river-42",
            "password_confirm": "quiet-river-42",
        },
    )

    assert response.status_code == 400
    assert "The code is wrong or has expired." in response.content.decode()
    assert not User.objects.filter(phone=NEW_PHONE).exists()
    assert logged_in_user(client) is None


def test_signup_passwords_must_match(client, db, send_code):
    send_code(SIGNUP, NEW_PHONE)
    response = client.post(
        SIGNUP_COMPLETE,
        {
            "phone": NEW_PHONE,
            "code": code_sent_to(NEW_PHONE),
            "name": "赵敏",
            "password": "quiet-river-42",
            "password_confirm": "quiet-river-43",
        },
    )
    assert response.status_code == 400
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_a_second_code_within_a_minute_is_refused_with_the_wait(client, db, send_code):
    send_code(SIGNUP, NEW_PHONE)
    sms.outbox = []

    response = send_code(SIGNUP, NEW_PHONE)

    # The form comes back with the wait on it, answered 429 like every throttled request.
    assert response.status_code == 429
    text = response.content.decode()
    assert "Please wait a minute before asking for another code." in text
    assert re.search(r"You can ask again in \d+ seconds?\.", text)
    assert "I already have a code" in text
    assert sms.outbox == []


def test_signup_page_does_not_reveal_a_registered_number(client, wang, send_code):
    registered = send_code(SIGNUP, wang.phone)
    unknown = send_code(SIGNUP, NEW_PHONE)
    assert registered.status_code == unknown.status_code == 302
    assert registered["Location"] == unknown["Location"]


def test_signup_refuses_a_number_that_is_not_a_mobile(client, db, send_code):
    response = send_code(SIGNUP, "027-1234")
    assert response.status_code == 200
    assert "Enter a valid mainland China mobile number." in response.content.decode()
    assert sms.outbox == []


def test_login_by_phone(client, wang):
    response = client.post(LOGIN, {"username": "+86 138 0013 8000", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user(client) == wang


def test_login_by_username(client, owner):
    response = client.post(LOGIN, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert logged_in_user(client) == owner


def test_login_with_a_wrong_password_says_so(client, wang):
    response = client.post(LOGIN, {"username": wang.phone, "password": "not-it"})
    assert response.status_code == 200
    assert "The mobile number, username or password is wrong." in response.content.decode()
    assert logged_in_user(client) is None


def test_login_goes_back_to_the_page_asked_for(client, wang):
    response = client.post(LOGIN, {"username": wang.phone, "password": PASSWORD, "next": "/my/new/"})
    assert response["Location"] == "/my/new/"


def test_login_with_an_sms_code(client, wang, send_code):
    response = send_code(REQUEST_CODE, wang.phone)
    assert response.status_code == 302
    assert response["Location"] == CODE_LOGIN

    response = client.post(CODE_LOGIN, {"phone": wang.phone, "code": code_sent_to(wang.phone)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user(client) == wang


def test_code_login_with_a_wrong_code_fails(client, wang, send_code):
    send_code(REQUEST_CODE, wang.phone)
    real = code_sent_to(wang.phone)
    response = client.post(CODE_LOGIN, {"phone": wang.phone, "code": "000000" if real != "000000" else "111111"})
    assert response.status_code == 400
    assert "The code is wrong or has expired." in response.content.decode()
    assert logged_in_user(client) is None


def test_code_for_an_unknown_number_looks_the_same_and_logs_nobody_in(client, db, send_code):
    response = send_code(REQUEST_CODE, NEW_PHONE)
    assert response["Location"] == CODE_LOGIN
    response = client.post(CODE_LOGIN, {"phone": NEW_PHONE, "code": code_sent_to(NEW_PHONE)})
    assert response.status_code == 400
    assert logged_in_user(client) is None


def test_code_login_throttled_shows_the_wait(client, wang, send_code):
    send_code(REQUEST_CODE, wang.phone)
    response = send_code(REQUEST_CODE, wang.phone)
    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()


def test_logout_is_a_post(client, wang):
    client.force_login(wang)
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_user(client) == wang

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert logged_in_user(client) is None


def test_login_page_offers_code_login_and_signup(client, db):
    text = client.get(LOGIN).content.decode()
    assert 'href="/accounts/code/"' in text
    assert 'href="/accounts/signup/"' in text
    assert 'for="id_username"' in text and 'for="id_password"' in text
