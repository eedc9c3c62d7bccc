"""The merchant's team: the owner invites a mobile number, its owner accepts or declines, the
owner removes an agent. What the team does on cases is complaints.team.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput, NotAllowed, Throttled
from notifications.services import check_sms_limit, queue_user_notice

from . import selectors
from .models import (
    AgentInvitation,
    Merchant,
)


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
def deactivate_agent(*, owner: User, agent_id) -> tuple[User, bool]:
    """The owner removes an agent from the team: the account and its history stay, it can no
    longer log in. Returns the agent and whether it was active (complaints.team.remove_agent
    gives its open cases back to the owner)."""
    _require_owner(owner)
    agent = selectors.agent_of(owner.merchant_id, agent_id, for_update=True)
    if not agent.is_active:
        return agent, False
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    return agent, True
