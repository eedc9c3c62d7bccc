"""Merchant enrolment: a merchant applies, a supervisor of its region approves, refuses,
suspends or reinstates it; each decision is recorded with its reason and the applicant is told.

Pages, API and admin call these; each is one transaction.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import ValidationError as StdnumError

from accounts.models import Council, Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput, NotAllowed, WrongState
from mediation.figures import mark_figures_stale
from notifications.services import queue_user_notice

from . import selectors
from .models import (
    EnrolmentApplicant,
    Merchant,
    MerchantDecision,
    MerchantStatus,
    Sector,
)

MAX_NOTICE_PHONES = 5
MAX_REASON = 2000

# Which enrolment decision each status allows. Approving a suspended merchant reinstates it
# (the API has always allowed it); pages offer "reinstate" for it.
DECISIONS = {
    "approve": frozenset({MerchantStatus.APPLIED, MerchantStatus.SUSPENDED}),
    "refuse": frozenset({MerchantStatus.APPLIED}),
    "suspend": frozenset({MerchantStatus.ENROLLED}),
    "reinstate": frozenset({MerchantStatus.SUSPENDED}),
}


def allowed_decisions(merchant: Merchant) -> list[str]:
    allowed = [name for name, sources in DECISIONS.items() if merchant.status in sources]
    if "reinstate" in allowed:
        allowed.remove("approve")
    return allowed


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


def clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()[:MAX_REASON]
    if required and not reason:
        msg = _("Give the reason; the person concerned is told it.")
        raise InvalidInput(msg, fields={"reason": [msg]})
    return reason


# --- enrolment ------------------------------------------------------------------------


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
    sector: str = Sector.OTHER,
) -> Merchant:
    """Anyone logged in may apply for a merchant; a supervisor of its region decides.

    A refused application may be made again with the same credit code: it reopens the
    merchant's row, so the code stays unique and the decisions stay on its record.
    """
    name = (name or "").strip()
    if not name:
        msg = _("Enter the merchant's registered name.")
        raise InvalidInput(msg, fields={"name": [msg]})
    if sector not in Sector.values:
        msg = _("Choose the merchant's sector.")
        raise InvalidInput(msg, fields={"sector": [msg]})
    code = clean_uscc(uscc)
    phones = clean_notice_phones(notice_phones)
    fields = dict(
        name=name,
        region=region,
        address=(address or "").strip(),
        notice_phones=phones,
        email=email or "",
        sector=sector,
        status=MerchantStatus.APPLIED,
    )
    taken = _("A merchant with this unified social credit code is already on the platform.")
    existing = Merchant.objects.select_for_update().filter(uscc=code).first()
    if existing is not None:
        if existing.status != MerchantStatus.REFUSED:
            raise InvalidInput(taken, fields={"uscc": [taken]})
        for field, value in fields.items():
            setattr(existing, field, value)
        existing.save(update_fields=list(fields))
        EnrolmentApplicant.objects.update_or_create(merchant=existing, defaults={"user": applicant})
        return existing
    try:
        # A savepoint, so a concurrent application with the same code answers 400, not 500.
        with transaction.atomic():
            merchant = Merchant.objects.create(uscc=code, **fields)
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


def _record_decision(merchant: Merchant, *, actor: User, decision: str, reason: str = "") -> MerchantDecision:
    """Write the decision, tell the applicant and the merchant's owners, refresh the public figures."""
    row = MerchantDecision.objects.create(merchant=merchant, decision=decision, actor=actor, reason=reason)
    people = {m.pk: m for m in merchant.members.filter(role=Role.MERCHANT_OWNER, is_active=True)}
    application = EnrolmentApplicant.objects.filter(merchant=merchant).select_related("user").first()
    if application is not None and application.user.is_active:
        people.setdefault(application.user_id, application.user)
    context = {"merchant": merchant.name, "reason": reason or "—"}
    for person in people.values():
        link = reverse("merchants:inbox") if person.merchant_id == merchant.pk else reverse("merchants:apply")
        queue_user_notice(
            person,
            f"merchant_{decision}",
            f"merchant{merchant.pk}:decision{row.pk}",
            {**context, "link": link},
            sender=actor,
        )
    mark_figures_stale()
    return row


@transaction.atomic
def approve_merchant(*, actor: User, merchant_id: int) -> Merchant:
    """Enrol the merchant; a plain consumer who applied for it becomes its owner."""
    merchant = _decide(actor, merchant_id, "approve")
    if merchant.status == MerchantStatus.SUSPENDED:
        return _reinstate(merchant, actor=actor, reason="")
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
    _record_decision(merchant, actor=actor, decision=MerchantDecision.Decision.APPROVED)
    return merchant


@transaction.atomic
def refuse_merchant(*, actor: User, merchant_id: int, reason: str = "") -> Merchant:
    """Refuse an application; the applicant is told the reason and may apply again."""
    merchant = _decide(actor, merchant_id, "refuse")
    reason = clean_reason(reason, required=True)
    merchant.status = MerchantStatus.REFUSED
    merchant.save(update_fields=["status"])
    _record_decision(merchant, actor=actor, decision=MerchantDecision.Decision.REFUSED, reason=reason)
    return merchant


@transaction.atomic
def suspend_merchant(*, actor: User, merchant_id: int, reason: str = "") -> Merchant:
    """A suspended merchant no longer receives complaints directly; open cases go on."""
    merchant = _decide(actor, merchant_id, "suspend")
    merchant.status = MerchantStatus.SUSPENDED
    merchant.save(update_fields=["status"])
    _record_decision(
        merchant,
        actor=actor,
        decision=MerchantDecision.Decision.SUSPENDED,
        reason=clean_reason(reason, required=False),
    )
    return merchant


def _reinstate(merchant: Merchant, *, actor: User, reason: str) -> Merchant:
    merchant.status = MerchantStatus.ENROLLED
    merchant.save(update_fields=["status"])
    _record_decision(merchant, actor=actor, decision=MerchantDecision.Decision.REINSTATED, reason=reason)
    return merchant


@transaction.atomic
def reinstate_merchant(*, actor: User, merchant_id: int, reason: str = "") -> Merchant:
    """End a suspension: complaints reach the merchant directly again. Its enrolment date stays."""
    merchant = _decide(actor, merchant_id, "reinstate")
    return _reinstate(merchant, actor=actor, reason=clean_reason(reason, required=False))
