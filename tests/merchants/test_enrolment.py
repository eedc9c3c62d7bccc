"""Enrolment: the online application, the supervisor's review (approve, refuse with a reason,
suspend, reinstate) on pages and through the API, and the notices to the applicant."""

import pytest
import sms
from django.core import mail

from merchants import enrolment
from merchants.models import EnrolmentApplicant, Merchant, MerchantDecision, MerchantStatus
from notifications.models import Channel, Notification

from .conftest import corrupt, make_uscc

APPLY = "/merchants/apply/"
CODE = make_uscc("91420102MA4K12345")


def application(region, **fields):
    data = {
        "name": "Hankou Bakery",
        "uscc": CODE,
        "sector": "catering",
        "region": region.pk,
        "address": "1 Jiefang Avenue",
        "notice_phones": "139 0000 0077, 13900000078",
        "email": "bakery@example.cn",
    }
    data.update(fields)
    return data


@pytest.fixture
def li_with_email(li):
    li.email = "li@example.cn"
    li.save(update_fields=["email"])
    return li


@pytest.fixture
def applied(client, li_with_email, jiangan):
    """Li applied for the Hankou Bakery through the page."""
    client.force_login(li_with_email)
    response = client.post(APPLY, application(jiangan))
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    return Merchant.objects.get(uscc=CODE)


def notices_to(user, event):
    return Notification.objects.filter(recipient=user, event=event)


# --- applying -----------------------------------------------------------------------------


