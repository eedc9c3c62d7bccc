"""Accounts: phone numbers, one-time codes, consumer sign-up."""

import datetime
import hashlib
import hmac
import secrets

import phonenumbers
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
def request_code(*, phone: str, ip: str | None = None) -> str:
    """Issue a code and queue its SMS. The answer is the same whether or not the phone
    has an account, so nothing reveals who is registered."""
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
    queue_code_sms(phone=phone, code=code, key=f"code{row.pk}")
    return code


def check_code(*, phone: str, code: str) -> str:
    """Use up a valid code for the phone; return the normalised phone."""
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
            row.used_at = now
            row.save(update_fields=["used_at"])
        else:
            valid = False
            row.attempts += 1
            row.save(update_fields=["attempts"])
    if not valid:
        raise InvalidInput(msg, fields={"code": [msg]})
    return phone


def register_consumer(*, phone: str, code: str, password: str, name: str, language: str = "") -> User:
    phone = normalise_phone(phone)
    name = (name or "").strip()
    if not name:
        msg = _("Tell us your name.")
        raise InvalidInput(msg, fields={"name": [msg]})
    candidate = User(username=phone, phone=phone, name=name, role=Role.CONSUMER)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise InvalidInput(_("Choose a stronger password."), fields={"password": list(exc.messages)}) from exc
    # The code is used up (or its failed try counted) whatever happens next.
    check_code(phone=phone, code=code)
    with transaction.atomic():
        if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
            msg = _("This number already has an account. Log in instead.")
            raise InvalidInput(msg, fields={"phone": [msg]})
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
