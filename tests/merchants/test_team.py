"""The merchant's team: the owner invites agents (they log in with their phone and an SMS
code), removes them, and assigns cases to them."""

import pytest
import sms

from accounts.models import Role, User
from complaints import team as case_team
from complaints import workflow
from complaints.models import ComplaintEvent, Visibility
from mediation.errors import NotAllowed
from merchants import team
from merchants.models import AgentInvitation
from notifications.models import Notification

from .conftest import last_sms_code

TEAM = "/merchant/team/"


def assign_url(case):
    return f"/cases/{case.pk}/act/assign_agent/"


# --- inviting -------------------------------------------------------------------------------


def test_the_owner_invites_an_agent_who_accepts_and_logs_in_with_an_sms_code(
    client, owner, shop, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(TEAM, {"name": "Wu Agent", "phone": "139 0000 0099"}, follow=True)
    assert response.status_code == 200
    assert not User.objects.filter(phone="13900000099").exists()  # nobody joins before accepting
    invite = [m for m in sms.outbox if m.recipients == ["13900000099"]]
    assert len(invite) == 1 and "Jiang'an Electronics" in invite[0].body and "/invitations/" in invite[0].body
    assert "Wu Agent" in response.content.decode()

    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/invitations/", {"send-phone": "13900000099"})
    client.post("/invitations/", {"verify-phone": "13900000099", "verify-code": last_sms_code("13900000099")})
    invitation = AgentInvitation.objects.get(phone="13900000099")
    assert client.post(f"/invitations/{invitation.pk}/accept/")["Location"] == "/merchant/"
    agent = User.objects.get(phone="13900000099")
    assert (agent.role, agent.merchant, agent.is_active) == (Role.MERCHANT_AGENT, shop, True)
    assert not agent.has_usable_password()  # no password passes through the owner
    # Accepting logged them in; later they log in with the number and a code like any agent.
    response = client.get("/", follow=True)
    assert response.context["user"] == agent
    assert response.redirect_chain[-1][0] == "/merchant/"


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("13900000012", "already on your team"),  # the agent
        ("027-8765 4321", "valid mainland China mobile number"),
    ],
)
def test_an_invitation_to_a_team_member_or_not_a_mobile_is_refused(client, owner, agent, phone, message):
    client.force_login(owner)
    response = client.post(TEAM, {"name": "Someone", "phone": phone})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AgentInvitation.objects.exists()


def test_an_agent_of_another_merchant_is_invited_but_cannot_accept(owner, other_agent):
    other_agent.phone = "13900000055"
    other_agent.save()
    invitation = team.invite_agent(owner=owner, name="Zhou", phone="13900000055")
    with pytest.raises(NotAllowed, match="another role"):
        team.accept_invitation(phone="13900000055", invitation_id=invitation.pk)
    other_agent.refresh_from_db()
    assert other_agent.merchant != owner.merchant


def test_only_the_owner_manages_the_team(client, agent, supervisor, wang, owner):
    for person in (agent, supervisor, wang):
        client.force_login(person)
        assert client.get(TEAM).status_code == 403
        assert client.post(TEAM, {"name": "X", "phone": "13900000098"}).status_code == 403
        assert client.post(f"{TEAM}{agent.pk}/remove/").status_code == 403
    assert not User.objects.filter(phone="13900000098").exists()


# --- removing -------------------------------------------------------------------------------


def test_removing_an_agent_deactivates_them_and_gives_their_open_cases_back(client, owner, agent, file_complaint):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="assign_agent", agent=agent.pk)
    client.force_login(owner)

    response = client.post(f"{TEAM}{agent.pk}/remove/")

    assert response.status_code == 302
    agent.refresh_from_db()
    case.refresh_from_db()
    assert agent.is_active is False
    assert case.agent is None
    event = case.events.get(kind="agent_unassigned")
    assert event.visibility == Visibility.MERCHANT_STAFF
    client.logout()
    assert not client.login(username="agent", password="demo-pass-123")


def test_a_removed_agent_invited_again_is_reactivated_when_they_accept(owner, agent):
    case_team.remove_agent(owner=owner, agent_id=agent.pk)
    invitation = team.invite_agent(owner=owner, name="Chen Agent", phone=agent.phone)
    again = team.accept_invitation(phone=agent.phone, invitation_id=invitation.pk)
    assert again.pk == agent.pk and again.is_active


