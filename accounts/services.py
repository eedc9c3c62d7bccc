"""Accounts: phone numbers, one-time codes, consumer sign-up, passwords and API tokens."""

import datetime
import hashlib
import hmac
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from audit.services import record
from mediation.errors import InvalidInput, Throttled

from .models import Role, SmsCode, User

CODE_TTL = datetime.timedelta(minutes=5)
CODE_MAX_TRIES = 5
PER_PHONE_INTERVAL = datetime.timedelta(minutes=1)
PER_PHONE_PER_DAY = 10
PER_IP_PER_HOUR = 30


def normalise_phone(raw: str) -> str:
    """A mainland mobile number as 11 digits, or InvalidInput."""
    try:
        number = phonenumbers.parse(str(raw or "").strip(), "CN")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        msg = _("Enter a valid mainland China mobile number.")
        raise InvalidInput(msg, fields={"phone": [msg]})
    return str(number.national_number)


def _hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def request_code(*, phone: str, ip: str | None = None, signing_up: bool = False) -> str:
    """Issue a code and queue its SMS. The answer is the same whether or not the phone
    has an account, so nothing on the page reveals who is registered. Only the SMS, read by
    the number's holder, differs: a code asked for to sign up with a number that already
    has an account says so, and works as a login code."""
    from notifications.services import queue_code_sms

    phone = normalise_phone(phone)
    now = timezone.now()
    recent = SmsCode.objects.filter(phone=phone, created_at__gte=now - datetime.timedelta(days=1))
    last = recent.order_by("-created_at").first()
    if last and last.created_at > now - PER_PHONE_INTERVAL:
        wait = int((last.created_at + PER_PHONE_INTERVAL - now).total_seconds()) + 1
        raise Throttled(_("Please wait a minute before asking for another code."), retry_after=wait)
    if recent.count() >= PER_PHONE_PER_DAY:
        first = recent.order_by("created_at").first()
        wait = int((first.created_at + datetime.timedelta(days=1) - now).total_seconds()) + 1
        raise Throttled(_("Too many codes for this number today."), retry_after=wait)
    if (
        ip
        and SmsCode.objects.filter(ip=ip, created_at__gte=now - datetime.timedelta(hours=1)).count() >= PER_IP_PER_HOUR
    ):
        raise Throttled(_("Too many code requests from your network."), retry_after=3600)
    code = f"{secrets.randbelow(10**6):06d}"
    row = SmsCode.objects.create(phone=phone, code_hash=_hash(phone, code), ip=ip, created_at=now)
    registered = signing_up and User.objects.filter(phone=phone, is_active=True).exists()
    queue_code_sms(phone=phone, code=code, key=f"code{row.pk}", account_exists=registered)
    return code


def check_code(*, phone: str, code: str, use: bool = True) -> str:
    """Use up a valid code for the phone; return the normalised phone. With use=False a right
    code stays valid (the form around it has other errors to fix); a wrong one still counts."""
    phone = normalise_phone(phone)
    now = timezone.now()
    msg = _("The code is wrong or has expired.")
    # The failed try is committed before the error is raised: raising inside the
    # transaction would roll the count back and leave unlimited tries.
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True, created_at__gte=now - CODE_TTL)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.attempts >= CODE_MAX_TRIES:
            valid = False
        elif hmac.compare_digest(row.code_hash, _hash(phone, str(code or "").strip())):
            valid = True
            if use:
                row.used_at = now
                row.save(update_fields=["used_at"])
        else:
            valid = False
            row.attempts += 1
            row.save(update_fields=["attempts"])
    if not valid:
        raise InvalidInput(msg, fields={"code": [msg]})
    return phone


class AccountExists(InvalidInput):
    """Signing up with the code sent to a number that already has an account: the code proved
    the number is theirs, so pages log that account in instead (the API answers 400)."""

    def __init__(self, user: User):
        msg = _("This number already has an account. Log in instead.")
        super().__init__(msg, fields={"phone": [msg]})
        self.user = user


