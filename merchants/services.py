"""Merchant enrolment: apply, approve, refuse, suspend. Pages, API and admin call these."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import ValidationError as StdnumError

from accounts.models import Council, Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput, NotAllowed, WrongState

from . import selectors
from .models import EnrolmentApplicant, Merchant, MerchantStatus

MAX_NOTICE_PHONES = 5

# Which enrolment decision each status allows.
DECISIONS = {
    "approve": frozenset({MerchantStatus.APPLIED, MerchantStatus.SUSPENDED}),
    "refuse": frozenset({MerchantStatus.APPLIED}),
    "suspend": frozenset({MerchantStatus.ENROLLED}),
}


def allowed_decisions(merchant: Merchant) -> list[str]:
    return [name for name, sources in DECISIONS.items() if merchant.status in sources]


def clean_uscc(raw: str) -> str:
    """The 18-character unified social credit code (GB 32100-2015, check character verified)."""
    try:
        return uscc_code.validate(str(raw or ""))
    except StdnumError:
        msg = _("Enter a valid 18-character unified social credit code.")
        raise InvalidInput(msg, fields={"uscc": [msg]}) from None


def clean_notice_phones(raw: list[str]) -> list[str]:
    phones = []
    for value in raw or []:
        try:
            phone = normalise_phone(value)
        except InvalidInput:
            msg = _("%(value)s is not a mainland China mobile number.") % {"value": str(value)[:30]}
            raise InvalidInput(msg, fields={"notice_phones": [msg]}) from None
        if phone not in phones:
            phones.append(phone)
    if not phones:
        msg = _("Give at least one mobile number for complaint notices.")
        raise InvalidInput(msg, fields={"notice_phones": [msg]})
    if len(phones) > MAX_NOTICE_PHONES:
        msg = _("Give at most %(n)d mobile numbers.") % {"n": MAX_NOTICE_PHONES}
        raise InvalidInput(msg, fields={"notice_phones": [msg]})
    return phones


@transaction.atomic
def apply_for_enrolment(
    *,
    applicant: User,
    name: str,
    uscc: str,
    region: Council,
    notice_phones: list[str],
    address: str = "",
    email: str = "",
) -> Merchant:
    """Anyone logged in may apply for a merchant; a supervisor of its region decides."""
    name = (name or "").strip()
    if not name:
        msg = _("Enter the merchant's registered name.")
        raise InvalidInput(msg, fields={"name": [msg]})
    code = clean_uscc(uscc)
    phones = clean_notice_phones(notice_phones)
    taken = _("A merchant with this unified social credit code is already on the platform.")
    if Merchant.objects.filter(uscc=code).exists():
        raise InvalidInput(taken, fields={"uscc": [taken]})
    try:
        # A savepoint, so a concurrent application with the same code answers 400, not 500.
        with transaction.atomic():
            merchant = Merchant.objects.create(
                name=name,
                uscc=code,
                region=region,
                address=(address or "").strip(),
                notice_phones=phones,
                email=email or "",
                status=MerchantStatus.APPLIED,
            )
    except IntegrityError:
        raise InvalidInput(taken, fields={"uscc": [taken]}) from None
    EnrolmentApplicant.objects.create(merchant=merchant, user=applicant)
    return merchant


def _decide(actor: User, merchant_id: int, decision: str) -> Merchant:
    """Lock the merchant for a supervisor whose jurisdiction covers its region, and check the state."""
    if actor.role != Role.SUPERVISOR:
        raise NotAllowed(_("Only council supervisors decide on enrolment."))
    merchant = selectors.merchant_for_supervisor(actor, merchant_id, for_update=True)
    if merchant.status not in DECISIONS[decision]:
        raise WrongState(status=merchant.status, allowed_actions=allowed_decisions(merchant))
    return merchant


@transaction.atomic
def approve_merchant(*, actor: User, merchant_id: int) -> Merchant:
    """Enrol the merchant; a plain consumer who applied for it becomes its owner."""
    merchant = _decide(actor, merchant_id, "approve")
    merchant.status = MerchantStatus.ENROLLED
    merchant.enrolled_at = timezone.now()
    merchant.save(update_fields=["status", "enrolled_at"])
    application = EnrolmentApplicant.objects.filter(merchant=merchant).first()
    if application is not None:
        user = User.objects.select_for_update().get(pk=application.user_id)
        # A consumer with complaints keeps that role: one person, one role.
        if user.role == Role.CONSUMER and user.merchant_id is None and not user.complaints.exists():
            user.role = Role.MERCHANT_OWNER
            user.merchant = merchant
            user.save(update_fields=["role", "merchant"])
    return merchant


@transaction.atomic
def refuse_merchant(*, actor: User, merchant_id: int) -> Merchant:
    merchant = _decide(actor, merchant_id, "refuse")
    merchant.status = MerchantStatus.REFUSED
    merchant.save(update_fields=["status"])
    return merchant


@transaction.atomic
def suspend_merchant(*, actor: User, merchant_id: int) -> Merchant:
    """A suspended merchant no longer receives complaints directly; open cases go on."""
    merchant = _decide(actor, merchant_id, "suspend")
    merchant.status = MerchantStatus.SUSPENDED
    merchant.save(update_fields=["status"])
    return merchant
