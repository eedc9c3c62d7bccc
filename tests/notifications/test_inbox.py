"""In-app notices (SPEC "Notifications"): the bell with the unread count on every page, the
notices page, and marking notices read."""

import re

import pytest

from complaints import workflow
from notifications.models import Notification
from notifications.services import mark_read

INBOX = "/notifications/"
READ = "/notifications/read/"


def unread_badge(html: str) -> str | None:
    found = re.search(r'id="unread-count"[^>]*>(\d+)<', html)
    return found.group(1) if found else None


@pytest.fixture
def case(file_complaint):
    return file_complaint()


@pytest.fixture
def tell_wang(case, owner):
    """`tell_wang(n)`: the shop's owner writes n messages on Wang's case; each is an in-app notice to Wang."""

    def _tell(n):
        for i in range(n):
            workflow.perform(actor=owner, complaint_id=case.pk, action="message", message=f"Note {i}")
        return list(Notification.objects.filter(recipient__username="13800138000", channel="in_app"))

    return _tell


def test_the_bell_shows_the_unread_count_on_every_page(client, wang, tell_wang):
    tell_wang(2)
    client.force_login(wang)

    for page in ("/my/", "/my/new/", INBOX):
        html = client.get(page).content.decode()
        assert 'href="/notifications/"' in html, page
        assert unread_badge(html) == "2", page


def test_the_bell_has_no_count_once_everything_is_read(client, wang, tell_wang):
    tell_wang(1)
    client.force_login(wang)
    client.post(READ, {"all": "1"})

    html = client.get("/my/").content.decode()
    assert 'href="/notifications/"' in html
    assert unread_badge(html) is None


def test_visitors_see_no_bell(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/notifications/"' not in html


def test_staff_see_the_bell_with_their_own_count(client, supervisor, case_in):
    case = case_in("in_mediation")  # the supervisor is told of the escalation in-app
    assert Notification.objects.filter(recipient=supervisor, channel="in_app", complaint=case).count() == 1
    client.force_login(supervisor)

    assert unread_badge(client.get("/council/").content.decode()) == "1"


def test_the_notices_page_lists_them_newest_first_and_marks_the_unread(client, wang, tell_wang, case):
    first, second = sorted(tell_wang(2), key=lambda n: n.pk)
    mark_read(user=wang, ids=[first.pk])
    client.force_login(wang)

    html = client.get(INBOX).content.decode()

    assert html.index(f'id="notice-{second.pk}"') < html.index(f'id="notice-{first.pk}"')
    assert re.search(rf'class="notice unread" id="notice-{second.pk}"', html)
    assert re.search(rf'class="notice" id="notice-{first.pk}"', html)
    assert f'href="/cases/{case.pk}/"' in html
    assert case.case_number in html


def test_the_notices_page_is_paginated(client, wang, tell_wang):
    notices = sorted(tell_wang(27), key=lambda n: n.pk)
    client.force_login(wang)

    first_page = client.get(INBOX).content.decode()
    second_page = client.get(INBOX, {"page": 2}).content.decode()

    assert len(re.findall(r'class="notice( unread)?"', first_page)) == 25
    assert len(re.findall(r'class="notice( unread)?"', second_page)) == 2
    assert f'id="notice-{notices[0].pk}"' in second_page
    assert client.get(INBOX, {"page": "nonsense"}).status_code == 200


def test_marking_one_notice_read_keeps_the_others_unread(client, wang, tell_wang):
    one, other = tell_wang(2)
    client.force_login(wang)

    response = client.post(READ, {"notice": one.pk, "page": 1})

    assert response.status_code == 302 and response["Location"] == INBOX
    one.refresh_from_db()
    other.refresh_from_db()
    assert one.read_at is not None and other.read_at is None


def test_marking_read_returns_to_the_same_page(client, wang, tell_wang):
    notices = tell_wang(1)
    client.force_login(wang)

    response = client.post(READ, {"notice": notices[0].pk, "page": 2})

    assert response["Location"] == f"{INBOX}?page=2"


def test_mark_all_read(client, wang, tell_wang):
    tell_wang(3)
    client.force_login(wang)

    response = client.post(READ, {"all": "1"}, follow=True)

    assert "3 notices marked read." in response.content.decode()
    assert not Notification.objects.filter(recipient=wang, channel="in_app", read_at__isnull=True).exists()


def test_nobody_marks_someone_elses_notice_read(client, li, tell_wang):
    [notice] = tell_wang(1)
    client.force_login(li)

    client.post(READ, {"notice": notice.pk})
    client.post(READ, {"all": "1"})

    notice.refresh_from_db()
    assert notice.read_at is None


def test_nonsense_input_marks_nothing_and_is_no_error(client, wang, tell_wang):
    [notice] = tell_wang(1)
    client.force_login(wang)

    for data in ({"notice": "abc"}, {"notice": "99999999999999999999"}, {}):
        assert client.post(READ, data).status_code == 302

    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_notices_pages_need_a_login_and_marking_needs_a_post(client, wang):
    assert client.get(INBOX)["Location"].startswith("/accounts/login/")
    assert client.post(READ, {"all": "1"})["Location"].startswith("/accounts/login/")
    client.force_login(wang)
    assert client.get(READ).status_code == 405


def test_the_service_marks_only_the_users_own_in_app_notices(wang, li, tell_wang, owner, case):
    notices = tell_wang(2)
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No.")
    text = Notification.objects.get(recipient=wang, channel="sms", event="responded")

    assert mark_read(user=li, ids=[n.pk for n in notices]) == 0
    assert mark_read(user=wang, ids=[notices[0].pk, text.pk]) == 1
    assert mark_read(user=wang, ids=[notices[0].pk]) == 0  # already read
    assert mark_read(user=wang) == 2  # the other message and the answer
    text.refresh_from_db()
    assert text.read_at is None
