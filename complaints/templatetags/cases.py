"""Template helpers for cases: the deadline countdown every party sees, amounts in yuan, the colour
of a status badge, and whether a case waits on the person viewing it."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Outcome, Status
from ..waiting import is_your_move

register = template.Library()

# What a badge's colour says: "good" (green) only for a case put right, "bad" (red) for a case closed
# without a remedy, "neutral" (grey) for a case that ended without a verdict either way.
OUTCOME_TONES = {
    Outcome.RESOLVED: "good",
    Outcome.UNCONFIRMED: "neutral",
    Outcome.WITHDRAWN: "neutral",
    Outcome.NOT_SETTLED: "bad",
    Outcome.NO_REPLY: "bad",
    Outcome.REJECTED: "bad",
}
# An open case: blue while a party is asked to answer, amber while the council works on it,
# green once a settlement is agreed.
STATUS_TONES = {
    Status.UNDER_REVIEW: "working",
    Status.IN_MEDIATION: "working",
    Status.SETTLED: "good",
}


@register.filter
def countdown(due_at) -> str:
    """'2 days 3 h left' or 'overdue by 5 h', from now to the deadline."""
    if not due_at:
        return ""
    delta = due_at - timezone.now()
    seconds = abs(int(delta.total_seconds()))
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    if days:
        span = ngettext("%(d)d day", "%(d)d days", days) % {"d": days} + " " + _("%(h)d h") % {"h": hours}
    elif hours:
        span = _("%(h)d h") % {"h": hours}
    else:
        span = _("%(m)d min") % {"m": max(1, seconds // 60)}
    if delta.total_seconds() < 0:
        return _("overdue by %(span)s") % {"span": span}
    return _("%(span)s left") % {"span": span}


@register.filter
def is_late(due_at) -> bool:
    return bool(due_at) and due_at < timezone.now()


@register.filter
def cny(amount) -> str:
    """An amount in yuan as '¥1,234.56' (two decimals, thousands grouped); '' when blank or not a number."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    if not value.is_finite():
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


@register.filter
def status_tone(case) -> str:
    """The CSS classes of a case's status badge: its status, and a tone by what the state means
    for the consumer (see OUTCOME_TONES and STATUS_TONES)."""
    if case.status == Status.CLOSED:
        tone = OUTCOME_TONES.get(case.outcome, "neutral")
    else:
        tone = STATUS_TONES.get(case.status, "waiting")
    return f"status-{case.status} tone-{tone}"


@register.filter
def waits_on(case, user) -> bool:
    """Whether an open case waits on the person viewing it: "waiting on you" on a list."""
    return case.is_open and getattr(user, "is_authenticated", False) and is_your_move(user, case)
