"""Template helpers for cases: the deadline countdown every party sees, and amounts in yuan."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


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
