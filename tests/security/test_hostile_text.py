"""Hostile text: control characters (C0, C1), bidirectional overrides and zero-width
characters in whatever a person types are stripped before anything is stored, on pages and
through the API alike (mediation.text); exports survive what older rows still hold; and a
deeply nested JSON body answers 400, never a 500."""

import io
import time
from decimal import Decimal

import openpyxl
import pytest
from django import forms as django_forms
from django.test import Client
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from rest_framework import serializers as drf_serializers

import accounts.api
import accounts.forms
import accounts.serializers
import accounts.views
import complaints.action_forms
import complaints.api
import complaints.forms
import complaints.serializers
import merchants.forms
import merchants.serializers
import privacy.api
import privacy.forms
from accounts.models import User
from complaints import workflow
from complaints.models import Complaint
from merchants.models import Merchant, Violation
from tests.api.conftest import last_sms_code, make_uscc
from tests.conftest import proof_for

# One of each kind: a C0 control, a right-to-left override, a zero-width space.
SINGLE = "Tao\u0001ba\u202eo\u200b"
SINGLE_CLEAN = "Taobao"
# Multi-line text keeps its line breaks and tabs.
MULTI = "Line\u0001 one\r\n\tLine\u202e two\u200b"
MULTI_CLEAN = "Line one\n\tLine two"


def act(api, person, case, action, data):
    response = api.as_(person).post(f"/api/v1/complaints/{case.pk}/{action}/", data, format="json")
    assert response.status_code == 200, response.content
    return Complaint.objects.get(pk=case.pk)


# --- the cleaning -------------------------------------------------------------------------


def test_cleaning_strips_controls_bidi_and_zero_width_and_keeps_lines_where_allowed():
    from mediation.text import clean_text

    assert clean_text(SINGLE) == SINGLE_CLEAN
    assert clean_text(MULTI, multiline=True) == MULTI_CLEAN
    assert clean_text("one\ntwo\tthree") == "one two three"  # one line: breaks become spaces
    assert clean_text("\x7f\x9f\u2066x\u2069\ufeff\u2060\udfff\U000e0041") == "x"
    assert (clean_text("a\x85b\u2028c"), clean_text("a\x85b\u2028c", multiline=True)) == ("a b c", "a\nb\nc")
    assert clean_text("Cafe\u0301") == "Café"  # NFC: one code point, so equal names compare equal
    assert clean_text("全角，ＡＢＣ１２３") == "全角，ＡＢＣ１２３"  # not NFKC: full-width forms stay
    assert clean_text("👩\u200d👩\u200d👧 ok") == "👩\u200d👩\u200d👧 ok"  # joiners shape real writing


def test_nothing_the_cleaning_lets_through_is_illegal_in_a_spreadsheet():
    from mediation.text import clean_text

    every = "".join(chr(c) for c in range(0x3000) if not 0xD800 <= c <= 0xDFFF)
    assert not ILLEGAL_CHARACTERS_RE.search(clean_text(every))
    assert not ILLEGAL_CHARACTERS_RE.search(clean_text(every, multiline=True))


# Fields whose value has a strict format checked elsewhere. Secrets (passwords: not stripped)
# are kept exactly as typed and skipped too.
NOT_FREE_TEXT = {"phone", "code", "uscc", "notice_phones", "merchant_phone", "username", "filing_token"}
# Serializers that only ever shape output.
OUTPUT_ONLY = {
    "PersonRefSerializer",
    "ConsumerContactSerializer",
    "EvidenceSerializer",
    "TimelineEventSerializer",
    "NoticeSerializer",
    "SessionParticipantSerializer",
    "SessionMinutesSerializer",
    "MediationSessionSerializer",
    "AgentSerializer",
    "RevealedPhoneSerializer",
    "ContactPreviewSerializer",
    "InvitationSerializer",
    "MyInvitationSerializer",
    "DecisionSerializer",
    "MyApplicationSerializer",
    "AddressSerializer",
}
MODULES = [
    accounts.api,
    accounts.forms,
    accounts.serializers,
    accounts.views,
    complaints.action_forms,
    complaints.api,
    complaints.forms,
    complaints.serializers,
    merchants.forms,
    merchants.serializers,
    privacy.api,
    privacy.forms,
]


