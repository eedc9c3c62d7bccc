"""The local gateway, the embedded default (CALL_BACKEND=telephony.backends.local.CallBackend).

It records each binding (LocalBinding) with a middle number from CALL_LOCAL_POOL, as a provider
would, and places no call: telephony.local.play_call produces the callback a provider would
send for a call through one of its bindings.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ..gateway import Bound, PermanentCallError
from ..gateway import CallBackend as BaseCallBackend
from ..models import LocalBinding


class CallBackend(BaseCallBackend):
    provider = "local"

    @transaction.atomic
    def bind(self, *, phone_a, phone_b, expires_at, reference) -> Bound:
        # A middle number serves many pairs, but never two bindings of one phone at once:
        # a call from that phone to it could not tell which one it meant.
        busy = set(
            LocalBinding.objects.select_for_update()
            .filter(active=True)
            .filter(Q(phone_a__in=[phone_a, phone_b]) | Q(phone_b__in=[phone_a, phone_b]))
            .values_list("middle_number", flat=True)
        )
        free = [number for number in settings.CALL_LOCAL_POOL if number not in busy]
        if not free:
            raise PermanentCallError("no free middle number in CALL_LOCAL_POOL")
        binding = LocalBinding.objects.create(
            subscription_id=f"local-{secrets.token_hex(8)}",
            middle_number=free[0],
            phone_a=phone_a,
            phone_b=phone_b,
            expires_at=expires_at,
        )
        return Bound(subscription_id=binding.subscription_id, middle_number=binding.middle_number)

    def unbind(self, *, subscription_id, middle_number) -> None:
        LocalBinding.objects.filter(subscription_id=subscription_id).update(active=False)
