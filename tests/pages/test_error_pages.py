"""Error pages in production (DEBUG off): 400, 403, 404 and 500 are the site's own pages in the
visitor's language, with links home and to their cases; the API answers JSON."""

import json

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path

from routes import urls as site_urls
from routes import views

# --- a site with views that fail, for the tests marked `urls(__name__)` ----------------------


def _boom(request):
    if request.user.is_authenticated:  # as most views do before they fail
        pass
    raise RuntimeError("a bug")


def _denied(request):
    raise PermissionDenied


def _suspicious(request):
    raise SuspiciousOperation("malformed")


handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500
urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/denied/", _denied),
    path("test-errors/suspicious/", _suspicious),
    path("api/test-errors/boom/", _boom),
    path("api/test-errors/denied/", _denied),
    *site_urls.urlpatterns,
]
failing_site = pytest.mark.urls(__name__)


@pytest.fixture
def visitor(db):
    """A client that gets the error pages as a browser would (not the exception)."""
    return Client(raise_request_exception=False)


def chinese(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def page(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


# --- 404 -----------------------------------------------------------------------------------------


def test_a_missing_page_is_the_sites_page_with_a_link_home(visitor, settings):
    settings.DEBUG = False
    text = page(visitor.get("/no-such-page/"), 404)
    assert 'id="error-404"' in text and "Page not found" in text
    assert 'href="/"' in text and "Back to the home page" in text
    assert "Log in to follow your complaints" in text
    assert "<h1>Not Found</h1>" not in text


def test_a_missing_page_is_in_chinese_for_a_chinese_visitor(visitor):
    text = page(chinese(visitor).get("/no-such-page/"), 404)
    assert '<html lang="zh-hans">' in text
    assert "返回首页" in text and "Back to the home page" not in text


def test_a_logged_in_consumer_is_pointed_to_their_complaints(visitor, wang):
    visitor.force_login(wang)
    text = page(visitor.get("/no-such-page/"), 404)
    assert 'href="/my/" id="error-cases-link"' in text


@pytest.mark.parametrize(("who", "url_name"), [("owner", "merchants:inbox"), ("supervisor", "supervision:queue")])
def test_staff_and_merchants_are_pointed_to_their_cases(visitor, request, who, url_name):
    from django.urls import reverse

    visitor.force_login(request.getfixturevalue(who))
    text = page(visitor.get("/no-such-page/"), 404)
    assert f'href="{reverse(url_name)}" id="error-cases-link"' in text


def test_a_case_you_may_not_see_is_the_same_404_page(visitor, li, file_complaint):
    case = file_complaint()
    visitor.force_login(li)
    text = page(visitor.get(f"/cases/{case.pk}/"), 404)
    assert 'id="error-404"' in text


def test_a_missing_api_path_answers_json(visitor):
    for url in ("/api/", "/api/v2/complaints/", "/api/v1/no-such-endpoint/"):
        response = visitor.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert json.loads(response.content)["code"] == "not_found"


# --- 403 -----------------------------------------------------------------------------------------


@failing_site
def test_a_refusal_is_the_sites_page_in_the_visitors_language(visitor, wang):
    visitor.force_login(wang)
    text = page(visitor.get("/test-errors/denied/"), 403)
    assert 'id="error-403"' in text and "Not available" in text
    assert 'href="/my/" id="error-cases-link"' in text
    assert "暂不可用" in page(chinese(visitor).get("/test-errors/denied/"), 403)


@failing_site
def test_a_refusal_on_the_api_answers_json(visitor):
    response = visitor.get("/api/test-errors/denied/")
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "permission_denied"


# --- 400 -----------------------------------------------------------------------------------------


@failing_site
def test_a_malformed_request_is_the_sites_400_page(visitor):
    text = page(visitor.get("/test-errors/suspicious/"), 400)
    assert 'id="error-400"' in text and 'href="/"' in text
    assert "返回首页" in page(chinese(visitor).get("/test-errors/suspicious/"), 400)


def test_a_forged_host_gets_the_400_page(visitor):
    text = page(visitor.get("/", HTTP_HOST="evil.example"), 400)
    assert 'id="error-400"' in text


# --- 500 -----------------------------------------------------------------------------------------


@failing_site
def test_a_bug_is_the_sites_500_page_in_the_visitors_language(visitor, wang):
    visitor.force_login(wang)
    text = page(visitor.get("/test-errors/boom/"), 500)
    assert 'id="error-500"' in text and "Something went wrong on our side" in text
    assert 'href="/"' in text
    # The request had loaded the consumer: the page points to their complaints.
    assert 'href="/my/" id="error-cases-link"' in text
    assert '<html lang="zh-hans">' in page(chinese(visitor).get("/test-errors/boom/"), 500)


@failing_site
def test_a_bug_on_the_api_answers_json(visitor):
    response = visitor.get("/api/test-errors/boom/")
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"


def test_the_500_page_reads_neither_the_session_nor_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/somewhere/")
    request.session = None  # reading it would fail
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    assert 'id="error-500"' in response.content.decode()
