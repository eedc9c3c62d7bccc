"""A merchant's record, from its cases over the trailing 12 months (SPEC "Merchants"): the
indicators, the credit index and its formula, the sector's medians, the merchants named for
unanswered cases, and the record as table rows. Every figure is computed in the database."""

import datetime
import statistics
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from merchants.models import Merchant, MerchantStatus, OverdueMark, Violation, ViolationStatus
from merchants.selectors import enrolled_merchants

from .models import Complaint, ComplaintEvent, EventKind, Outcome, Status

RECORD_PERIOD = datetime.timedelta(days=365)

# --- indicators and the credit index ------------------------------------------------------

# The credit index (SPEC "Merchants"), shown on every public record with this formula.
CREDIT_WEIGHTS = {"answered_in_time": 40, "resolution": 30, "satisfaction": 30}
VIOLATION_PENALTY = 10
OVERDUE_PENALTY = 5


def credit_index(record: dict) -> float | None:
    """The merchant's credit index, 0-100, over the trailing 12 months.

        index = 100 × (40·A + 30·R + 30·S) / (sum of the weights of the parts that have data)
                − 10 × confirmed violations − 5 × overdue marks,  kept within 0 and 100

    A: the share of complaints answered within the deadline, among those whose answer fell
       due (answered, or passed to the council unanswered);
    R: the resolution rate, resolved / closed; resolved means the consumer confirmed the
       settlement was carried out (unconfirmed and no-reply closures are not resolved);
    S: (average satisfaction − 1) / 4, scores 1 to 5.

    A part with n = 0 is left out and the other weights scale up; with no part at all the
    base is 100. A merchant without any complaint, violation or overdue mark in the period
    has no index (None): there is nothing to judge it by.
    """
    # Exact shares from the counts, not the rounded percentages shown.
    parts = [
        (CREDIT_WEIGHTS["answered_in_time"], record["answered_in_time"], record["answered_in_time_rate"]["n"]),
        (CREDIT_WEIGHTS["resolution"], record["resolved"], record["resolution_rate"]["n"]),
    ]
    satisfaction = record["average_satisfaction"]
    penalties = VIOLATION_PENALTY * record["confirmed_violations"] + OVERDUE_PENALTY * record["overdue_marks"]
    if not record["complaints_received"] and not penalties:
        return None
    weighted = total = 0.0
    for weight, part, whole in parts:
        if whole:
            weighted += weight * part / whole
            total += weight
    if satisfaction["n"]:
        weighted += CREDIT_WEIGHTS["satisfaction"] * (satisfaction["value"] - 1) / 4
        total += CREDIT_WEIGHTS["satisfaction"]
    base = 100 * weighted / total if total else 100.0
    return round(min(100.0, max(0.0, base - penalties)), 1)


def _rate(part: int, whole: int) -> dict:
    return {"rate": round(100 * part / whole, 1) if whole else None, "n": whole}


# Why a record shows no credit index (the API's `credit_index_reason`).
NO_CASES = "no_cases"
NOT_ENOUGH_CASES = "not_enough_cases"


def counted_cases() -> Q:
    """The cases a merchant's record counts: those it was given to answer.

    A case counts when it was sent to the merchant (it got a first answer deadline; a case filed
    before the merchant enrolled went to council review instead and never did), unless the
    council rejected it, or the consumer withdrew it before the merchant answered or let its
    deadline pass.
    """
    late = OverdueMark.objects.filter(stage=OverdueMark.Stage.ANSWER).values("complaint_id")
    withdrawn_first = Q(outcome=Outcome.WITHDRAWN, first_response_at__isnull=True) & ~Q(pk__in=late)
    return Q(merchant_first_due_at__isnull=False) & ~Q(outcome=Outcome.REJECTED) & ~withdrawn_first


def _index_and_reason(record: dict) -> tuple[float | None, str | None]:
    if record["complaints_received"] < settings.RECORD_MIN_CASES:
        return None, NOT_ENOUGH_CASES if record["complaints_received"] else NO_CASES
    return credit_index(record), None


