"""The notice type the outbox sends itself: sign-up and login codes."""

from django.utils.translation import gettext_lazy as _

from .types import NoticeType, declare

LOGIN_CODE = NoticeType(
    name="login_code",
    label=_("Code from the SMS"),
    subject=_("Code from the SMS"),
    body=_("[315] Your verification code is {code}. It is valid for 5 minutes. Never share it."),
)

declare(LOGIN_CODE)
