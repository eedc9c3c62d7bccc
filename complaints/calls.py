"""Calls between the merchant and the consumer through a privacy number (README "Calls through a
privacy number").

Merchant staff ask for a binding to call the consumer, the consumer one to call the merchant:
the gateway (telephony) joins both phones to a middle number, and each side sees only that
number. A binding ends when it expires (CALL_BINDING_MINUTES), when its case closes, or when
the consumer turns calls off; release_bindings (a periodic job) unbinds those at the gateway and
tries a failed unbinding again on its next run. Each call the gateway reports is a timeline
event every party sees: who called whom by role and name, never a number.

No network call is made inside a transaction: the gateway binds before the row is written (the
case is checked again under its lock, and a binding the case no longer allows is unbound at
once), and unbinds after the row was marked.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record as record_audit
from mediation.errors import DomainError, NotAllowed, WrongState
from telephony.gateway import CallGatewayError, CallRecord, call_backend
from telephony.local import forget_numbers as forget_local_numbers

from . import access, tasks
from .models import (
    OPEN_STATUSES,
    BindingStatus,
    CallDirection,
    CaseBinding,
    CaseCall,
    Complaint,
    EventKind,
)
from .notices import queue_case_notices
from .timeline import append_event

logger = logging.getLogger(__name__)

# A binding about to expire is not handed out again: the caller would lose it mid-call.
REUSE_MARGIN = datetime.timedelta(minutes=10)
MAX_UNBIND_ATTEMPTS_LOGGED = 100


class CallGatewayUnavailable(DomainError):
    """The privacy-number gateway did not bind (down, throttled, refused): nothing was made."""

    status_code = 503
    code = "call_gateway_unavailable"

    def __init__(self, message=None):
        super().__init__(message or _("The call service is not available right now. Try again in a few minutes."))


def _refuse(status: int, reason: str, complaint: Complaint) -> None:
    if status == 403:
        raise NotAllowed(reason)
    if status:
        raise WrongState(reason, status=complaint.status)


def check_may_bind(user, complaint: Complaint, direction: str) -> None:
    _refuse(*access.call_refusal(user, complaint, direction), complaint)


def _reusable(user, complaint: Complaint, direction: str) -> CaseBinding | None:
    qs = CaseBinding.objects.filter(
        complaint=complaint,
        direction=direction,
        created_by=user,
        status=BindingStatus.ACTIVE,
        expires_at__gt=timezone.now() + REUSE_MARGIN,
    )
    return qs.order_by("-created_at").first()


def bind_for_case(*, actor: User, complaint_id, direction: str, ip: str | None = None) -> CaseBinding:
    """A binding for `actor` on the case, made at the gateway (or their active one again).

    403 for a role that may never, 409 for a case that does not allow it now (closed, calls
    turned off, no phone), 503 when the gateway does not bind. Each binding handed out is
    audited, as a reveal is."""
    complaint = access.get_complaint_for(actor, complaint_id)
    check_may_bind(actor, complaint, direction)
    existing = _reusable(actor, complaint, direction)
    if existing is not None:
        record_audit(action="calls.bind", actor=actor, obj=complaint, ip=ip, extra=_audit_extra(existing, reused=True))
        return existing
    if direction == CallDirection.TO_CONSUMER:
        merchant_user, merchant_phone = actor, actor.phone
        phone_a, phone_b = merchant_phone, complaint.consumer.phone
    else:
        merchant_user, merchant_phone = access.merchant_phone_for_calls(complaint)
        phone_a, phone_b = complaint.consumer.phone, merchant_phone
    now = timezone.now()
    expires_at = now + datetime.timedelta(minutes=settings.CALL_BINDING_MINUTES)
    try:
        backend = call_backend()
        bound = backend.bind(phone_a=phone_a, phone_b=phone_b, expires_at=expires_at, reference=f"c{complaint.pk}")
    except CallGatewayError as exc:
        logger.warning("call gateway did not bind for case %s: %s", complaint.pk, exc)
        raise CallGatewayUnavailable() from exc
    with transaction.atomic():
        locked = access.get_complaint_for(actor, complaint.pk, for_update=True)
        refusal = access.call_refusal(actor, locked, direction)
        binding = CaseBinding.objects.create(
            complaint=locked,
            direction=direction,
            merchant_user=merchant_user,
            consumer_phone=locked.consumer.phone or "",
            merchant_phone=merchant_phone,
            middle_number=bound.middle_number,
            provider=backend.provider,
            subscription_id=bound.subscription_id,
            created_by=actor,
            created_at=now,
            expires_at=expires_at,
            # The case changed while the gateway bound (closed, calls turned off): the binding
            # is let go at once instead of handed out.
            status=BindingStatus.UNBINDING if refusal[0] else BindingStatus.ACTIVE,
        )
        if not refusal[0]:
            record_audit(action="calls.bind", actor=actor, obj=locked, ip=ip, extra=_audit_extra(binding))
            if direction == CallDirection.TO_CONSUMER:
                # A call from an unknown number is easily taken for a nuisance: the consumer
                # is told which number the merchant calls from, once per binding.
                until = formats.date_format(timezone.localtime(expires_at), "H:i")
                queue_case_notices(
                    complaint=locked,
                    event="call_coming",
                    key=f"binding{binding.pk}",
                    actor=actor,
                    extra={"number": binding.middle_number, "until": until},
                )
    if refusal[0]:
        unbind(binding)
        _refuse(*refusal, locked)
    return binding


def _audit_extra(binding: CaseBinding, *, reused: bool = False) -> dict:
    extra = {
        "binding": binding.pk,
        "direction": binding.direction,
        "privacy_number": binding.middle_number,
        "expires_at": binding.expires_at.isoformat(),
    }
    return {**extra, "reused": True} if reused else extra


# --- turning calls off and on ---------------------------------------------------------------


def set_calls_enabled(*, actor: User, complaint_id, enabled: bool, ip: str | None = None) -> Complaint:
    """The consumer turns calls through the privacy number off or on for the case. Off, no
    binding is made and the active ones are unbound (after commit, and by the periodic job if
    the gateway fails). The same switch twice changes nothing the second time."""
    complaint = access.get_complaint_for(actor, complaint_id)
    _refuse(*access.calls_switch_refusal(actor, complaint), complaint)
    with transaction.atomic():
        complaint = access.get_complaint_for(actor, complaint.pk, for_update=True)
        _refuse(*access.calls_switch_refusal(actor, complaint), complaint)
        if complaint.calls_enabled == enabled:
            return complaint
        complaint.calls_enabled = enabled
        complaint.save(update_fields=["calls_enabled"])
        event = append_event(
            complaint, kind=EventKind.CALLS_TURNED_ON if enabled else EventKind.CALLS_TURNED_OFF, actor=actor
        )
        released = 0
        if not enabled:
            queue_case_notices(complaint=complaint, event="calls_turned_off", key=f"ev{event.pk}", actor=actor)
            released = complaint.call_bindings.filter(status=BindingStatus.ACTIVE).update(
                status=BindingStatus.UNBINDING
            )
            # Let go at once by a task; the periodic job catches any the task does not.
            transaction.on_commit(lambda: tasks.release_case_bindings.delay(complaint.pk), robust=True)
        record_audit(
            action="calls.on" if enabled else "calls.off",
            actor=actor,
            obj=complaint,
            ip=ip,
            extra={"bindings_released": released},
        )
    return complaint


# --- letting bindings go ------------------------------------------------------------------


def unbind(binding: CaseBinding) -> bool:
    """Unbind one binding marked UNBINDING at its gateway; on failure it stays marked, with its
    error, for the next run. True when it is unbound."""
    try:
        backend = call_backend()
        if backend.provider != binding.provider:
            raise CallGatewayError(f"the binding is {binding.provider}'s; CALL_BACKEND is {backend.provider}'s")
        backend.unbind(subscription_id=binding.subscription_id, middle_number=binding.middle_number)
    except CallGatewayError as exc:
        CaseBinding.objects.filter(pk=binding.pk, status=BindingStatus.UNBINDING).update(
            unbind_attempts=binding.unbind_attempts + 1, last_error=str(exc)[:500]
        )
        logger.warning("call gateway did not unbind binding %s: %s", binding.pk, exc)
        return False
    CaseBinding.objects.filter(pk=binding.pk, status=BindingStatus.UNBINDING).update(
        status=BindingStatus.UNBOUND, unbound_at=timezone.now(), last_error=""
    )
    return True


def release_case_bindings(complaint_id: int) -> int:
    """Unbind the case's bindings marked for it; those the gateway fails wait for the job."""
    marked = CaseBinding.objects.filter(complaint_id=complaint_id, status=BindingStatus.UNBINDING)
    return sum(1 for binding in marked if unbind(binding))