def _classes(base):
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, base) and value.__module__ == module.__name__:
                yield value


def test_every_free_text_field_of_every_form_and_serializer_is_cleaned():
    from mediation.text import TextField, TextSerializerField

    missed = []
    for form in _classes(django_forms.BaseForm):
        for name, field in form.base_fields.items():
            if isinstance(field, django_forms.CharField) and not isinstance(field, TextField):
                secret = isinstance(field.widget, django_forms.PasswordInput) or not field.strip
                if name not in NOT_FREE_TEXT and not secret and not isinstance(field, django_forms.EmailField):
                    missed.append(f"{form.__name__}.{name}")
    for serializer in _classes(drf_serializers.Serializer):
        if serializer.__name__ in OUTPUT_ONLY:
            continue
        for name, field in serializer._declared_fields.items():
            field = getattr(field, "child", field)
            if isinstance(field, drf_serializers.CharField) and not field.read_only:
                secret = field.style.get("input_type") == "password" or not field.trim_whitespace
                if name in getattr(getattr(serializer, "Meta", None), "read_only_fields", ()):
                    continue  # a model serializer's output
                if not isinstance(field, TextSerializerField) and name not in NOT_FREE_TEXT and not secret:
                    if not isinstance(field, drf_serializers.EmailField):
                        missed.append(f"{serializer.__name__}.{name}")
    assert missed == [], "\n".join(missed)


# --- every free-text field, through the API ---------------------------------------------


def test_filing_through_the_api_stores_every_text_field_clean(api, wang, jiangan):
    body = {
        "merchant_name": f"Shop {SINGLE}",
        "region": jiangan.pk,
        "category": "quality",
        "channel": "ecommerce",
        "platform": SINGLE,
        "order_number": "TB\u00011\u200b",
        "title": f"Broken {SINGLE}",
        "description": MULTI,
        "demands": ["refund"],
    }
    response = api.as_(wang).post("/api/v1/complaints/", body, format="json")
    assert response.status_code == 201, response.content
    case = Complaint.objects.get()
    assert (case.merchant_name, case.platform, case.order_number) == ("Shop Taobao", "Taobao", "TB1")
    assert (case.title, case.description) == ("Broken Taobao", MULTI_CLEAN)


def test_offer_agreement_rating_and_messages_through_the_api_are_stored_clean(api, wang, owner, file_complaint):
    case = act(api, owner, file_complaint(), "respond", {"kind": "offer", "message": MULTI, "remedy": "refund"})
    assert case.offer["message"] == MULTI_CLEAN
    assert case.events.latest("created_at").message == MULTI_CLEAN
    case = act(api, wang, case, "message", {"message": MULTI})
    assert case.events.latest("created_at").message == MULTI_CLEAN
    case = act(api, wang, case, "accept", {})
    assert case.agreement["message"] == MULTI_CLEAN
    case = act(api, owner, case, "fulfil", {"message": MULTI, **proof_for(case)})
    case = act(api, wang, case, "confirm", {"message": MULTI})
    case = act(api, wang, case, "rate", {"score": 4, "comment": MULTI})
    assert case.satisfaction_comment == MULTI_CLEAN
    act(api, wang, case, "report_violation", {"kind": "harassment", "message": MULTI})
    assert Violation.objects.get().message == MULTI_CLEAN
    assert all("\u0001" not in e.message and "\u202e" not in e.message for e in case.events.all())


def test_a_mediated_agreement_through_the_api_is_stored_clean(api, wang, owner, supervisor, mediator, file_complaint):
    case = file_complaint()
    workflow.perform(actor=owner, complaint_id=case.pk, action="respond", kind="decline", message="No")
    workflow.perform(actor=wang, complaint_id=case.pk, action="request_mediation", message="Please")
    act(api, supervisor, case, "assign", {"mediator": mediator.pk})
    case = act(api, mediator, case, "record_agreement", {"remedy": "refund", "message": MULTI})
    assert case.agreement["message"] == MULTI_CLEAN


