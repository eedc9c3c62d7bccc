"""Production SMS gateways (SMS_BACKEND): Aliyun SMS and Tencent Cloud SMS through their
official SDKs, sending an approved template with parameters and a sign name.

Only the SDKs' network call is fake: `requests.Session.send`, the HTTP request both SDKs
make. Everything above it (signing, the SDK's answer parsing, our error sorting, the task's
retry or give-up) runs for real.
"""

import json
import urllib.parse

import pytest
import requests
import sms

from notifications.models import NoticeStatus, Notification
from notifications.tasks import send_notification

ALIYUN = "notifications.backends.aliyun.SmsBackend"
TENCENT = "notifications.backends.tencent.SmsBackend"
TEMPLATES = {"filed": "SMS_100", "responded": "SMS_101", "login_code": "SMS_200"}


class FakeNetwork:
    """Stands in for the gateway's HTTP endpoint: records each request, answers as scripted."""

    def __init__(self):
        self.requests: list[requests.PreparedRequest] = []
        self.answer: tuple[int, dict] | Exception = (200, {})

    def send(self, session, request, **kwargs):
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        status, body = self.answer
        response = requests.Response()
        response.status_code = status
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps(body).encode()
        response.url = request.url
        response.request = request
        return response


@pytest.fixture
def network(monkeypatch):
    fake = FakeNetwork()
    monkeypatch.setattr(requests.Session, "send", lambda session, request, **kw: fake.send(session, request, **kw))
    return fake


@pytest.fixture
def gateway_settings(settings):
    settings.SMS_SIGN_NAME = "湖北315"
    settings.SMS_TEMPLATES = TEMPLATES
    settings.ALIYUN_ACCESS_KEY_ID = "LTAI-test-key"
    settings.ALIYUN_ACCESS_KEY_SECRET = "test-secret"
    settings.TENCENT_SECRET_ID = "AKID-test"
    settings.TENCENT_SECRET_KEY = "test-key"
    settings.TENCENT_SMS_SDK_APP_ID = "1400006666"
    settings.TENCENT_SMS_REGION = "ap-guangzhou"
    settings.SITE_URL = "https://315.example.cn"
    return settings


@pytest.fixture
def aliyun(gateway_settings, network):
    gateway_settings.SMS_BACKEND = ALIYUN
    return network


@pytest.fixture
def tencent(gateway_settings, network):
    gateway_settings.SMS_BACKEND = TENCENT
    return network


@pytest.fixture
def filing_sms(file_complaint):
    notice = Notification.objects.get(complaint=file_complaint(), channel="sms")
    assert notice.status == NoticeStatus.PENDING
    return notice


def aliyun_query(request) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))


def aliyun_ok(biz_id="9006197469364984^0"):
    return (200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "F655A8D5-B967-440B"})


