"""The council's incident pages: the list, opening one, and the incident page with its cases,
the cases its rule proposes and the bulk acts (complaints.incidents)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import staff_required, supervisor_required
from accounts.models import Role
from complaints import access, incidents
from complaints import incident_selectors as selectors
from complaints.models import Status
from mediation.errors import DomainError

from .incident_forms import CollectiveOfferForm, IncidentAssignForm, IncidentForm, IncidentMessageForm

PAGE_SIZE = 25
RESULT_KEY = "incident-result-%d"


@staff_required
@require_GET
def incident_list(request):
    rows = access.incidents_visible_to(request.user).select_related("merchant", "council")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.case_counts([incident.pk for incident in page])
    for incident in page:
        incident.case_count = counts.get(incident.pk, 0)
    return render(
        request,
        "supervision/incidents/list.html",
        {"page": page, "may_open": request.user.role == Role.SUPERVISOR, "council": request.user.council},
    )


@supervisor_required
def incident_new(request):
    form = IncidentForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = incidents.open_incident(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The incident is open. Add the cases its rule proposes."))
                return redirect("supervision:incident_detail", pk=incident.pk)
        status = 400
    return render(request, "supervision/incidents/new.html", {"form": form}, status=status)


def _page(request, incident, *, status: int = 200, **forms):
    user = request.user
    handles = user.role == Role.SUPERVISOR and incident.is_open
    cases = list(selectors.incident_cases(incident))
    groups = []
    for code, label in Status.choices:
        in_state = [case for case in cases if case.status == code]
        if in_state:
            groups.append({"status": code, "label": label, "cases": in_state})
    context = {
        "incident": incident,
        "totals": selectors.incident_totals(incident),
        "groups": groups,
        "handles": handles,
        "may_remove": user.role == Role.SUPERVISOR,
        "proposals": list(selectors.proposed_cases(incident, user)) if handles else [],
        "result": request.session.pop(RESULT_KEY % incident.pk, None) if status == 200 else None,
        "acts": list(incident.acts.select_related("actor")[:20]),
        "message_form": forms.get("message_form") or IncidentMessageForm(prefix="message"),
        "assign_form": forms.get("assign_form") or IncidentAssignForm(prefix="assign", incident=incident),
        "offer_form": forms.get("offer_form") or CollectiveOfferForm(prefix="offer"),
    }
    return render(request, "supervision/incidents/detail.html", context, status=status)


@staff_required
@require_GET
def incident_detail(request, pk):
    return _page(request, access.get_incident_for(request.user, pk))


def _done(request, incident, title: str, result) -> object:
    """Back to the incident page, which shows what became of each case."""
    request.session[RESULT_KEY % incident.pk] = {"title": title, **result.as_dict()}
    if result.done or not result.already:
        summary = ngettext("Done on %(n)d case.", "Done on %(n)d cases.", len(result.done)) % {"n": len(result.done)}
    else:
        summary = _("Nothing was done again: every case had it already.")
    if result.refused:
        messages.warning(request, summary + " " + _("Some cases could not take it: see why below."))
    else:
        messages.success(request, summary)
    return redirect("supervision:incident_detail", pk=incident.pk)


def _refused(request, incident, exc: DomainError, **forms):
    for form in forms.values():
        form.add_domain_error(exc)
    return _page(request, incident, status=exc.status_code, **forms)


@supervisor_required
@require_POST
def incident_cases(request, pk):
    incident = access.get_incident_for(request.user, pk)
    remove = request.POST.get("op") == "remove"
    ids = request.POST.getlist("cases")
    if not ids:
        messages.error(request, _("Tick the cases first."))
        return redirect("supervision:incident_detail", pk=incident.pk)
    service = incidents.remove_cases if remove else incidents.add_cases
    try:
        result = service(actor=request.user, incident_id=incident.pk, case_ids=ids)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("supervision:incident_detail", pk=incident.pk)
    return _done(request, incident, _("Taken out of the incident") if remove else _("Added to the incident"), result)


@supervisor_required
@require_POST
def incident_message(request, pk):
    incident = access.get_incident_for(request.user, pk)
    form = IncidentMessageForm(request.POST, prefix="message")
    if not form.is_valid():
        return _page(request, incident, status=400, message_form=form)
    data = form.cleaned_data
    try:
        result = incidents.message_all(actor=request.user, incident_id=incident.pk, message=data["message"])
    except DomainError as exc:
        return _refused(request, incident, exc, message_form=form)
    return _done(request, incident, _("Message to every consumer"), result)


@supervisor_required
@require_POST
def incident_assign(request, pk):
    incident = access.get_incident_for(request.user, pk)
    form = IncidentAssignForm(request.POST, prefix="assign", incident=incident)
    if not form.is_valid():
        return _page(request, incident, status=400, assign_form=form)
    data = form.cleaned_data
    try:
        result = incidents.assign_mediator_to_all(
            actor=request.user, incident_id=incident.pk, mediator=data["mediator"]
        )
    except DomainError as exc:
        return _refused(request, incident, exc, assign_form=form)
    return _done(request, incident, _("Mediator for every case"), result)


@supervisor_required
@require_POST
def incident_offer(request, pk):
    incident = access.get_incident_for(request.user, pk)
    form = CollectiveOfferForm(request.POST, prefix="offer")
    if not form.is_valid():
        return _page(request, incident, status=400, offer_form=form)
    try:
        result = incidents.collective_offer(actor=request.user, incident_id=incident.pk, **form.offer_data())
    except DomainError as exc:
        return _refused(request, incident, exc, offer_form=form)
    return _done(request, incident, _("Collective offer"), result)


@supervisor_required
@require_POST
def incident_close(request, pk):
    incident = incidents.close_incident(actor=request.user, incident_id=pk)
    messages.success(request, _("The incident is closed. Its cases go on as they are."))
    return redirect("supervision:incident_detail", pk=incident.pk)