def _record(row: dict, marks: int, violations: dict, since, now) -> dict:
    response = row.get("average_first_response")
    satisfaction = row.get("average_satisfaction")
    received = row.get("received", 0)
    record = {
        "since": timezone.localtime(since).date(),
        "until": timezone.localtime(now).date(),
        "complaints_received": received,
        "answered": row.get("answered", 0),
        "answer_rate": _rate(row.get("answered", 0), received),
        "answered_in_time": row.get("answered_in_time", 0),
        "answered_in_time_rate": _rate(row.get("answered_in_time", 0), row.get("answer_due", 0)),
        "closed": row.get("closed", 0),
        "resolved": row.get("resolved", 0),
        "unconfirmed": row.get("unconfirmed", 0),
        "no_reply": row.get("no_reply", 0),
        "resolution_rate": _rate(row.get("resolved", 0), row.get("closed", 0)),
        "average_first_response_hours": round(response.total_seconds() / 3600, 1) if response is not None else None,
        "average_satisfaction": {
            "value": round(float(satisfaction), 2) if satisfaction is not None else None,
            "n": row.get("rated", 0),
        },
        "overdue_marks": marks,
        "confirmed_violations": violations.get("n", 0),
        "compensation_owed": violations.get("owed") or 0,
    }
    record["min_cases"] = settings.RECORD_MIN_CASES
    record["credit_index"], record["credit_index_reason"] = _index_and_reason(record)
    return record