def tencent_ok(serial="2028:f825e6b16e23f73f4123"):
    status = {"SerialNo": serial, "PhoneNumber": "+8613900000001", "Fee": 1, "Code": "Ok", "Message": "send success"}
    return (200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6-cf91"}})


def after_send(notice) -> Notification:
    notice.refresh_from_db()
    return notice


# --- what the outbox row carries ---------------------------------------------------------


def test_a_notice_carries_its_event_and_the_values_of_its_text(filing_sms, settings):
    case = filing_sms.complaint

    assert filing_sms.event == "filed"
    assert filing_sms.params["case"] == case.case_number
    assert filing_sms.params["link"] == f"{settings.SITE_URL}/cases/{case.pk}/"
    assert filing_sms.params["deadline"] and filing_sms.params["deadline"] in filing_sms.body


# --- Aliyun SMS ------------------------------------------------------------------------------


def test_aliyun_sends_the_events_template_with_its_parameters_and_sign_name(aliyun, filing_sms):
    aliyun.answer = aliyun_ok("9006197469364984^0")

    assert send_notification(filing_sms.pk) == "sent"

    [request] = aliyun.requests
    query = aliyun_query(request)
    assert request.method == "POST" and request.url.startswith("https://dysmsapi.aliyuncs.com/")
    assert request.headers["x-acs-action"] == "SendSms"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-test-key,")
    assert (query["PhoneNumbers"], query["SignName"], query["TemplateCode"]) == ("13900000001", "湖北315", "SMS_100")
    params = filing_sms.params
    assert json.loads(query["TemplateParam"]) == {
        "case": params["case"],
        "deadline": params["deadline"],
        "link": params["link"],
    }
    notice = after_send(filing_sms)
    assert (notice.status, notice.provider_message_id, notice.attempts) == (NoticeStatus.SENT, "9006197469364984^0", 1)
    assert sms.outbox == []  # no free text went anywhere


@pytest.mark.parametrize(
    "answer",
    [
        (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": "r"}),
        (200, {"Code": "isp.SYSTEM_ERROR", "Message": "system error", "RequestId": "r"}),
        (400, {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "r"}),
        (503, {"Code": "ServiceUnavailable", "Message": "The service is unavailable.", "RequestId": "r"}),
        requests.ConnectionError("connection refused"),
        requests.ReadTimeout("read timed out"),
    ],
    ids=["flow-control", "system-error", "throttled-400", "503", "unreachable", "timeout"],
)
def test_aliyun_throttling_network_and_server_errors_are_tried_again_later(aliyun, filing_sms, answer):
    aliyun.answer = answer

    assert send_notification(filing_sms.pk) == "retry"

    notice = after_send(filing_sms)
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
    assert notice.next_attempt_at > notice.claimed_at
    assert notice.last_error

    aliyun.answer = aliyun_ok()
    assert send_notification(filing_sms.pk) == "sent"
    assert after_send(filing_sms).attempts == 2


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (
            (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": "r"}),
            "isv.MOBILE_NUMBER_ILLEGAL",
        ),
        (
            (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": "r"}),
            "isv.SMS_TEMPLATE_ILLEGAL",
        ),
        (
            (200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法", "RequestId": "r"}),
            "isv.SMS_SIGNATURE_ILLEGAL",
        ),
        (
            (
                404,
                {
                    "Code": "InvalidAccessKeyId.NotFound",
                    "Message": "Specified access key is not found.",
                    "RequestId": "r",
                },
            ),
            "InvalidAccessKeyId.NotFound",
        ),
        (
            (400, {"Code": "SignatureDoesNotMatch", "Message": "Signature mismatch", "RequestId": "r"}),
            "SignatureDoesNotMatch",
        ),
    ],
    ids=["invalid-number", "template-not-approved", "sign-not-approved", "unknown-key", "bad-signature"],
)
def test_aliyun_refusals_fail_the_notice_at_once(aliyun, filing_sms, answer, code):
    aliyun.answer = answer

    assert send_notification(filing_sms.pk) == "failed"

    notice = after_send(filing_sms)
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 1)
    assert code in notice.last_error
    assert len(aliyun.requests) == 1  # not tried again


def test_an_event_without_a_template_code_fails_without_calling_the_gateway(aliyun, filing_sms, settings):
    settings.SMS_TEMPLATES = {"responded": "SMS_101"}

    assert send_notification(filing_sms.pk) == "failed"

    assert "no SMS template code for notice event 'filed'" in after_send(filing_sms).last_error
    assert aliyun.requests == []


def test_missing_access_keys_fail_without_calling_the_gateway(aliyun, filing_sms, settings):
    settings.ALIYUN_ACCESS_KEY_SECRET = ""

    assert send_notification(filing_sms.pk) == "failed"

    assert "ALIYUN_ACCESS_KEY_SECRET" in after_send(filing_sms).last_error
    assert aliyun.requests == []


def test_a_login_code_goes_by_its_template_and_is_forgotten_once_sent(aliyun, db, django_capture_on_commit_callbacks):
    from accounts.services import request_code

    aliyun.answer = aliyun_ok("code-biz-1")
    with django_capture_on_commit_callbacks(execute=True):
        code = request_code(phone="13800138000")

    [request] = aliyun.requests
    query = aliyun_query(request)
    assert (query["TemplateCode"], json.loads(query["TemplateParam"])) == ("SMS_200", {"code": code})
    notice = Notification.objects.get(event="login_code")
    assert (notice.status, notice.provider_message_id) == (NoticeStatus.SENT, "code-biz-1")
    assert code not in notice.body and notice.params == {}


# --- Tencent Cloud SMS ---------------------------------------------------------------------


def test_tencent_sends_the_template_with_positional_parameters(tencent, filing_sms):
    tencent.answer = tencent_ok("2028:f825e6b16e23f73f4123")

    assert send_notification(filing_sms.pk) == "sent"

    [request] = tencent.requests
    body = json.loads(request.body)
    assert request.url == "https://sms.tencentcloudapi.com/"
    assert request.headers["X-TC-Action"] == "SendSms" and "AKID-test" in request.headers["Authorization"]
    params = filing_sms.params
    assert body == {
        "PhoneNumberSet": ["+8613900000001"],
        "SmsSdkAppId": "1400006666",
        "TemplateId": "SMS_100",
        "SignName": "湖北315",
        "TemplateParamSet": [params["case"], params["deadline"], params["link"]],
    }
    notice = after_send(filing_sms)
    assert (notice.status, notice.provider_message_id) == (NoticeStatus.SENT, "2028:f825e6b16e23f73f4123")


def tencent_error(code: str, message: str = "error"):
    return (200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}})


def tencent_status(code: str, message: str = "error"):
    status = {"SerialNo": "", "PhoneNumber": "+8613900000001", "Fee": 0, "Code": code, "Message": message}
    return (200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})


@pytest.mark.parametrize(
    "answer",
    [
        tencent_error("RequestLimitExceeded", "request limit exceeded"),
        tencent_error("InternalError.Timeout", "timeout"),
        tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30 s limit"),
        (502, {"message": "bad gateway"}),
        requests.ConnectionError("connection refused"),
    ],
    ids=["request-limit", "internal-timeout", "per-number-limit", "502", "unreachable"],
)
def test_tencent_throttling_network_and_server_errors_are_tried_again_later(tencent, filing_sms, answer):
    tencent.answer = answer

    assert send_notification(filing_sms.pk) == "retry"

    notice = after_send(filing_sms)
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
    assert notice.last_error


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (tencent_error("AuthFailure.SecretIdNotFound", "secret id not found"), "AuthFailure.SecretIdNotFound"),
        (
            tencent_error("FailedOperation.TemplateIncorrectOrUnapproved"),
            "FailedOperation.TemplateIncorrectOrUnapproved",
        ),
        (tencent_status("InvalidParameterValue.IncorrectPhoneNumber"), "InvalidParameterValue.IncorrectPhoneNumber"),
        (
            tencent_status("FailedOperation.SignatureIncorrectOrUnapproved"),
            "FailedOperation.SignatureIncorrectOrUnapproved",
        ),
    ],
    ids=["auth", "template-not-approved", "invalid-number", "sign-not-approved"],
)
def test_tencent_refusals_fail_the_notice_at_once(tencent, filing_sms, answer, code):
    tencent.answer = answer

    assert send_notification(filing_sms.pk) == "failed"

    notice = after_send(filing_sms)
    assert notice.status == NoticeStatus.FAILED
    assert code in notice.last_error
