"""Tencent Cloud number protection (NPP 2019-08-23) through the official SDK.

CALL_BACKEND=telephony.backends.tencent.CallBackend, with TENCENT_SECRET_ID, TENCENT_SECRET_KEY
(the SMS gateway's keys), TENCENT_NPP_BIZ_APP_ID and TENCENT_NPP_REGION. GetVirtualNum binds
A (Src) and B (Dst) to a middle number (AXB) for at most MaxAssignTime seconds;
DelVirtualNum ends it. Call records (the HangupUrl push) come to
/api/v1/calls/callback/tencent/.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.npp.v20190823 import models as npp_models
from tencentcloud.npp.v20190823.npp_client import NppClient

from ..gateway import Bound, PermanentCallError, TransientCallError, national
from ..gateway import CallBackend as BaseCallBackend
from . import CONNECT_TIMEOUT, READ_TIMEOUT

ENDPOINT = "npp.tencentcloudapi.com"
TRANSIENT_PREFIXES = (
    "ClientNetworkError",
    "ServerNetworkError",
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded",
)
# The provider's longest binding: 168 hours.
MAX_SECONDS = 168 * 3600


def international(phone: str) -> str:
    """NPP wants numbers as 0086 followed by the national number."""
    return f"0086{national(phone)}"


def _error(code: str, message: str):
    text = f"{code}: {message}" if message else code
    return TransientCallError(text) if code.startswith(TRANSIENT_PREFIXES) else PermanentCallError(text)


class CallBackend(BaseCallBackend):
    provider = "tencent"

    def __init__(self) -> None:
        secret_id, secret_key = settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY
        if not (secret_id and secret_key and settings.TENCENT_NPP_BIZ_APP_ID):
            raise PermanentCallError(
                "Tencent number protection needs TENCENT_SECRET_ID, TENCENT_SECRET_KEY and TENCENT_NPP_BIZ_APP_ID"
            )
        http = HttpProfile(endpoint=ENDPOINT, reqTimeout=CONNECT_TIMEOUT + READ_TIMEOUT)
        self.client = NppClient(
            credential.Credential(secret_id, secret_key), settings.TENCENT_NPP_REGION, ClientProfile(httpProfile=http)
        )

    def _call(self, name: str, request):
        try:
            return getattr(self.client, name)(request)
        except TencentCloudSDKException as exc:
            raise _error(str(exc.get_code() or ""), str(exc.get_message() or "")) from exc

    def bind(self, *, phone_a, phone_b, expires_at, reference) -> Bound:
        seconds = int((expires_at - timezone.now()) / datetime.timedelta(seconds=1))
        request = npp_models.GetVirtualNumRequest()
        request.BizAppId = settings.TENCENT_NPP_BIZ_APP_ID
        request.Src = international(phone_a)
        request.Dst = international(phone_b)
        request.BizId = reference[:16]
        request.MaxAssignTime = str(max(60, min(seconds, MAX_SECONDS)))
        request.Record = "0"
        response = self._call("GetVirtualNum", request)
        code = str(response.ErrorCode or "")
        if code == "0" and response.BindId and response.VirtualNum:
            return Bound(subscription_id=str(response.BindId), middle_number=national(response.VirtualNum))
        raise _error(code or "NoCode", str(response.Msg or ""))

    def unbind(self, *, subscription_id, middle_number) -> None:
        request = npp_models.DelVirtualNumRequest()
        request.BizAppId = settings.TENCENT_NPP_BIZ_APP_ID
        request.BindId = subscription_id
        response = self._call("DelVirtualNum", request)
        code = str(response.ErrorCode or "")
        # A binding the provider already let go (expired) is as good as unbound.
        if code not in ("0", "") and "NotExist" not in code and "not exist" not in str(response.Msg or "").lower():
            raise _error(code, str(response.Msg or ""))
