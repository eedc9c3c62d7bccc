"""Alibaba Cloud phone number privacy protection (Dyplsapi 2017-05-25) through the official SDK.

CALL_BACKEND=telephony.backends.aliyun.CallBackend, with ALIYUN_ACCESS_KEY_ID,
ALIYUN_ACCESS_KEY_SECRET (the SMS gateway's keys) and ALIYUN_PLS_POOL_KEY (the number pool).
BindAxb binds A and B to a middle number of the pool until the expiry; UnbindSubscription
ends it. Call records come by the pool's HTTP push to /api/v1/calls/callback/aliyun/.
"""

from alibabacloud_dyplsapi20170525 import models as pls_models
from alibabacloud_dyplsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import UnretryableException
from django.conf import settings
from django.utils import timezone

from ..gateway import Bound, PermanentCallError, TransientCallError
from ..gateway import CallBackend as BaseCallBackend
from . import CONNECT_TIMEOUT, READ_TIMEOUT

TRANSIENT_CODES = frozenset({"isp.SYSTEM_ERROR", "isp.UNKNOWN_ERROR", "ServiceUnavailable", "InternalError"})
# Unbinding what the provider no longer has (expired on its side, unbound before) is done.
GONE_CODES = frozenset({"isv.NO_AVAILABLE_NUMBER_OF_SUBS", "isv.SUBS_NOT_EXIST", "isv.NO_SUBS"})


def _error(code: str, message: str, *, transient: bool = False):
    text = f"{code}: {message}" if message else code
    if transient or code in TRANSIENT_CODES or code.startswith("Throttling") or "LIMIT_CONTROL" in code:
        return TransientCallError(text)
    return PermanentCallError(text)


class CallBackend(BaseCallBackend):
    provider = "aliyun"

    def __init__(self) -> None:
        key_id, secret = settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET
        if not (key_id and secret and settings.ALIYUN_PLS_POOL_KEY):
            raise PermanentCallError(
                "Aliyun privacy numbers need ALIYUN_ACCESS_KEY_ID, ALIYUN_ACCESS_KEY_SECRET and ALIYUN_PLS_POOL_KEY"
            )
        config = utils_models.Config(
            access_key_id=key_id,
            access_key_secret=secret,
            endpoint=settings.ALIYUN_PLS_ENDPOINT,
            connect_timeout=CONNECT_TIMEOUT * 1000,
            read_timeout=READ_TIMEOUT * 1000,
        )
        self.client = Client(config)

    def _call(self, method, request):
        try:
            response = method(request)
        except (ThrottlingException, ServerException) as exc:
            raise TransientCallError(f"{exc.code}: {exc.message}") from exc
        except ClientException as exc:
            status = getattr(exc, "status_code", None)
            raise _error(str(exc.code or ""), str(exc.message or ""), transient=status == 429) from exc
        except UnretryableException as exc:  # no answer: network, timeout
            raise TransientCallError(f"network: {exc}") from exc
        return response.body

    def bind(self, *, phone_a, phone_b, expires_at, reference) -> Bound:
        request = pls_models.BindAxbRequest(
            pool_key=settings.ALIYUN_PLS_POOL_KEY,
            phone_no_a=phone_a,
            phone_no_b=phone_b,
            expiration=timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M:%S"),
            out_id=reference,
        )
        body = self._call(self.client.bind_axb, request)
        code = str(getattr(body, "code", "") or "")
        dto = getattr(body, "secret_bind_dto", None)
        if code == "OK" and dto is not None and dto.subs_id and dto.secret_no:
            return Bound(subscription_id=str(dto.subs_id), middle_number=str(dto.secret_no))
        raise _error(code or "NoCode", str(getattr(body, "message", "") or ""))

    def unbind(self, *, subscription_id, middle_number) -> None:
        request = pls_models.UnbindSubscriptionRequest(
            pool_key=settings.ALIYUN_PLS_POOL_KEY, subs_id=subscription_id, secret_no=middle_number
        )
        try:
            body = self._call(self.client.unbind_subscription, request)
        except PermanentCallError as exc:
            if str(exc).split(":", 1)[0] in GONE_CODES:
                return
            raise
        code = str(getattr(body, "code", "") or "")
        if code != "OK" and code not in GONE_CODES:
            raise _error(code or "NoCode", str(getattr(body, "message", "") or ""))