def test_merchant_application_through_the_api_is_stored_clean(api, li, jiangan):
    body = {
        "name": f"Bakery {SINGLE}",
        "uscc": make_uscc("91420102MA4K12345"),
        "region": jiangan.pk,
        "address": "1 Jiefang\u0001 Avenue\u202e\u200b",
        "notice_phones": ["139 0000 0077"],
    }
    response = api.as_(li).post("/api/v1/merchants/apply/", body, format="json")
    assert response.status_code == 201, response.content
    merchant = Merchant.objects.get(uscc=body["uscc"])
    assert (merchant.name, merchant.address) == ("Bakery Taobao", "1 Jiefang Avenue")


def test_sign_up_name_through_the_api_is_stored_clean(api, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/auth/sms-code/", {"phone": "13700137000"}, format="json")
    body = {
        "phone": "13700137000",
        "code": last_sms_code(),
        "password": "a-long-passphrase",
        "name": "赵\u0001六\u202e",
    }
    response = api.post("/api/v1/auth/register/", body, format="json")
    assert response.status_code == 201, response.content
    assert User.objects.get(phone="13700137000").name == "赵六"


def test_a_value_made_only_of_invisible_characters_is_blank(api, wang, shop):
    body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": "\u200b\u0001\u202e"}
    response = api.as_(wang).post("/api/v1/complaints/", {**body, "description": "x"}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()


# --- and through the pages --------------------------------------------------------------


def test_filing_on_the_page_stores_every_text_field_clean(client, wang, shop):
    client.force_login(wang)
    response = client.post(
        "/my/new/",
        {
            "merchant": shop.pk,
            "category": "quality",
            "channel": "ecommerce",
            "platform": SINGLE,
            "order_number": "TB\u00011",
            "demands": ["refund"],
            "title": f"Broken {SINGLE}",
            "description": MULTI,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Complaint.objects.get()
    assert (case.platform, case.order_number, case.title) == ("Taobao", "TB1", "Broken Taobao")
    assert case.description == MULTI_CLEAN


def test_the_offer_and_its_council_note_on_the_page_are_stored_clean(client, owner, file_complaint):
    case = file_complaint()
    client.force_login(owner)
    data = {
        "respond-kind": "offer",
        "respond-message": MULTI,
        "respond-remedy": "refund",
        "respond-council_note": MULTI,
    }
    response = client.post(f"/cases/{case.pk}/act/respond/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.offer["message"] == MULTI_CLEAN
    assert [e.message for e in case.events.order_by("-id")[:2]] == [MULTI_CLEAN, MULTI_CLEAN]


def test_merchant_application_page_stores_name_and_address_clean(client, li, jiangan):
    client.force_login(li)
    uscc = make_uscc("91420102MA4K12345")
    data = {
        "name": f"Bakery {SINGLE}",
        "uscc": uscc,
        "sector": "catering",
        "region": jiangan.pk,
        "address": "1 Jiefang\u0001 Avenue\u200b",
        "notice_phones": "139 0000 0077",
    }
    response = client.post("/merchants/apply/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    merchant = Merchant.objects.get(uscc=uscc)
    assert (merchant.name, merchant.address) == ("Bakery Taobao", "1 Jiefang Avenue")


@pytest.mark.parametrize(
    ("form", "field", "value", "expected"),
    [
        (complaints.forms.ComplaintForm, "merchant_name", SINGLE, SINGLE_CLEAN),
        (complaints.action_forms.RejectForm, "message", MULTI, MULTI_CLEAN),
        (complaints.action_forms.RecordAgreementForm, "message", MULTI, MULTI_CLEAN),
        (complaints.action_forms.RateForm, "comment", MULTI, MULTI_CLEAN),
        (complaints.action_forms.ReportViolationForm, "message", MULTI, MULTI_CLEAN),
        (merchants.forms.DecisionForm, "reason", MULTI, MULTI_CLEAN),
        (merchants.forms.ViolationDecisionForm, "reason", MULTI, MULTI_CLEAN),
        (merchants.forms.InviteAgentForm, "name", SINGLE, SINGLE_CLEAN),
        (accounts.forms.SignupForm, "name", SINGLE, SINGLE_CLEAN),
    ],
)
def test_each_page_form_cleans_its_free_text(db, form, field, value, expected):
    assert form.base_fields[field].clean(value) == expected


@pytest.mark.parametrize(
    ("serializer", "field", "value", "expected"),
    [
        (complaints.serializers.RespondSerializer, "message", MULTI, MULTI_CLEAN),
        (complaints.serializers.MessageRequiredSerializer, "message", MULTI, MULTI_CLEAN),
        (complaints.serializers.MessageOptionalSerializer, "message", MULTI, MULTI_CLEAN),
        (complaints.serializers.RatingSerializer, "comment", MULTI, MULTI_CLEAN),
        (merchants.serializers.DecisionReasonSerializer, "reason", MULTI, MULTI_CLEAN),
        (merchants.serializers.RefusalSerializer, "reason", MULTI, MULTI_CLEAN),
        (merchants.serializers.InviteAgentSerializer, "name", SINGLE, SINGLE_CLEAN),
        (accounts.serializers.RegisterSerializer, "name", SINGLE, SINGLE_CLEAN),
    ],
)
def test_each_api_body_cleans_its_free_text(db, serializer, field, value, expected):
    assert serializer().fields[field].run_validation(value) == expected


# --- exports over what older rows still hold --------------------------------------------


@pytest.mark.parametrize("url", ["/council/export.xlsx", "/api/v1/complaints/export.xlsx"])
def test_xlsx_export_over_legacy_control_characters_opens(api, client, file_complaint, province_supervisor, url):
    case = file_complaint()
    # Stored before the cleaning existed: written straight to the table.
    Complaint.objects.filter(pk=case.pk).update(platform="Taobao\u0001", merchant_name="=Shop\u0002\u202e")
    Merchant.objects.filter(pk=case.merchant_id).update(name="Kettle\u001f Shop")
    if url.startswith("/api/"):
        response = api.as_(province_supervisor).get(url)
    else:
        client.force_login(province_supervisor)
        response = client.get(url)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    header, row = (list(r) for r in sheet.iter_rows(values_only=True, max_row=2))
    assert row[header.index("Merchant")] == "Kettle Shop"
    assert row[header.index("Platform")] == "Taobao"


# --- deeply nested JSON ---------------------------------------------------------------------

DEEP = b"[" * 100_000 + b"]" * 100_000


def _post_raw(path, body, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    started = time.monotonic()
    response = client.generic("POST", path, body, content_type="application/json")
    return response, time.monotonic() - started


@pytest.mark.parametrize("body", [DEEP, b'{"a":' * 100_000 + b"1" + b"}" * 100_000], ids=["arrays", "objects"])
def test_deeply_nested_json_to_the_token_endpoint_answers_400_fast(db, body):
    response, elapsed = _post_raw("/api/v1/auth/token/", body)
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "too_deep"
    assert elapsed < 2


def test_deeply_nested_json_answers_400_on_other_endpoints(wang, owner, file_complaint):
    case = file_complaint()
    for user, path in [(wang, "/api/v1/complaints/"), (owner, f"/api/v1/complaints/{case.pk}/respond/")]:
        response, elapsed = _post_raw(path, DEEP, user)
        assert response.status_code == 400, (path, response.content[:300])
        assert response.json()["code"] == "too_deep"
        assert elapsed < 2


def test_nesting_inside_strings_is_not_counted(api, wang, shop):
    title = "[" * 5000 + '\\"{'
    body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": title[:200]}
    response = api.as_(wang).post("/api/v1/complaints/", {**body, "description": "{" * 4000}, format="json")
    assert response.status_code == 201, response.content[:300]


def test_deeply_nested_json_receipts_answer_400(db, settings):
    import hashlib
    import hmac

    settings.SMS_RECEIPT_SECRET = "s3cret"
    signature = hmac.new(b"s3cret", DEEP, hashlib.sha256).hexdigest()
    response = Client().generic(
        "POST",
        "/api/v1/notifications/receipts/",
        DEEP,
        content_type="application/json",
        HTTP_X_RECEIPT_SIGNATURE=signature,
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["code"] == "too_deep"


def test_ordinary_json_still_parses(api, wang, shop):
    body = {"merchant": shop.pk, "category": "quality", "channel": "ecommerce", "title": "T", "description": "D"}
    response = api.as_(wang).post("/api/v1/complaints/", {**body, "amount": Decimal("9.50")}, format="json")
    assert response.status_code == 201, response.content
