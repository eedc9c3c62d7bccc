"""Playing a call through the local gateway: the callback a provider would send for it."""

import json
import secrets

from django.utils import timezone

from .callbacks import SIGNATURE_HEADER, sign
from .models import LocalBinding


def forget_numbers(numbers) -> None:
    """A deleted account's number leaves the local gateway's records."""
    numbers = [n for n in numbers if n]
    LocalBinding.objects.filter(phone_a__in=numbers).update(phone_a="", active=False)
    LocalBinding.objects.filter(phone_b__in=numbers).update(phone_b="", active=False)


def play_call(*, middle_number: str, caller: str, answered: bool = True, duration: int = 60) -> tuple[bytes, dict]:
    """`caller` dials `middle_number`: the signed body and headers of the callback the local
    gateway sends to /api/v1/calls/callback/local/. LookupError when the caller has no active
    binding on that number (a real provider would not connect the call)."""
    binding = (
        LocalBinding.objects.filter(middle_number=middle_number, active=True, expires_at__gt=timezone.now())
        .filter(phone_a=caller)
        .first()
    ) or LocalBinding.objects.filter(
        middle_number=middle_number, active=True, expires_at__gt=timezone.now(), phone_b=caller
    ).first()
    if binding is None:
        raise LookupError(f"{caller} has no active binding on {middle_number}")
    record = {
        "call_id": f"call-{secrets.token_hex(8)}",
        "subscription_id": binding.subscription_id,
        "caller": caller,
        "started_at": timezone.now().isoformat(),
        "answered": answered,
        "duration": duration if answered else 0,
    }
    body = json.dumps(record).encode()
    return body, {SIGNATURE_HEADER: sign(body), "Content-Type": "application/json"}
