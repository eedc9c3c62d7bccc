"""Who may see what: the one place for every access rule on complaints.

Pages, API, evidence downloads and exports all come through these functions.
Anything not visible answers 404, so the existence of a case is never leaked.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .models import Complaint, ComplaintEvent, Incident, Visibility, jurisdiction_q


def complaints_visible_to(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.CONSUMER:
        return qs.filter(consumer=user)
    if user.is_merchant_user:
        return qs.filter(merchant_id=user.merchant_id)
    if user.is_council_staff:
        return qs.in_jurisdiction(user.council)
    if user.role == Role.INTAKE_CLERK:
        return qs.filter(filed_by=user)
    return qs.none()


def get_complaint_for(user, pk, *, for_update: bool = False) -> Complaint:
    qs = complaints_visible_to(user).select_related(
        "merchant", "council", "consumer", "mediator", "agent", "delivery_address"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(pk))
    except (Complaint.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such case.")) from None


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Incidents opened by the staff member's council or a council below it: supervisors of the
    incident's council or above handle them; mediators read them."""
    if not (user.is_authenticated and user.is_council_staff):
        return Incident.objects.none()
    return Incident.objects.filter(jurisdiction_q(user.council))


def get_incident_for(user, pk, *, for_update: bool = False) -> Incident:
    qs = incidents_visible_to(user).select_related("merchant", "council", "created_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=int(pk))
    except (Incident.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such incident.")) from None


def is_party(user, complaint: Complaint) -> bool:
    """Anyone who may see the case takes part in it: consumer, merchant, council staff; an intake
    clerk only while acting for the consumer (afterwards they still see the case they filed)."""
    if user.is_authenticated and user.role == Role.INTAKE_CLERK and not acts_for_consumer(user, complaint):
        return False
    if user.is_authenticated and is_consumer_in_person(user, complaint):
        return True  # complaints_visible_to's rule for a consumer, without asking the database
    return complaints_visible_to(user).filter(pk=complaint.pk).exists()


def acts_for_consumer(user, complaint: Complaint) -> bool:
    """Staff who filed the case for the consumer make the consumer's moves on their behalf until
    the consumer takes the case over (claimed_at). Each such move is recorded "on behalf of the
    consumer" (complaints.workflow). The consumer's rating stays the consumer's own."""
    return bool(
        complaint.filed_by_id
        and complaint.filed_by_id == user.pk
        and complaint.claimed_at is None
        and user.is_active
        and user.files_for_consumers
    )


def may_give_evidence(user, complaint: Complaint) -> bool:
    """Everyone on the case gives evidence: the consumer (or staff acting for them), the case's
    merchant's staff, council staff who see it; an intake clerk only while acting for the consumer."""
    if is_consumer_in_person(user, complaint) or acts_for_consumer(user, complaint):
        return True
    if user.is_merchant_user:
        return complaint.merchant_id is not None and complaint.merchant_id == user.merchant_id
    if user.is_council_staff:
        return complaint.council_path.startswith(user.council.path)
    return False


def is_consumer_in_person(user, complaint: Complaint) -> bool:
    return user.role == Role.CONSUMER and complaint.consumer_id == user.pk


def event_visibilities_for(user) -> list[str]:
    if user.is_council_staff:
        return [Visibility.PARTIES, Visibility.STAFF, Visibility.MERCHANT_STAFF]
    if user.is_merchant_user:
        return [Visibility.PARTIES, Visibility.MERCHANT_STAFF]
    return [Visibility.PARTIES]


def timeline_for(user, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.filter(visibility__in=event_visibilities_for(user)).select_related("actor")


def visible_events(user, events: list[ComplaintEvent]) -> list[ComplaintEvent]:
    """timeline_for over events in hand (in timeline order), without reading them again."""
    visibilities = event_visibilities_for(user)
    return [event for event in events if event.visibility in visibilities]


# --- masking -------------------------------------------------------------------------


def mask_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return ""
    # One star whatever the length (SPEC: 王*), so the mask does not tell how long the name is.
    return name[0] + "*"


def mask_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(address: str) -> str:
    """l***@council.example: the first letter and the domain, never the length of the rest."""
    local, at, domain = (address or "").strip().partition("@")
    if not at:
        return mask_name(local)
    return f"{local[:1]}***@{domain}"


def mask_address(channel: str, address: str) -> str:
    """A notice's address as staff, the API and the timeline show it (139****0001, l***@council.example).

    `channel` is a notifications Channel value; compared as text so this layer needs nothing
    from notifications."""
    if channel == "email" or "@" in (address or ""):
        return mask_email(address)
    return mask_phone(address)


def masked_recipient(notice) -> str:
    """Who a notice went to: its masked address, or the person's name for an in-app notice."""
    if notice.address:
        return mask_address(notice.channel, notice.address)
    return notice.recipient.display_name if notice.recipient_id else ""


@dataclass(frozen=True)
class ConsumerContact:
    name: str
    phone: str
    masked: bool


def sees_full_contact(user, complaint: Complaint) -> bool:
    """Agents never see full contact data in lists and pages; an owner only where the consumer
    consented. Merchant staff may reveal the phone where the consumer consented
    (phone_reveal_refusal), and each reveal is logged."""
    if user.role == Role.MERCHANT_AGENT:
        return False
    if user.role == Role.MERCHANT_OWNER:
        return complaint.share_contact
    return True


def phone_reveal_refusal(user, complaint: Complaint) -> str:
    """Why this user may not reveal the consumer's full phone on this case ("" when they may).

    Only staff of the case's merchant reveal, and only where the consumer consented to share
    their contact details (complaints.team.reveal_consumer_phone logs each reveal).
    """
    if not (user.is_merchant_user and complaint.merchant_id and complaint.merchant_id == user.merchant_id):
        return _("Only the merchant's staff reveal a consumer's phone number.")
    if not complaint.share_contact:
        return _("The consumer did not agree to share their contact details with the merchant.")
    if not complaint.consumer.phone:
        return _("The consumer has no phone number on the platform.")
    return ""


def address_refusal(user, complaint: Complaint) -> str:
    """Why this merchant user may not see the consumer's full delivery address on this case
    ("" when they may: each view is then logged, complaints.addresses.reveal_address)."""
    address = getattr(complaint, "delivery_address", None)
    if address is None:
        return _("The consumer has not shared a delivery address.")
    if not (user.is_merchant_user and complaint.merchant_id and complaint.merchant_id == user.merchant_id):
        return _("Only the merchant's staff reveal a consumer's address.")
    if not address.grant:
        return _("The consumer withdrew the merchant's access to the address.")
    if address.grant == "owner" and user.role != Role.MERCHANT_OWNER:
        return _("The consumer shares the address with the merchant's owner only.")
    if complaint.closed_at and timezone.now() > complaint.closed_at + datetime.timedelta(
        days=settings.ADDRESS_RETENTION_DAYS
    ):
        return _("The case closed more than %(n)d days ago: the address is no longer shown.") % {
            "n": settings.ADDRESS_RETENTION_DAYS
        }
    return ""


def sees_full_address(user, complaint: Complaint) -> bool:
    """The consumer, staff acting for them and council staff see the address in full; merchant
    staff see its district until they reveal it (address_refusal)."""
    if is_consumer_in_person(user, complaint) or acts_for_consumer(user, complaint):
        return True
    return user.is_council_staff


def consumer_contact_for(user, complaint: Complaint) -> ConsumerContact:
    consumer = complaint.consumer
    name, phone = consumer.display_name, consumer.phone or ""
    if sees_full_contact(user, complaint):
        return ConsumerContact(name=name, phone=phone, masked=False)
    return ConsumerContact(name=mask_name(name), phone=mask_phone(phone), masked=True)


def actor_name_for(viewer, event: ComplaintEvent, complaint: Complaint) -> str:
    """The timeline shows each actor as the viewer may see them."""
    if event.actor_id is None:
        return _("System")
    if event.actor_id == complaint.consumer_id:
        return consumer_contact_for(viewer, complaint).name
    return event.actor.display_name


# --- calls through a privacy number ----------------------------------------------------


def merchant_phone_for_calls(complaint: Complaint) -> tuple[object, str]:
    """The merchant side of a call the consumer asks for: the case's agent's mobile number, else
    the merchant's first notice phone. (user or None, phone); phone "" when there is none."""
    agent = complaint.agent if complaint.agent_id else None
    if agent is not None and agent.is_active and agent.phone:
        return agent, agent.phone
    phones = (complaint.merchant.notice_phones or []) if complaint.merchant_id else []
    return None, (phones[0] if phones else "")


def call_refusal(user, complaint: Complaint, direction: str) -> tuple[int, str]:
    """Why `user` may not have a privacy-number binding made on this case, in `direction`
    ("to_consumer": merchant staff call the consumer; "to_merchant": the consumer calls the
    merchant). (0, "") when they may; else the status to answer (403 the role, 409 the case)
    and the reason. The consumer's own number never leaves the platform either way."""
    if direction == "to_consumer":
        if not (user.is_merchant_user and user.is_active and complaint.merchant_id == user.merchant_id):
            return 403, _("Only the merchant's staff call the consumer.")
    elif direction == "to_merchant":
        if not is_consumer_in_person(user, complaint):
            return 403, _("Only the consumer calls the merchant from this case.")
    else:
        return 403, _("Unknown call direction.")
    if not complaint.is_open:
        return 409, _("The case is closed: calls through the platform have ended.")
    if not complaint.calls_enabled:
        return 409, _("The consumer has turned calls off for this case.")
    if not complaint.consumer.phone:
        return 409, _("The consumer cannot be reached by phone.")
    if direction == "to_consumer" and not user.phone:
        return 409, _("Add your mobile number to your account first: the call is made from it.")
    if direction == "to_merchant" and not merchant_phone_for_calls(complaint)[1]:
        return 409, _("The merchant has no phone number for calls.")
    return 0, ""


def calls_switch_refusal(user, complaint: Complaint) -> tuple[int, str]:
    """Only the consumer turns calls off or on, on an open case."""
    if not is_consumer_in_person(user, complaint):
        return 403, _("Only the consumer turns calls off or on.")
    if not complaint.is_open:
        return 409, _("The case is closed: calls through the platform have ended.")
    return 0, ""
