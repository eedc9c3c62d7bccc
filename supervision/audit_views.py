"""Supervisor pages: the audit log and the timeline integrity check (council workspace)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.gates import supervisor_required

from . import audit_presenters, audit_selectors
from .audit_forms import AuditFilterForm, IntegrityForm

PAGE_SIZE = 50


@require_GET
@supervisor_required
def audit_log(request):
    entries = audit_selectors.entries_for(request.user)
    actions = audit_presenters.action_choices(audit_selectors.actions_in(entries))
    form = AuditFilterForm(request.GET or None, actions=actions)
    if form.is_valid():
        entries = audit_selectors.filter_entries(
            entries,
            action=form.cleaned_data["action"],
            actor=form.cleaned_data["actor"].strip(),
            day=form.cleaned_data["day"],
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [audit_presenters.present(entry) for entry in page]
    return render(
        request, "audit/log.html", {"form": form, "page": page, "rows": rows, "council": request.user.council}
    )


@require_GET
@supervisor_required
def integrity(request):
    form = IntegrityForm(request.GET or None)
    result = None
    if form.is_valid():
        checked, failing = audit_selectors.altered_cases(request.user, case_number=form.cleaned_data["case"])
        result = {"checked": checked, "failing": failing, "case": form.cleaned_data["case"]}
    return render(request, "audit/integrity.html", {"form": form, "result": result, "council": request.user.council})
