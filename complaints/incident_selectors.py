"""Reads of collective complaints (incidents): the incidents a consumer filing sees, an
incident's cases and figures, the cases its rule proposes, and the public list."""

import re

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from .models import OPEN_STATUSES, Complaint, Incident, IncidentStatus, Status, jurisdiction_q

PROPOSALS_MAX = 200  # a page of proposals; staff add them, and the next ones are proposed then


def open_public_incidents() -> QuerySet[Incident]:
    """Incidents consumers see on the filing form and may join: open and public-facing."""
    return Incident.objects.filter(status=IncidentStatus.OPEN, public=True).select_related("merchant")


def joinable_incident(incident_id, *, merchant_id: int | None, merchant_name: str) -> Incident | None:
    """The open, public-facing incident of this id about the merchant of the filing, if any."""
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        return None
    incident = open_public_incidents().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if incident is None:
        return None
    if incident.merchant_id is not None:
        return incident if incident.merchant_id == merchant_id else None
    same_name = merchant_id is None and incident.merchant_name.strip().casefold() == merchant_name.strip().casefold()
    return incident if same_name else None


def incident_cases(incident: Incident) -> QuerySet[Complaint]:
    return incident.cases.select_related("merchant", "consumer", "mediator").order_by("status", "filed_at", "pk")


def case_counts(incident_ids: list[int]) -> dict[int, int]:
    """How many cases each of these incidents has (one grouped query for a page of them)."""
    rows = Complaint.objects.filter(incident_id__in=incident_ids).values_list("incident_id").annotate(n=Count("id"))
    return dict(rows.order_by())


def incident_totals(incident: Incident) -> dict:
    """The incident's figures are its cases': how many, consumers, amount claimed, per state."""
    cases = Complaint.objects.filter(incident=incident)
    totals = cases.aggregate(
        cases=Count("id"),
        consumers=Count("consumer", distinct=True),
        amount=Sum("amount"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )
    by_status = dict(cases.values_list("status").annotate(n=Count("id")).order_by())
    totals["amount"] = totals["amount"] or 0
    totals["by_status"] = {code: by_status.get(code, 0) for code in Status.values}
    return totals


def order_pattern_regex(pattern: str) -> str:
    """An order-number pattern as staff write it (* any characters, ? one) as a whole-match regex."""
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern.strip()]
    return "^" + "".join(parts) + "$"


def rule_q(incident: Incident) -> Q:
    """The incident's rule: its merchant, its period, and any of its keywords or its order pattern."""
    if incident.merchant_id:
        q = Q(merchant_id=incident.merchant_id)
    else:
        q = Q(merchant__isnull=True, merchant_name__iexact=incident.merchant_name.strip())
    if incident.period_from:
        q &= Q(filed_at__date__gte=incident.period_from)
    if incident.period_to:
        q &= Q(filed_at__date__lte=incident.period_to)
    clues = Q()
    for word in incident.keyword_list:
        clues |= Q(title__icontains=word) | Q(description__icontains=word)
    if incident.order_pattern:
        clues |= Q(order_number__iregex=order_pattern_regex(incident.order_pattern))
    return q & clues if clues else q


def proposed_cases(incident: Incident, viewer) -> QuerySet[Complaint]:
    """Open cases the rule matches in the viewer's and the incident's jurisdiction that are in no
    incident yet, oldest first."""
    return (
        Complaint.objects.filter(rule_q(incident), status__in=OPEN_STATUSES, incident__isnull=True)
        .filter(jurisdiction_q(incident.council))
        .filter(jurisdiction_q(viewer.council))
        .select_related("merchant")
        .order_by("filed_at", "pk")[:PROPOSALS_MAX]
    )


def public_incidents() -> list[dict]:
    """Incidents the public statistics list: public-facing, with at least INCIDENT_PUBLIC_MIN_CASES
    cases. No personal data: the merchant's name, the title, the case count and the status."""
    rows = (
        Incident.objects.filter(public=True)
        .annotate(n=Count("cases"))
        .filter(n__gte=settings.INCIDENT_PUBLIC_MIN_CASES)
        .select_related("merchant")
        .order_by("-n", "-created_at")
    )
    return [
        {
            "id": incident.pk,
            "merchant_name": incident.merchant_display_name,
            "title": incident.title,
            "cases": incident.n,
            "status": incident.status,
            "opened": incident.created_at.date(),
        }
        for incident in rows
    ]
