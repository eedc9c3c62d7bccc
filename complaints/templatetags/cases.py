"""Template helpers for cases: the deadline countdown every party sees."""

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
