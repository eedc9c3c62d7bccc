"""Staff intake: a supervisor files a complaint for a consumer who called or came in (issue 15,
part 1), through the service, the page and the API; the intake channel in the queue filter,
the exports, the dashboard and the case bundle."""

import csv
import io

import pytest
import sms
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Role, User
from complaints import intake
from complaints.bundle import build_pdf
from complaints.models import Complaint, IntakeChannel, Status
from complaints.presenters import timeline_entries
from mediation.errors import InvalidInput, NotAllowed
from notifications.models import Notification

PAGE = "/council/intake/"
API = "/api/v1/complaints/"
CALLER = "13700137000"


def fields(shop, **extra) -> dict:
    data = dict(
        merchant=shop.pk,
        category="quality",
        channel="ecommerce",
        title="Kettle leaks",
        description="The kettle leaked on the first day.",
        amount="199.00",
        demands=["refund"],
    )
    data.update(extra)
    return data


def file_for(staff, shop, *, phone=CALLER, name="Zhao Caller", consent=True, **extra):
    return intake.file_for_consumer(
        staff=staff,
        phone=phone,
        name=name,
        intake_channel=extra.pop("intake_channel", IntakeChannel.HOTLINE),
        consent=consent,
        consent_statement="The consumer agreed on the phone.",
        **fields(shop, **extra),
    )


def texts_to(phone: str) -> list[str]:
    return [m.body for m in sms.outbox if m.recipients == [phone]]


# --- the service ----------------------------------------------------------------------------


def test_a_new_caller_gets_a_consumer_account_without_a_usable_password(supervisor, shop):
    case = file_for(supervisor, shop, phone="137 0013 7000")

    consumer = User.objects.get(phone=CALLER)
    assert (consumer.username, consumer.name, consumer.role) == (CALLER, "Zhao Caller", Role.CONSUMER)
    assert not consumer.has_usable_password()
    assert case.consumer == consumer
    assert (case.filed_by, case.intake_channel) == (supervisor, IntakeChannel.HOTLINE)
    assert case.consent_statement == "The consumer agreed on the phone."


