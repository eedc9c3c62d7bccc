"""Delivering one notice through its channel. Called only from tasks, never in a request."""

from django.conf import settings
from django.core.mail import send_mail
from sms import Message, get_connection

from .models import Channel, Notification


class TransientSendError(Exception):
    """The gateway may accept the notice on a later try (throttled, unreachable, 5xx)."""


class PermanentSendError(Exception):
    """The gateway will never accept this notice as it is (a wrong number, a template not
    approved, refused credentials): the notice fails at once, for staff to see."""


class NoticeMessage(Message):
    """An SMS that also carries its notice's event and template parameters, for gateways
    that send an approved template with parameters instead of free text. Gateways that send
    text (django-sms's own backends) read `body` as usual."""

    def __init__(self, *, event: str = "", params: dict | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.event = event
        self.params = dict(params or {})
        # Set by the backend when the gateway names the message (for delivery receipts).
        self.provider_message_id = ""


def deliver(notice: Notification) -> str:
    """Send the notice; return the provider's message id where it gives one."""
    if notice.channel == Channel.SMS:
        message = NoticeMessage(
            body=notice.body,
            recipients=[notice.address],
            event=notice.event,
            params=notice.params,
            connection=get_connection(),
        )
        try:
            sent = message.send()
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise TransientSendError(str(exc)) from exc
        if not sent:
            raise TransientSendError("the gateway accepted no message")
        return getattr(message, "provider_message_id", "") or ""
    if notice.channel == Channel.EMAIL:
        try:
            send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.address])
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise TransientSendError(str(exc)) from exc
        return ""
    return ""
