"""The merchant portal inbox at /merchant/."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from complaints import workflow
from complaints.models import Complaint
from tests.conftest import make_user

INBOX = "/merchant/"


def _respond(owner, case):
    return workflow.perform(
        actor=owner, complaint_id=case.pk, action="respond", kind="offer", message="Sorry", remedy="refund"
    )


@pytest.fixture
def cases(file_complaint, wang, owner):
    """Two cases awaiting the merchant, one awaiting the consumer, one settled, one withdrawn."""
    waiting_1 = file_complaint(title="Waiting one")
    waiting_2 = file_complaint(title="Waiting two")
    answered = _respond(owner, file_complaint(title="Answered"))
    settled = _respond(owner, file_complaint(title="Settled"))
    settled = workflow.perform(actor=wang, complaint_id=settled.pk, action="accept")
    withdrawn = workflow.perform(actor=wang, complaint_id=file_complaint(title="Gone").pk, action="withdraw")
    return {
        "waiting_1": waiting_1,
        "waiting_2": waiting_2,
        "answered": answered,
        "settled": settled,
        "withdrawn": withdrawn,
    }


def test_inbox_url_name_is_merchant_root():
    assert reverse("merchants:inbox") == INBOX


@pytest.mark.parametrize("person", ["owner", "agent"])
def test_owner_and_agent_see_their_merchants_cases_and_not_another_merchants(
    request, person, client, file_complaint, li, other_shop
):
    ours = file_complaint(title="Ours")
    theirs = file_complaint(consumer=li, merchant=other_shop, title="Theirs")
    client.force_login(request.getfixturevalue(person))

    response = client.get(INBOX, {"tab": "open"})

    assert response.status_code == 200
    assert ours.case_number in response.text
    assert theirs.case_number not in response.text


def test_other_merchants_agent_sees_only_their_own(client, file_complaint, li, other_shop, other_agent):
    ours = file_complaint(title="Ours")
    theirs = file_complaint(consumer=li, merchant=other_shop, title="Theirs")
    client.force_login(other_agent)

    response = client.get(INBOX, {"tab": "open"})

    assert theirs.case_number in response.text
    assert ours.case_number not in response.text


@pytest.mark.parametrize("person", ["wang", "supervisor"])
def test_other_roles_get_403_with_a_clear_message(request, person, client):
    client.force_login(request.getfixturevalue(person))

    response = client.get(INBOX)

    assert response.status_code == 403
    assert "This page is for merchant staff" in response.text


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={INBOX}"


def test_tabs_count_cases_waiting_on_us_open_and_closed(client, owner, cases):
    client.force_login(owner)

    response = client.get(INBOX)

    counts = {name: count for name, _label, count in response.context["tabs"]}
    # Waiting on us: the two unanswered cases and the settled one (the merchant carries it out).
    assert counts == {"waiting": 3, "open": 4, "closed": 1}
    assert 'Waiting on us <span class="count">3</span>' in response.text


def test_waiting_tab_lists_only_cases_whose_move_is_the_merchants(client, owner, cases):
    client.force_login(owner)

    response = client.get(INBOX, {"tab": "waiting"})

    for name in ("waiting_1", "waiting_2", "settled"):
        assert cases[name].case_number in response.text
    assert cases["answered"].case_number not in response.text
    assert cases["withdrawn"].case_number not in response.text


def test_closed_tab_lists_closed_cases(client, owner, cases):
    client.force_login(owner)

    response = client.get(INBOX, {"tab": "closed"})

    assert cases["withdrawn"].case_number in response.text
    assert cases["waiting_1"].case_number not in response.text


def test_unknown_tab_falls_back_to_waiting_on_us(client, owner, cases):
    client.force_login(owner)

    response = client.get(INBOX, {"tab": "<script>", "page": "nonsense"})

    assert response.status_code == 200
    assert response.context["tab"] == "waiting"


def test_cases_are_listed_soonest_deadline_first(client, owner, file_complaint):
    later, sooner = file_complaint(title="Later"), file_complaint(title="Sooner")
    now = timezone.now()
    Complaint.objects.filter(pk=later.pk).update(due_at=now + datetime.timedelta(days=5))
    Complaint.objects.filter(pk=sooner.pk).update(due_at=now + datetime.timedelta(days=1))
    client.force_login(owner)

    response = client.get(INBOX)

    assert response.text.index(sooner.case_number) < response.text.index(later.case_number)
    assert "23 h left" in response.text


def test_agent_sees_no_consumer_contact_in_the_list(client, agent, file_complaint, wang):
    file_complaint(share_contact=True)
    client.force_login(agent)

    response = client.get(INBOX)

    assert wang.name not in response.text
    assert wang.name[0] + "*" not in response.text
    assert wang.phone not in response.text
    assert wang.phone[-4:] not in response.text


def test_header_shows_merchant_name_and_status(client, owner, shop):
    client.force_login(owner)

    response = client.get(INBOX)

    assert escape(shop.name) in response.text
    assert "Enrolled" in response.text
    assert "not enrolled on the platform" not in response.text


def test_owner_of_a_merchant_not_enrolled_sees_a_notice(client, unlisted_shop):
    applicant = make_user("applicant", Role.MERCHANT_OWNER, merchant=unlisted_shop)
    client.force_login(applicant)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert "not enrolled on the platform" in response.text
    assert "Applied" in response.text


def test_inbox_paginates_by_25_and_page_links_keep_the_tab(client, owner, file_complaint):
    cases = [file_complaint(title=f"Case {i}") for i in range(27)]
    client.force_login(owner)

    first = client.get(INBOX, {"tab": "open"})
    second = client.get(INBOX, {"tab": "open", "page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert "?tab=open&amp;page=2" in first.text
    listed = {c.case_number for c in first.context["page"]} | {c.case_number for c in second.context["page"]}
    assert listed == {c.case_number for c in cases}