def release_bindings(now: datetime.datetime | None = None) -> dict[str, int]:
    """The periodic job: mark the active bindings of closed cases, of cases with calls off, of
    merchant staff no longer active and expired ones for unbinding, then unbind every marked one
    (a failure waits for the next run). Safe to run twice at once: unbinding twice is done at
    the gateway, and a row leaves UNBINDING only once."""
    now = now or timezone.now()
    ending = (
        Q(expires_at__lte=now)
        | ~Q(complaint__status__in=OPEN_STATUSES)
        | Q(complaint__calls_enabled=False)
        # An agent who left the merchant's team keeps no way to reach the consumer.
        | Q(merchant_user__is_active=False)
    )
    marked = (
        CaseBinding.objects.filter(status=BindingStatus.ACTIVE).filter(ending).update(status=BindingStatus.UNBINDING)
    )
    unbound = failed = 0
    for binding in CaseBinding.objects.filter(status=BindingStatus.UNBINDING).order_by("unbind_attempts", "id"):
        if unbind(binding):
            unbound += 1
        else:
            failed += 1
    return {"marked": marked, "unbound": unbound, "failed": failed}


# --- calls the gateway reports ----------------------------------------------------------------


def _caller_party(binding: CaseBinding, record: CallRecord) -> str | None:
    if record.caller_number and record.caller_number == binding.merchant_phone:
        return "merchant"
    if record.caller_number and record.caller_number == binding.consumer_phone:
        return "consumer"
    # The consumer's number was removed (account deleted): only the merchant's side is known.
    return None


