"""Filing a complaint (SPEC "Lifecycle", its first row): the merchant the consumer chose, the
case number, the rate limits on filing and on messages, and the case's first deadline."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Council, Role, User
from mediation.errors import InvalidInput, NotAllowed, Throttled
from merchants.models import Merchant

from .clock import add_days
from .models import CaseSequence, Complaint, ComplaintEvent, EventKind, Party, Status
from .notices import queue_case_notices
from .priority import refresh_merchant_priorities, refresh_priority
from .search import complaint_terms
from .timeline import append_event


def _next_case_number(council: Council, now: datetime.datetime) -> str:
    root = council
    while root.parent_id:
        root = root.parent
    prefix, year = root.case_prefix, timezone.localtime(now).year
    CaseSequence.objects.get_or_create(prefix=prefix, year=year)
    sequence = CaseSequence.objects.select_for_update().get(prefix=prefix, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{prefix}{year}-{sequence.last:06d}"


def root_council() -> Council:
    council = Council.objects.filter(parent__isnull=True).order_by("pk").first()
    if council is None:
        raise InvalidInput(_("The platform has no council yet."))
    return council


def _retry_after(oldest: datetime.datetime | None, window: datetime.timedelta) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, int((oldest + window - timezone.now()).total_seconds()) + 1)


def _check_filing_rate(consumer) -> None:
    """SPEC rate limit: at most COMPLAINTS_PER_DAY complaints per consumer in 24 hours.

    Counted under the consumer's row lock, held until the filing commits: parallel filings
    of one consumer count one after the other, so none slips past the limit.
    """
    User.objects.select_for_update().filter(pk=consumer.pk).first()
    window = datetime.timedelta(days=1)
    recent = Complaint.objects.filter(consumer=consumer, filed_at__gt=timezone.now() - window)
    limit = settings.COMPLAINTS_PER_DAY
    filed = list(recent.order_by("-filed_at").values_list("filed_at", flat=True)[:limit])
    if len(filed) >= limit:
        raise Throttled(
            _("You filed %(n)d complaints in the last 24 hours. Try again later.") % {"n": limit},
            retry_after=_retry_after(filed[-1], window),
        )


def check_message_rate(actor) -> None:
    """At most MESSAGES_PER_HOUR messages per user per hour."""
    window = datetime.timedelta(hours=1)
    limit = settings.MESSAGES_PER_HOUR
    sent = list(
        ComplaintEvent.objects.filter(actor=actor, kind=EventKind.MESSAGE, created_at__gt=timezone.now() - window)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(sent) >= limit:
        raise Throttled(
            _("You sent %(n)d messages in the last hour. Try again later.") % {"n": limit},
            retry_after=_retry_after(sent[-1], window),
        )


def _chosen_merchant(merchant: Merchant | int) -> Merchant:
    """The merchant the consumer chose, of any status: SPEC "Merchants" routes a complaint
    against one not enrolled (applied, suspended, refused) to council review, not away."""
    if not isinstance(merchant, Merchant):
        merchant = Merchant.objects.filter(pk=merchant).select_related("region").first()
    if merchant is None:
        message = _("No such merchant on the platform.")
        raise InvalidInput(message, fields={"merchant": [message]})
    return merchant


@transaction.atomic
def file_complaint(
    *,
    consumer,
    category: str,
    channel: str,
    title: str,
    description: str,
    merchant: Merchant | int | None = None,
    merchant_name: str = "",
    merchant_phone: str = "",
    region: Council | None = None,
    platform: str = "",
    order_number: str = "",
    purchase_date: datetime.date | None = None,
    amount: Decimal = Decimal("0"),
    demands: list[str] | None = None,
    share_contact: bool = False,
) -> Complaint:
    """A consumer files a complaint: straight to an enrolled merchant, else to council review.

    `merchant` is the merchant the consumer chose (pages and API give its id), or None when
    they name one not on the platform.
    """
    if consumer.role != Role.CONSUMER:
        raise NotAllowed(_("Only consumers file complaints."))
    if merchant is not None:
        merchant = _chosen_merchant(merchant)
    _check_filing_rate(consumer)
    if merchant is None:
        if not merchant_name:
            message = _("Name the merchant or choose an enrolled one.")
            raise InvalidInput(message, fields={"merchant_name": [message]})
        council = region or root_council()
    else:
        council = merchant.region
    enrolled = merchant is not None and merchant.is_enrolled
    now = timezone.now()
    complaint = Complaint(
        case_number=_next_case_number(council, now),
        consumer=consumer,
        merchant=merchant,
        merchant_name="" if merchant else merchant_name,
        merchant_phone="" if merchant else merchant_phone,
        council=council,
        council_path=council.path,
        category=category,
        channel=channel,
        platform=platform,
        order_number=order_number,
        purchase_date=purchase_date,
        amount=amount,
        demands=demands or [],
        title=title,
        description=description,
        share_contact=share_contact,
        status=Status.AWAITING_MERCHANT if enrolled else Status.UNDER_REVIEW,
        waiting_on=Party.MERCHANT if enrolled else Party.COUNCIL,
        due_at=add_days(council, now, council.merchant_days if enrolled else council.review_days),
        settle_by=add_days(council, now, council.settlement_days) if enrolled else None,
        filed_at=now,
    )
    complaint.merchant_first_due_at = complaint.due_at if enrolled else None
    complaint.search_terms = complaint_terms(complaint)
    refresh_priority(complaint)
    complaint.save()
    refresh_merchant_priorities(complaint)
    event = append_event(complaint, kind=EventKind.FILED, actor=consumer, from_status="")
    if enrolled:
        queue_case_notices(complaint=complaint, event="filed", key=f"ev{event.pk}", actor=consumer)
    return complaint
