"""What the lists tell each party at a glance: which cases wait on them (marked, listed first), a
status badge coloured by what the state means, staff priority only for staff; a favicon; the API
docs page under the Content-Security-Policy. The layout itself is checked in a browser
(tests/browser/test_phone_layout.py)."""

import datetime
import re

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.utils import timezone

from complaints import workflow
from complaints.models import Complaint, Outcome, Status

MINE = "/my/"
INBOX = "/merchant/"


def _respond(owner, case):
    return workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )


def _row(html: str, case) -> str:
    """The table row of `case` in a list page."""
    rows = re.findall(r"<tr\b.*?</tr>", html, flags=re.S)
    return next(row for row in rows if case.case_number in row)


def _badge(html: str, case) -> str:
    return re.search(r'<span class="badge ([^"]*)">', _row(html, case)).group(1)


# --- waiting on you ---------------------------------------------------------------------------


def test_my_complaints_list_the_cases_waiting_on_me_first_and_mark_them(client, wang, owner, file_complaint):
    answered = _respond(owner, file_complaint(title="Answered first"))
    newer = file_complaint(title="Filed later, the merchant's move")
    closed = workflow.perform(actor=wang, complaint_id=file_complaint(title="Withdrawn").pk, action="withdraw")
    client.force_login(wang)

    response = client.get(MINE)

    assert [c.pk for c in response.context["page"]] == [answered.pk, newer.pk, closed.pk]
    html = response.text
    assert "Waiting on you" in _row(html, answered)
    assert "Waiting on you" not in _row(html, newer)
    assert 'data-label="Whose move">Merchant</td>' in _row(html, newer)
    assert "Waiting on you" not in _row(html, closed)


def test_of_several_cases_waiting_on_me_the_soonest_deadline_comes_first(client, wang, owner, file_complaint):
    sooner = _respond(owner, file_complaint(title="Sooner deadline, filed first"))
    later = _respond(owner, file_complaint(title="Later deadline, filed last"))
    Complaint.objects.filter(pk=later.pk).update(due_at=timezone.now() + datetime.timedelta(days=5))
    Complaint.objects.filter(pk=sooner.pk).update(due_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(wang)

    listed = [c.pk for c in client.get(MINE).context["page"]]

    assert listed == [sooner.pk, later.pk]


@pytest.mark.parametrize("person", ["owner", "agent"])
def test_merchant_staff_see_the_cases_waiting_on_them_first_and_marked(request, client, person, owner, file_complaint):
    ours = file_complaint(title="Our move")
    theirs = _respond(owner, file_complaint(title="The consumer's move"))
    # The consumer's deadline is the sooner one: the merchant's case still comes first.
    Complaint.objects.filter(pk=theirs.pk).update(due_at=timezone.now() + datetime.timedelta(hours=2))
    client.force_login(request.getfixturevalue(person))

    response = client.get(INBOX, {"tab": "open"})

    assert [c.pk for c in response.context["page"]] == [ours.pk, theirs.pk]
    assert "Waiting on you" in _row(response.text, ours)
    assert "Waiting on you" not in _row(response.text, theirs)


# --- badges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "tone"),
    [
        (Outcome.RESOLVED, "tone-good"),
        (Outcome.NO_REPLY, "tone-bad"),
        (Outcome.REJECTED, "tone-bad"),
        (Outcome.NOT_SETTLED, "tone-bad"),
        (Outcome.WITHDRAWN, "tone-neutral"),
        (Outcome.UNCONFIRMED, "tone-neutral"),
    ],
)
def test_a_closed_case_badge_is_coloured_by_its_outcome(client, wang, file_complaint, outcome, tone):
    case = file_complaint()
    Complaint.objects.filter(pk=case.pk).update(status=Status.CLOSED, outcome=outcome, closed_at=timezone.now())
    case.refresh_from_db()
    client.force_login(wang)

    listed = _badge(client.get(MINE).text, case).split()
    header = client.get(f"/cases/{case.pk}/").text

    assert tone in listed
    assert "tone-good" not in listed or outcome == Outcome.RESOLVED
    assert re.search(rf'<span class="badge status [^"]*\b{tone}\b', header)


def test_only_a_resolved_case_shares_the_green_of_a_settlement(db):
    """One filter decides the colour, for every template that shows a status."""
    render = Template("{% load cases %}{{ case|status_tone }}")
    tones = {
        outcome: render.render(Context({"case": Complaint(status=Status.CLOSED, outcome=outcome)}))
        for outcome in Outcome.values
    }
    green = [outcome for outcome, classes in tones.items() if "tone-good" in classes]
    assert green == [Outcome.RESOLVED]
    open_case = render.render(Context({"case": Complaint(status=Status.AWAITING_MERCHANT)}))
    assert open_case == "status-awaiting_merchant tone-waiting"


# --- priority is for staff --------------------------------------------------------------------


def test_consumers_and_merchants_do_not_see_the_staff_priority(client, wang, owner, supervisor, file_complaint):
    case = file_complaint()
    Complaint.objects.filter(pk=case.pk).update(priority=35)

    for person, page in ((wang, MINE), (wang, f"/cases/{case.pk}/"), (owner, INBOX), (owner, f"/cases/{case.pk}/")):
        client.force_login(person)
        assert "P35" not in client.get(page).text, (person, page)
    client.force_login(supervisor)
    assert "P35" in client.get(f"/cases/{case.pk}/").text


# --- favicon and API docs ---------------------------------------------------------------------


def test_favicon_ico_points_to_the_static_icon_and_pages_link_it(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert re.fullmatch(r"/static/favicon(\.[0-9a-f]+)?\.ico", response["Location"])
    assert finders.find("favicon.ico") and finders.find("favicon.svg")
    home = client.get("/").text
    assert re.search(r'<link rel="icon" href="/static/favicon(\.[0-9a-f]+)?\.svg"', home)


def test_api_docs_have_no_inline_style_and_keep_the_strict_policy(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.text
    assert "<style" not in html and " style=" not in html
    assert "swagger-ui-bundle.js" in html and "/static/css/api-docs.css" in html
    assert finders.find("css/api-docs.css")
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
