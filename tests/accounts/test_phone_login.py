"""Signing in: a mobile number (or a username) and a password through Django's
authenticate(), or a mobile number and a one-time code."""

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from accounts import services
from mediation.errors import InvalidInput
from tests.conftest import PASSWORD


def test_a_consumer_logs_in_with_phone_and_password(wang):
    assert authenticate(None, phone="13800138000", password=PASSWORD) == wang


def test_the_phone_also_works_in_the_username_field(wang):
    assert authenticate(None, username="13800138000", password=PASSWORD) == wang


def test_staff_and_merchant_users_log_in_with_their_username_or_phone(owner, supervisor):
    assert authenticate(None, username="owner", password=PASSWORD) == owner
    assert authenticate(None, phone="13900000011", password=PASSWORD) == owner
    assert authenticate(None, username="supervisor", password=PASSWORD) == supervisor


@pytest.mark.parametrize(
    "credentials",
    [
        {"phone": "13800138000", "password": "wrong-password"},
        {"phone": "13800138000", "password": ""},
        {"phone": "13800138000", "password": None},
        {"phone": "13799999999", "password": PASSWORD},
        {"phone": "", "password": PASSWORD},
        {"username": "   ", "password": PASSWORD},
    ],
)
def test_wrong_or_missing_credentials_log_nobody_in(wang, credentials):
    assert authenticate(None, **credentials) is None


def test_a_deactivated_account_cannot_log_in(wang):
    wang.is_active = False
    wang.save()

    assert authenticate(None, phone="13800138000", password=PASSWORD) is None


def test_a_login_session_is_opened_with_phone_and_password(wang):
    client = Client()

    assert client.login(phone="13800138000", password=PASSWORD)
    assert int(client.session["_auth_user_id"]) == wang.pk


def test_a_consumer_logs_in_with_a_one_time_code(wang):
    code = services.request_code(phone="+86 138 0013 8000")

    assert services.login_with_code(phone="13800138000", code=code) == wang


def test_a_code_for_a_number_without_an_account_logs_nobody_in(db):
    code = services.request_code(phone="13700137000")

    with pytest.raises(InvalidInput) as caught:
        services.login_with_code(phone="13700137000", code=code)

    assert "code" in caught.value.fields


def test_a_wrong_code_logs_nobody_in(wang):
    code = services.request_code(phone=wang.phone)

    with pytest.raises(InvalidInput):
        services.login_with_code(phone=wang.phone, code="000000" if code != "000000" else "111111")
