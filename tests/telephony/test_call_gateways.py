"""Privacy-number gateways (CALL_BACKEND): Alibaba Cloud's phone number privacy protection and
Tencent Cloud's number protection through their official SDKs, and reading their call-record
callbacks.

Only the SDKs' network call is fake: `requests.Session.send`, as in the SMS gateway tests.
Signing, the SDKs' answer parsing and our error sorting run for real.
"""

import datetime
import json

import pytest
from django.utils import timezone

from telephony.callbacks import is_authentic, read_callback, sign
from telephony.gateway import CallbackRefused, PermanentCallError, TransientCallError, call_backend
from tests.notifications.test_gateways import FakeNetwork, aliyun_query

ALIYUN = "telephony.backends.aliyun.CallBackend"
TENCENT = "telephony.backends.tencent.CallBackend"


@pytest.fixture
def network(monkeypatch):
    import requests

    fake = FakeNetwork()
    monkeypatch.setattr(requests.Session, "send", lambda session, request, **kw: fake.send(session, request, **kw))
    return fake


@pytest.fixture
def keys(settings):
    settings.ALIYUN_ACCESS_KEY_ID = "LTAI-test-key"
    settings.ALIYUN_ACCESS_KEY_SECRET = "test-secret"
    settings.ALIYUN_PLS_POOL_KEY = "FC100000012345"
    settings.TENCENT_SECRET_ID = "AKID-test"
    settings.TENCENT_SECRET_KEY = "test-key"
    settings.TENCENT_NPP_BIZ_APP_ID = "npp-app-1"
    settings.CALL_CALLBACK_SECRET = "call-secret"
    return settings


def in_two_hours():
    return timezone.now() + datetime.timedelta(hours=2)


# --- Aliyun ---------------------------------------------------------------------------------


@pytest.fixture
def aliyun(keys, network):
    keys.CALL_BACKEND = ALIYUN
    return network


def aliyun_bound(subs_id="1000000123", secret_no="17100009999"):
    return (
        200,
        {"Code": "OK", "Message": "OK", "RequestId": "r", "SecretBindDTO": {"SubsId": subs_id, "SecretNo": secret_no}},
    )


def test_aliyun_binds_a_and_b_to_a_middle_number_of_the_pool(aliyun):
    aliyun.answer = aliyun_bound()

    bound = call_backend().bind(
        phone_a="13900000012", phone_b="13800138000", expires_at=in_two_hours(), reference="c42"
    )

    assert (bound.subscription_id, bound.middle_number) == ("1000000123", "17100009999")
    [request] = aliyun.requests
    query = aliyun_query(request)
    assert request.url.startswith("https://dyplsapi.aliyuncs.com/")
    assert request.headers["x-acs-action"] == "BindAxb"
    assert request.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI-test-key,")
    assert (query["PoolKey"], query["PhoneNoA"], query["PhoneNoB"], query["OutId"]) == (
        "FC100000012345",
        "13900000012",
        "13800138000",
        "c42",
    )
    assert query["Expiration"].count(":") == 2


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ((200, {"Code": "isv.NO_AVAILABLE_NUMBER", "Message": "无可用号码", "RequestId": "r"}), PermanentCallError),
        ((200, {"Code": "isp.SYSTEM_ERROR", "Message": "system error", "RequestId": "r"}), TransientCallError),
        ((400, {"Code": "Throttling.User", "Message": "flow control", "RequestId": "r"}), TransientCallError),
        ((503, {"Code": "ServiceUnavailable", "Message": "unavailable", "RequestId": "r"}), TransientCallError),
        ((404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "no key", "RequestId": "r"}), PermanentCallError),
    ],
    ids=["pool-empty", "system-error", "throttled", "503", "bad-key"],
)
def test_aliyun_errors_are_sorted_transient_or_permanent(aliyun, answer, error):
    aliyun.answer = answer
    with pytest.raises(error):
        call_backend().bind(phone_a="13900000012", phone_b="13800138000", expires_at=in_two_hours(), reference="c1")


def test_aliyun_unreachable_is_transient(aliyun):
    import requests

    aliyun.answer = requests.ConnectionError("refused")
    with pytest.raises(TransientCallError):
        call_backend().unbind(subscription_id="1000000123", middle_number="17100009999")


def test_aliyun_unbinds_the_subscription(aliyun):
    aliyun.answer = (200, {"Code": "OK", "Message": "OK", "RequestId": "r"})

    call_backend().unbind(subscription_id="1000000123", middle_number="17100009999")

    [request] = aliyun.requests
    query = aliyun_query(request)
    assert request.headers["x-acs-action"] == "UnbindSubscription"
    assert (query["SubsId"], query["SecretNo"], query["PoolKey"]) == ("1000000123", "17100009999", "FC100000012345")


def test_aliyun_without_keys_refuses_at_once(keys, network):
    keys.CALL_BACKEND = ALIYUN
    keys.ALIYUN_PLS_POOL_KEY = ""
    with pytest.raises(PermanentCallError):
        call_backend()
    assert network.requests == []


