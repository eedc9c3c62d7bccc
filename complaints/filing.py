"""Filing a complaint (SPEC "Lifecycle", its first row): the merchant the consumer chose, the
case number, the rate limits on filing and on messages, the case's first deadline, its
evidence (all or nothing), and filing once: one case per submission, and a confirmation before
a second open case for the same order."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Council, Role, User
from mediation.errors import DomainError, InvalidInput, NotAllowed, Throttled
from mediation.prepared import PreparedRead
from merchants.models import Merchant

from .case_numbers import next_case_number
from .clock import add_days
from .incident_selectors import joinable_incident
from .models import (
    Complaint,
    ComplaintEvent,
    EventKind,
    Evidence,
    EvidenceKind,
    Incident,
    IntakeChannel,
    Party,
    Status,
)
from .notices import queue_case_notices
from .priority import open_count_besides, open_count_of_merchant, refresh_merchant_priorities, refresh_priority
from .search import complaint_terms
from .timeline import append_event
from .uploads import CleanFile, check_evidence_file, check_evidence_kind, store_evidence_with_event


def root_council() -> Council:
    council = Council.objects.filter(parent__isnull=True).order_by("pk").first()
    if council is None:
        raise InvalidInput(_("The platform has no council yet."))
    return council


def _retry_after(oldest: datetime.datetime | None, window: datetime.timedelta) -> int:
    if oldest is None:
        return int(window.total_seconds())
    return max(1, int((oldest + window - timezone.now()).total_seconds()) + 1)


RATE_WINDOW = datetime.timedelta(days=1)


def _check_filing_rate(consumer) -> None:
    """SPEC rate limit: at most COMPLAINTS_PER_DAY complaints per consumer in 24 hours (read
    before a filing's files are; _check_recent_filings counts again under the consumer's lock)."""
    recent = Complaint.objects.filter(consumer=consumer, filed_at__gt=timezone.now() - RATE_WINDOW)
    limit = settings.COMPLAINTS_PER_DAY
    _refuse_over_the_limit(list(recent.order_by("-filed_at").values_list("filed_at", flat=True)[:limit]))


def _refuse_over_the_limit(filed: list[datetime.datetime]) -> None:
    """`filed`: when the consumer filed in the last RATE_WINDOW, newest first."""
    limit = settings.COMPLAINTS_PER_DAY
    if len(filed) >= limit:
        raise Throttled(
            _("You filed %(n)d complaints in the last 24 hours. Try again later.") % {"n": limit},
            retry_after=_retry_after(filed[limit - 1], RATE_WINDOW),
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


# The reads every filing makes, compiled once (mediation.prepared).
_MERCHANT = PreparedRead(
    lambda pk: Merchant.objects.select_related("region")
    .annotate(open_cases=open_count_of_merchant())
    .filter(pk=pk)
    .order_by(),  # one row: no sort by name
    pk=int,
)
_CONSUMER_LOCK = PreparedRead(lambda pk: User.objects.select_for_update().filter(pk=pk).only("pk"), pk=int)
_RECENT_FILINGS = PreparedRead(
    lambda consumer, since: Complaint.objects.filter(consumer=consumer, filed_at__gt=since)
    .order_by("-filed_at")
    .only("pk", "case_number", "order_number", "title", "status", "filed_at", "merchant_id", "merchant_name"),
    consumer=int,
    since=datetime.datetime,
)


def _filed_with_token(filer: str) -> PreparedRead:
    """The case `filer` (its consumer, or the staff member who filed it) filed with a token."""
    return PreparedRead(
        lambda user, token: Complaint.objects.filter(**{filer: user, "filing_token": token}).order_by("pk")[:1],
        user=int,
        token=str,
    )


_FILED_WITH_TOKEN = {"consumer": _filed_with_token("consumer"), "staff": _filed_with_token("filed_by")}


def _chosen_merchant(merchant: Merchant | int) -> Merchant:
    """The merchant the consumer chose, of any status: SPEC "Merchants" routes a complaint
    against one not enrolled (applied, suspended, refused) to council review, not away.
    Read by id, it comes with its open cases counted (`open_cases`, for the priority rule)."""
    if not isinstance(merchant, Merchant):
        merchant = _MERCHANT.first(pk=merchant)
    if merchant is None:
        message = _("No such merchant on the platform.")
        raise InvalidInput(message, fields={"merchant": [message]})
    return merchant


class AlreadyFiled(DomainError):
    """The submission was filed already: its one-time token names a case of this consumer."""

    status_code = 409
    code = "already_filed"

    def __init__(self, complaint: Complaint):
        super().__init__(_("This complaint was already filed as case %(case)s.") % {"case": complaint.case_number})
        self.complaint = complaint


class PossibleDuplicate(DomainError):
    """The consumer has an open case against the same merchant for the same order, filed in the
    last DUPLICATE_WINDOW: they are shown it and file again only when they confirm."""

    status_code = 409
    code = "possible_duplicate"

    def __init__(self, complaint: Complaint):
        super().__init__(
            _(
                "You filed case %(case)s against this merchant for order %(order)s in the last 24 hours, "
                "and it is still open. File a new complaint only if this is a different problem."
            )
            % {"case": complaint.case_number, "order": complaint.order_number}
        )
        self.complaint = complaint


DUPLICATE_WINDOW = datetime.timedelta(days=1)


def filed_for_token(user, filing_token: str) -> Complaint | None:
    """The case a submission with this one-time token filed, if any: the consumer's own, or one
    the staff member `user` filed for a consumer."""
    if not filing_token:
        return None
    read = _FILED_WITH_TOKEN["consumer" if user.role == Role.CONSUMER else "staff"]
    return read.first(user=user.pk, token=filing_token)


def _check_not_filed(consumer, filing_token: str) -> None:
    complaint = filed_for_token(consumer, filing_token)
    if complaint is not None:
        raise AlreadyFiled(complaint)


def _check_recent_filings(
    consumer, merchant: Merchant | None, merchant_name: str, order_number: str, *, confirm_duplicate: bool
) -> None:
    """The consumer's cases of the last day, read once under the consumer's lock (_lock_consumer):
    parallel filings of one consumer count one after the other, so none slips past the rate
    limit; and unless the consumer confirmed, an open one against the same merchant for the same
    order (PossibleDuplicate)."""
    now = timezone.now()
    recent = _RECENT_FILINGS.all(consumer=consumer.pk, since=now - max(RATE_WINDOW, DUPLICATE_WINDOW))
    _refuse_over_the_limit([case.filed_at for case in recent if case.filed_at > now - RATE_WINDOW])
    order_number = order_number.strip().upper()
    if confirm_duplicate or not order_number:
        return
    for case in recent:
        same_merchant = (
            case.merchant_id == merchant.pk
            if merchant is not None
            else case.merchant_id is None and case.merchant_name.upper() == merchant_name.upper()
        )
        if (
            same_merchant
            and case.order_number.upper() == order_number
            and case.status != Status.CLOSED
            and case.filed_at > now - DUPLICATE_WINDOW
        ):
            raise PossibleDuplicate(case)


def _checked_evidence(consumer, uploads: list) -> list[CleanFile]:
    """Every file checked before anything is filed; one refused file refuses the filing, with
    each refused file named at the evidence field."""
    if len(uploads) > settings.EVIDENCE_MAX_FILES:
        message = _("Choose at most %(n)d files.") % {"n": settings.EVIDENCE_MAX_FILES}
        raise InvalidInput(message, fields={"evidence": [message]})
    checked, refused = [], []
    for upload in uploads:
        try:
            checked.append(check_evidence_file(actor=consumer, upload=upload))
        except Throttled as exc:
            exc.fields = {"evidence": [exc.message]}
            raise
        except DomainError as exc:
            refused.append(_("%(file)s: %(reason)s") % {"file": getattr(upload, "name", ""), "reason": exc.message})
    if refused:
        message = _("Nothing was filed. Remove or replace these files and send the form again.")
        raise InvalidInput(message, fields={"evidence": [message, *refused]})
    return checked


def _lock_consumer(consumer) -> None:
    """Filings of one consumer run one after the other (the rate limit, the one-time token)."""
    _CONSUMER_LOCK.all(pk=consumer.pk)


def submit(
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
    evidence: list | tuple = (),
    evidence_kind: str = "",
    filing_token: str = "",
    confirm_duplicate: bool = False,
    intake_channel: str = IntakeChannel.ONLINE,
    filed_by=None,
    consent_statement: str = "",
    incident: int | None = None,
) -> "Filing":
    """A consumer files a complaint: straight to an enrolled merchant, else to council review.

    `merchant` is the merchant the consumer chose (pages and API give its id), or None when
    they name one not on the platform. All or nothing: every evidence file is checked before
    anything is filed, and the case and its files are written in one transaction. The same
    `filing_token` filed twice raises AlreadyFiled with the first case; an open case against the
    same merchant for the same order in the last day raises PossibleDuplicate unless
    `confirm_duplicate`. Staff who file for a consumer go through complaints.intake, which
    names themselves as `filed_by` with the `intake_channel` and the consumer's consent.
    `incident` is the id of an open, public-facing incident about the same merchant the consumer
    chose to join (complaints.incidents).

    Returns the case with the events and evidence it was filed with, as written: a caller
    answers with them without reading them back.
    """
    if consumer.role != Role.CONSUMER:
        raise NotAllowed(_("Only consumers file complaints."))
    _check_not_filed(consumer, filing_token)
    if merchant is not None:
        merchant = _chosen_merchant(merchant)
    elif not merchant_name:
        message = _("Name the merchant or choose an enrolled one.")
        raise InvalidInput(message, fields={"merchant_name": [message]})
    joined = None
    if incident:
        joined = _joinable(incident, merchant, merchant_name)
    kind = evidence_kind or EvidenceKind.OTHER
    check_evidence_kind(kind)
    if evidence:
        _check_filing_rate(consumer)  # before the files are read; again under the lock below
    # Decoding and rebuilding files takes time: done before the consumer's row is locked.
    files = _checked_evidence(consumer, list(evidence))
    with transaction.atomic():
        _lock_consumer(consumer)
        _check_not_filed(consumer, filing_token)  # the same form sent twice at once
        _check_recent_filings(consumer, merchant, merchant_name, order_number, confirm_duplicate=confirm_duplicate)
        council = merchant.region if merchant is not None else (region or root_council())
        complaint, events = _new_complaint(
            consumer=consumer,
            council=council,
            merchant=merchant,
            merchant_name="" if merchant else merchant_name,
            merchant_phone="" if merchant else merchant_phone,
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
            filing_token=filing_token,
            intake_channel=intake_channel,
            filed_by=filed_by,
            consent_statement=consent_statement,
        )
        if joined is not None:
            events.append(_join(complaint, joined, consumer, previous=events[-1]))
        stored = []
        for clean in files:
            evidence, event = store_evidence_with_event(
                actor=consumer, complaint=complaint, clean=clean, kind=kind, previous=events[-1]
            )
            stored.append(evidence)
            events.append(event)
    return Filing(complaint=complaint, events=events, evidence=stored)


@dataclass(frozen=True)
class Filing:
    """A case as its filing wrote it: the complaint, its timeline events and its evidence."""

    complaint: Complaint
    events: list[ComplaintEvent]
    evidence: list[Evidence]


def file_complaint(**fields) -> Complaint:
    """submit's case: for callers that answer with the case alone (pages, intake, commands)."""
    return submit(**fields).complaint