def test_the_application_page_needs_a_login(client, db):
    response = client.get(APPLY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_application_page_has_a_labelled_field_for_everything(client, li, jiangan, yichang):
    client.force_login(li)
    text = client.get(APPLY).content.decode()
    for field in ("name", "uscc", "sector", "region", "address", "notice_phones", "email"):
        assert f'for="id_{field}"' in text, field
    assert "Yichang Consumer Council" in text and "Jiang&#x27;an District Consumer Council" in text


def test_a_logged_in_person_applies_online(client, li, jiangan):
    client.force_login(li)
    response = client.post(APPLY, application(jiangan), follow=True)
    assert response.status_code == 200
    merchant = Merchant.objects.get(uscc=CODE)
    assert merchant.status == MerchantStatus.APPLIED
    assert merchant.region == jiangan
    assert merchant.sector == "catering"
    assert merchant.notice_phones == ["13900000077", "13900000078"]
    assert EnrolmentApplicant.objects.get(merchant=merchant).user == li
    text = response.content.decode()
    assert "Your applications" in text and "Hankou Bakery" in text and "Applied" in text


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"uscc": corrupt(CODE)}, "uscc"),
        ({"uscc": "123"}, "uscc"),
        ({"notice_phones": "027-8765 4321"}, "notice_phones"),
        ({"notice_phones": ""}, "notice_phones"),
        ({"region": "999999"}, "region"),
        ({"name": ""}, "name"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_a_bad_application_shows_the_error_on_its_field(client, li, jiangan, fields, error_field):
    client.force_login(li)
    response = client.post(APPLY, {**application(jiangan), **fields})
    assert response.status_code == 400
    assert error_field in response.context["form"].errors
    assert not Merchant.objects.exists()


def test_a_credit_code_already_on_the_platform_is_refused_on_the_page(client, li, wang, jiangan, applied):
    client.force_login(wang)
    response = client.post(APPLY, application(jiangan, name="Another Bakery"))
    assert response.status_code == 400
    assert "already on the platform" in response.content.decode()


def test_council_staff_and_merchant_staff_do_not_apply(client, supervisor, owner, jiangan):
    for person in (supervisor, owner):
        client.force_login(person)
        assert client.post(APPLY, application(jiangan)).status_code == 403
    assert not Merchant.objects.filter(uscc=CODE).exists()


# --- the supervisor's review pages -----------------------------------------------------------


def test_the_supervisor_lists_applications_of_the_jurisdiction_with_a_status_filter(
    client, supervisor, applied, shop, other_shop
):
    client.force_login(supervisor)
    text = client.get("/council/merchants/").content.decode()
    assert "Hankou Bakery" in text and "Jiang&#x27;an Electronics" in text
    assert "Yichang Furniture" not in text  # the sibling city's merchant
    applied_only = client.get("/council/merchants/", {"status": "applied"}).content.decode()
    assert "Hankou Bakery" in applied_only and "Jiang&#x27;an Electronics" not in applied_only


def test_only_supervisors_open_the_review_pages(client, mediator, owner, wang, applied):
    for person in (mediator, owner, wang):
        client.force_login(person)
        assert client.get("/council/merchants/").status_code == 403
        assert client.post(f"/council/merchants/{applied.pk}/approve/").status_code == 403
    applied.refresh_from_db()
    assert applied.status == MerchantStatus.APPLIED


def test_a_supervisor_of_a_sibling_city_gets_404(client, sibling_supervisor, applied):
    client.force_login(sibling_supervisor)
    assert client.get(f"/council/merchants/{applied.pk}/").status_code == 404
    assert client.post(f"/council/merchants/{applied.pk}/approve/").status_code == 404


def test_approving_enrols_the_merchant_and_tells_the_applicant(
    client, supervisor, applied, li_with_email, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    page = client.get(f"/council/merchants/{applied.pk}/").content.decode()
    assert "Approve the enrolment" in page and "Refuse the application" in page and CODE in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/council/merchants/{applied.pk}/approve/", {"approve-checked": "on"})
    assert response.status_code == 302

    applied.refresh_from_db()
    li_with_email.refresh_from_db()
    assert applied.status == MerchantStatus.ENROLLED and applied.enrolled_at
    assert (li_with_email.role, li_with_email.merchant_id) == ("merchant_owner", applied.pk)
    assert MerchantDecision.objects.get(merchant=applied).decision == "approved"
    channels = set(notices_to(li_with_email, "merchant_approved").values_list("channel", flat=True))
    assert channels == {Channel.IN_APP, Channel.SMS, Channel.EMAIL}
    assert any("Hankou Bakery is enrolled" in m.body for m in sms.outbox if li_with_email.phone in m.recipients)
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]


def test_refusing_needs_a_reason_and_the_applicant_reads_it(client, supervisor, applied, li_with_email):
    client.force_login(supervisor)
    response = client.post(f"/council/merchants/{applied.pk}/refuse/", {"refuse-reason": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    applied.refresh_from_db()
    assert applied.status == MerchantStatus.APPLIED

    reason = "The credit code belongs to another company."
    response = client.post(f"/council/merchants/{applied.pk}/refuse/", {"refuse-reason": reason})
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.status == MerchantStatus.REFUSED
    notice = notices_to(li_with_email, "merchant_refused").get(channel=Channel.IN_APP)
    assert reason in notice.body

    client.force_login(li_with_email)
    assert reason in client.get(APPLY).content.decode()


def test_a_refused_applicant_may_apply_again_with_the_same_code(client, supervisor, applied, li, jiangan):
    enrolment.refuse_merchant(actor=supervisor, merchant_id=applied.pk, reason="Wrong address.")
    client.force_login(li)
    response = client.post(APPLY, application(jiangan, address="2 Jiefang Avenue"))
    assert response.status_code == 302
    applied.refresh_from_db()
    assert (applied.status, applied.address) == (MerchantStatus.APPLIED, "2 Jiefang Avenue")
    assert Merchant.objects.filter(uscc=CODE).count() == 1


def test_suspending_and_reinstating_on_the_pages(client, supervisor, shop, owner):
    client.force_login(supervisor)
    response = client.post(f"/council/merchants/{shop.pk}/suspend/", {"suspend-reason": "Ignored 5 complaints."})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.SUSPENDED
    assert "Ignored 5 complaints." in notices_to(owner, "merchant_suspended").get(channel=Channel.IN_APP).body
    page = client.get(f"/council/merchants/{shop.pk}/").content.decode()
    assert "Reinstate the merchant" in page and "Approve the enrolment" not in page

    assert client.post(f"/council/merchants/{shop.pk}/reinstate/", {"reinstate-reason": ""}).status_code == 302
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.ENROLLED
    assert notices_to(owner, "merchant_reinstated").exists()
    decisions = list(MerchantDecision.objects.filter(merchant=shop).values_list("decision", flat=True))
    assert decisions == ["reinstated", "suspended"]


def test_a_decision_the_status_no_longer_allows_says_so_on_the_merchant_page(client, supervisor, shop):
    client.force_login(supervisor)
    response = client.post(f"/council/merchants/{shop.pk}/reinstate/", follow=True)
    assert response.redirect_chain == [(f"/council/merchants/{shop.pk}/", 302)]
    assert "no longer possible" in response.content.decode()
    assert client.post(f"/council/merchants/{shop.pk}/explode/").status_code == 404


# --- the API ---------------------------------------------------------------------------------


def test_the_api_refuses_with_a_reason_and_reinstates(api, supervisor, applied, shop):
    api.as_(supervisor)
    no_reason = api.post(f"/api/v1/merchants/{applied.pk}/refuse/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    refused = api.post(f"/api/v1/merchants/{applied.pk}/refuse/", {"reason": "Unknown company."}, format="json")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"

    suspended = api.post(f"/api/v1/merchants/{shop.pk}/suspend/", {"reason": "Overdue cases."}, format="json")
    assert suspended.json()["status"] == "suspended"
    reinstated = api.post(f"/api/v1/merchants/{shop.pk}/reinstate/", {}, format="json")
    assert reinstated.status_code == 200 and reinstated.json()["status"] == "enrolled"
    again = api.post(f"/api/v1/merchants/{shop.pk}/reinstate/", {}, format="json")
    assert again.status_code == 409 and again.json()["allowed_actions"] == ["suspend"]


def test_the_api_applies_with_a_sector(api, li, jiangan):
    body = {**application(jiangan), "notice_phones": ["13900000077"], "sector": "electronics"}
    response = api.as_(li).post("/api/v1/merchants/apply/", body, format="json")
    assert response.status_code == 201
    assert response.json()["sector"] == "electronics"
    wrong = api.post("/api/v1/merchants/apply/", {**body, "uscc": corrupt(CODE)}, format="json")
    assert wrong.status_code == 400 and "uscc" in wrong.json()


def test_only_supervisors_reinstate_through_the_api(api, owner, mediator, sibling_supervisor, shop):
    shop.status = MerchantStatus.SUSPENDED
    shop.save()
    for person in (owner, mediator):
        assert api.as_(person).post(f"/api/v1/merchants/{shop.pk}/reinstate/").status_code == 403
    assert api.as_(sibling_supervisor).post(f"/api/v1/merchants/{shop.pk}/reinstate/").status_code == 404
