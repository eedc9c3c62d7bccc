"""A delivery address on a case, only by the consumer's consent: the consumer (or the staff who
filed the case for them) shares it and chooses who at the merchant sees it; merchant staff see
the district until they reveal it, each reveal in the access log; the consumer withdraws the
grant at any time, and a case closed for ADDRESS_RETENTION_DAYS shows the district only again.
Who may see what is complaints.access (address_refusal, sees_full_address)."""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed
from merchants.models import ContactReveal

from . import access
from .models import AddressGrant, CaseAddress, Complaint, EventKind
from .timeline import append_event, on_behalf_of_consumer
from .transitions import take_over

FIELDS = ("recipient", "district", "street", "postcode")


def _for_consumer(actor, complaint_id) -> tuple[Complaint, bool]:
    """The case, locked, for its consumer or the staff acting for them (and whether on behalf)."""
    complaint = access.get_complaint_for(actor, complaint_id, for_update=True)
    in_person = access.is_consumer_in_person(actor, complaint)
    on_behalf = access.acts_for_consumer(actor, complaint)
    if not (in_person or on_behalf):
        raise NotAllowed(_("Only the consumer shares a delivery address on their case."))
    if in_person and complaint.claimed_at is None and complaint.filed_by_id:
        take_over(complaint=complaint, actor=actor)
    return complaint, on_behalf and not in_person


@transaction.atomic
def share_address(*, actor, complaint_id, recipient: str, district: str, street: str, postcode: str = "", grant: str):
    complaint, on_behalf = _for_consumer(actor, complaint_id)
    if not complaint.is_open:
        raise NotAllowed(_("The case is closed: no address is needed any more."))
    values = {"recipient": recipient, "district": district, "street": street, "postcode": postcode}
    values = {name: (value or "").strip() for name, value in values.items()}
    missing = {name: [_("This field is required.")] for name in ("recipient", "district", "street") if not values[name]}
    if grant not in AddressGrant.values:
        missing["grant"] = [_("Choose who at the merchant may see the address.")]
    if missing:
        raise InvalidInput(_("Check the address."), fields=missing)
    address, created = CaseAddress.objects.update_or_create(complaint=complaint, defaults={**values, "grant": grant})
    with on_behalf_of_consumer(on_behalf):
        append_event(
            complaint, kind=EventKind.ADDRESS_SHARED, actor=actor, data={"grant": grant, "changed": not created}
        )
    record_audit(action="address.share", actor=actor, obj=complaint, extra={"grant": grant})
    return address


@transaction.atomic
def withdraw_grant(*, actor, complaint_id) -> CaseAddress:
    complaint, on_behalf = _for_consumer(actor, complaint_id)
    address = CaseAddress.objects.filter(complaint=complaint).first()
    if address is None:
        raise InvalidInput(_("There is no delivery address on this case."))
    if address.grant:
        address.grant = ""
        address.save(update_fields=["grant", "updated_at"])
        with on_behalf_of_consumer(on_behalf):
            append_event(complaint, kind=EventKind.ADDRESS_WITHDRAWN, actor=actor)
        record_audit(action="address.withdraw", actor=actor, obj=complaint)
    return address


def reveal_address(*, actor, complaint_id, ip: str | None = None) -> CaseAddress:
    """The full address for merchant staff the consumer granted it to; every reveal is logged."""
    complaint = access.get_complaint_for(actor, complaint_id)
    refusal = access.address_refusal(actor, complaint)
    if refusal:
        raise NotAllowed(refusal)
    ContactReveal.objects.create(
        complaint=complaint,
        merchant_id=complaint.merchant_id,
        user=actor,
        ip=ip or None,
        what=ContactReveal.What.ADDRESS,
    )
    record_audit(action="address.reveal", actor=actor, obj=complaint, ip=ip)
    return complaint.delivery_address


def address_for(user, complaint: Complaint) -> dict | None:
    """The case's address as `user` may see it: in full, or its district with the reason the rest
    is hidden and whether they may reveal it."""
    address = getattr(complaint, "delivery_address", None)
    if address is None:
        return None
    body = {
        "grant": address.grant,
        "grant_display": address.get_grant_display()
        if address.grant
        else _("Withdrawn: the merchant sees the district only"),
        "updated_at": address.updated_at,
        "district": address.district,
    }
    if access.sees_full_address(user, complaint):
        return {
            **body,
            "recipient": address.recipient,
            "street": address.street,
            "postcode": address.postcode,
            "masked": False,
        }
    refusal = access.address_refusal(user, complaint)
    return {
        **body,
        "recipient": access.mask_name(address.recipient),
        "street": "",
        "postcode": "",
        "masked": True,
        "may_reveal": not refusal,
        "refusal": refusal,
    }