def _joinable(incident_id, merchant: Merchant | None, merchant_name: str) -> Incident:
    incident = joinable_incident(
        incident_id, merchant_id=merchant.pk if merchant else None, merchant_name=merchant_name
    )
    if incident is None:
        message = _("The council handles no open incident about this merchant under that number.")
        raise InvalidInput(message, fields={"incident": [message]})
    return incident


def _join(complaint: Complaint, incident: Incident, consumer, *, previous: ComplaintEvent) -> ComplaintEvent:
    """The consumer chose to join the council's incident about the merchant when filing."""
    complaint.incident = incident
    complaint.save(update_fields=["incident"])
    data = {"incident": incident.pk, "incident_title": incident.title}
    return append_event(complaint, kind=EventKind.INCIDENT_JOINED, actor=consumer, data=data, previous=previous)


def _new_complaint(
    *, consumer, council: Council, merchant: Merchant | None, **fields
) -> tuple[Complaint, list[ComplaintEvent]]:
    enrolled = merchant is not None and merchant.is_enrolled
    now = timezone.now()
    complaint = Complaint(
        consumer=consumer,
        merchant=merchant,
        council=council,
        council_path=council.path,
        status=Status.AWAITING_MERCHANT if enrolled else Status.UNDER_REVIEW,
        waiting_on=Party.MERCHANT if enrolled else Party.COUNCIL,
        due_at=add_days(council, now, council.merchant_days if enrolled else council.review_days),
        settle_by=add_days(council, now, council.settlement_days) if enrolled else None,
        filed_at=now,
        **fields,
    )
    complaint.merchant_first_due_at = complaint.due_at if enrolled else None
    complaint.search_terms = complaint_terms(complaint)
    # The merchant's other open cases, counted once (with the merchant when it was read by id):
    # this case's score and the others' use it.
    others_open = 0
    if merchant is not None:
        others_open = getattr(merchant, "open_cases", None)
        if others_open is None:
            others_open = open_count_besides(merchant.pk, None)
    refresh_priority(complaint, merchant_open=others_open)
    # Taken last before the insert: on SQLite the number's row stays locked until commit.
    complaint.case_number = next_case_number(council, now)
    complaint.save()
    refresh_merchant_priorities(complaint, others_open=others_open)
    data = {}
    if complaint.filed_by_id:
        # The timeline names who filed the case for the consumer, and how it came in.
        filed_by = complaint.filed_by
        data = {
            "intake_channel": complaint.intake_channel,
            "filed_by": filed_by.pk,
            "filed_by_name": filed_by.name or filed_by.get_username(),
        }
    # A new case has no event yet: nothing to lock or read back for the chain.
    event = append_event(complaint, kind=EventKind.FILED, actor=consumer, from_status="", data=data, previous=None)
    if enrolled:
        # The key names an event written just now: no notice of it can exist yet.
        queue_case_notices(complaint=complaint, event="filed", key=f"ev{event.pk}", actor=consumer, fresh=True)
    return complaint, [event]
