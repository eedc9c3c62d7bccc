"""Merchants: enrolment, the merchant's team, consumers' phone reveals and violations.

Pages, API, admin and the complaint state machine call these; each is one transaction.
"""

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import ValidationError as StdnumError

from accounts.models import Council, Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput, NotAllowed, Throttled, WrongState
from notifications.services import check_sms_limit, queue_case_notices, queue_user_notice

from . import selectors
from .models import (
    AgentInvitation,
    ContactReveal,
    EnrolmentApplicant,
    Merchant,
    MerchantDecision,
    MerchantStatus,
    Sector,
    Violation,
    ViolationKind,
    ViolationStatus,
)

if TYPE_CHECKING:
    from complaints.models import Complaint

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


def _public_figures_changed() -> None:
    """The public statistics name merchants and show their credit index: drop the cached
    figures once this transaction has committed, so the next reader computes them afresh."""
    from supervision.selectors import invalidate_public_figures

    transaction.on_commit(invalidate_public_figures)


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


def _clean_reason(reason: str, *, required: bool) -> str:
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
    _public_figures_changed()
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
    reason = _clean_reason(reason, required=True)
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
        reason=_clean_reason(reason, required=False),
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
    return _reinstate(merchant, actor=actor, reason=_clean_reason(reason, required=False))


# --- the merchant's team --------------------------------------------------------------


def _require_owner(user: User) -> None:
    if user.role != Role.MERCHANT_OWNER or not user.merchant_id or not user.is_active:
        raise NotAllowed(_("Only the merchant's owner manages its team."))


INVITATION_WINDOW = datetime.timedelta(days=1)


