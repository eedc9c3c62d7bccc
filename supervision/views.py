"""Council staff pages (queue, dashboard) and the public statistics page."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from accounts.gates import staff_required, supervisor_required
from accounts.models import Role
from audit.services import record_export
from complaints import search
from complaints.models import Category, IncidentStatus, IntakeChannel, Outcome, Status
from complaints.priority import RULES, rule_explanations
from mediation.db_router import statistics_reads
from mediation.paging import CappedPaginator
from merchants import selectors as merchant_selectors

from . import dashboard as staff_dashboard
from . import exports, selectors
from .figures import PUBLIC_FIGURES_KEEP, public_figures_for_readers
from .forms import DashboardFilterForm, MerchantSearchForm, StaffQueueFilter

PAGE_SIZE = 25
INCIDENT_STATUS_LABELS = dict(IncidentStatus.choices)


def _decorate(case, now) -> None:
    """Display-only attributes, computed from the row (no queries)."""
    case.reason_labels = [_(RULES[r][1]) for r in case.priority_reasons or [] if r in RULES]
    case.overdue_now = case.is_open and (case.is_overdue or (case.due_at is not None and case.due_at < now))


def _queue_filters(request):
    """The queue's filters as asked, or a mediator's own cases when nothing is asked: a mediator
    opens the queue on "assigned to me" and clears it like any filter (a link with mine=false)."""
    data = request.GET
    if request.user.role == Role.MEDIATOR and not (data.keys() - {"page"}):
        data = data.copy()
        data["mine"] = "true"
    return data or None


def _is_filtered(filterset) -> bool:
    """Whether the list is narrowed or reordered by anything, so there is something to clear."""
    form = filterset.form
    if not form.is_bound:
        return False
    if not form.is_valid():
        return True
    return any(value not in (None, "", False, []) for value in form.cleaned_data.values())


@staff_required
@require_GET
def queue(request):
    user = request.user
    filterset = StaffQueueFilter(_queue_filters(request), queryset=selectors.staff_queue(user), request=request)
    page = CappedPaginator(search.head_first(filterset.qs), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for case in page:
        _decorate(case, now)
    return render(
        request,
        "supervision/queue.html",
        {
            "filter_form": filterset.form,
            "page": page,
            "is_filtered": _is_filtered(filterset),
            # Clearing a mediator's filters shows every case, not their default "assigned to me".
            "clear_query": "mine=false" if user.role == Role.MEDIATOR else "",
            "council": user.council,
            "may_export": user.role == Role.SUPERVISOR,
            "priority_rules": rule_explanations(),
        },
    )


def _export_cases(request):
    """The queue's cases with the queue's filters; filters that were not understood are left
    out, as on the queue page the export link sits on. Each export is audited."""
    filterset = StaffQueueFilter(request.GET or None, queryset=selectors.staff_queue(request.user), request=request)
    record_export(request.user, request.path, request.GET.urlencode(), filterset.qs)
    # Bound to the database chosen now: the CSV's rows are read as it streams, after the view.
    return filterset.qs.using(filterset.qs.db)


@supervisor_required
@require_GET
@statistics_reads
def export_csv(request):
    return exports.csv_response(_export_cases(request))


@supervisor_required
@require_GET
@statistics_reads
def export_xlsx(request):
    return exports.xlsx_response(_export_cases(request))


def _notices_url() -> str | None:
    # A URLconf without the delivery overview (notice_views) leaves the dashboard without its link.
    try:
        return reverse("supervision:notices")
    except NoReverseMatch:
        return None


def _queue_link(scope, **params) -> str:
    """The queue filtered like the dashboard (its region and period, where chosen) and by `params`."""
    query = {}
    if scope.council.pk != scope.jurisdiction.pk:
        query["region"] = scope.council.pk
    if scope.filed_after:
        query["filed_after"] = scope.filed_after.isoformat()
    if scope.filed_before:
        query["filed_before"] = scope.filed_before.isoformat()
    return f"{reverse('supervision:queue')}?{urlencode({**query, **params})}"


# How a week is named on the chart: the date of its Monday as people write it, without and
# with the year. Languages not listed here use the English form.
WEEK_LABEL_FORMATS = {"zh-hans": ("n月j日", "Y年n月j日"), "en": ("j M", "j M Y")}


def week_labels(mondays: list[datetime.date], today: datetime.date) -> list[str]:
    """The chart's names of the weeks beginning on `mondays` ("15 Sep", "9月15日"); the year is
    given where it changes, and on the first week when it is not this year's."""
    short, with_year = WEEK_LABEL_FORMATS.get(get_language(), WEEK_LABEL_FORMATS["en"])
    labels, year = [], today.year
    for monday in mondays:
        labels.append(format_date(monday, with_year if monday.year != year else short))
        year = monday.year
    return labels


