"""Aliyun SMS (Dysmsapi 2017-05-25) through the official SDK.

SMS_BACKEND=notifications.backends.aliyun.SmsBackend, with ALIYUN_ACCESS_KEY_ID,
ALIYUN_ACCESS_KEY_SECRET, SMS_SIGN_NAME and SMS_TEMPLATES (and ALIYUN_SMS_ENDPOINT,
ALIYUN_SMS_PROTOCOL for another endpoint than dysmsapi.aliyuncs.com). Template parameters are sent
by name (${case}, ${deadline}, ${link} ...); the gateway's BizId is kept as the message id
that its delivery receipts name.
"""

import json

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import UnretryableException
from django.conf import settings

from ..sending import PermanentSendError, TransientSendError
from . import CONNECT_TIMEOUT, READ_TIMEOUT, TemplateSmsBackend, sort_error

# Answer codes worth another try later: flow control, daily limits, the gateway's own
# faults, and an account that runs out of credit (someone tops it up).
TRANSIENT_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.OUT_OF_SERVICE",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "ServiceUnavailable",
        "InternalError",
    }
)


def is_transient(code: str) -> bool:
    return code in TRANSIENT_CODES or code.startswith("Throttling")


class SmsBackend(TemplateSmsBackend):
    def make_client(self) -> Client:
        key_id, secret = settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET
        if not (key_id and secret):
            raise PermanentSendError("Aliyun SMS needs ALIYUN_ACCESS_KEY_ID and ALIYUN_ACCESS_KEY_SECRET")
        config = utils_models.Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=settings.ALIYUN_SMS_ENDPOINT,
            protocol=settings.ALIYUN_SMS_PROTOCOL,
            connect_timeout=CONNECT_TIMEOUT * 1000,
            read_timeout=READ_TIMEOUT * 1000,
        )
        return Client(config)

    def send_one(self, message, template_code: str, params: list[tuple[str, str]]) -> str:
        request = sms_models.SendSmsRequest(
            phone_numbers=",".join(message.recipients),
            sign_name=settings.SMS_SIGN_NAME,
            template_code=template_code,
            template_param=json.dumps(dict(params), ensure_ascii=False),
        )
        try:
            response = self.client.send_sms(request)
        except (ThrottlingException, ServerException) as exc:
            raise TransientSendError(f"{exc.code}: {exc.message}") from exc
        except ClientException as exc:
            code = str(exc.code or "")
            transient = is_transient(code) or getattr(exc, "status_code", None) == 429
            raise sort_error(code, str(exc.message or ""), transient=transient) from exc
        except UnretryableException as exc:  # the request never got an answer: network, timeout
            raise TransientSendError(f"network: {exc}") from exc
        body = response.body
        code = str(getattr(body, "code", "") or "")
        if code == "OK" and getattr(body, "biz_id", None):
            return str(body.biz_id)
        raise sort_error(code or "NoCode", str(getattr(body, "message", "") or ""), transient=is_transient(code))
