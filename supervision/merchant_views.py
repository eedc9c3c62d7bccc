"""The council's pages on merchants: enrolment review with the merchant's record, violation
review, and the log of consumers' phone numbers revealed to merchant staff."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import staff_required, supervisor_required
from complaints import records, violations
from complaints import team as case_team
from mediation.errors import DomainError, WrongState
from mediation.kept_forms import keep_form, take_form, with_kept_errors
from merchants import enrolment, selectors
from merchants.forms import DecisionForm, MerchantReviewFilter, ViolationDecisionForm, ViolationFilter
from merchants.models import MerchantStatus, ViolationStatus

PAGE_SIZE = 25
REVEALS_PAGE_SIZE = 50

DECISION_LABELS = {
    "approve": gettext_lazy("Approve the enrolment"),
    "refuse": gettext_lazy("Refuse the application"),
    "suspend": gettext_lazy("Suspend the merchant"),
    "reinstate": gettext_lazy("Reinstate the merchant"),
}
DECIDE = {
    "approve": enrolment.approve_merchant,
    "refuse": enrolment.refuse_merchant,
    "suspend": enrolment.suspend_merchant,
    "reinstate": enrolment.reinstate_merchant,
}
DONE = {
    "approve": gettext_lazy("%(name)s is enrolled. The applicant has been told."),
    "refuse": gettext_lazy("The application of %(name)s is refused. The applicant has been told the reason."),
    "suspend": gettext_lazy("%(name)s is suspended: new complaints go to council review."),
    "reinstate": gettext_lazy("%(name)s is enrolled again."),
}


# --- enrolment ----------------------------------------------------------------------------


@supervisor_required
@require_GET
def merchant_list(request):
    user = request.user
    filters = MerchantReviewFilter(request.GET or None)
    status = q = ""
    if filters.is_valid():
        status, q = filters.cleaned_data["status"], filters.cleaned_data["q"]
    page = Paginator(selectors.merchants_for_supervisor(user, status=status, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.status_counts_for_supervisor(user)
    return render(
        request,
        "merchants/council_list.html",
        {
            "council": user.council,
            "filters": filters,
            "page": page,
            "status": status,
            "status_tabs": [(code, label, counts[code]) for code, label in MerchantStatus.choices],
        },
    )


def _decision_forms(merchant, bound=None) -> list[dict]:
    forms = []
    for name in enrolment.allowed_decisions(merchant):
        if bound is not None and bound.decision == name:
            form = bound
        else:
            form = DecisionForm(decision=name, merchant=merchant, prefix=name)
        forms.append(
            {
                "name": name,
                "label": DECISION_LABELS[name],
                "form": form,
                "url": reverse("merchants:council_decide", args=[merchant.pk, name]),
                "careful": name in ("refuse", "suspend"),
            }
        )
    return forms


def _kept_decision(request, merchant):
    """The decision form refused on the last submission, with what was typed and its errors."""
    kept = take_form(request, f"merchant:{merchant.pk}")
    if not kept or kept["name"] not in enrolment.allowed_decisions(merchant):
        return None
    name = kept["name"]
    return with_kept_errors(DecisionForm(kept["data"], decision=name, merchant=merchant, prefix=name), kept["errors"])


def _merchant_page(request, merchant):
    return render(
        request,
        "merchants/council_detail.html",
        {
            "merchant": merchant,
            "application": getattr(merchant, "applicant", None),
            "decisions": list(merchant.decisions.select_related("actor")),
            "decision_forms": _decision_forms(merchant, _kept_decision(request, merchant)),
            "record": records.public_record(merchant) if merchant.status != MerchantStatus.APPLIED else None,
            "violations": list(violations.violations_for_staff(request.user).filter(merchant=merchant)[:50]),
            "members": list(case_team.team_with_open_cases(merchant.pk)),
        },
    )


def _merchant(request, pk):
    return selectors.merchant_for_supervisor(request.user, pk)


@supervisor_required
@require_GET
def merchant_detail(request, pk: int):
    return _merchant_page(request, _merchant(request, pk))


@supervisor_required
@require_http_methods(["GET", "HEAD", "POST"])
def merchant_decide(request, pk: int, decision: str):
    """Every outcome answers with the merchant's page; a refused form is kept for it."""
    if decision not in DECIDE:
        raise Http404(_("No such decision."))
    merchant = _merchant(request, pk)
    page_url = reverse("merchants:council_detail", args=[merchant.pk])
    if request.method != "POST":
        return redirect(page_url)
    form = DecisionForm(request.POST, decision=decision, merchant=merchant, prefix=decision)
    if form.is_valid():
        kwargs = {"reason": form.cleaned_data["reason"]} if "reason" in form.fields else {}
        try:
            merchant = DECIDE[decision](actor=request.user, merchant_id=merchant.pk, **kwargs)
        except WrongState:
            messages.error(
                request,
                _("This decision is no longer possible: the merchant is now “%(status)s”.")
                % {"status": _merchant(request, pk).get_status_display()},
            )
            return redirect(page_url)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, DONE[decision] % {"name": merchant.name})
            return redirect(page_url)
    label = DECISION_LABELS[decision]
    messages.error(request, _("Please correct the marked fields of “%(decision)s”.") % {"decision": label})
    keep_form(request, f"merchant:{merchant.pk}", name=decision, data=request.POST, errors=form.errors)
    return redirect(page_url + f"#decision-{decision}")


