"""Tencent Cloud SMS (API 2021-01-11) through the official SDK.

SMS_BACKEND=notifications.backends.tencent.SmsBackend, with TENCENT_SECRET_ID,
TENCENT_SECRET_KEY, TENCENT_SMS_SDK_APP_ID, SMS_SIGN_NAME and SMS_TEMPLATES (template ids).
Template parameters are positional ({1}, {2} ...) in the order of the notice text's
placeholders; the gateway's SerialNo is kept as the message id its receipts name.
"""

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from ..sending import PermanentSendError
from . import CONNECT_TIMEOUT, READ_TIMEOUT, TemplateSmsBackend, sort_error

ENDPOINT = "sms.tencentcloudapi.com"
# Error codes worth another try later: the network, the gateway's own faults, and flow
# control (per number, per app, per day); the rest (auth, a wrong number, a template or sign
# not approved, bad parameters) will not change by trying again.
TRANSIENT_PREFIXES = (
    "ClientNetworkError",
    "ServerNetworkError",
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded",
    "ResourceUnavailable",
    "FailedOperation.InsufficientBalanceInSmsPackage",
)


def is_transient(code: str) -> bool:
    return code.startswith(TRANSIENT_PREFIXES)


def e164(phone: str) -> str:
    """Tencent Cloud wants +86 numbers; ours are stored as 11 national digits."""
    phone = phone.strip()
    return phone if phone.startswith("+") else f"+86{phone}"


class SmsBackend(TemplateSmsBackend):
    def make_client(self) -> SmsClient:
        secret_id, secret_key = settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY
        if not (secret_id and secret_key and settings.TENCENT_SMS_SDK_APP_ID):
            raise PermanentSendError(
                "Tencent Cloud SMS needs TENCENT_SECRET_ID, TENCENT_SECRET_KEY and TENCENT_SMS_SDK_APP_ID"
            )
        http = HttpProfile(endpoint=ENDPOINT, reqTimeout=CONNECT_TIMEOUT + READ_TIMEOUT)
        return SmsClient(
            credential.Credential(secret_id, secret_key),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def send_one(self, message, template_code: str, params: list[tuple[str, str]]) -> str:
        request = sms_models.SendSmsRequest()
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_code
        request.TemplateParamSet = [value for _name, value in params]
        request.PhoneNumberSet = [e164(phone) for phone in message.recipients]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = str(exc.get_code() or "")
            raise sort_error(code, str(exc.get_message() or ""), transient=is_transient(code)) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise sort_error("NoSendStatus", "the gateway answered without a send status", transient=True)
        for status in statuses:
            code = str(status.Code or "")
            if code != "Ok":
                raise sort_error(code, str(status.Message or ""), transient=is_transient(code))
        return ",".join(str(status.SerialNo) for status in statuses)
