"""The merchant's team on its cases: the owner gives a case to an agent, a removed agent's open
cases go back to the owner, and merchant staff see a consenting consumer's phone number (every
reveal is logged for council staff)."""

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed
from merchants import selectors as merchant_selectors
from merchants import team as merchant_team
from merchants.models import ContactReveal
from notifications.services import queue_user_notice

from . import access
from .models import OPEN_STATUSES, Complaint, EventKind, Visibility, jurisdiction_q
from .timeline import append_event


def assign_agent(*, complaint: Complaint, actor: User, agent) -> None:
    """The owner gives the case to one of its active agents, or takes it back (agent=None).
    A workflow action (complaints.actions): run under the case's lock."""
    chosen = None
    if agent not in (None, ""):
        chosen = merchant_selectors.active_agents(actor.merchant_id).filter(pk=getattr(agent, "pk", agent)).first()
        if chosen is None:
            msg = _("Choose an active agent of your merchant.")
            raise InvalidInput(msg, fields={"agent": [msg]})
    if complaint.agent_id == (chosen.pk if chosen else None):
        return
    complaint.agent = chosen
    complaint.save(update_fields=["agent"])
    event = append_event(
        complaint,
        kind=EventKind.AGENT_ASSIGNED,
        actor=actor,
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


@transaction.atomic
def remove_agent(*, owner: User, agent_id) -> User:
    """Deactivate the agent (their account and its history stay); their open cases go back to the owner."""
    agent, was_active = merchant_team.deactivate_agent(owner=owner, agent_id=agent_id)
    if not was_active:
        return agent
    for complaint in Complaint.objects.select_for_update().filter(agent=agent, status__in=OPEN_STATUSES):
        complaint.agent = None
        complaint.save(update_fields=["agent"])
        append_event(
            complaint,
            kind=EventKind.AGENT_UNASSIGNED,
            actor=owner,
            data={"agent": agent.pk, "agent_name": agent.display_name},
            visibility=Visibility.MERCHANT_STAFF,
        )
    return agent


@transaction.atomic
def reveal_consumer_phone(*, actor: User, complaint_id, ip: str | None = None) -> str:
    """The consumer's full phone number for merchant staff, where the consumer consented.

    Every reveal is written to the access log council staff read (ContactReveal). The rule
    itself is access.phone_reveal_refusal; a case of another merchant is 404.
    """
    complaint = access.get_complaint_for(actor, complaint_id)
    refusal = access.phone_reveal_refusal(actor, complaint)
    if refusal:
        raise NotAllowed(refusal)
    ContactReveal.objects.create(complaint=complaint, merchant_id=complaint.merchant_id, user=actor, ip=ip or None)
    record_audit(action="contact.reveal", actor=actor, obj=complaint, ip=ip)
    return complaint.consumer.phone or ""


def contact_reveals_of(complaint: Complaint) -> QuerySet[ContactReveal]:
    return complaint.contact_reveals.select_related("user").order_by("-created_at", "-id")


def contact_reveals_for_staff(user: User) -> QuerySet[ContactReveal]:
    """The phone-reveal access log of the staff member's jurisdiction, newest first."""
    return (
        ContactReveal.objects.filter(jurisdiction_q(user.council, "complaint__council_path"))
        .select_related("complaint", "merchant", "user")
        .order_by("-created_at", "-id")
    )


def team_with_open_cases(merchant_id: int) -> QuerySet[User]:
    """Owners first, then agents, each with their open cases; removed agents last."""
    return merchant_selectors.team_of(merchant_id).annotate(
        open_cases=Count("assigned_complaints", filter=Q(assigned_complaints__status__in=OPEN_STATUSES))
    )
