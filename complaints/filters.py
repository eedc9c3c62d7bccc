"""Filters for case lists, shared by the API and the staff queue (API.md "Complaints")."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.models import Merchant

from .models import OPEN_STATUSES, Category, Channel, Complaint, Status


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Purchase channel"))
    merchant = django_filters.ModelChoiceFilter(queryset=Merchant.objects.all(), label=_("Merchant"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"))
    q = django_filters.CharFilter(method="filter_search", label=_("Case number, order number or text"))
    filed_after = django_filters.DateFilter(field_name="filed_at", lookup_expr="date__gte", label=_("Filed from"))
    filed_before = django_filters.DateFilter(field_name="filed_at", lookup_expr="date__lte", label=_("Filed until"))
    ordering = django_filters.OrderingFilter(
        fields=(("priority", "priority"), ("filed_at", "filed_at"), ("due_at", "due_at")),
        label=_("Order by"),
    )

    class Meta:
        model = Complaint
        fields = ["status", "category", "channel", "merchant", "overdue", "q", "filed_after", "filed_before"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES) & (Q(due_at__lt=timezone.now()) | Q(is_overdue=True))
        if value is True:
            return queryset.filter(overdue)
        if value is False:
            return queryset.exclude(overdue)
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(case_number__iexact=value)
            | Q(order_number=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
        )