def test_an_owner_cannot_remove_another_merchants_agent(client, owner, other_agent):
    client.force_login(owner)
    assert client.post(f"{TEAM}{other_agent.pk}/remove/").status_code == 404
    other_agent.refresh_from_db()
    assert other_agent.is_active


# --- assigning ------------------------------------------------------------------------------


def test_the_owner_assigns_a_case_from_the_case_page(client, owner, agent, wang, file_complaint):
    case = file_complaint()
    client.force_login(owner)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="{assign_url(case)}"' in page and "Chen Agent" in page

    response = client.post(assign_url(case), {"assign_agent-agent": agent.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.agent == agent
    event = case.events.get(kind="agent_assigned")
    assert (event.actor, event.visibility, event.data["agent"]) == (owner, Visibility.MERCHANT_STAFF, agent.pk)
    assert Notification.objects.filter(recipient=agent, event="agent_assigned", channel="in_app").exists()
    # The consumer's timeline does not show the merchant's internal assignment.
    client.force_login(wang)
    assert "given to a merchant agent" not in client.get(f"/cases/{case.pk}/").content.decode()
    client.force_login(agent)
    assert "given to a merchant agent" in client.get(f"/cases/{case.pk}/").content.decode()


def test_agents_see_no_assign_form_and_may_not_assign(client, agent, file_complaint):
    case = file_complaint()
    client.force_login(agent)
    assert f'action="{assign_url(case)}"' not in client.get(f"/cases/{case.pk}/").content.decode()
    response = client.post(assign_url(case), {"assign_agent-agent": agent.pk}, follow=True)
    assert "is not open to your role on this case" in response.content.decode()
    case.refresh_from_db()
    assert case.agent is None


def test_a_case_is_assigned_only_to_an_active_agent_of_the_merchant(owner, agent, other_agent, file_complaint):
    case = file_complaint()
    for candidate in (other_agent, owner):
        with pytest.raises(Exception, match="active agent"):
            workflow.perform(actor=owner, complaint_id=case.pk, action="assign_agent", agent=candidate.pk)
    case_team.remove_agent(owner=owner, agent_id=agent.pk)
    with pytest.raises(Exception, match="active agent"):
        workflow.perform(actor=owner, complaint_id=case.pk, action="assign_agent", agent=agent.pk)
    assert not ComplaintEvent.objects.filter(kind="agent_assigned").exists()


def test_an_owner_cannot_assign_another_merchants_case(client, owner, li, other_shop, file_complaint):
    case = file_complaint(consumer=li, merchant=other_shop)
    client.force_login(owner)
    assert client.post(assign_url(case), {"assign_agent-agent": ""}).status_code == 404


def test_the_agents_inbox_filters_the_cases_assigned_to_them(client, owner, agent, file_complaint):
    mine = file_complaint(title="Mine to answer")
    file_complaint(title="Someone else's")
    workflow.perform(actor=owner, complaint_id=mine.pk, action="assign_agent", agent=agent.pk)
    client.force_login(agent)
    text = client.get("/merchant/", {"mine": "1"}).content.decode()
    assert "Mine to answer" in text and "Someone else&#x27;s" not in text


def test_assigning_through_the_api(api, owner, agent, file_complaint):
    case = file_complaint()
    response = api.as_(owner).post(f"/api/v1/complaints/{case.pk}/assign_agent/", {"agent": agent.pk}, format="json")
    assert response.status_code == 200 and response.json()["case_number"] == case.case_number
    case.refresh_from_db()
    assert case.agent == agent
    back = api.post(f"/api/v1/complaints/{case.pk}/assign_agent/", {"agent": None}, format="json")
    assert back.status_code == 200
    case.refresh_from_db()
    assert case.agent is None
    by_agent = api.as_(agent).post(f"/api/v1/complaints/{case.pk}/assign_agent/", {"agent": agent.pk}, format="json")
    assert by_agent.status_code == 403


def test_the_team_through_the_api(api, owner, agent):
    listed = api.as_(owner).get("/api/v1/merchant/agents/").json()
    assert {m["name"] for m in listed} == {"Zhang Owner", "Chen Agent"}
    added = api.post("/api/v1/merchant/agents/", {"name": "Wu Agent", "phone": "13900000099"}, format="json")
    assert added.status_code == 201 and added.json()["status"] == "pending"
    removed = api.post(f"/api/v1/merchant/agents/{agent.pk}/remove/", {}, format="json")
    assert removed.status_code == 200 and removed.json()["is_active"] is False
    assert api.as_(agent).get("/api/v1/merchant/agents/").status_code in (401, 403)
