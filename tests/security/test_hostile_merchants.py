"""Hostile merchant owners: unmasking a consumer's phone through agent invitations, and
texting a number again and again through the platform."""

import re

import sms
from django.test import Client

from accounts.models import Role, User
from complaints import team as case_team
from merchants import enrolment, team
from merchants.models import AgentInvitation
from notifications.models import NoticeStatus, Notification

TEAM = "/merchant/team/"
AGENTS = "/api/v1/merchant/agents/"


def texts_to(phone):
    return [m for m in sms.outbox if m.recipients == [phone]]


# --- item 1: an invitation does not reveal whether a number is registered ---------------------


def test_inviting_a_registered_and_an_unregistered_number_answers_the_same_on_the_api(
    api, owner, wang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registered = api.as_(owner).post(AGENTS, {"name": "Probe", "phone": "13800138000"}, format="json")
        unknown = api.as_(owner).post(AGENTS, {"name": "Probe", "phone": "13800138999"}, format="json")

    assert registered.status_code == unknown.status_code == 201
    a, b = registered.json(), unknown.json()
    assert set(a) == set(b)
    assert {k: v for k, v in a.items() if k not in ("id", "phone", "created_at")} == {
        k: v for k, v in b.items() if k not in ("id", "phone", "created_at")
    }
    assert a["status"] == "pending"
    # Nothing joined the team, and Wang is still a consumer.
    assert api.get(AGENTS).json() == [m for m in api.get(AGENTS).json() if m["name"] != "Probe"]
    wang.refresh_from_db()
    assert (wang.role, wang.merchant) == (Role.CONSUMER, None)
    assert not User.objects.filter(phone="13800138999").exists()
    assert len(texts_to("13800138000")) == len(texts_to("13800138999")) == 1


def test_inviting_a_registered_and_an_unregistered_number_answers_the_same_on_the_page(client, owner, wang):
    client.force_login(owner)
    pages = []
    for phone in ("13800138000", "13800138999"):
        response = client.post(TEAM, {"name": "Probe", "phone": phone}, follow=True)
        assert response.status_code == 200
        page = response.content.decode().replace(phone, "PHONE")
        pages.append(re.sub(r'value="[A-Za-z0-9]{64}"', 'value="TOKEN"', page))
    first = pages[0].split('id="invitations"')[0]
    second = pages[1].split('id="invitations"')[0]
    assert first == second
    assert "We sent an invitation to PHONE" in pages[0]


def test_invitations_are_limited_per_number_and_per_merchant_with_429(api, owner, settings):
    settings.INVITATIONS_PER_PHONE_PER_DAY = 3
    settings.INVITATIONS_PER_MERCHANT_PER_DAY = 5
    for _ in range(3):
        assert api.as_(owner).post(AGENTS, {"name": "P", "phone": "13800138123"}, format="json").status_code == 201
    refused = api.post(AGENTS, {"name": "P", "phone": "13800138123"}, format="json")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 24 * 3600
    for phone in ("13800138124", "13800138125"):
        assert api.post(AGENTS, {"name": "P", "phone": phone}, format="json").status_code == 201
    refused = api.post(AGENTS, {"name": "P", "phone": "13800138126"}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert AgentInvitation.objects.count() == 5
    assert len(sms.outbox) == 0 or all(m.recipients != ["13800138126"] for m in sms.outbox)


def test_the_page_refuses_an_invitation_past_the_limit_with_429(client, owner, settings):
    settings.INVITATIONS_PER_PHONE_PER_DAY = 1
    client.force_login(owner)
    client.post(TEAM, {"name": "P", "phone": "13800138123"})
    response = client.post(TEAM, {"name": "P", "phone": "13800138123"})
    assert response.status_code == 429 and response["Retry-After"]
    assert "too many times today" in response.content.decode()


def test_a_consumer_without_complaints_sees_the_invitation_and_accepts_it(client, owner, shop, wang):
    team.invite_agent(owner=owner, name="Wang", phone=wang.phone)
    client.force_login(wang)
    page = client.get("/invitations/").content.decode()
    assert "Jiang&#x27;an Electronics invites you" in page
    invitation = AgentInvitation.objects.get()

    response = client.post(f"/invitations/{invitation.pk}/accept/")

    assert response.status_code == 302 and response["Location"] == "/merchant/"
    wang.refresh_from_db()
    assert (wang.role, wang.merchant) == (Role.MERCHANT_AGENT, shop)
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_a_consumer_with_complaints_may_only_decline(client, owner, wang, file_complaint):
    file_complaint()
    invitation = team.invite_agent(owner=owner, name="Wang", phone=wang.phone)
    client.force_login(wang)
    assert "complaints of its own" in client.get("/invitations/").content.decode()
    assert client.post(f"/invitations/{invitation.pk}/accept/").status_code == 403
    wang.refresh_from_db()
    assert wang.role == Role.CONSUMER
    assert client.post(f"/invitations/{invitation.pk}/decline/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "declined"


def test_someone_else_cannot_answer_an_invitation(client, owner, wang, li):
    invitation = team.invite_agent(owner=owner, name="Wang", phone=wang.phone)
    client.force_login(li)
    assert client.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
    assert Client().post(f"/invitations/{invitation.pk}/accept/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_the_invited_person_answers_through_the_api_too(api, owner, shop, wang, li, file_complaint):
    invitation = team.invite_agent(owner=owner, name="Wang", phone=wang.phone)
    mine = "/api/v1/me/invitations/"

    assert api.as_(li).get(mine).json() == []
    assert api.as_(li).post(f"{mine}{invitation.pk}/accept/").status_code == 404  # not li's number
    listed = api.as_(wang).get(mine).json()
    assert [(i["id"], i["merchant"], i["refusal"]) for i in listed] == [(invitation.pk, shop.name, "")]

    response = api.as_(wang).post(f"{mine}{invitation.pk}/accept/")

    assert response.status_code == 200 and response.json()["role"] == Role.MERCHANT_AGENT
    wang.refresh_from_db()
    assert (wang.role, wang.merchant) == (Role.MERCHANT_AGENT, shop)
    assert api.as_(wang).get(mine).json() == []


def test_through_the_api_a_consumer_with_complaints_is_told_why_and_may_decline(api, owner, wang, file_complaint):
    file_complaint()
    invitation = team.invite_agent(owner=owner, name="Wang", phone=wang.phone)
    mine = "/api/v1/me/invitations/"

    assert "complaints of its own" in api.as_(wang).get(mine).json()[0]["refusal"]
    assert api.as_(wang).post(f"{mine}{invitation.pk}/accept/").status_code == 403
    assert api.as_(wang).post(f"{mine}{invitation.pk}/decline/").status_code == 204
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    wang.refresh_from_db()
    assert wang.role == Role.CONSUMER


def test_a_new_number_proves_itself_with_a_code_and_becomes_an_agent(
    client, owner, shop, django_capture_on_commit_callbacks
):
    from tests.merchants.conftest import last_sms_code

    invitation = team.invite_agent(owner=owner, name="Wu Agent", phone="13900000099")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/invitations/", {"send-phone": "13900000099"})
    client.post("/invitations/", {"verify-phone": "13900000099", "verify-code": last_sms_code("13900000099")})
    assert "Wu Agent" in client.get("/invitations/").content.decode()

    response = client.post(f"/invitations/{invitation.pk}/accept/")

    assert response.status_code == 302
    agent = User.objects.get(phone="13900000099")
    assert (agent.role, agent.merchant, agent.has_usable_password()) == (Role.MERCHANT_AGENT, shop, False)
    assert client.get("/merchant/").status_code == 200


# --- item 6: SMS on a user's action are limited per number and per sender ---------------------


def test_inviting_and_removing_again_and_again_stops_texting_the_number(
    api, owner, settings, django_capture_on_commit_callbacks
):
    settings.INVITATIONS_PER_PHONE_PER_DAY = 100
    settings.SMS_PER_NUMBER_PER_DAY = 2
    codes = []
    for _ in range(8):
        with django_capture_on_commit_callbacks(execute=True):
            codes.append(api.as_(owner).post(AGENTS, {"name": "V", "phone": "13900000077"}, format="json").status_code)
        agent = User.objects.filter(phone="13900000077").first()
        if agent is not None:
            case_team.remove_agent(owner=owner, agent_id=agent.pk)
    assert codes == [201, 201] + [429] * 6
    assert len(texts_to("13900000077")) == 2


def test_one_sender_texts_at_most_its_limit(api, owner, settings):
    settings.SMS_PER_SENDER_PER_DAY = 2
    for phone in ("13900000071", "13900000072"):
        assert api.as_(owner).post(AGENTS, {"name": "V", "phone": phone}, format="json").status_code == 201
    refused = api.post(AGENTS, {"name": "V", "phone": "13900000073"}, format="json")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert not Notification.objects.filter(address="13900000073").exists()


def test_a_decision_past_the_limit_goes_through_and_its_sms_is_recorded_as_not_sent(
    settings, supervisor, unlisted_shop, wang, django_capture_on_commit_callbacks
):
    from merchants.models import EnrolmentApplicant

    settings.SMS_PER_SENDER_PER_DAY = 0
    EnrolmentApplicant.objects.create(merchant=unlisted_shop, user=wang)
    with django_capture_on_commit_callbacks(execute=True):
        enrolment.approve_merchant(actor=supervisor, merchant_id=unlisted_shop.pk)
    unlisted_shop.refresh_from_db()
    assert unlisted_shop.status == "enrolled"
    notice = Notification.objects.get(event="merchant_approved", channel="sms")
    assert notice.status == NoticeStatus.FAILED and "SMS limit" in notice.last_error
    assert texts_to(wang.phone) == []
    assert Notification.objects.filter(event="merchant_approved", channel="in_app", recipient=wang).exists()
