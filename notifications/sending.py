"""Delivering one notice through its channel. Called only from tasks, never in a request."""

from django.conf import settings
from django.core.mail import send_mail
from sms import Message, get_connection

from .models import Channel, Notification


class TransientSendError(Exception):
    """The gateway may accept the notice on a later try."""


def deliver(notice: Notification) -> str:
    """Send the notice; return the provider's message id where it gives one."""
    if notice.channel == Channel.SMS:
        message = Message(body=notice.body, recipients=[notice.address], connection=get_connection())
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
