"""SMS gateways of Chinese councils, as django-sms backends (SMS_BACKEND).

They send an approved template code with parameters and a sign name, not free text: each
notice event maps to a template code in settings.SMS_TEMPLATES, and the parameters are the
values the notice's text was written with (Notification.params), in the order of the text's
placeholders (NoticeType.template_params).

Gateway errors are sorted for the sending task: TransientSendError (throttled, unreachable,
5xx) is tried again with backoff; PermanentSendError (a wrong number, a template or sign not
approved, refused credentials) fails the notice at once, for staff to see and retry.
"""

from django.conf import settings
from sms.backends.base import BaseSmsBackend

from ..notices import TEMPLATE_FALLBACKS
from ..sending import PermanentSendError, TransientSendError
from ..types import UnknownNoticeType, notice_type

# Seconds: a send must end long before the sweep takes a "sending" notice back.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10


class TemplateSmsBackend(BaseSmsBackend):
    """What both gateways share: the template of a message, and sending each message on its own."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        self.client = self.make_client()
        return True

    def close(self) -> None:
        self.client = None

    def make_client(self):
        raise NotImplementedError

    def send_one(self, message, template_code: str, params: list[tuple[str, str]]) -> str:
        """Send one message; return the gateway's message id."""
        raise NotImplementedError

    def send_messages(self, messages) -> int:
        sent = 0
        for message in messages:
            if not message.recipients:
                continue
            try:
                self.open()
                code, params = template_of(message)
                message.provider_message_id = self.send_one(message, code, params)
            except (TransientSendError, PermanentSendError):
                if not self.fail_silently:
                    raise
                continue
            sent += len(message.recipients)
        return sent


def template_of(message) -> tuple[str, list[tuple[str, str]]]:
    """The approved template code of the message's notice event and its parameters, in order."""
    event = getattr(message, "event", "")
    # A gateway without an approved template for "number already registered" sends the plain
    # login code's template: the same parameter, and the code works as a login code all the same.
    code = settings.SMS_TEMPLATES.get(event, "") or settings.SMS_TEMPLATES.get(TEMPLATE_FALLBACKS.get(event, ""), "")
    if not code:
        raise PermanentSendError(f"no SMS template code for notice event {event!r} (set SMS_TEMPLATES)")
    if not settings.SMS_SIGN_NAME:
        raise PermanentSendError("no SMS sign name (set SMS_SIGN_NAME)")
    values = getattr(message, "params", None) or {}
    try:
        names = notice_type(event).template_params()
    except UnknownNoticeType:
        raise PermanentSendError(f"no notice type {event!r} is declared") from None
    missing = [name for name in names if name not in values]
    if missing:
        raise PermanentSendError(f"notice event {event!r} lacks template parameters {', '.join(missing)}")
    return code, [(name, str(values[name])) for name in names]


def sort_error(code: str, message: str, *, transient: bool) -> Exception:
    text = f"{code}: {message}" if message else code
    return TransientSendError(text) if transient else PermanentSendError(text)
