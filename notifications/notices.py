"""The notice types the outbox sends itself: sign-up and login codes."""

from django.utils.translation import gettext_lazy as _

from .types import NoticeType, declare

LOGIN_CODE = NoticeType(
    name="login_code",
    label=_("Code from the SMS"),
    subject=_("Code from the SMS"),
    body=_("[315] Your verification code is {code}. It is valid for 5 minutes. Never share it."),
)

ACCOUNT_EXISTS_CODE = NoticeType(
    name="account_exists_code",
    label=_("Code from the SMS (number already registered)"),
    subject=_("Code from the SMS"),
    body=_(
        "[315] This number already has an account. Log in with code {code} (valid for 5 minutes), "
        "or reset your password with it. Never share it."
    ),
)

declare(LOGIN_CODE, ACCOUNT_EXISTS_CODE)

# Notices that carry a one-time code: kept in clear text only until sent, never shown in the admin.
CODE_EVENTS = frozenset({LOGIN_CODE.name, ACCOUNT_EXISTS_CODE.name})
# A notice whose gateway template may be missing, and the template it is sent with then.
TEMPLATE_FALLBACKS = {ACCOUNT_EXISTS_CODE.name: LOGIN_CODE.name}
