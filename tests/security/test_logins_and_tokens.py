"""Hostile users against logins and tokens (issue "Hostile users", items 7-9): the per-IP limit
on the web login page, one lockout per account whatever alias, token expiry, revoking tokens
and sessions on a password change or reset, signing out every device, and the password check
of account deletion counted like a login."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import last_sms_code
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-new-pass-456"


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    AccessAttempt.objects.all().delete()
    yield
    AccessAttempt.objects.all().delete()


def token_client(user) -> tuple[APIClient, Token]:
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, token


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def still_logged_in(client: Client) -> bool:
    return client.get("/notifications/").status_code == 200


# --- 7. login limits ------------------------------------------------------------------------


def test_the_web_login_page_refuses_a_flood_from_one_ip_with_429_and_when_to_retry(db):
    client = Client()
    statuses = []
    for n in range(60):
        response = client.post("/accounts/login/", {"username": f"guess{n}", "password": "wrong"})
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, "60 usernames from one IP were never refused"
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Try again in" in response.content.decode()
    # Another network is not affected.
    other = Client(REMOTE_ADDR="10.9.8.7").post("/accounts/login/", {"username": "guess", "password": "wrong"})
    assert other.status_code == 200


@pytest.mark.parametrize("surface", ["page", "api"])
def test_an_account_is_locked_after_five_failures_whether_by_username_or_phone(owner, surface):
    aliases = ["owner", "13900000011", "owner", "+86 139 0000 0011", "owner"]
    if surface == "page":
        client = Client()
        for alias in aliases:
            client.post("/accounts/login/", {"username": alias, "password": "wrong"})
        response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
    else:
        client = APIClient()
        for alias in aliases:
            field = "username" if alias == "owner" else "phone"
            client.post("/api/v1/auth/token/", {field: alias, "password": "wrong"}, format="json")
        response = client.post("/api/v1/auth/token/", {"phone": "13900000011", "password": PASSWORD}, format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "locked_out"


def test_another_account_still_logs_in_after_a_lockout(owner, agent):
    client = Client()
    for alias in ["owner", "13900000011"] * 3:
        client.post("/accounts/login/", {"username": alias, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "13900000012", "password": PASSWORD})
    assert response.status_code == 302


# --- 8. tokens ------------------------------------------------------------------------------


def test_an_expired_token_is_refused_with_401_in_the_contracts_shape(owner, settings):
    settings.API_TOKEN_DAYS = 30
    client, token = token_client(owner)
    assert client.get("/api/v1/auth/me/").status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=31))
    response = client.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert response.json()["detail"]


def test_logging_in_again_after_expiry_gives_a_fresh_token(owner):
    _client, token = token_client(owner)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=31))
    answer = APIClient().post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    assert answer.json()["token"] != token.key
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert fresh.get("/api/v1/auth/me/").status_code == 200


def test_changing_the_password_on_the_page_revokes_tokens_and_other_sessions(owner):
    api_client, _token = token_client(owner)
    here, elsewhere = logged_in(owner), logged_in(owner)
    assert here.get("/accounts/password/").status_code == 200
    response = here.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert still_logged_in(here)
    assert not still_logged_in(elsewhere)
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_the_password_page_applies_the_password_rules_and_checks_the_old_one(owner):
    here = logged_in(owner)
    weak = here.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 400
    wrong = here.post(
        "/accounts/password/", {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert wrong.status_code == 400
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_changing_the_password_through_the_api_revokes_tokens_and_sessions(owner):
    api_client, old_token = token_client(owner)
    browser = logged_in(owner)
    wrong = api_client.post(
        "/api/v1/me/password/", {"old_password": "nope", "new_password": NEW_PASSWORD}, format="json"
    )
    assert wrong.status_code == 400
    assert "old_password" in wrong.json()
    weak = api_client.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "123"}, format="json")
    assert weak.status_code == 400
    assert "new_password" in weak.json()
    response = api_client.post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old_token.key
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    assert not still_logged_in(browser)
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert fresh.get("/api/v1/auth/me/").status_code == 200


def test_resetting_the_password_with_an_sms_code_revokes_tokens_and_sessions(wang, django_capture_on_commit_callbacks):
    api_client, _token = token_client(wang)
    browser = logged_in(wang)
    anonymous = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        assert anonymous.post("/api/v1/auth/sms-code/", {"phone": wang.phone}, format="json").status_code == 202
    body = {"phone": wang.phone, "code": last_sms_code(), "password": NEW_PASSWORD}
    response = anonymous.post("/api/v1/auth/password-reset/", body, format="json")
    assert response.status_code == 200
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    assert not still_logged_in(browser)
    wang.refresh_from_db()
    assert wang.check_password(NEW_PASSWORD)


def test_resetting_the_password_on_the_page(wang, django_capture_on_commit_callbacks):
    api_client, _token = token_client(wang)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"phone": wang.phone})
    assert response.status_code == 302
    body = {
        "phone": wang.phone,
        "code": last_sms_code(),
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    response = client.post("/accounts/password/reset/complete/", body)
    assert response.status_code == 302
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    wang.refresh_from_db()
    assert wang.check_password(NEW_PASSWORD)


def test_a_wrong_reset_code_changes_nothing(wang):
    body = {"phone": wang.phone, "code": "000000", "password": NEW_PASSWORD}
    response = APIClient().post("/api/v1/auth/password-reset/", body, format="json")
    assert response.status_code == 400
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_signing_out_every_device_from_the_page(owner):
    api_client, _token = token_client(owner)
    here, elsewhere = logged_in(owner), logged_in(owner)
    response = here.post("/accounts/sign-out-everywhere/")
    assert response.status_code == 302
    assert not still_logged_in(here)
    assert not still_logged_in(elsewhere)
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    # The password still works: a new login starts afresh.
    assert Client().post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code == 302


def test_signing_out_every_device_through_the_api(owner):
    api_client, _token = token_client(owner)
    browser = logged_in(owner)
    response = api_client.post("/api/v1/me/sign-out-everywhere/", {}, format="json")
    assert response.status_code == 204
    assert api_client.get("/api/v1/auth/me/").status_code == 401
    assert not still_logged_in(browser)
    assert not Token.objects.filter(user=owner).exists()


# --- 9. passwords checked outside the login -------------------------------------------------


def test_account_deletion_locks_after_five_wrong_passwords_like_a_login(wang):
    client, _token = token_client(wang)
    statuses = [client.post("/api/v1/me/delete/", {"password": "wrong"}, format="json").status_code for _ in range(5)]
    assert statuses == [400] * 4 + [429]
    response = client.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    wang.refresh_from_db()
    assert wang.is_active


def test_account_deletion_page_locks_after_five_wrong_passwords(wang):
    client = logged_in(wang)
    statuses = [client.post("/my/delete/", {"password": "wrong"}).status_code for _ in range(5)]
    assert statuses == [400] * 4 + [429]
    assert client.post("/my/delete/", {"password": PASSWORD}).status_code == 429
    wang.refresh_from_db()
    assert wang.is_active


def test_wrong_old_passwords_count_towards_the_same_lockout_as_logins(owner):
    client, _token = token_client(owner)
    for _ in range(3):
        APIClient().post("/api/v1/auth/token/", {"username": "owner", "password": "wrong"}, format="json")
    for _ in range(2):
        client.post("/api/v1/me/password/", {"old_password": "wrong", "new_password": NEW_PASSWORD}, format="json")
    response = APIClient().post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 429


def test_an_operators_password_reset_in_the_admin_revokes_tokens(owner, django_user_model):
    api_client, _token = token_client(owner)
    operator = django_user_model.objects.create_superuser("root", password=PASSWORD)
    admin = logged_in(operator)
    body = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = admin.post(f"/admin/accounts/user/{owner.pk}/password/", body)
    assert response.status_code == 302
    assert api_client.get("/api/v1/auth/me/").status_code == 401
