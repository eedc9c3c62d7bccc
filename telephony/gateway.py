"""Privacy-number (AXB) gateways: what the case layer asks of them and what they answer.

A binding joins two phone numbers A and B to a middle number X from the provider's pool: A
calling X reaches B and B calling X reaches A, neither sees the other's number. The gateway
is a setting (CALL_BACKEND): the local backend (the embedded default), Alibaba Cloud's phone
number privacy protection or Tencent Cloud's number protection. This app knows nothing of
cases: the case layer (complaints.calls) keeps which binding belongs to which case.

Gateway errors are sorted like the SMS gateways': TransientCallError (throttled, unreachable,
5xx) may pass and is tried again; PermanentCallError (bad credentials, a number refused, the
pool empty) will not.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class CallGatewayError(Exception):
    transient = False


class TransientCallError(CallGatewayError):
    transient = True


class PermanentCallError(CallGatewayError):
    pass


class CallbackRefused(Exception):
    """A callback body the provider's format does not read."""


@dataclass(frozen=True)
class Bound:
    """The provider's answer to a binding: its id and the middle number people dial."""

    subscription_id: str
    middle_number: str


@dataclass(frozen=True)
class CallRecord:
    """One call a provider reports, in plain terms (numbers as 11 national digits)."""

    provider: str
    call_id: str
    subscription_id: str
    caller_number: str
    started_at: datetime.datetime
    duration_seconds: int
    answered: bool


class CallBackend:
    """A provider: bind A and B to a middle number, unbind, read its call-record callbacks."""

    provider = ""

    def bind(self, *, phone_a: str, phone_b: str, expires_at: datetime.datetime, reference: str) -> Bound:
        raise NotImplementedError

    def unbind(self, *, subscription_id: str, middle_number: str) -> None:
        """Unbinding a binding the provider no longer has is done, not an error."""
        raise NotImplementedError


def call_backend() -> CallBackend:
    return import_string(settings.CALL_BACKEND)()


def national(number: str) -> str:
    """+86 13900000001, 008613900000001, 86-139... as 11 national digits (others unchanged)."""
    digits = "".join(ch for ch in str(number or "") if ch.isdigit())
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits
