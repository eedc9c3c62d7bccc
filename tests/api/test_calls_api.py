"""Calls through a privacy number in the API and on the case page: GET/POST
/api/v1/complaints/{id}/calls/, .../calls/off/ and .../calls/on/, the providers' callback
POST /api/v1/calls/callback/{provider}/, the case page's calls panel, and the privacy rule: a
merchant agent never receives the consumer's number anywhere."""

import io
import json

import pytest
from pypdf import PdfReader

from complaints.models import CaseBinding, CaseCall, Status
from notifications.models import Notification
from telephony.callbacks import sign
from telephony.local import play_call

SECRET = "call-secret-for-tests"


@pytest.fixture(autouse=True)
def _calls(settings):
    settings.CALL_CALLBACK_SECRET = SECRET
    settings.CALL_BACKEND = "telephony.backends.local.CallBackend"


@pytest.fixture
def case(file_complaint):
    return file_complaint()


def calls_url(case, tail=""):
    return f"/api/v1/complaints/{case.pk}/calls/{tail}"


def callback(client, provider, body: bytes, **headers):
    return client.post(f"/api/v1/calls/callback/{provider}/", body, content_type="application/json", **headers)


def signed(body: bytes) -> dict:
    return {"HTTP_X_CALL_SIGNATURE": sign(body)}


def test_an_agent_gets_a_privacy_number_and_never_the_consumers(api, case, agent, wang):
    response = api.as_(agent).post(calls_url(case), {}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "to_consumer" and body["active"] is True
    assert body["privacy_number"].startswith("171")
    assert wang.phone not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"

    listing = api.as_(agent).get(calls_url(case)).json()
    assert listing["bindings"][0]["privacy_number"] == body["privacy_number"]
    assert listing["may_call"] is True and listing["calls_enabled"] is True
    assert wang.phone not in json.dumps(listing)


def test_the_consumer_gets_a_number_for_the_merchant(api, case, wang):
    response = api.as_(wang).post(calls_url(case), {}, format="json")

    assert response.status_code == 201
    assert response.json()["direction"] == "to_merchant"
    assert "13900000001" not in response.content.decode()  # the merchant's notice phone


@pytest.mark.parametrize(("who", "code"), [("supervisor", 403), ("mediator", 403), ("li", 404), ("other_agent", 404)])
def test_who_may_not_ask_for_a_binding(request, api, case, who, code):
    response = api.as_(request.getfixturevalue(who)).post(calls_url(case), {}, format="json")
    assert response.status_code == code
    if code == 403:
        assert response.json()["detail"]
    assert not CaseBinding.objects.exists()


def test_a_closed_case_or_calls_off_is_409_with_the_reason(api, case_in, case, agent, wang):
    closed = case_in(Status.CLOSED)
    response = api.as_(agent).post(calls_url(closed), {}, format="json")
    assert response.status_code == 409 and "closed" in response.json()["detail"]

    assert api.as_(wang).post(calls_url(case, "off/"), {}, format="json").json() == {"calls_enabled": False}
    response = api.as_(agent).post(calls_url(case), {}, format="json")
    assert response.status_code == 409 and "turned calls off" in response.json()["detail"]
    assert api.as_(agent).get(calls_url(case)).json()["may_call"] is False

    assert api.as_(wang).post(calls_url(case, "on/"), {}, format="json").json() == {"calls_enabled": True}
    assert api.as_(agent).post(calls_url(case), {}, format="json").status_code == 201


@pytest.mark.parametrize("who", ["owner", "agent", "supervisor"])
def test_only_the_consumer_switches_calls(request, api, case, who):
    response = api.as_(request.getfixturevalue(who)).post(calls_url(case, "off/"), {}, format="json")
    assert response.status_code == 403


def test_a_gateway_that_does_not_bind_answers_503(api, case, agent, settings):
    settings.CALL_LOCAL_POOL = []
    response = api.as_(agent).post(calls_url(case), {}, format="json")
    assert response.status_code == 503 and response.json()["code"] == "call_gateway_unavailable"


# --- the providers' callback ---------------------------------------------------------------


def test_a_played_call_reaches_the_timeline_of_every_party_once(client, api, case, agent, wang, owner, supervisor):
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    body, headers = play_call(middle_number=binding["privacy_number"], caller=agent.phone, duration=75)

    first = callback(client, "local", body, **signed(body))
    again = callback(client, "local", body, **signed(body))

    assert (first.status_code, first.json()) == (200, {"recorded": 1})
    assert (again.status_code, again.json()) == (200, {"recorded": 0})
    assert CaseCall.objects.count() == 1
    for viewer in (wang, owner, agent, supervisor):
        detail = api.as_(viewer).get(f"/api/v1/complaints/{case.pk}/").json()
        [event] = [e for e in detail["timeline"] if e["kind"] == "call_answered"]
        assert event["data"]["caller_party"] == "merchant" and event["data"]["duration"] == 75
        assert event["actor_name"] == "Chen Agent"
        listing = api.as_(viewer).get(calls_url(case)).json()
        [call] = listing["calls"]
        assert call["caller"] == "Merchant Chen Agent" and call["duration_display"] == "1 min 15 s"
    assert wang.phone not in json.dumps(api.as_(agent).get(calls_url(case)).json())


def test_the_provider_may_authenticate_with_the_urls_token(client, api, case, agent):
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    body, _ = play_call(middle_number=binding["privacy_number"], caller=agent.phone)

    response = client.post(f"/api/v1/calls/callback/local/?token={SECRET}", body, content_type="application/json")

    assert response.json() == {"recorded": 1}


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_CALL_SIGNATURE": "0" * 64}, {"HTTP_X_CALL_SIGNATURE": "garbage"}],
    ids=["unsigned", "wrong-signature", "garbage"],
)
def test_a_callback_without_the_secret_is_403_and_records_nothing(client, api, case, agent, headers):
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    body, _ = play_call(middle_number=binding["privacy_number"], caller=agent.phone)

    response = callback(client, "local", body, **headers)

    assert response.status_code == 403
    assert not CaseCall.objects.exists()


