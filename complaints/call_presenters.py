"""Calls through a privacy number as people read them, shared by the case page's panel, the API
and the personal-data export: bindings and calls by role and name, never a phone number but the
middle number of the viewer's own bindings."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, calls
from .models import BindingStatus, CallDirection, CaseBinding, Complaint
from .presenters import call_duration, call_parties

LIMIT = 100


def _maker(viewer, complaint: Complaint, binding: CaseBinding) -> str:
    if binding.created_by_id == complaint.consumer_id:
        return access.consumer_contact_for(viewer, complaint).name
    return binding.created_by.display_name


def binding_row(viewer, complaint: Complaint, binding: CaseBinding) -> dict:
    active = binding.status == BindingStatus.ACTIVE and binding.expires_at > timezone.now()
    if active:
        status, label = "active", BindingStatus.ACTIVE.label
    elif binding.status == BindingStatus.ACTIVE:
        status, label = "expired", _("Expired")  # the periodic job has not unbound it yet
    else:
        status, label = binding.status, binding.get_status_display()
    return {
        "id": binding.pk,
        "direction": binding.direction,
        "direction_display": str(binding.get_direction_display()),
        "privacy_number": binding.middle_number,
        "status": status,
        "status_display": str(label),
        "active": active,
        "mine": binding.created_by_id == viewer.pk,
        "made_by": _maker(viewer, complaint, binding),
        "merchant_side": (
            binding.merchant_user.display_name if binding.merchant_user_id else complaint.merchant_display_name
        ),
        "created_at": binding.created_at,
        "expires_at": binding.expires_at,
        "unbound_at": binding.unbound_at,
        # Staff see why an unbinding waits for the next run.
        "unbind_error": binding.last_error if viewer.is_council_staff else "",
    }


def call_row(viewer, complaint: Complaint, call) -> dict:
    data = {
        "caller_party": call.caller_party,
        "merchant_name": (
            call.binding.merchant_user.display_name
            if call.binding.merchant_user_id
            else complaint.merchant_display_name
        ),
    }
    caller, callee = call_parties(viewer, complaint, data)
    return {
        "id": call.pk,
        "caller_party": call.caller_party,
        "caller": caller,
        "callee": callee,
        "started_at": call.started_at,
        "answered": call.answered,
        "duration_seconds": call.duration_seconds,
        "duration_display": call_duration(call.duration_seconds) if call.answered else "",
    }


def consumer_calls(consumer, complaint: Complaint) -> dict:
    """The consumer's personal-data export of one case: their bindings (the middle number, never
    the merchant's phone) and the case's calls."""

    def plain(row: dict) -> dict:
        return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()}

    return {
        "calls_enabled": complaint.calls_enabled,
        "bindings": [plain(binding_row(consumer, complaint, b)) for b in calls.bindings_for(consumer, complaint)],
        "calls": [plain(call_row(consumer, complaint, c)) for c in calls.calls_for(consumer, complaint)],
    }


def calls_overview(viewer, complaint: Complaint, *, with_calls: bool = True) -> dict:
    """What the calls panel and GET /api/v1/complaints/{id}/calls/ show this viewer. The case
    page leaves the calls out (`with_calls=False`): its timeline already shows each one."""
    bindings = [binding_row(viewer, complaint, b) for b in calls.bindings_for(viewer, complaint)[:LIMIT]]
    direction = ""
    if viewer.is_merchant_user:
        direction = CallDirection.TO_CONSUMER
    elif access.is_consumer_in_person(viewer, complaint):
        direction = CallDirection.TO_MERCHANT
    status, reason = access.call_refusal(viewer, complaint, direction) if direction else (403, "")
    switch_status, _reason = access.calls_switch_refusal(viewer, complaint)
    if switch_status == 0 and not complaint.calls_enabled:
        reason = ""  # the consumer turned them off: the switch below says so in their words
    return {
        "calls_enabled": complaint.calls_enabled,
        "direction": direction,
        # The binding connects only this phone: the panel says which one, masked.
        "from_phone": access.mask_phone(viewer.phone or "") if direction else "",
        "may_call": status == 0,
        "call_refusal": reason if status == 409 else "",
        "may_switch": switch_status == 0,
        # Staff see every binding; the number to dial is only ever the viewer's own.
        "active_binding": next((b for b in bindings if b["active"] and b["mine"]), None),
        "bindings": bindings,
        "calls": [call_row(viewer, complaint, c) for c in calls.calls_for(viewer, complaint)[:LIMIT]]
        if with_calls
        else [],
        "call_url": reverse("complaints:call", args=[complaint.pk]),
        "switch_url": reverse(
            "complaints:calls_switch", args=[complaint.pk, "off" if complaint.calls_enabled else "on"]
        ),
    }
