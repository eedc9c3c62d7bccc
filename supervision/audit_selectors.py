"""Reading the audit log and the timeline checks, within a supervisor's jurisdiction."""

import datetime

from django.db.models import Q, QuerySet

from audit.models import AuditEntry
from complaints.access import complaints_visible_to
from complaints.integrity import Problem, verify_cases
from complaints.models import jurisdiction_q


def entries_for(user) -> QuerySet[AuditEntry]:
    """Entries about cases of the supervisor's jurisdiction and logins of its staff. Entries
    that belong to no council (a consumer's own data requests) are read at the top council."""
    if not (user.is_authenticated and user.is_council_staff and user.council_id):
        return AuditEntry.objects.none()
    scope = jurisdiction_q(user.council)
    if user.council.parent_id is None:
        scope |= Q(council_path="")
    return AuditEntry.objects.filter(scope).select_related("actor")


def filter_entries(
    entries: QuerySet[AuditEntry], *, action: str = "", actor: str = "", day: datetime.date | None = None
) -> QuerySet[AuditEntry]:
    if action:
        entries = entries.filter(action=action)
    if actor:
        entries = entries.filter(Q(actor__username__iexact=actor) | Q(actor__name__icontains=actor))
    if day:
        entries = entries.filter(created_at__date=day)
    return entries


def actions_in(entries: QuerySet[AuditEntry]) -> list[str]:
    return list(entries.order_by("action").values_list("action", flat=True).distinct())


def altered_cases(user, *, case_number: str = "") -> tuple[int, list[tuple[str, int, list[Problem]]]]:
    """(cases checked, [(case number, case id, problems)] for the cases whose timeline fails)."""
    cases = complaints_visible_to(user)
    if case_number:
        cases = cases.filter(case_number__iexact=case_number.strip())
    numbers = dict(cases.values_list("pk", "case_number"))
    checked, failing = 0, []
    for complaint_id, problems in verify_cases(cases.values("pk")):
        checked += 1
        if problems:
            failing.append((numbers[complaint_id], complaint_id, problems))
    return checked, failing