def test_a_callback_with_the_wrong_token_is_403(client):
    response = client.post("/api/v1/calls/callback/aliyun/?token=guess", b"[]", content_type="application/json")
    assert response.status_code == 403


def test_callbacks_that_do_not_read_are_400_never_500(client):
    for body in (b"not json", b"[1]", b'{"call_id": "x"}', b'{"call_id": "x", "started_at": "never", "caller": "1"}'):
        response = callback(client, "local", body, **signed(body))
        assert response.status_code == 400, body


def test_an_unknown_provider_is_404(client):
    assert callback(client, "nobody", b"{}", **signed(b"{}")).status_code == 404


# --- privacy -------------------------------------------------------------------------------


def test_a_merchant_agent_never_receives_the_consumers_number(client, api, file_complaint, agent, wang, owner):
    """Share-contact off or on, the agent's page, API answers, timeline, PDF bundle and notices
    never carry the consumer's number, before and after calls through the privacy number."""
    for share in (False, True):
        case = file_complaint(share_contact=share, order_number=f"P-{share}")
        binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
        for caller in (agent.phone, wang.phone):
            body, _ = play_call(middle_number=binding["privacy_number"], caller=caller)
            assert callback(client, "local", body, **signed(body)).json() == {"recorded": 1}
        assert api.as_(wang).post(calls_url(case, "off/"), {}, format="json").status_code == 200

        client.force_login(agent)
        answers = [
            client.get(f"/cases/{case.pk}/").content.decode(),
            client.get("/merchant/").content.decode(),
            json.dumps(api.as_(agent).get(f"/api/v1/complaints/{case.pk}/").json()),
            json.dumps(api.as_(agent).get(calls_url(case)).json()),
            json.dumps(api.as_(agent).get("/api/v1/complaints/").json()),
            json.dumps(api.as_(agent).get("/api/v1/notifications/").json()),
        ]
        pdf = client.get(f"/cases/{case.pk}/bundle.pdf")
        body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
        answers.append("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))
        answers += list(Notification.objects.filter(recipient=agent).values_list("body", flat=True))
        for text in answers:
            assert wang.phone not in text
            assert "138 0013 8000" not in text


def test_the_consumers_data_download_has_their_calls_and_bindings_without_the_merchants_number(
    api, case, agent, wang, client
):
    api.as_(wang).post(calls_url(case), {}, format="json")
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    body, _ = play_call(middle_number=binding["privacy_number"], caller=agent.phone)
    callback(client, "local", body, **signed(body))

    data = api.as_(wang).get("/api/v1/me/data/").json()

    [complaint] = data["complaints"]
    calls = complaint["calls"]
    assert [b["direction"] for b in calls["bindings"]] == ["to_merchant"]  # their own binding
    assert [c["caller"] for c in calls["calls"]] == ["Merchant Chen Agent"]
    text = json.dumps(calls)
    assert agent.phone not in text and "13900000001" not in text


def test_deleting_the_account_removes_the_consumers_number_from_bindings(api, case, agent, wang, client):
    from telephony.models import LocalBinding

    api.as_(agent).post(calls_url(case), {}, format="json")
    api.as_(wang).post(f"/api/v1/complaints/{case.pk}/withdraw/", {}, format="json")

    response = api.as_(wang).post("/api/v1/me/delete/", {"password": "demo-pass-123"}, format="json")

    assert response.status_code in (200, 204), response.content
    assert list(CaseBinding.objects.values_list("consumer_phone", flat=True)) == [""]
    assert not LocalBinding.objects.filter(phone_b="13800138000").exists()


# --- the case page ---------------------------------------------------------------------------


def test_the_agent_asks_for_a_number_on_the_case_page_and_sees_it_there(client, case, agent, wang):
    client.force_login(agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/calls/"' in page and "Call the consumer" in page

    response = client.post(f"/cases/{case.pk}/calls/", follow=True)

    binding = CaseBinding.objects.get()
    html = response.content.decode()
    assert f"Call {binding.middle_number} from your phone to reach the consumer." in html
    assert f'href="tel:{binding.middle_number}"' in html
    assert wang.phone not in html


def test_the_consumer_turns_calls_off_and_on_on_the_case_page(client, case, wang, agent):
    client.force_login(wang)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Turn calls off" in page and "Call the merchant" in page

    html = client.post(f"/cases/{case.pk}/calls/off/", follow=True).content.decode()
    assert "Calls are off" in html and "Turn calls on" in html
    case.refresh_from_db()
    assert case.calls_enabled is False

    client.force_login(agent)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "The consumer has turned calls off for this case." in page
    assert f'action="/cases/{case.pk}/calls/"' not in page

    client.force_login(wang)
    client.post(f"/cases/{case.pk}/calls/on/")
    case.refresh_from_db()
    assert case.calls_enabled is True


def test_pages_refuse_with_a_reason(client, case, supervisor, agent, wang):
    client.force_login(supervisor)
    response = client.post(f"/cases/{case.pk}/calls/")
    assert response.status_code == 403 and "Only the consumer calls the merchant" in response.content.decode()
    client.force_login(agent)
    assert client.post(f"/cases/{case.pk}/calls/off/").status_code == 403
    assert client.post(f"/cases/{case.pk}/calls/sideways/").status_code == 404


def test_staff_see_the_cases_bindings_and_calls(client, api, case, agent, supervisor):
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    client.force_login(supervisor)

    html = client.get(f"/cases/{case.pk}/").content.decode()

    assert "Privacy-number bindings" in html and binding["privacy_number"] in html
    listing = api.as_(supervisor).get(calls_url(case)).json()
    assert [b["made_by"] for b in listing["bindings"]] == ["Chen Agent"]


def test_staff_are_never_offered_a_partys_number_to_dial(client, api, case, agent, supervisor):
    binding = api.as_(agent).post(calls_url(case), {}, format="json").json()
    client.force_login(supervisor)

    html = client.get(f"/cases/{case.pk}/").content.decode()

    assert f'href="tel:{binding["privacy_number"]}"' not in html
    assert "Call this number" not in html