# --- violations -----------------------------------------------------------------------------


VIOLATIONS_KEPT = "violations"


@supervisor_required
@require_GET
def violation_list(request):
    filters = ViolationFilter(request.GET or None)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    if not request.GET:
        status = ViolationStatus.REPORTED
    page = Paginator(violations.violations_for_staff(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    kept = take_form(request, VIOLATIONS_KEPT)
    for violation in page:
        if violation.status == ViolationStatus.REPORTED:
            # What confirming binds the merchant to, shown before the supervisor decides.
            violation.compensation_due = violations.compensation_for(violation.kind)
            violation.kept = kept if kept and kept["name"] == str(violation.pk) else None
    return render(
        request,
        "merchants/council_violations.html",
        {
            "filters": filters,
            "status": status,
            "page": page,
            "decision_choices": ViolationDecisionForm.base_fields["decision"].choices,
        },
    )


@supervisor_required
@require_http_methods(["GET", "HEAD", "POST"])
def violation_decide(request, pk: int):
    """Every outcome answers with the list of reports; a refused decision keeps what was typed."""
    violation = violations.violation_for_supervisor(request.user, pk)
    list_url = reverse("merchants:council_violations") + "?status=reported"
    if request.method != "POST":
        return redirect(list_url + f"#violation-{violation.pk}")
    form = ViolationDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        keep_form(request, VIOLATIONS_KEPT, name=str(violation.pk), data=request.POST, errors=form.errors)
        return redirect(list_url + f"#violation-{violation.pk}")
    decide = (
        violations.confirm_violation if form.cleaned_data["decision"] == "confirm" else violations.dismiss_violation
    )
    try:
        violation = decide(actor=request.user, violation_id=violation.pk, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if violation.status == ViolationStatus.CONFIRMED:
            messages.success(
                request,
                _("Confirmed: %(merchant)s owes the consumer %(amount)s CNY.")
                % {"merchant": violation.merchant.name, "amount": violation.compensation},
            )
        else:
            messages.success(request, _("The report was dismissed."))
    return redirect(list_url)


# --- the phone-reveal log -------------------------------------------------------------------


@staff_required
@require_GET
def contact_log(request):
    page = Paginator(case_team.contact_reveals_for_staff(request.user), REVEALS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "merchants/contact_log.html", {"council": request.user.council, "page": page})