def _check_invitation_rate(rows, limit: int, message: str) -> None:
    since = timezone.now() - INVITATION_WINDOW
    made = list(rows.filter(created_at__gt=since).order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(made) >= limit:
        wait = max(1, int((made[-1] + INVITATION_WINDOW - timezone.now()).total_seconds()) + 1)
        raise Throttled(message, retry_after=wait)


@transaction.atomic
def invite_agent(*, owner: User, name: str, phone: str) -> AgentInvitation:
    """Invite a mobile number to the owner's team; the person with it accepts or declines.

    The answer is the same whether or not the number has an account, so an invitation never
    tells the owner who is registered. Invitations are limited per merchant and per number a
    day, and the SMS counts against the SMS limits (notifications.services): past any of them
    the invitation is refused (429) before anything is written or sent.
    """
    _require_owner(owner)
    name = (name or "").strip()[:100]
    if not name:
        msg = _("Enter the agent's name.")
        raise InvalidInput(msg, fields={"name": [msg]})
    phone = normalise_phone(phone)
    # The merchant's row lock keeps its invitations counted one after the other.
    merchant = Merchant.objects.select_for_update().get(pk=owner.merchant_id)
    if merchant.members.filter(phone=phone, is_active=True).exists():
        # The owner's own team list shows this number already: saying so reveals nothing.
        msg = _("This agent is already on your team.")
        raise InvalidInput(msg, fields={"phone": [msg]})
    invitations = AgentInvitation.objects.all()
    _check_invitation_rate(
        invitations.filter(merchant=merchant),
        settings.INVITATIONS_PER_MERCHANT_PER_DAY,
        _("Your merchant sent too many invitations today. Try again later."),
    )
    _check_invitation_rate(
        invitations.filter(phone=phone),
        settings.INVITATIONS_PER_PHONE_PER_DAY,
        _("This number was invited too many times today. Try again later."),
    )
    check_sms_limit(phone=phone, sender=owner)
    invitations.filter(merchant=merchant, phone=phone, status=AgentInvitation.Status.PENDING).update(
        status=AgentInvitation.Status.REPLACED, decided_at=timezone.now()
    )
    invitation = AgentInvitation.objects.create(merchant=merchant, phone=phone, name=name, invited_by=owner)
    account = User.objects.filter(phone=phone, is_active=True).first()
    queue_user_notice(
        account,
        "agent_invited",
        f"invitation{invitation.pk}",
        {"merchant": merchant.name, "link": reverse("merchants:invitations")},
        channels=("sms", "in_app"),
        phone=phone,
        language=owner.language,
        sender=owner,
    )
    return invitation


def invitation_expiry(invitation: AgentInvitation) -> datetime.datetime:
    return invitation.created_at + selectors.INVITATION_VALID


def acceptance_refusal(account: User | None, invitation: AgentInvitation) -> str:
    """Why this account may not become the merchant's agent ("" when it may).

    Who may: a number without an account (one is made), a consumer account with no complaints
    of its own, and a removed agent of the same merchant. One person has one role: a consumer
    with complaints, an owner, an agent of another merchant, council and platform staff keep
    theirs and are asked to use another number.
    """
    if account is None:
        return ""
    if account.role == Role.MERCHANT_AGENT and account.merchant_id == invitation.merchant_id:
        return ""
    if account.is_active and account.role == Role.CONSUMER and not (account.is_staff or account.is_superuser):
        if not account.complaints.exists():
            return ""
        return _("Your account has complaints of its own, so it cannot answer complaints for a merchant.")
    return _("Your account already has another role on the platform. Ask the merchant to invite another number.")


def _pending_invitation(phone: str, invitation_id) -> AgentInvitation:
    invitation = selectors.pending_invitations_to(phone).select_for_update().filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404(_("No such invitation."))
    return invitation


@transaction.atomic
def accept_invitation(*, phone: str, invitation_id) -> User:
    """The person with the invited number (checked by the caller: their account's number, or
    an SMS code) joins the team; a number without an account gets one, used with SMS codes."""
    invitation = _pending_invitation(phone, invitation_id)
    account = User.objects.select_for_update().filter(phone=phone).first()
    refusal = acceptance_refusal(account, invitation)
    if refusal:
        raise NotAllowed(refusal)
    if account is None:
        account = User(username=phone, phone=phone, name=invitation.name, role=Role.MERCHANT_AGENT)
        account.merchant_id = invitation.merchant_id
        account.language = invitation.invited_by.language if invitation.invited_by else settings.LANGUAGE_CODE
        account.set_unusable_password()
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:  # the username is taken by an account without this phone
            raise NotAllowed(_("Your account already has another role on the platform.")) from None
    else:
        account.role, account.merchant_id, account.is_active = Role.MERCHANT_AGENT, invitation.merchant_id, True
        account.save(update_fields=["role", "merchant", "is_active"])
    invitation.status = AgentInvitation.Status.ACCEPTED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return account


@transaction.atomic
def decline_invitation(*, phone: str, invitation_id) -> AgentInvitation:
    invitation = _pending_invitation(phone, invitation_id)
    invitation.status = AgentInvitation.Status.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


@transaction.atomic
def remove_agent(*, owner: User, agent_id: int) -> User:
    """Deactivate the agent (their account and its history stay); their open cases go back to the owner."""
    from complaints.models import OPEN_STATUSES, Complaint, Visibility
    from complaints.timeline import append_event

    _require_owner(owner)
    agent = selectors.agent_of(owner.merchant_id, agent_id, for_update=True)
    if not agent.is_active:
        return agent
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    for complaint in Complaint.objects.select_for_update().filter(agent=agent, status__in=OPEN_STATUSES):
        complaint.agent = None
        complaint.save(update_fields=["agent"])
        append_event(
            complaint,
            kind="agent_unassigned",
            actor=owner,
            data={"agent": agent.pk, "agent_name": agent.display_name},
            visibility=Visibility.MERCHANT_STAFF,
        )
    return agent


@transaction.atomic
def assign_agent(*, owner: User, complaint, agent) -> "Complaint":
    """The owner gives a case to one of its agents (or takes it back with agent=None)."""
    from complaints import access
    from complaints.models import Visibility
    from complaints.timeline import append_event

    _require_owner(owner)
    complaint = access.get_complaint_for(owner, getattr(complaint, "pk", complaint), for_update=True)
    if not complaint.is_open:
        raise WrongState(_("The case is closed."), status=complaint.status)
    chosen = None
    if agent is not None:
        chosen = selectors.active_agents(owner.merchant_id).filter(pk=getattr(agent, "pk", agent)).first()
        if chosen is None:
            msg = _("Choose an active agent of your merchant.")
            raise InvalidInput(msg, fields={"agent": [msg]})
    if complaint.agent_id == (chosen.pk if chosen else None):
        return complaint
    complaint.agent = chosen
    complaint.save(update_fields=["agent"])
    event = append_event(
        complaint,
        kind="agent_assigned",
        actor=owner,
        data={"agent": chosen.pk if chosen else None, "agent_name": chosen.display_name if chosen else ""},
        visibility=Visibility.MERCHANT_STAFF,
    )
    if chosen is not None:
        queue_user_notice(
            chosen,
            "agent_assigned",
            f"ev{event.pk}:agent",
            {"case": complaint.case_number, "link": reverse("complaints:detail", args=[complaint.pk])},
            channels=("in_app",),
        )
    return complaint


# --- the consumer's phone ---------------------------------------------------------------


@transaction.atomic
def reveal_consumer_phone(*, actor: User, complaint_id, ip: str | None = None) -> str:
    """The consumer's full phone number for merchant staff, where the consumer consented.

    Every reveal is written to the access log council staff read (ContactReveal). The rule
    itself is complaints.access.phone_reveal_refusal; a case of another merchant is 404.
    """
    from audit.services import record as record_audit
    from complaints import access

    complaint = access.get_complaint_for(actor, complaint_id)
    refusal = access.phone_reveal_refusal(actor, complaint)
    if refusal:
        raise NotAllowed(refusal)
    ContactReveal.objects.create(complaint=complaint, merchant_id=complaint.merchant_id, user=actor, ip=ip or None)
    record_audit(action="contact.reveal", actor=actor, obj=complaint, ip=ip)
    return complaint.consumer.phone or ""


# --- violations -------------------------------------------------------------------------


def report_violation(*, complaint, actor: User, kind: str, message: str) -> Violation:
    """The consumer reports the merchant; called by complaints.workflow under the case's lock.

    One open or confirmed report of each kind per case: a dismissed one may be reported again.
    """
    from complaints.models import Visibility
    from complaints.timeline import append_event

    if kind not in ViolationKind.values:
        msg = _("Choose negative handling or harassment.")
        raise InvalidInput(msg, fields={"kind": [msg]})
    message = (message or "").strip()
    if not message:
        msg = _("Tell the council what the merchant did.")
        raise InvalidInput(msg, fields={"message": [msg]})
    if not complaint.merchant_id:
        raise NotAllowed(_("This merchant is not on the platform."))
    pending = complaint.violations.filter(kind=kind).exclude(status=ViolationStatus.DISMISSED)
    if pending.exists():
        msg = _("You have already reported this about this case; the council is looking at it.")
        raise InvalidInput(msg, fields={"kind": [msg]})
    violation = Violation.objects.create(
        complaint=complaint, merchant_id=complaint.merchant_id, kind=kind, message=message, reported_by=actor
    )
    event = append_event(
        complaint,
        kind="violation_reported",
        actor=actor,
        message=message,
        data={"violation": violation.pk, "violation_kind": kind},
        visibility=Visibility.PARTIES,
    )
    queue_case_notices(complaint=complaint, event="violation_reported", key=f"ev{event.pk}", actor=actor)
    return violation


def compensation_for(kind: str) -> Decimal:
    """What the merchant owes the consumer for a confirmed violation (settings.VIOLATION_COMPENSATION)."""
    return Decimal(str(settings.VIOLATION_COMPENSATION[kind])).quantize(Decimal("0.01"))


def _decide_violation(actor: User, violation_id, *, reason: str, confirm: bool) -> Violation:
    from complaints.models import Complaint, Visibility
    from complaints.timeline import append_event

    if actor.role != Role.SUPERVISOR:
        raise NotAllowed(_("Only council supervisors decide on violations."))
    violation = selectors.violation_for_supervisor(actor, violation_id, for_update=True)
    if violation.status != ViolationStatus.REPORTED:
        raise WrongState(_("This report has already been decided."), status=violation.status)
    violation.status = ViolationStatus.CONFIRMED if confirm else ViolationStatus.DISMISSED
    violation.compensation = compensation_for(violation.kind) if confirm else None
    violation.decided_by = actor
    violation.decided_at = timezone.now()
    violation.reason = reason
    violation.save(update_fields=["status", "compensation", "decided_by", "decided_at", "reason"])
    # The case row is locked like any transition's, so its timeline grows one event at a time.
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("merchant", "consumer", "council")
        .get(pk=violation.complaint_id)
    )
    data = {"violation": violation.pk, "violation_kind": violation.kind}
    if confirm:
        data["compensation"] = f"{violation.compensation:.2f}"
    event = append_event(
        complaint,
        kind=f"violation_{violation.status}",
        actor=actor,
        message=reason,
        data=data,
        visibility=Visibility.PARTIES,
    )
    extra = {"compensation": data.get("compensation", "")}
    queue_case_notices(
        complaint=complaint, event=f"violation_{violation.status}", key=f"ev{event.pk}", actor=actor, extra=extra
    )
    if confirm:
        _public_figures_changed()
    return violation


@transaction.atomic
def confirm_violation(*, actor: User, violation_id, reason: str = "") -> Violation:
    """Confirm a report: the compensation owed is recorded and it counts in the merchant's record."""
    return _decide_violation(actor, violation_id, reason=_clean_reason(reason, required=False), confirm=True)


@transaction.atomic
def dismiss_violation(*, actor: User, violation_id, reason: str = "") -> Violation:
    """Dismiss a report, with the reason the consumer is shown."""
    return _decide_violation(actor, violation_id, reason=_clean_reason(reason, required=True), confirm=False)
