"""The priority score staff queues sort by (SPEC "Priority").

Each rule that applies adds its points and a reason; the score is the sum, and the
reasons are shown beside it (queue, case page, API `priority_reasons`):

================  ======  ================================================================
rule              points  applies when
================  ======  ================================================================
safety                40  the complaint's category is safety
overdue               30  the case is open and past its deadline (or marked overdue)
amount                20  the amount is above settings.PRIORITY_AMOUNT_THRESHOLD (5,000 CNY)
repeat_merchant       15  the merchant has at least REPEAT_MERCHANT_OPEN (3) open complaints,
                          this one included
livestream            10  the purchase was made in a live-stream
================  ======  ================================================================

Staff queues list the highest score first, then the oldest filing first (a tie keeps
first-come, first-served), then the case id.

The score is stored on the complaint, so queues sort and filter on an index. It is
recomputed whenever one of its inputs changes:
- on every transition of the state machine (complaints/workflow.py `_move`), and at filing;
- when a deadline passes: the deadline job moves the case (which recomputes it) or marks a
  staff deadline overdue (which recomputes it too);
- when another complaint against the same merchant is filed or closed: the merchant's open
  count changes, so `refresh_merchant_priorities` updates the merchant's other open
  complaints in the same transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import IntegerField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from .models import OPEN_STATUSES, Category, Channel, Complaint

RULES = {
    "safety": (40, gettext_noop("Safety complaint")),
    "overdue": (30, gettext_noop("Past its deadline")),
    "amount": (20, gettext_noop("Amount above the threshold")),
    "repeat_merchant": (15, gettext_noop("Merchant has several open complaints")),
    "livestream": (10, gettext_noop("Live-stream purchase")),
}
REPEAT_MERCHANT_OPEN = 3


def open_count_besides(merchant_id: int, exclude_pk: int | None) -> int:
    """The merchant's open complaints other than this one, counted up to one past
    REPEAT_MERCHANT_OPEN: the rules only ask whether the count reaches it, and a merchant
    with hundreds of open cases is counted as fast as one with four."""
    others = Complaint.objects.filter(merchant_id=merchant_id, status__in=OPEN_STATUSES)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.order_by()[: REPEAT_MERCHANT_OPEN + 1].count()


class _CappedCount(Subquery):
    """How many rows a subquery with a LIMIT finds: counting stops at the limit."""

    template = "(SELECT count(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


def open_count_of_merchant() -> _CappedCount:
    """open_count_besides(merchant, None) as an annotation of a merchant query, so the merchant
    a consumer files against and its open cases are read at once."""
    open_cases = Complaint.objects.filter(merchant_id=OuterRef("pk"), status__in=OPEN_STATUSES)
    return _CappedCount(open_cases.order_by().values("pk")[: REPEAT_MERCHANT_OPEN + 1])


def priority_of(complaint: Complaint, *, merchant_open: int | None = None) -> tuple[int, list[str]]:
    """The score and its reasons. `merchant_open` is the merchant's open complaints other than
    this one, when the caller has counted them already."""
    reasons = []
    if complaint.category == Category.SAFETY:
        reasons.append("safety")
    if complaint.is_open and (complaint.is_overdue or (complaint.due_at and complaint.due_at < timezone.now())):
        reasons.append("overdue")
    if complaint.amount is not None and Decimal(complaint.amount) > Decimal(settings.PRIORITY_AMOUNT_THRESHOLD):
        reasons.append("amount")
    if complaint.merchant_id and complaint.is_open:
        if merchant_open is None:
            merchant_open = open_count_besides(complaint.merchant_id, complaint.pk)
        if merchant_open + 1 >= REPEAT_MERCHANT_OPEN:
            reasons.append("repeat_merchant")
    if complaint.channel == Channel.LIVESTREAM:
        reasons.append("livestream")
    return sum(RULES[r][0] for r in reasons), reasons


def refresh_priority(complaint: Complaint, *, merchant_open: int | None = None) -> None:
    complaint.priority, complaint.priority_reasons = priority_of(complaint, merchant_open=merchant_open)


def refresh_merchant_priorities(complaint: Complaint, *, others_open: int | None = None) -> int:
    """After `complaint` was filed or closed, rescore the merchant's other open complaints.

    Call it inside the transaction that saved the change. The repeat_merchant rule flips
    only when the merchant's open count crosses REPEAT_MERCHANT_OPEN, and then the merchant
    has at most that many open complaints; above it every other complaint already carries
    the reason. So this reads and writes at most a handful of rows, however big the merchant.
    Rows another transaction holds are skipped: that transaction rescores its own case.
    `others_open` is open_count_besides for this complaint when the caller counted it already
    (filing counts once for the new case's own score and for this). Returns how many changed.
    """
    if not complaint.merchant_id:
        return 0
    if others_open is None:
        others_open = open_count_besides(complaint.merchant_id, complaint.pk)
    # Every other open complaint counts `others_open` besides itself after this change (one
    # more than before a filing, one fewer than before a closing): its reason changes only
    # when that count is the one at which the rule starts to apply.
    if others_open != REPEAT_MERCHANT_OPEN - 1:
        return 0
    others = (
        Complaint.objects.select_for_update(skip_locked=True)
        .filter(merchant_id=complaint.merchant_id, status__in=OPEN_STATUSES)
        .exclude(pk=complaint.pk)
        .order_by("pk")
    )
    changed = 0
    for other in others:
        # The other's count of "open complaints besides itself" includes this complaint when open.
        score, reasons = priority_of(other, merchant_open=others_open - 1 + (1 if complaint.is_open else 0))
        if (score, reasons) != (other.priority, other.priority_reasons):
            Complaint.objects.filter(pk=other.pk).update(priority=score, priority_reasons=reasons)
            changed += 1
    return changed


def rule_explanations() -> list[tuple[str, int, str]]:
    """The rules in words for the queue's "How priority is scored" box: (code, points, text)."""
    amount = Decimal(settings.PRIORITY_AMOUNT_THRESHOLD)
    texts = {
        "safety": gettext("The complaint is about product or service safety."),
        "overdue": gettext("The case is open and its deadline has passed."),
        "amount": gettext("The amount is above %(amount)s CNY.") % {"amount": f"{amount:,.0f}"},
        "repeat_merchant": gettext("The merchant has at least %(n)d open complaints, this one included.")
        % {"n": REPEAT_MERCHANT_OPEN},
        "livestream": gettext("The purchase was made in a live-stream."),
    }
    return [(code, points, texts[code]) for code, (points, _label) in RULES.items()]
