"""Agents see consumers masked; where the consumer consented, merchant staff may reveal the
full phone, and every reveal is in an access log council staff read."""

import pytest

from complaints import access
from merchants.models import ContactReveal


def reveal_url(case):
    return f"/merchant/cases/{case.pk}/reveal-phone/"


def api_reveal(case):
    return f"/api/v1/complaints/{case.pk}/reveal_phone/"


@pytest.fixture
def consented(file_complaint):
    return file_complaint(share_contact=True)


@pytest.fixture
def not_consented(file_complaint):
    return file_complaint(share_contact=False)


def test_agents_see_the_consumer_masked_in_lists_pages_and_the_api(client, api, agent, consented):
    client.force_login(agent)
    page = client.get(f"/cases/{consented.pk}/").content.decode()
    inbox = client.get("/merchant/", {"tab": "open"}).content.decode()
    body = api.as_(agent).get(f"/api/v1/complaints/{consented.pk}/").json()
    for text in (page, inbox, str(body)):
        assert "13800138000" not in text
        assert "王小明" not in text
    assert "138****8000" in page and "王*" in page
    assert body["consumer"] == {"name": "王*", "phone": "138****8000", "masked": True}


def test_an_agent_reveals_a_consenting_consumers_phone_and_it_is_logged(client, agent, consented):
    client.force_login(agent)
    assert f'action="{reveal_url(consented)}"' in client.get(f"/cases/{consented.pk}/").content.decode()

    response = client.post(reveal_url(consented), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
    assert "13800138000" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    reveal = ContactReveal.objects.get()
    assert (reveal.user, reveal.complaint, reveal.merchant_id, reveal.ip) == (
        agent,
        consented,
        consented.merchant_id,
        "203.0.113.7",
    )
    # The page itself still shows the phone masked: only the logged reveal shows it.
    assert "13800138000" not in client.get(f"/cases/{consented.pk}/").content.decode()


def test_each_reveal_is_logged_again(api, agent, owner, consented):
    api.as_(agent).post(api_reveal(consented))
    api.as_(agent).post(api_reveal(consented))
    response = api.as_(owner).post(api_reveal(consented))
    assert response.json() == {"phone": "13800138000"}
    assert ContactReveal.objects.count() == 3


def test_without_consent_the_reveal_is_refused_with_the_reason_and_not_logged(client, api, agent, not_consented):
    client.force_login(agent)
    assert f'action="{reveal_url(not_consented)}"' not in client.get(f"/cases/{not_consented.pk}/").content.decode()

    page = client.post(reveal_url(not_consented))
    assert page.status_code == 403
    assert "did not agree to share their contact details" in page.content.decode()
    response = api.as_(agent).post(api_reveal(not_consented))
    assert response.status_code == 403
    assert "did not agree" in response.json()["detail"]
    assert not ContactReveal.objects.exists()


def test_another_merchants_agent_gets_404(client, api, other_agent, consented):
    client.force_login(other_agent)
    assert client.post(reveal_url(consented)).status_code == 404
    assert api.as_(other_agent).post(api_reveal(consented)).status_code == 404
    assert not ContactReveal.objects.exists()


def test_people_who_are_not_merchant_staff_do_not_reveal(client, api, wang, supervisor, consented):
    client.force_login(wang)
    assert client.post(reveal_url(consented)).status_code == 403
    assert api.as_(supervisor).post(api_reveal(consented)).status_code == 403
    assert api.post(api_reveal(consented)).status_code == 403  # still the supervisor's client
    assert not ContactReveal.objects.exists()


def test_the_rule_lives_in_complaints_access(agent, owner, wang, consented, not_consented):
    assert access.phone_reveal_refusal(agent, consented) == ""
    assert access.phone_reveal_refusal(owner, consented) == ""
    assert "did not agree" in access.phone_reveal_refusal(agent, not_consented)
    assert "merchant's staff" in access.phone_reveal_refusal(wang, consented)


def test_council_staff_read_the_log_of_their_jurisdiction(
    client, api, agent, supervisor, sibling_supervisor, consented
):
    api.as_(agent).post(api_reveal(consented), REMOTE_ADDR="198.51.100.4")
    client.force_login(supervisor)
    log = client.get("/council/contact-log/").content.decode()
    assert consented.case_number in log and "Chen Agent" in log and "198.51.100.4" in log
    case_page = client.get(f"/cases/{consented.pk}/").content.decode()
    assert 'id="contact-reveals"' in case_page and "Chen Agent" in case_page
    listed = api.as_(supervisor).get("/api/v1/contact-reveals/").json()
    assert [r["case_number"] for r in listed["results"]] == [consented.case_number]

    client.force_login(sibling_supervisor)
    assert consented.case_number not in client.get("/council/contact-log/").content.decode()


def test_merchant_staff_and_consumers_do_not_read_the_log(client, api, agent, owner, wang):
    for person in (agent, owner, wang):
        client.force_login(person)
        assert client.get("/council/contact-log/").status_code == 403
        assert api.as_(person).get("/api/v1/contact-reveals/").status_code == 403