def indicators_for(merchants: Iterable[int] | QuerySet, *, now: datetime.datetime | None = None) -> dict[int, dict]:
    """Each merchant's indicators over the trailing 12 months, keyed by merchant id.

    Three grouped queries, whatever the number of merchants: one row per merchant, never
    one per complaint. `merchants` is a list of ids or a queryset of merchants (a subquery).
    Only the cases the merchant was given to answer count (counted_cases); the credit index
    needs at least settings.RECORD_MIN_CASES of them, else it is None with a reason.
    """
    now = now or timezone.now()
    since = now - RECORD_PERIOD
    if isinstance(merchants, QuerySet):
        ids_filter = merchants.values("pk")
        wanted = None
    else:
        wanted = [int(pk) for pk in merchants]
        ids_filter = wanted
    late = OverdueMark.objects.filter(stage=OverdueMark.Stage.ANSWER).values("complaint_id")
    answered = Q(first_response_at__isnull=False)
    was_late = Q(pk__in=late)
    rows = (
        Complaint.objects.filter(merchant_id__in=ids_filter, filed_at__gte=since, filed_at__lte=now)
        .filter(counted_cases())
        .values("merchant_id")
        .annotate(
            received=Count("id"),
            answered=Count("id", filter=answered),
            answered_in_time=Count("id", filter=answered & ~was_late),
            answer_due=Count("id", filter=answered | was_late),
            # A withdrawal after the merchant answered is neither resolved nor a failure.
            closed=Count("id", filter=Q(status=Status.CLOSED) & ~Q(outcome=Outcome.WITHDRAWN)),
            resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
            unconfirmed=Count("id", filter=Q(outcome=Outcome.UNCONFIRMED)),
            no_reply=Count("id", filter=Q(outcome=Outcome.NO_REPLY)),
            rated=Count("id", filter=Q(satisfaction__isnull=False)),
            average_satisfaction=Avg("satisfaction"),
            average_first_response=Avg(
                ExpressionWrapper(F("first_response_at") - F("filed_at"), output_field=DurationField()),
                filter=answered,
            ),
        )
        .order_by()
    )
    by_merchant = {row["merchant_id"]: row for row in rows}
    marks = dict(
        OverdueMark.objects.filter(merchant_id__in=ids_filter, created_at__gte=since, created_at__lte=now)
        .values_list("merchant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    violations = {
        row["merchant_id"]: row
        for row in Violation.objects.filter(
            merchant_id__in=ids_filter,
            status=ViolationStatus.CONFIRMED,
            decided_at__gte=since,
            decided_at__lte=now,
        )
        .values("merchant_id")
        .annotate(n=Count("id"), owed=Sum("compensation"))
        .order_by()
    }
    if wanted is None:
        wanted = list(merchants.values_list("pk", flat=True))
    return {pk: _record(by_merchant.get(pk, {}), marks.get(pk, 0), violations.get(pk, {}), since, now) for pk in wanted}


def public_record(merchant: Merchant, *, now: datetime.datetime | None = None) -> dict:
    """Indicators over the trailing 12 months, computed in the database (SPEC "Merchants").

    A case counts as resolved only when the consumer confirmed it; unconfirmed and
    no-reply closures are reported on their own lines, never as resolved.
    """
    return indicators_for([merchant.pk], now=now)[merchant.pk]


def credit_indexes(merchant_ids: Iterable[int], *, now: datetime.datetime | None = None) -> dict[int, float | None]:
    """The credit index of each merchant (the public list shows a page of them at a time)."""
    return {pk: record["credit_index"] for pk, record in indicators_for(merchant_ids, now=now).items()}


def confirmed_violations_of(merchant: Merchant, *, now: datetime.datetime | None = None) -> QuerySet[Violation]:
    since = (now or timezone.now()) - RECORD_PERIOD
    return merchant.violations.filter(status=ViolationStatus.CONFIRMED, decided_at__gte=since).order_by(
        "-decided_at", "-id"
    )


# --- the sector's median ----------------------------------------------------------------

# The indicators a merchant sees beside its sector's median: (key, how to read it from a record).
COMPARED = {
    "complaints_received": lambda r: r["complaints_received"],
    "answered_in_time_rate": lambda r: r["answered_in_time_rate"]["rate"],
    "resolution_rate": lambda r: r["resolution_rate"]["rate"],
    "unconfirmed": lambda r: r["unconfirmed"],
    "no_reply": lambda r: r["no_reply"],
    "average_first_response_hours": lambda r: r["average_first_response_hours"],
    "average_satisfaction": lambda r: r["average_satisfaction"]["value"],
    "confirmed_violations": lambda r: r["confirmed_violations"],
    "overdue_marks": lambda r: r["overdue_marks"],
    "credit_index": lambda r: r["credit_index"],
}


def sector_medians(sector: str, *, now: datetime.datetime | None = None) -> dict:
    """The median of each indicator over the sector's enrolled merchants.

    The database gives one row of aggregates per merchant (indicators_for); the median is
    taken here over those rows. A rate or average counts only merchants that have one
    (n > 0); `merchants` says how many were counted.
    """
    records = indicators_for(Merchant.objects.filter(sector=sector, status=MerchantStatus.ENROLLED), now=now)
    medians = {"merchants": len(records)}
    for key, read in COMPARED.items():
        values = [v for v in (read(r) for r in records.values()) if v is not None]
        medians[key] = {
            "value": round(float(statistics.median(values)), 1) if values else None,
            "merchants": len(values),
        }
    return medians


# --- the public statistics ----------------------------------------------------------------


def named_merchants(*, now: datetime.datetime | None = None) -> list[dict]:
    """Merchants named for leaving cases unanswered past the limit, trailing 12 months.

    A case counts when it went to the council because the merchant's answer deadline
    passed (an "answer" overdue mark) or the 14-day settlement limit passed. Merchants on
    the platform (enrolled or suspended) only: the others were never asked to answer here.
    """
    now = now or timezone.now()
    since = now - RECORD_PERIOD
    late = OverdueMark.objects.filter(stage=OverdueMark.Stage.ANSWER, created_at__gte=since, created_at__lte=now)
    unsettled = ComplaintEvent.objects.filter(
        kind=EventKind.SETTLEMENT_DEADLINE_PASSED, created_at__gte=since, created_at__lte=now
    )
    counts = dict(
        Complaint.objects.filter(merchant__status__in=[MerchantStatus.ENROLLED, MerchantStatus.SUSPENDED])
        .filter(Q(pk__in=late.values("complaint_id")) | Q(pk__in=unsettled.values("complaint_id")))
        .values_list("merchant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    merchants = Merchant.objects.filter(pk__in=list(counts)).select_related("region")
    named = [
        {"id": m.pk, "name": m.name, "region": m.region.name, "status": m.status, "cases": counts[m.pk]}
        for m in merchants
    ]
    named.sort(key=lambda row: (-row["cases"], row["name"], row["id"]))
    return named


def merchant_index_list(*, now: datetime.datetime | None = None) -> list[dict]:
    """Every enrolled merchant with its credit index, by name (for the cached public figures)."""
    merchants = list(enrolled_merchants())
    records = indicators_for(Merchant.objects.filter(status=MerchantStatus.ENROLLED), now=now)
    indexes = {pk: record["credit_index"] for pk, record in records.items()}
    return [
        {"id": m.pk, "name": m.name, "region": m.region.name, "sector": m.sector, "credit_index": indexes.get(m.pk)}
        for m in merchants
    ]


# --- the record as a table ------------------------------------------------------------------


def record_rows(record: dict, medians: dict | None = None) -> list[dict]:
    """The record as rows for a table: label, value, unit, what it is counted over, and the
    sector's median where given."""

    def median(key):
        return (medians or {}).get(key, {}).get("value")

    rate_in_time, resolution = record["answered_in_time_rate"], record["resolution_rate"]
    satisfaction = record["average_satisfaction"]
    rows = [
        (
            "complaints_received",
            _("Complaints received"),
            record["complaints_received"],
            "",
            _("cases the merchant was given to answer"),
        ),
        (
            "answered_in_time_rate",
            _("Answered within the deadline"),
            rate_in_time["rate"],
            "%",
            _("of %(n)d cases whose answer fell due") % {"n": rate_in_time["n"]},
        ),
        (
            "resolution_rate",
            _("Resolution rate"),
            resolution["rate"],
            "%",
            _("%(resolved)d resolved of %(n)d closed") % {"resolved": record["resolved"], "n": resolution["n"]},
        ),
        ("unconfirmed", _("Closed without the consumer's confirmation"), record["unconfirmed"], "", ""),
        ("no_reply", _("Closed, no reply from the consumer"), record["no_reply"], "", ""),
        (
            "average_first_response_hours",
            _("Average first response"),
            record["average_first_response_hours"],
            _("h"),
            _("over %(n)d answered cases") % {"n": record["answered"]},
        ),
        (
            "average_satisfaction",
            _("Average satisfaction"),
            satisfaction["value"],
            " / 5",
            _("%(n)d ratings") % {"n": satisfaction["n"]},
        ),
        ("confirmed_violations", _("Confirmed violations"), record["confirmed_violations"], "", ""),
        ("overdue_marks", _("Overdue marks"), record["overdue_marks"], "", ""),
        ("credit_index", _("Credit index"), record["credit_index"], " / 100", index_note(record)),
    ]
    return [
        {"key": key, "label": label, "value": value, "unit": unit, "basis": basis, "median": median(key)}
        for key, label, value, unit, basis in rows
    ]


def index_note(record: dict) -> str:
    """Why a record shows no credit index, in words ("" when it shows one)."""
    if record.get("credit_index_reason") == NOT_ENOUGH_CASES:
        return _("Not enough cases yet: %(n)d of the %(min)d needed") % {
            "n": record["complaints_received"],
            "min": record["min_cases"],
        }
    if record.get("credit_index_reason") == NO_CASES:
        return _("No cases in the last 12 months")
    return ""


def credit_formula() -> dict:
    """How the credit index is computed, for the pages that show it (_credit_formula.html)."""
    return {
        "weights": CREDIT_WEIGHTS,
        "violation_penalty": VIOLATION_PENALTY,
        "overdue_penalty": OVERDUE_PENALTY,
        "min_cases": settings.RECORD_MIN_CASES,
    }