def test_the_case_is_handled_like_one_the_consumer_filed(supervisor, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = file_for(supervisor, shop)

    assert case.status == Status.AWAITING_MERCHANT
    assert case.due_at is not None
    assert any(case.case_number in body for body in texts_to("13900000001"))  # the merchant is told


def test_an_existing_consumer_gets_the_case_in_their_account(supervisor, shop, wang):
    case = file_for(supervisor, shop, phone=wang.phone, name="")

    assert case.consumer == wang
    assert User.objects.filter(phone=wang.phone).count() == 1
    wang.refresh_from_db()
    assert wang.has_usable_password()


def test_the_consumer_is_told_by_sms_with_the_case_number_and_how_to_log_in(
    supervisor, shop, wang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = file_for(supervisor, shop)
    with django_capture_on_commit_callbacks(execute=True):
        existing = file_for(supervisor, shop, phone=wang.phone, title="Toaster broken")

    for case, phone in ((new, CALLER), (existing, wang.phone)):
        (text,) = [t for t in texts_to(phone) if case.case_number in t]
        assert "The consumer council filed complaint" in text
        assert f"/my/claim/{case.pk}/" in text
        assert Notification.objects.filter(complaint=case, event="filed_for_you", channel="sms").count() == 1


def test_the_new_consumer_sets_a_password_with_an_sms_code_and_finds_the_case(client, supervisor, shop):
    case = file_for(supervisor, shop)

    code = accounts_services.request_code(phone=CALLER)
    consumer = accounts_services.reset_password(phone=CALLER, code=code, password="a-new-pass-315")
    client.force_login(consumer)

    assert consumer.check_password("a-new-pass-315")
    assert case.case_number in client.get(reverse("complaints:mine")).content.decode()


def test_a_number_of_a_merchant_or_staff_account_is_refused(supervisor, shop, owner):
    with pytest.raises(InvalidInput) as refused:
        file_for(supervisor, shop, phone=owner.phone)

    assert "not a consumer" in str(refused.value.message)
    assert "phone" in refused.value.fields
    assert not Complaint.objects.exists()


def test_consent_is_required(supervisor, shop):
    with pytest.raises(InvalidInput) as refused:
        file_for(supervisor, shop, consent=False)

    assert "consent" in refused.value.fields
    assert not User.objects.filter(phone=CALLER).exists()


def test_a_new_number_needs_a_name(supervisor, shop):
    with pytest.raises(InvalidInput) as refused:
        file_for(supervisor, shop, name=" ")

    assert "name" in refused.value.fields
    assert not User.objects.filter(phone=CALLER).exists()


@pytest.mark.parametrize("who", ["mediator", "wang", "owner"])
def test_only_supervisors_and_intake_clerks_file_for_consumers(request, shop, who):
    person = request.getfixturevalue(who)

    with pytest.raises(NotAllowed) as refused:
        file_for(person, shop)

    assert "supervisors and intake clerks" in str(refused.value.message)
    assert not Complaint.objects.exists()


def test_the_timeline_says_who_filed_it_and_how_to_everyone(supervisor, shop, owner):
    case = file_for(supervisor, shop, intake_channel=IntakeChannel.COUNTER)

    for viewer in (case.consumer, owner, supervisor):
        first = timeline_entries(viewer, case)[0]
        assert first["label"] == "Filed by Liu Supervisor for the consumer, by Counter"


def test_a_consumers_own_filing_keeps_its_plain_label(file_complaint, wang):
    case = file_complaint()

    assert case.intake_channel == IntakeChannel.ONLINE and case.filed_by is None
    assert timeline_entries(wang, case)[0]["label"] == "Complaint filed"


def test_the_case_bundle_names_the_channel_and_who_filed_it(supervisor, shop, monkeypatch):
    case = file_for(supervisor, shop, intake_channel=IntakeChannel.LETTER)
    facts = {}

    import complaints.bundle as bundle

    original = bundle._facts_table

    def capture(rows):
        facts.update(rows)
        return original(rows)

    monkeypatch.setattr(bundle, "_facts_table", capture)
    pdf = build_pdf(supervisor, case)

    assert pdf.startswith(b"%PDF")
    assert facts["Intake channel"] == "Letter"
    assert facts["Filed by"] == "Liu Supervisor, for the consumer"


# --- queue filter, exports, dashboard -------------------------------------------------------


@pytest.fixture
def mixed(supervisor, shop, file_complaint):
    return {
        "online": file_complaint(title="Online one"),
        "hotline": file_for(supervisor, shop, title="By phone"),
        "counter": file_for(supervisor, shop, title="At the counter", intake_channel=IntakeChannel.COUNTER),
    }


def test_the_queue_filters_by_intake_channel(client, supervisor, mixed):
    client.force_login(supervisor)

    response = client.get("/council/", {"intake_channel": "hotline"})

    assert {c.case_number for c in response.context["page"]} == {mixed["hotline"].case_number}
    api = client.get("/api/v1/complaints/", {"intake_channel": "counter"}).json()
    assert [row["case_number"] for row in api["results"]] == [mixed["counter"].case_number]


def test_both_exports_have_an_intake_channel_column(client, supervisor, mixed):
    client.force_login(supervisor)

    body = b"".join(client.get("/council/export.csv").streaming_content).decode("utf-8")[1:]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["Case number"]: row["Intake channel"] for row in rows} == {
        mixed["online"].case_number: "Online",
        mixed["hotline"].case_number: "Hotline",
        mixed["counter"].case_number: "Counter",
    }
    import openpyxl

    content = b"".join(client.get("/council/export.xlsx").streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    column = header.index("Intake channel")
    assert sorted(row[column] for row in cells) == ["Counter", "Hotline", "Online"]


def test_the_dashboard_counts_complaints_by_intake_channel(client, supervisor, mixed):
    client.force_login(supervisor)

    response = client.get("/council/dashboard/")
    stats = client.get("/api/v1/stats/").json()

    rows = {code: count for code, _label, count, _link in response.context["intake_rows"]}
    assert rows == {"online": 1, "hotline": 1, "counter": 1, "letter": 0, "email": 0}
    assert stats["intake_channel_counts"] == rows
    assert 'id="intake-table"' in response.content.decode()


# --- the page -------------------------------------------------------------------------------


def page_data(shop, **extra) -> dict:
    data = {
        "phone": CALLER,
        "name": "Zhao Caller",
        "intake_channel": "counter",
        "consent": "on",
        **fields(shop),
    }
    data.update(extra)
    return data


def test_a_supervisor_files_on_the_page_and_lands_on_the_case(client, supervisor, shop):
    client.force_login(supervisor)

    response = client.post(PAGE, page_data(shop), follow=True)

    case = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[case.pk])
    page = response.content.decode()
    assert f"Case {case.case_number} was filed for the consumer" in page
    assert "Filed by Liu Supervisor for the consumer, by Counter" in page
    assert case.filed_by == supervisor and case.consumer.phone == CALLER


def test_the_page_without_consent_files_nothing_and_keeps_what_was_typed(client, supervisor, shop):
    client.force_login(supervisor)

    response = client.post(PAGE, page_data(shop, consent=""))

    assert response.status_code == 400
    assert response.context["form"].errors["consent"]
    assert "Kettle leaks" in response.content.decode()
    assert not Complaint.objects.exists() and not User.objects.filter(phone=CALLER).exists()


def test_the_page_refuses_a_merchants_number_at_the_phone_field(client, supervisor, shop, owner):
    client.force_login(supervisor)

    response = client.post(PAGE, page_data(shop, phone=owner.phone))

    assert response.status_code == 400
    assert "not a consumer" in " ".join(response.context["form"].errors["phone"])


def test_the_page_is_for_intake_staff_only(client, mediator, shop):
    client.force_login(mediator)

    response = client.post(PAGE, page_data(shop))

    assert response.status_code == 403
    assert "supervisors" in response.content.decode()
    assert not Complaint.objects.exists()


def test_supervisors_find_the_page_in_the_navigation(client, supervisor, mediator):
    client.force_login(supervisor)
    assert f'href="{PAGE}"' in client.get("/council/").content.decode()

    client.force_login(mediator)
    assert f'href="{PAGE}"' not in client.get("/council/").content.decode()


# --- the API --------------------------------------------------------------------------------


def api_data(shop, **extra) -> dict:
    return {
        "consumer_phone": CALLER,
        "consumer_name": "Zhao Caller",
        "intake_channel": "email",
        "consent": True,
        **fields(shop),
        **extra,
    }


def test_the_api_files_and_answers_with_the_case(api, supervisor, shop):
    response = api.as_(supervisor).post(API, api_data(shop), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    case = Complaint.objects.get()
    assert body["case_number"] == case.case_number
    assert (body["intake_channel"], body["intake_channel_display"]) == ("email", "E-mail")
    assert body["timeline"][0]["data"]["intake_channel"] == "email"
    assert body["timeline"][0]["data"]["filed_by_name"] == "Liu Supervisor"
    assert (case.intake_channel, case.filed_by) == ("email", supervisor)
    assert case.consent_statement  # the platform's statement when none is given


def test_the_api_wants_consent(api, supervisor, shop):
    response = api.as_(supervisor).post(API, api_data(shop, consent=False), format="json")

    assert response.status_code == 400
    assert "consent" in response.json()
    assert not Complaint.objects.exists()


def test_the_api_takes_no_online_intake(api, supervisor, shop):
    response = api.as_(supervisor).post(API, api_data(shop, intake_channel="online"), format="json")

    assert response.status_code == 400
    assert "intake_channel" in response.json()
    assert not Complaint.objects.exists()


def test_the_api_refuses_other_roles_with_words(api, mediator, owner, shop):
    for person in (mediator, owner):
        response = api.as_(person).post(API, api_data(shop), format="json")
        assert response.status_code == 403
        assert "council staff who file them for consumers" in response.json()["detail"]
    assert not Complaint.objects.exists()
