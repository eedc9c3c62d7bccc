"""The merchant portal, merchant staff's side of their cases: the inbox, the team with its
open cases, the private record, and revealing a consenting consumer's phone from the case page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import forbidden, merchant_required, owner_required
from complaints import access, records
from complaints import team as case_team
from complaints.access import complaints_visible_to
from complaints.models import OPEN_STATUSES, Complaint, Party, Status
from mediation.errors import DomainError, NotAllowed, Throttled
from mediation.web import client_ip
from merchants import selectors
from merchants import team as merchant_team
from merchants.forms import InviteAgentForm

PAGE_SIZE = 25

# Each tab: its filter and its order. "Waiting on us" is the merchant's to-do list.
TABS = {
    "waiting": (gettext_lazy("Waiting on us"), Q(status__in=OPEN_STATUSES, waiting_on=Party.MERCHANT)),
    "open": (gettext_lazy("Open"), Q(status__in=OPEN_STATUSES)),
    "closed": (gettext_lazy("Closed"), Q(status=Status.CLOSED)),
}
DEFAULT_TAB = "waiting"


def _tab_counts(cases: QuerySet[Complaint]) -> dict[str, int]:
    return cases.aggregate(**{name: Count("id", filter=condition) for name, (_label, condition) in TABS.items()})


def _tab_cases(cases: QuerySet[Complaint], tab: str) -> QuerySet[Complaint]:
    cases = cases.filter(TABS[tab][1]).select_related("merchant")
    if tab == "closed":
        return cases.order_by("-closed_at", "-pk")
    # The cases waiting on us first, each by the soonest deadline: that is the case to answer now.
    ours_first = Case(When(waiting_on=Party.MERCHANT, then=Value(0)), default=Value(1), output_field=IntegerField())
    return cases.order_by(ours_first, F("due_at").asc(nulls_last=True), "filed_at", "pk")


@merchant_required
@require_GET
def inbox(request):
    user = request.user
    tab = request.GET.get("tab", DEFAULT_TAB)
    if tab not in TABS:
        tab = DEFAULT_TAB
    cases = complaints_visible_to(user)
    if request.GET.get("mine") == "1":
        cases = cases.filter(agent=user)
    counts = _tab_counts(cases)
    page = Paginator(_tab_cases(cases, tab), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "merchants/inbox.html",
        {
            "merchant": user.merchant,
            "tabs": [(name, label, counts[name]) for name, (label, _condition) in TABS.items()],
            "tab": tab,
            "tab_label": TABS[tab][0],
            "page": page,
            "mine": request.GET.get("mine") == "1",
        },
    )


# --- the team -------------------------------------------------------------------------


@owner_required
@require_http_methods(["GET", "POST"])
def team(request):
    owner = request.user
    form = InviteAgentForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation = merchant_team.invite_agent(owner=owner, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
                if isinstance(exc, Throttled):
                    status, retry_after = 429, exc.retry_after
            else:
                # The same words whether or not the number has an account.
                messages.success(
                    request,
                    _(
                        "We sent an invitation to %(phone)s. %(name)s joins your team once they accept it "
                        "with that number."
                    )
                    % {"name": invitation.name, "phone": invitation.phone},
                )
                return redirect("merchants:team")
    members = list(case_team.team_with_open_cases(owner.merchant_id))
    context = {
        "merchant": owner.merchant,
        "members": members,
        "invitations": selectors.invitations_of(owner.merchant_id),
        "form": form,
    }
    response = render(request, "merchants/team.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@owner_required
@require_POST
def remove_agent(request, pk: int):
    agent = case_team.remove_agent(owner=request.user, agent_id=pk)
    messages.success(
        request,
        _("%(name)s can no longer log in. Their open cases are back with you.") % {"name": agent.display_name},
    )
    return redirect("merchants:team")


@merchant_required
@require_POST
def reveal_phone(request, pk: int):
    """Show the consumer's full phone once, where they consented; every reveal is logged."""
    complaint = access.get_complaint_for(request.user, pk)
    try:
        phone = case_team.reveal_consumer_phone(actor=request.user, complaint_id=complaint.pk, ip=client_ip(request))
    except NotAllowed as exc:
        return forbidden(request, str(exc.message))
    response = render(
        request,
        "merchants/revealed_phone.html",
        {"complaint": complaint, "phone": phone, "name": access.consumer_contact_for(request.user, complaint).name},
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- the private record -----------------------------------------------------------------


@merchant_required
@require_GET
def record(request):
    merchant = request.user.merchant
    own = records.public_record(merchant)
    medians = records.sector_medians(merchant.sector)
    return render(
        request,
        "merchants/record.html",
        {
            "merchant": merchant,
            "record": own,
            "medians": medians,
            "rows": records.record_rows(own, medians),
            "violations": list(records.confirmed_violations_of(merchant)),
        },
    )
