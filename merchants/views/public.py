"""Pages anyone reaches: the enrolled merchants with their public record and credit index,
the online enrolment application, and the consumer's rights guide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from complaints.forms import ART_55, KEEP_EVIDENCE, SEVEN_DAYS, guidance_list
from mediation.errors import DomainError

from .. import selectors, services
from ..forms import ApplicationForm, MerchantSearchForm
from .common import forbidden

PAGE_SIZE = 25


def indicator_rows(record: dict, medians: dict | None = None) -> list[dict]:
    """The record as rows for a table: label, value, unit, what it is counted over, and the
    sector's median where given."""

    def median(key):
        return (medians or {}).get(key, {}).get("value")

    rate_in_time, resolution = record["answered_in_time_rate"], record["resolution_rate"]
    satisfaction = record["average_satisfaction"]
    rows = [
        ("complaints_received", _("Complaints received"), record["complaints_received"], "", ""),
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
        ("credit_index", _("Credit index"), record["credit_index"], " / 100", ""),
    ]
    return [
        {"key": key, "label": label, "value": value, "unit": unit, "basis": basis, "median": median(key)}
        for key, label, value, unit, basis in rows
    ]


@require_GET
def merchant_list(request):
    search = MerchantSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.enrolled_merchants(q), PAGE_SIZE).get_page(request.GET.get("page"))
    indexes = selectors.credit_indexes([m.pk for m in page]) if len(page) else {}
    rows = [{"merchant": m, "credit_index": indexes.get(m.pk)} for m in page]
    return render(
        request,
        "merchants/public_list.html",
        {"search": search, "q": q, "page": page, "rows": rows, **_formula()},
    )


def _formula() -> dict:
    return {
        "weights": selectors.CREDIT_WEIGHTS,
        "violation_penalty": selectors.VIOLATION_PENALTY,
        "overdue_penalty": selectors.OVERDUE_PENALTY,
    }


@require_GET
def merchant_record(request, pk: int):
    merchant = selectors.public_merchant(pk)
    record = selectors.public_record(merchant)
    return render(
        request,
        "merchants/public_record.html",
        {
            "merchant": merchant,
            "record": record,
            "rows": indicator_rows(record),
            "violations": list(selectors.confirmed_violations_of(merchant)),
            **_formula(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    user = request.user
    if user.is_council_staff or user.is_merchant_user:
        return forbidden(request, _("Applications are made by the merchant's manager with their own account."))
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            merchant = services.apply_for_enrolment(applicant=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _("Your application for %(name)s is with the %(council)s. You will be told of the decision.")
                % {"name": merchant.name, "council": merchant.region.name},
            )
            return redirect("merchants:apply")
    return render(
        request,
        "merchants/apply.html",
        {"form": form, "applications": selectors.applications_of(user)},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
def guide(request):
    """The rights guide (SPEC "Guidance for consumers"): the rules, then each category's advice."""
    return render(
        request,
        "guide/guide.html",
        {"keep_evidence": KEEP_EVIDENCE, "seven_days": SEVEN_DAYS, "art_55": ART_55, "categories": guidance_list()},
    )