def test_aliyun_call_records_read_who_called_when_and_how_long():
    body = json.dumps(
        [
            {
                "pool_key": "FC100000012345",
                "sub_id": 1000000123,
                "call_id": "abc-1",
                "phone_no": "13900000012",
                "secret_no": "17100009999",
                "peer_no": "13800138000",
                "call_type": 0,
                "call_time": "2026-12-05 10:00:00",
                "start_time": "2026-12-05 10:00:07",
                "release_time": "2026-12-05 10:03:07",
            },
            {
                "sub_id": 1000000123,
                "call_id": "abc-2",
                "phone_no": "13900000012",
                "peer_no": "13800138000",
                "call_type": 1,
                "call_time": "2026-12-05 11:00:00",
                "release_time": "2026-12-05 11:00:30",
            },
        ]
    ).encode()

    answered, missed = read_callback("aliyun", body)

    assert (answered.subscription_id, answered.caller_number, answered.duration_seconds, answered.answered) == (
        "1000000123",
        "13900000012",
        180,
        True,
    )
    assert timezone.localtime(answered.started_at).hour == 10
    assert (missed.caller_number, missed.answered, missed.duration_seconds) == ("13800138000", False, 0)


# --- Tencent --------------------------------------------------------------------------------


@pytest.fixture
def tencent(keys, network):
    keys.CALL_BACKEND = TENCENT
    return network


def tencent_request(request) -> tuple[str, dict]:
    return request.headers["X-TC-Action"], json.loads(request.body)


def test_tencent_binds_src_and_dst_with_0086_numbers(tencent):
    tencent.answer = (
        200,
        {
            "Response": {
                "ErrorCode": "0",
                "BindId": "b-77",
                "RefNum": "1",
                "VirtualNum": "008617100008888",
                "RequestId": "r",
            }
        },
    )

    bound = call_backend().bind(
        phone_a="13900000012", phone_b="13800138000", expires_at=in_two_hours(), reference="c42"
    )

    assert (bound.subscription_id, bound.middle_number) == ("b-77", "17100008888")
    [request] = tencent.requests
    action, body = tencent_request(request)
    assert request.url == "https://npp.tencentcloudapi.com/"
    assert request.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID-test/")
    assert action == "GetVirtualNum"
    assert (body["BizAppId"], body["Src"], body["Dst"], body["BizId"]) == (
        "npp-app-1",
        "008613900000012",
        "008613800138000",
        "c42",
    )
    assert 7100 <= int(body["MaxAssignTime"]) <= 7200


def test_tencent_refusal_and_throttling(tencent):
    tencent.answer = (200, {"Response": {"ErrorCode": "107", "Msg": "no number", "RequestId": "r"}})
    with pytest.raises(PermanentCallError):
        call_backend().bind(phone_a="13900000012", phone_b="13800138000", expires_at=in_two_hours(), reference="c")
    tencent.answer = (
        200,
        {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "too many"}, "RequestId": "r"}},
    )
    with pytest.raises(TransientCallError):
        call_backend().bind(phone_a="13900000012", phone_b="13800138000", expires_at=in_two_hours(), reference="c")


def test_tencent_unbinds_the_bind_id(tencent):
    tencent.answer = (200, {"Response": {"ErrorCode": "0", "BindId": "b-77", "RefLeftNum": "0", "RequestId": "r"}})

    call_backend().unbind(subscription_id="b-77", middle_number="17100008888")

    action, body = tencent_request(tencent.requests[0])
    assert action == "DelVirtualNum" and body["BindId"] == "b-77" and body["BizAppId"] == "npp-app-1"


def test_tencent_hangup_records():
    body = json.dumps(
        {
            "bindId": "b-77",
            "callId": "t-1",
            "src": "008613800138000",
            "dst": "008613900000012",
            "dstVirtualNum": "008617100008888",
            "startSrcCallTime": "1796443200",
            "dstAcceptTime": "1796443210",
            "endCallTime": "1796443270",
            "duration": "60",
        }
    ).encode()

    [record] = read_callback("tencent", body)

    assert (record.subscription_id, record.caller_number, record.duration_seconds, record.answered) == (
        "b-77",
        "13800138000",
        60,
        True,
    )


# --- callbacks --------------------------------------------------------------------------------


def test_a_callback_is_authentic_by_its_signature_or_the_urls_token(keys):
    body = b'{"call_id": "x"}'
    assert is_authentic(body, signature=sign(body))
    assert is_authentic(body, signature="sha256=" + sign(body))
    assert is_authentic(body, token="call-secret")
    assert not is_authentic(body, signature=sign(b"other"))
    assert not is_authentic(body, token="guess")
    assert not is_authentic(body)
    keys.CALL_CALLBACK_SECRET = ""
    assert not is_authentic(body, token="")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"call_id": "x"}', b'{"call_time": "yesterday", "call_id": "x", "sub_id": "1"}'],
    ids=["not-json", "not-objects", "missing-fields", "bad-time"],
)
def test_a_callback_that_does_not_read_is_refused(body):
    with pytest.raises(CallbackRefused):
        read_callback("aliyun", body)