def record_call(record: CallRecord) -> tuple[CaseCall | None, bool]:
    """One call the gateway reported: a CaseCall and a timeline event, once per call id.
    (call, whether recorded now); None for a call of a binding this platform did not make or
    from a number not bound."""
    binding = (
        CaseBinding.objects.select_related("complaint", "merchant_user")
        .filter(provider=record.provider, subscription_id=record.subscription_id)
        .first()
    )
    if binding is None:
        logger.info("call %s of unknown %s binding %s", record.call_id, record.provider, record.subscription_id)
        return None, False
    party = _caller_party(binding, record)
    if party is None:
        logger.info("call %s on binding %s from a number not bound", record.call_id, binding.pk)
        return None, False
    known = CaseCall.objects.filter(provider=record.provider, call_id=record.call_id).first()
    if known is not None:
        return known, False
    complaint = binding.complaint
    try:
        with transaction.atomic():
            call = CaseCall.objects.create(
                complaint=complaint,
                binding=binding,
                provider=record.provider,
                call_id=record.call_id,
                caller_party=party,
                started_at=record.started_at,
                duration_seconds=record.duration_seconds,
                answered=record.answered,
            )
            caller = complaint.consumer if party == "consumer" else binding.merchant_user
            call.event = append_event(
                complaint,
                kind=EventKind.CALL_ANSWERED if record.answered else EventKind.CALL_MISSED,
                actor=caller,
                data={
                    "call": call.pk,
                    "caller_party": party,
                    "callee_party": "merchant" if party == "consumer" else "consumer",
                    # The merchant side by name (the user bound, or the merchant itself); the
                    # consumer's name is shown as each viewer may see it (access.actor_name_for).
                    "merchant_user": binding.merchant_user_id,
                    "merchant_name": (
                        binding.merchant_user.display_name
                        if binding.merchant_user_id
                        else complaint.merchant_display_name
                    ),
                    "started_at": record.started_at,
                    "duration": record.duration_seconds,
                    "answered": record.answered,
                },
            )
            call.save(update_fields=["event"])
    except IntegrityError:
        # The same report at the same moment from another process: that one recorded it.
        return CaseCall.objects.filter(provider=record.provider, call_id=record.call_id).first(), False
    return call, True


# --- a deleted account ---------------------------------------------------------------------


def forget_consumer_phone(*, consumer: User) -> int:
    """Account deletion: the consumer's number leaves every binding of their cases, here and in
    the local gateway's records (a provider forgets it when the binding ends)."""
    bindings = CaseBinding.objects.filter(complaint__consumer=consumer).exclude(consumer_phone="")
    numbers = set(bindings.values_list("consumer_phone", flat=True))
    if consumer.phone:
        numbers.add(consumer.phone)
    forget_local_numbers(numbers)
    return bindings.update(consumer_phone="")


# --- what people see ------------------------------------------------------------------------


def bindings_for(user, complaint: Complaint) -> QuerySet[CaseBinding]:
    """Staff see every binding of the case; a party only the ones made for them."""
    qs = complaint.call_bindings.select_related("merchant_user", "created_by").order_by("-created_at", "-id")
    if user.is_council_staff:
        return qs
    return qs.filter(created_by=user)


def calls_for(user, complaint: Complaint) -> QuerySet[CaseCall]:
    """Every party sees the case's calls (they are on its timeline)."""
    return complaint.calls.select_related("binding__merchant_user").order_by("-started_at", "-id")
