"""The priority score staff queues sort by (SPEC "Priority"). Each rule adds points
and a reason; the reasons are shown beside the score."""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import OPEN_STATUSES, Category, Channel, Complaint

RULES = {
    "safety": (40, gettext_noop("Safety complaint")),
    "overdue": (30, gettext_noop("Past its deadline")),
    "amount": (20, gettext_noop("Amount above the threshold")),
    "repeat_merchant": (15, gettext_noop("Merchant has several open complaints")),
    "livestream": (10, gettext_noop("Live-stream purchase")),
}
REPEAT_MERCHANT_OPEN = 3


def priority_of(complaint: Complaint) -> tuple[int, list[str]]:
    reasons = []
    if complaint.category == Category.SAFETY:
        reasons.append("safety")
    if complaint.is_open and (complaint.is_overdue or (complaint.due_at and complaint.due_at < timezone.now())):
        reasons.append("overdue")
    if complaint.amount is not None and Decimal(complaint.amount) > Decimal(settings.PRIORITY_AMOUNT_THRESHOLD):
        reasons.append("amount")
    if complaint.merchant_id and complaint.is_open:
        open_count = (
            Complaint.objects.filter(merchant_id=complaint.merchant_id, status__in=OPEN_STATUSES)
            .exclude(pk=complaint.pk)
            .count()
        )
        if open_count + 1 >= REPEAT_MERCHANT_OPEN:
            reasons.append("repeat_merchant")
    if complaint.channel == Channel.LIVESTREAM:
        reasons.append("livestream")
    return sum(RULES[r][0] for r in reasons), reasons


def refresh_priority(complaint: Complaint) -> None:
    complaint.priority, complaint.priority_reasons = priority_of(complaint)
