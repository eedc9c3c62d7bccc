"""A delivery address only by consent (issue 16, part 2): the consumer shares it on a case and
chooses who at the merchant sees it; others see the district; each full view is logged; the
consumer withdraws it; a case closed past the retention period hides it again; the consumer's
data export has it and deleting the account deletes it. A merchant agent without the grant
never receives the street in any page or API answer."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEntry
from complaints import addresses, workflow
from complaints.models import CaseAddress, EventKind, Status
from mediation.errors import InvalidInput, NotAllowed
from merchants.models import ContactReveal
from privacy.services import delete_account, export_personal_data
from tests.conftest import PASSWORD

STREET = "解放大道 1863 号 3 栋 402"
ADDRESS = {"recipient": "王小明", "district": "湖北省武汉市江岸区", "street": STREET, "postcode": "430010"}


@pytest.fixture
def case(file_complaint):
    return file_complaint()


def share(case, who, grant="owner"):
    return addresses.share_address(actor=who, complaint_id=case.pk, grant=grant, **ADDRESS)


def test_the_consumer_shares_it_and_only_the_grant_is_on_the_timeline(case, wang):
    share(case, wang)

    event = case.events.get(kind=EventKind.ADDRESS_SHARED)
    assert event.data == {"grant": "owner", "changed": False}
    assert STREET not in str(event.data) and STREET not in event.message
    assert CaseAddress.objects.get(complaint=case).street == STREET


@pytest.mark.parametrize(
    "who, refusal", [("owner", NotAllowed), ("agent", NotAllowed), ("supervisor", NotAllowed), ("li", Http404)]
)
def test_only_the_consumer_shares_it(request, case, who, refusal):
    with pytest.raises(refusal):
        share(case, request.getfixturevalue(who))
    assert not CaseAddress.objects.exists()


def test_a_missing_street_or_grant_is_refused(case, wang):
    with pytest.raises(InvalidInput) as refused:
        addresses.share_address(actor=wang, complaint_id=case.pk, grant="everyone", **{**ADDRESS, "street": " "})
    assert set(refused.value.fields) == {"street", "grant"}


def test_the_owner_reveals_it_logged_and_an_agent_sees_the_district_only(case, wang, owner, agent):
    share(case, wang, grant="owner")

    revealed = addresses.reveal_address(actor=owner, complaint_id=case.pk, ip="10.0.0.9")
    assert revealed.street == STREET
    log = ContactReveal.objects.get()
    assert (log.what, log.user, log.ip) == ("address", owner, "10.0.0.9")
    assert AuditEntry.objects.filter(action="address.reveal", actor=owner).count() == 1

    with pytest.raises(NotAllowed) as refused:
        addresses.reveal_address(actor=agent, complaint_id=case.pk)
    assert "owner only" in str(refused.value.message)
    seen = addresses.address_for(agent, case)
    assert (seen["district"], seen["street"], seen["recipient"], seen["masked"]) == (
        "湖北省武汉市江岸区",
        "",
        "王*",
        True,
    )


def test_the_team_grant_lets_agents_reveal_it(case, wang, agent):
    share(case, wang, grant="team")

    assert addresses.reveal_address(actor=agent, complaint_id=case.pk).street == STREET


def test_withdrawn_it_is_the_district_again(case, wang, owner):
    share(case, wang)
    addresses.withdraw_grant(actor=wang, complaint_id=case.pk)

    with pytest.raises(NotAllowed) as refused:
        addresses.reveal_address(actor=owner, complaint_id=case.pk)
    assert "withdrew" in str(refused.value.message)
    assert case.events.filter(kind=EventKind.ADDRESS_WITHDRAWN).count() == 1
    assert addresses.address_for(wang, case)["street"] == STREET  # the consumer still sees it


def test_a_case_closed_past_the_retention_period_hides_it(case, wang, owner, settings, time_machine):
    settings.ADDRESS_RETENTION_DAYS = 30
    share(case, wang)
    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw", message="Sorted.")

    time_machine.move_to(timezone.now() + datetime.timedelta(days=29))
    assert addresses.reveal_address(actor=owner, complaint_id=case.pk).street == STREET
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    with pytest.raises(NotAllowed) as refused:
        addresses.reveal_address(actor=owner, complaint_id=case.pk)
    assert "30 days" in str(refused.value.message)


def test_staff_who_filed_for_the_consumer_share_it_for_them(clerk, shop):
    from complaints import intake

    case = intake.file_for_consumer(
        staff=clerk,
        phone="13700137000",
        name="Zhao Caller",
        intake_channel="counter",
        consent=True,
        consent_statement="",
        merchant=shop,
        category="quality",
        channel="offline",
        title="Kettle",
        description="Leaks.",
    )

    share(case, clerk)

    assert case.events.get(kind=EventKind.ADDRESS_SHARED).data["on_behalf_of_consumer"] is True


# --- pages and API ----------------------------------------------------------------------------------


def test_the_case_pages_show_each_role_what_it_may_see(client, case, wang, owner, agent, supervisor):
    client.force_login(wang)
    form = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/address/"' in form
    client.post(f"/cases/{case.pk}/address/", {f"address-{k}": v for k, v in {**ADDRESS, "grant": "owner"}.items()})
    assert CaseAddress.objects.filter(complaint=case).exists()

    for person, full in ((wang, True), (supervisor, True), (owner, False), (agent, False)):
        client.force_login(person)
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert "湖北省武汉市江岸区" in page
        assert (STREET in page) is full, person
    client.force_login(owner)
    assert "Show the full address" in client.get(f"/cases/{case.pk}/").content.decode()
    revealed = client.post(f"/cases/{case.pk}/address/reveal/")
    assert revealed.status_code == 200 and STREET in revealed.content.decode()
    assert revealed["Cache-Control"] == "private, no-store"
    client.force_login(agent)
    assert client.post(f"/cases/{case.pk}/address/reveal/").status_code == 403


def test_the_page_keeps_what_was_typed_when_the_address_is_incomplete(client, case, wang):
    client.force_login(wang)

    response = client.post(f"/cases/{case.pk}/address/", {"address-recipient": "王小明", "address-district": "江岸区"})

    assert response.status_code == 400
    assert response.context["address_form"].errors["street"]
    assert "江岸区" in response.content.decode()


def test_the_api_for_each_role(api, case, wang, owner, agent):
    body = {**ADDRESS, "grant": "team"}
    assert api.as_(owner).put(f"/api/v1/complaints/{case.pk}/address/", body, format="json").status_code == 403
    shared = api.as_(wang).put(f"/api/v1/complaints/{case.pk}/address/", body, format="json")
    assert shared.status_code == 200 and shared.json()["street"] == STREET

    masked = api.as_(agent).get(f"/api/v1/complaints/{case.pk}/address/")
    assert masked.json()["street"] == "" and masked.json()["may_reveal"] is True
    assert STREET not in masked.content.decode()
    assert STREET not in api.as_(agent).get(f"/api/v1/complaints/{case.pk}/").content.decode()
    revealed = api.as_(agent).post(f"/api/v1/complaints/{case.pk}/address/reveal/")
    assert revealed.json()["street"] == STREET

    withdrawn = api.as_(wang).post(f"/api/v1/complaints/{case.pk}/address/withdraw/")
    assert withdrawn.json()["grant"] == ""
    assert api.as_(agent).post(f"/api/v1/complaints/{case.pk}/address/reveal/").status_code == 403


def test_export_has_it_and_deletion_deletes_it(case, wang):
    share(case, wang)
    data = export_personal_data(user=wang)
    (exported,) = [c for c in data["complaints"] if c["id"] == case.pk]
    assert exported["delivery_address"]["street"] == STREET

    workflow.perform(actor=wang, complaint_id=case.pk, action="withdraw", message="Sorted.")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    delete_account(user=wang, password=PASSWORD)

    assert not CaseAddress.objects.exists()


def test_an_agent_never_receives_the_street_in_a_file_or_a_notice(client, case, wang, owner, agent):
    import io

    from pypdf import PdfReader

    from notifications.models import Notification

    share(case, wang, grant="owner")
    addresses.reveal_address(actor=owner, complaint_id=case.pk)  # the owner looked; the agent did not
    client.force_login(agent)

    pdf = client.get(f"/cases/{case.pk}/bundle.pdf").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    assert "湖北省武汉市江岸区" not in text and STREET not in text
    assert not Notification.objects.filter(body__contains="解放大道").exists()
