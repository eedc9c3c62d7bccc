"""The client's IP address (mediation.web.client_ip): a forged X-Forwarded-For is ignored unless
TRUSTED_PROXY_COUNT proxies are configured, and login lockouts (django-axes), the rate limits and
the audit log all count by the same address."""

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.api import LoginThrottle
from accounts.models import SmsCode
from audit.models import AuditEntry
from mediation.web import client_ip
from tests.conftest import PASSWORD

PROXY = "10.0.0.5"
CLIENT = "203.0.113.9"


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    AccessAttempt.objects.all().delete()
    yield
    AccessAttempt.objects.all().delete()


def request_from(remote_addr: str, forwarded_for: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def test_a_forged_forwarded_for_is_ignored_when_no_proxy_is_configured(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(CLIENT, "8.8.8.8")) == CLIENT


def test_behind_one_proxy_the_entry_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "8.8.8.8" itself; the proxy appended the address it was reached from.
    assert client_ip(request_from(PROXY, f"8.8.8.8, {CLIENT}")) == CLIENT


def test_behind_two_proxies_the_rightmost_untrusted_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, f"8.8.8.8, {CLIENT}, 10.0.0.4")) == CLIENT


@pytest.mark.parametrize("forwarded_for", ["not-an-address", "", " , ", "999.1.1.1", "8.8.8.8, <script>"])
def test_a_garbage_forwarded_for_falls_back_to_remote_addr(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from(PROXY, forwarded_for)) == PROXY


def test_a_forwarded_for_shorter_than_the_proxy_chain_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request_from(PROXY, CLIENT)) == PROXY


def test_a_remote_addr_that_is_not_an_address_is_no_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("unix:/run/gunicorn.sock")) is None


def test_an_ipv6_address_is_normalised(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("2001:DB8:0:0::1")) == "2001:db8::1"


@pytest.mark.parametrize("proxies, expected", [(0, PROXY), (1, CLIENT)])
def test_axes_and_the_rate_limits_see_the_same_address(settings, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = request_from(PROXY, f"8.8.8.8, {CLIENT}")
    assert get_client_ip_address(request) == LoginThrottle().get_ident(request) == client_ip(request) == expected


@pytest.mark.parametrize("proxies, expected", [(0, PROXY), (1, CLIENT)])
def test_a_failed_login_and_a_code_request_are_counted_against_the_same_address(
    settings, wang, django_capture_on_commit_callbacks, proxies, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"8.8.8.8, {CLIENT}"}
    Client(**headers).post("/accounts/login/", {"username": "wang", "password": "wrong"})
    with django_capture_on_commit_callbacks(execute=True):
        APIClient(**headers).post("/api/v1/auth/sms-code/", {"phone": "13700137000"}, format="json")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [expected]
    assert list(SmsCode.objects.values_list("ip", flat=True)) == [expected]


def test_behind_a_proxy_each_client_has_its_own_code_budget(settings, db, django_capture_on_commit_callbacks):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR=PROXY)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.post(
                "/api/v1/auth/sms-code/", {"phone": f"137001370{n:02d}"}, format="json", HTTP_X_FORWARDED_FOR=CLIENT
            ).status_code
            for n in range(11)
        ]
        other = client.post(
            "/api/v1/auth/sms-code/", {"phone": "13600136000"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7"
        )
    assert answers == [202] * 10 + [429]
    assert other.status_code == 202


def test_a_staff_login_is_audited_with_the_client_address(settings, supervisor):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"8.8.8.8, {CLIENT}")
    client.post("/accounts/login/", {"username": "supervisor", "password": PASSWORD})
    assert AuditEntry.objects.get(action="login").ip == CLIENT