def _dashboard_tables(figures: dict, scope) -> dict:
    """Rows for the page's tables and the charts' data; display only, no queries."""
    categories = dict(Category.choices)
    category_rows = sorted(
        (
            (code, categories[code], n, figures["category_shares"][code])
            for code, n in figures["category_counts"].items()
            if n
        ),
        key=lambda row: -row[2],
    )

    def merchant_rows(rows):
        return [
            {**row, "link": _queue_link(scope, merchant=row["merchant"], open="on") if row["merchant"] else None}
            for row in rows
        ]

    intake_counts = figures["intake_channel_counts"]
    weekly = figures["weekly"]
    labels = week_labels([w["week_start"] for w in weekly], timezone.localdate())
    return {
        "top_open_rows": merchant_rows(figures["top_open_merchants"]),
        "top_overdue_rows": merchant_rows(figures["top_overdue_merchants"]),
        "status_rows": [
            (code, label, figures["by_status"][code], _queue_link(scope, status=code)) for code, label in Status.choices
        ],
        "outcome_rows": [(code, label, figures["outcome_shares"][code]) for code, label in Outcome.choices],
        "category_rows": category_rows,
        "intake_rows": [
            (code, label, intake_counts.get(code, 0), _queue_link(scope, intake_channel=code))
            for code, label in IntakeChannel.choices
        ],
        "chart_data": {
            "weekly": {
                "labels": labels,
                "titles": [_("Week of %(monday)s") % {"monday": label} for label in labels],
                "filed": [w["filed"] for w in weekly],
                "closed": [w["closed"] for w in weekly],
                "filed_label": _("Filed"),
                "closed_label": _("Closed"),
            },
            "categories": {
                "labels": [str(row[1]) for row in category_rows],
                "counts": [row[2] for row in category_rows],
                "label": _("Complaints"),
            },
        },
    }


def _period_label(scope) -> str:
    after, before = scope.filed_after, scope.filed_before
    if after and before:
        return _("filed from %(start)s to %(end)s") % {"start": after.isoformat(), "end": before.isoformat()}
    if after:
        return _("filed from %(start)s") % {"start": after.isoformat()}
    if before:
        return _("filed until %(end)s") % {"end": before.isoformat()}
    return _("all cases filed so far")


@staff_required
@require_GET
@statistics_reads
def dashboard(request):
    user = request.user
    form = DashboardFilterForm(request.GET or None, user=user)
    scope = staff_dashboard.scope_for(user, **form.valid_filters())
    now = timezone.now()
    figures = staff_dashboard.cached_staff_dashboard(scope)
    return render(
        request,
        "supervision/dashboard.html",
        {
            "council": user.council,
            "scope": scope,
            "period_label": _period_label(scope),
            "form": form,
            "is_filtered": bool(request.GET),
            "figures": figures,
            **_dashboard_tables(figures, scope),
            "open_link": _queue_link(scope, open="on"),
            "overdue_link": _queue_link(scope, overdue="true"),
            "overdue": list(staff_dashboard.overdue_cases(scope, now)),
            "notices_url": _notices_url(),
        },
    )


@require_safe
@statistics_reads
def public_stats(request):
    figures = public_figures_for_readers(summary=True)
    search = MerchantSearchForm(request.GET or None)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    merchants = Paginator(merchant_selectors.enrolled_merchants(q), PAGE_SIZE).get_page(request.GET.get("page"))
    # Credit indexes come with the cached figures (one grouped computation for every merchant).
    indexes = figures["credit_indexes"]
    merchant_rows = [{"merchant": m, "credit_index": indexes.get(m.pk)} for m in merchants]
    return render(
        request,
        "supervision/public_stats.html",
        {
            "sections": _figure_sections(figures),
            "search": search,
            "q": q,
            "merchants": merchants,
            "merchant_rows": merchant_rows,
        },
    )


def _figure_sections(figures: dict) -> dict[str, str]:
    """The parts of the statistics page that only the figures decide (totals and categories;
    merchants named and incidents), rendered once per computation and language: one cache read
    a request."""
    key = f"public_stats_html:{figures['generated_at'].isoformat()}:{get_language()}"
    sections = cache.get(key)
    if sections is None:
        labels = dict(Category.choices)
        categories = [
            (labels.get(code, code), figures["category_counts"].get(code, 0), share)
            for code, share in figures["category_shares"].items()
        ]
        categories.sort(key=lambda row: -row[1])
        outcomes = figures["by_outcome"]
        context = {
            "figures": figures,
            "categories": categories,
            "unconfirmed": outcomes.get(Outcome.UNCONFIRMED, 0),
            "no_reply": outcomes.get(Outcome.NO_REPLY, 0),
            "named_merchants": figures["named_merchants"],  # most cases first
            "named_count": figures["named_count"],
            "incidents": [
                {**row, "status_display": INCIDENT_STATUS_LABELS.get(row["status"], row["status"])}
                for row in figures.get("incidents", [])
            ],
            "incident_min_cases": settings.INCIDENT_PUBLIC_MIN_CASES,
        }
        sections = {
            part: render_to_string(f"supervision/public_stats_{part}.html", context) for part in ("totals", "named")
        }
        cache.set(key, sections, PUBLIC_FIGURES_KEEP)
    return {part: mark_safe(html) for part, html in sections.items()}  # rendered by our own templates