def register_consumer(*, phone: str, code: str, password: str, name: str, language: str = "") -> User:
    """Every error at once (name, password, code); a right code is used up only when
    the account is made, so fixing the other fields does not need a new one."""
    phone = normalise_phone(phone)
    name = (name or "").strip()
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("Tell us your name.")]
    candidate = User(username=phone, phone=phone, name=name, role=Role.CONSUMER)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    try:
        # The code is used up (or its failed try counted) whatever happens next.
        check_code(phone=phone, code=code, use=not errors)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        message = errors["password"][0] if list(errors) == ["password"] else _("Please correct the marked fields.")
        raise InvalidInput(message, fields=errors)
    with transaction.atomic():
        existing = User.objects.filter(phone=phone).first() or User.objects.filter(username=phone).first()
        if existing is not None:
            raise AccountExists(existing)
        candidate.language = language or settings.LANGUAGE_CODE
        candidate.set_password(password)
        candidate.save()
    return candidate


def login_with_code(*, phone: str, code: str) -> User:
    phone = check_code(phone=phone, code=code)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        msg = _("The code is wrong or has expired.")
        raise InvalidInput(msg, fields={"code": [msg]})
    return user


# --- passwords and API tokens -----------------------------------------------------------------


def token_is_expired(token: Token) -> bool:
    return token.created < timezone.now() - datetime.timedelta(days=settings.API_TOKEN_DAYS)


@transaction.atomic
def issue_token(*, user: User) -> Token:
    """The user's API token (one per user, shared by their devices); an expired one is replaced."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def revoke_tokens(*, user: User) -> None:
    """Delete the user's API tokens: every app logged in with one must log in again."""
    Token.objects.filter(user=user).delete()


def _check_new_password(user: User, password: str, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(_("Choose a stronger password."), fields={field: list(exc.messages)}) from exc


def _replace_password(user: User, password: str) -> None:
    """Set the password and revoke the old one's logins: API tokens are deleted, and sessions
    logged in before no longer match the session hash, which follows the password hash."""
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_tokens(user=user)


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> User:
    """The user's own password change. The caller keeps its own session with
    update_session_auth_hash(); every other session and every token is signed out."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not old_password or not user.check_password(old_password):
        msg = _("The password is wrong.")
        raise InvalidInput(msg, fields={"old_password": [msg]})
    _check_new_password(user, new_password, "new_password")
    _replace_password(user, new_password)
    record(action="account.password_changed", actor=user, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def set_first_password(*, user: User, password: str) -> User:
    """A password for an account made without one (staff filed a complaint for the consumer);
    the consumer has just logged in with an SMS code to their number. An account that has a
    password changes it with the old one instead."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        msg = _("Your account already has a password: change it on the password page.")
        raise InvalidInput(msg, fields={"password": [msg]})
    _check_new_password(user, password, "password")
    _replace_password(user, password)
    record(action="account.password_set", actor=user, object_type="user", object_id=user.pk)
    return user


def reset_password(*, phone: str, code: str, password: str) -> User:
    """A forgotten password replaced with a code sent by SMS to the account's number. A number
    without an account gets the answer of a wrong code."""
    phone = normalise_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    _check_new_password(user or User(username=phone, phone=phone), password, "password")
    # The code is used up (or its failed try counted) whatever happens next.
    check_code(phone=phone, code=code)
    if user is None:
        msg = _("The code is wrong or has expired.")
        raise InvalidInput(msg, fields={"code": [msg]})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _replace_password(user, password)
        record(action="account.password_reset", actor=user, object_type="user", object_id=user.pk)
    return user


@transaction.atomic
def sign_out_everywhere(*, user: User) -> None:
    """Every session and every API token of the user stops working; the password stays."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    revoke_tokens(user=user)
    record(action="account.signed_out_everywhere", actor=user, object_type="user", object_id=user.pk)
