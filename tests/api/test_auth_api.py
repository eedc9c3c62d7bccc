"""Auth API: SMS codes, consumer sign-up, tokens and the caller's profile (API.md "Auth")."""

import sms
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.conftest import PASSWORD

from .conftest import last_sms_code

SMS_CODE = "/api/v1/auth/sms-code/"
REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"


def ask_code(client, phone, capture):
    with capture(execute=True):
        return client.post(SMS_CODE, {"phone": phone}, format="json")


def test_code_request_answers_the_same_for_known_and_unknown_numbers(wang, django_capture_on_commit_callbacks):
    client = APIClient()
    known = ask_code(client, wang.phone, django_capture_on_commit_callbacks)
    unknown = ask_code(client, "13700137000", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert [m.recipients for m in sms.outbox] == [["13800138000"], ["13700137000"]]


def test_second_code_within_a_minute_is_throttled_with_retry_after(db, django_capture_on_commit_callbacks):
    client = APIClient()
    assert ask_code(client, "13700137000", django_capture_on_commit_callbacks).status_code == 202
    again = ask_code(client, "137 0013 7000", django_capture_on_commit_callbacks)
    assert again.status_code == 429
    assert again.json()["code"] == "throttled"
    assert 0 < int(again["Retry-After"]) <= 60
    assert len(sms.outbox) == 1


def test_code_requests_are_limited_per_ip_address(db, django_capture_on_commit_callbacks):
    client = APIClient()
    answers = [ask_code(client, f"137001370{n:02d}", django_capture_on_commit_callbacks).status_code for n in range(11)]
    assert answers == [202] * 10 + [429]
    assert len(sms.outbox) == 10
    other_network = client.post(SMS_CODE, {"phone": "13600136000"}, format="json", REMOTE_ADDR="10.1.2.3")
    assert other_network.status_code == 202


def test_a_spoofed_forwarded_for_header_does_not_escape_the_ip_limit(db, django_capture_on_commit_callbacks):
    client = APIClient()
    for n in range(10):
        ask_code(client, f"137001370{n:02d}", django_capture_on_commit_callbacks)
    spoofed = client.post(SMS_CODE, {"phone": "13600136000"}, format="json", HTTP_X_FORWARDED_FOR="8.8.8.8")
    assert spoofed.status_code == 429


def test_code_request_for_a_landline_is_a_field_error(db):
    response = APIClient().post(SMS_CODE, {"phone": "02787654321"}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    assert sms.outbox == []


def test_sign_up_with_a_code_returns_a_working_token(db, django_capture_on_commit_callbacks):
    client = APIClient()
    ask_code(client, "13700137000", django_capture_on_commit_callbacks)
    response = client.post(
        REGISTER,
        {"phone": "13700137000", "code": last_sms_code(), "password": "a-long-passphrase", "name": "赵六"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["role"] == "consumer"
    assert body["user"]["name"] == "赵六"
    assert User.objects.get(phone="13700137000").role == Role.CONSUMER

    me = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


def test_sign_up_with_a_wrong_code_is_refused(db, django_capture_on_commit_callbacks):
    client = APIClient()
    ask_code(client, "13700137000", django_capture_on_commit_callbacks)
    wrong = "000000" if last_sms_code() != "000000" else "111111"
    response = client.post(
        REGISTER,
        {"phone": "13700137000", "code": wrong, "password": "a-long-passphrase", "name": "赵六"},
        format="json",
    )
    assert response.status_code == 400
    assert "code" in response.json()
    assert not User.objects.filter(phone="13700137000").exists()


def test_sign_up_with_a_weak_password_is_a_field_error(db, django_capture_on_commit_callbacks):
    client = APIClient()
    ask_code(client, "13700137000", django_capture_on_commit_callbacks)
    response = client.post(
        REGISTER,
        {"phone": "13700137000", "code": last_sms_code(), "password": "12345678", "name": "赵六"},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()


def test_sign_up_twice_with_the_same_number_is_refused(wang, django_capture_on_commit_callbacks):
    client = APIClient()
    ask_code(client, wang.phone, django_capture_on_commit_callbacks)
    response = client.post(
        REGISTER,
        {"phone": wang.phone, "code": last_sms_code(), "password": "a-long-passphrase", "name": "W"},
        format="json",
    )
    assert response.status_code == 400
    assert "phone" in response.json()


def test_token_with_phone_and_password(wang):
    response = APIClient().post(TOKEN, {"phone": "+86 138 0013 8000", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == wang.pk
    assert response.json()["token"]


def test_token_with_username_and_password_for_a_merchant_agent(agent, shop):
    response = APIClient().post(TOKEN, {"username": "agent", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["role"] == "merchant_agent"
    assert user["merchant"] == {"id": shop.pk, "name": shop.name}


def test_token_with_phone_and_sms_code(wang, django_capture_on_commit_callbacks):
    client = APIClient()
    ask_code(client, wang.phone, django_capture_on_commit_callbacks)
    response = client.post(TOKEN, {"phone": wang.phone, "code": last_sms_code()}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == wang.pk


def test_the_same_token_is_returned_on_each_login(wang):
    client = APIClient()
    first = client.post(TOKEN, {"phone": wang.phone, "password": PASSWORD}, format="json").json()["token"]
    second = client.post(TOKEN, {"phone": wang.phone, "password": PASSWORD}, format="json").json()["token"]
    assert first == second


def test_bad_credentials_answer_400_without_saying_which_part_was_wrong(wang):
    client = APIClient()
    wrong_password = client.post(TOKEN, {"phone": wang.phone, "password": "nope-nope"}, format="json")
    unknown_phone = client.post(TOKEN, {"phone": "13700137000", "password": PASSWORD}, format="json")
    not_a_phone = client.post(TOKEN, {"phone": "hello", "password": PASSWORD}, format="json")
    assert wrong_password.status_code == unknown_phone.status_code == not_a_phone.status_code == 400
    assert wrong_password.json() == unknown_phone.json() == not_a_phone.json()
    assert wrong_password.json()["code"] == "invalid_credentials"


def test_a_deactivated_user_gets_no_token(wang):
    wang.is_active = False
    wang.save()
    response = APIClient().post(TOKEN, {"phone": wang.phone, "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_token_request_without_credentials_is_a_field_error(db):
    client = APIClient()
    assert client.post(TOKEN, {}, format="json").status_code == 400
    assert client.post(TOKEN, {"username": "agent"}, format="json").status_code == 400
    assert client.post(TOKEN, {"phone": "13800138000"}, format="json").status_code == 400


def test_me_describes_a_supervisor_with_their_council(supervisor, wuhan):
    client = APIClient()
    token = client.post(TOKEN, {"username": "supervisor", "password": PASSWORD}, format="json").json()["token"]
    body = client.get(ME, HTTP_AUTHORIZATION=f"Token {token}").json()
    assert {k: body[k] for k in ("id", "role", "name", "merchant", "council")} == {
        "id": supervisor.pk,
        "role": "supervisor",
        "name": "Liu Supervisor",
        "merchant": None,
        "council": {"id": wuhan.pk, "name": wuhan.name},
    }


def test_me_without_a_token_is_401(db):
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_with_a_made_up_token_is_401(db):
    response = APIClient().get(ME, HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_of_a_deactivated_user_no_longer_works(wang):
    client = APIClient()
    token = client.post(TOKEN, {"phone": wang.phone, "password": PASSWORD}, format="json").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(ME).status_code == 200

    User.objects.filter(pk=wang.pk).update(is_active=False)

    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
