"""The providers' call-record callbacks: checking that one comes from the provider, and reading
it into plain CallRecords.

A callback is authentic when it carries the shared secret CALL_CALLBACK_SECRET: as the hex
HMAC-SHA256 of the raw body in X-Call-Signature (a relay, the local gateway), or as the `token`
of the callback URL configured at the provider (`.../callback/aliyun/?token=...`), for
providers that push without signing. Without the setting every callback is refused.
"""

import datetime
import hashlib
import hmac
import json
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .gateway import CallbackRefused, CallRecord, national

SIGNATURE_HEADER = "X-Call-Signature"
MAX_RECORDS = 1000


def sign(body: bytes) -> str:
    return hmac.new(settings.CALL_CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def is_authentic(body: bytes, *, signature: str = "", token: str = "") -> bool:
    secret = settings.CALL_CALLBACK_SECRET
    if not secret:
        return False
    if signature:
        given = signature.strip().lower().removeprefix("sha256=").encode("utf-8", "replace")
        return hmac.compare_digest(sign(body).encode(), given)
    if token:
        return hmac.compare_digest(secret.encode(), token.encode("utf-8", "replace"))
    return False


def _items(body: bytes) -> list:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CallbackRefused("the body is not JSON") from None
    if isinstance(data, dict):
        # Aliyun's push wraps nothing; relays and Tencent may send one object or {"records": [...]}.
        data = data.get("records", [data]) if "records" in data else [data]
    if not isinstance(data, list) or len(data) > MAX_RECORDS or not all(isinstance(i, dict) for i in data):
        raise CallbackRefused("expected a call record or a list of at most 1000")
    return data


def _when(value) -> datetime.datetime | None:
    """ "2026-12-05 12:00:00" (China time), ISO 8601, or a Unix timestamp."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.datetime.fromtimestamp(int(text), tz=datetime.UTC)
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CallbackRefused(f"not a time: {text[:40]}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _text(item: dict, key: str, *, required: bool = True) -> str:
    value = item.get(key)
    if value in (None, "") and required:
        raise CallbackRefused(f"{key} is missing")
    return str(value if value is not None else "")[:100]


def _seconds(start, end) -> int:
    if start is None or end is None:
        return 0
    return max(0, int((end - start).total_seconds()))


def parse_local(item: dict) -> CallRecord:
    started = _when(item.get("started_at"))
    if started is None:
        raise CallbackRefused("started_at is missing")
    try:
        duration = max(0, int(item.get("duration") or 0))
    except (TypeError, ValueError):
        raise CallbackRefused("duration is not a number of seconds") from None
    return CallRecord(
        provider="local",
        call_id=_text(item, "call_id"),
        subscription_id=_text(item, "subscription_id"),
        caller_number=national(_text(item, "caller")),
        started_at=started,
        duration_seconds=duration,
        answered=bool(item.get("answered")) and duration > 0,
    )


def parse_aliyun(item: dict) -> CallRecord:
    """A record of Aliyun's call-record push (SecretReport): phone_no is A or B, peer_no the other
    side, call_type 0 when phone_no called."""
    call_time = _when(item.get("call_time"))
    if call_time is None:
        raise CallbackRefused("call_time is missing")
    start, release = _when(item.get("start_time")), _when(item.get("release_time"))
    phone_no, peer_no = _text(item, "phone_no"), _text(item, "peer_no", required=False)
    caller = phone_no if str(item.get("call_type", "0")) == "0" else peer_no
    duration = _seconds(start, release)
    return CallRecord(
        provider="aliyun",
        call_id=_text(item, "call_id"),
        subscription_id=_text(item, "sub_id"),
        caller_number=national(caller),
        started_at=call_time,
        duration_seconds=duration,
        answered=start is not None and duration > 0,
    )


def parse_tencent(item: dict) -> CallRecord:
    """A record of Tencent NPP's hang-up push: src called dst through dstVirtualNum; dstAcceptTime
    is set when the call was answered; times are Unix seconds."""
    started = _when(item.get("startSrcCallTime") or item.get("startDstCallTime"))
    if started is None:
        raise CallbackRefused("startSrcCallTime is missing")
    accepted = _when(item.get("dstAcceptTime"))
    try:
        duration = max(0, int(item.get("duration") or 0))
    except (TypeError, ValueError):
        duration = _seconds(accepted, _when(item.get("endCallTime")))
    return CallRecord(
        provider="tencent",
        call_id=_text(item, "callId"),
        subscription_id=_text(item, "bindId"),
        caller_number=national(_text(item, "src")),
        started_at=started,
        duration_seconds=duration if accepted else 0,
        answered=accepted is not None,
    )


PARSERS: dict[str, Callable[[dict], CallRecord]] = {
    "local": parse_local,
    "aliyun": parse_aliyun,
    "tencent": parse_tencent,
}


def read_callback(provider: str, body: bytes) -> list[CallRecord]:
    """Every call record of one callback body; CallbackRefused when the body does not read."""
    parser = PARSERS.get(provider)
    if parser is None:
        raise CallbackRefused(f"unknown provider {provider!r}")
    return [parser(item) for item in _items(body)]
