"""Pages anyone reaches: the enrolled merchants with their credit index, and each one's public
record (complaints.records computes it)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from complaints import records
from mediation.db_router import statistics_reads
from merchants import selectors
from merchants.forms import MerchantSearchForm

PAGE_SIZE = 25


@require_GET
@statistics_reads
def merchant_list(request):
    search = MerchantSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.enrolled_merchants(q), PAGE_SIZE).get_page(request.GET.get("page"))
    indexes = records.credit_indexes([m.pk for m in page]) if len(page) else {}
    rows = [{"merchant": m, "credit_index": indexes.get(m.pk)} for m in page]
    return render(
        request,
        "merchants/public_list.html",
        {"search": search, "q": q, "page": page, "rows": rows, **records.credit_formula()},
    )


@require_GET
@statistics_reads
def merchant_record(request, pk: int):
    merchant = selectors.public_merchant(pk)
    record = records.public_record(merchant)
    return render(
        request,
        "merchants/public_record.html",
        {
            "merchant": merchant,
            "record": record,
            "rows": records.record_rows(record),
            "index_note": records.index_note(record),
            "violations": list(records.confirmed_violations_of(merchant)),
            **records.credit_formula(),
        },
    )
