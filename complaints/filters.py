"""Filters for case lists, shared by the API, the staff queue and its exports (API.md "Complaints").

Every filter is a plain GET parameter, so a filtered list is a URL to share. Dates are
calendar days in local time (Asia/Shanghai), both ends included; they compare the stored
filing time against the day's bounds, so the filing-time index serves them.
"""

import datetime
import re

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Council, Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput
from merchants.models import Merchant

from . import search
from .models import Category, Channel, Complaint, IntakeChannel, Status, jurisdiction_q, overdue_q

MAX_PRIORITY = 1000
CASE_NUMBER = re.compile(r"[A-Za-z]{1,4}\d{4}-\d{4,}")  # HB2026-000123
# What a whole mobile number may look like as typed: 138 0013 8000, +86 138-0013-8000.
PHONE_LIKE = re.compile(r"\+?[\d\s()-]{11,20}")
# A name shared by more consumers than this is too common to look up by itself.
MAX_NAMESAKES = 500


# No case is filed outside these years; dates beyond them are brought inside, so that no
# date a form accepts (years 1 to 9999) overflows when turned into a moment.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2999, 12, 31)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in local time."""
    day = min(max(day, EARLIEST_DAY), LATEST_DAY)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def day_end(day: datetime.date) -> datetime.datetime:
    """Midnight at the end of `day` (the start of the next day) in local time."""
    day = min(max(day, EARLIEST_DAY), LATEST_DAY) + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@extend_schema_field(OpenApiTypes.INT)
class RegionFilter(django_filters.ModelChoiceFilter):
    """A council, given by id, standing for itself and every council below it."""


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Purchase channel"))
    intake_channel = django_filters.ChoiceFilter(choices=IntakeChannel.choices, label=_("Intake channel"))
    merchant = django_filters.ModelChoiceFilter(queryset=Merchant.objects.all(), label=_("Merchant"))
    region = RegionFilter(
        queryset=Council.objects.all(), method="filter_region", label=_("Region (council and the ones below it)")
    )
    priority = django_filters.NumberFilter(
        field_name="priority",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_PRIORITY,
        decimal_places=0,
        label=_("Priority at least"),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue only"))
    q = django_filters.CharFilter(method="filter_search", label=_("Case number, order number or text"))
    filed_after = django_filters.DateFilter(method="filter_filed_after", label=_("Filed from"))
    filed_before = django_filters.DateFilter(method="filter_filed_before", label=_("Filed until"))
    ordering = django_filters.OrderingFilter(
        fields=(("priority", "priority"), ("filed_at", "filed_at"), ("due_at", "due_at")),
        label=_("Order by"),
    )

    class Meta:
        model = Complaint
        fields = [
            "status",
            "category",
            "channel",
            "intake_channel",
            "merchant",
            "region",
            "priority",
            "overdue",
            "q",
            "filed_after",
            "filed_before",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_council_staff:
            # Staff choose among the councils of their jurisdiction only.
            self.filters["region"].queryset = Council.objects.filter(
                jurisdiction_q(user.council, field="path")
            ).order_by("path")

    def filter_region(self, queryset, name, value):
        return queryset.in_jurisdiction(value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is True:
            return queryset.overdue()
        if value is False:
            return queryset.exclude(overdue_q())
        return queryset

    def filter_filed_after(self, queryset, name, value):
        return queryset.filter(filed_at__gte=day_start(value)) if value else queryset

    def filter_filed_before(self, queryset, name, value):
        return queryset.filter(filed_at__lt=day_end(value)) if value else queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        if CASE_NUMBER.fullmatch(value):
            # A case number finds that case through its unique index, without reading any text.
            return queryset.filter(case_number__in={value, value.upper()})
        consumers = self._consumers_called(value)
        return search.matching(queryset, value, also=Q(consumer_id__in=consumers) if consumers else None)

    def _consumers_called(self, value: str) -> list[int]:
        """Council staff (a hotline takes a caller's number or name) also find cases by the consumer:
        their whole mobile number, exactly, or their full name. Never a part of a number, and
        never for anyone else: merchant staff see the consumer masked and must not find them."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated or not user.is_council_staff:
            return []
        people = User.objects.filter(role=Role.CONSUMER)
        phone = _whole_phone(value)
        if phone:
            return list(people.filter(phone=phone).values_list("pk", flat=True))
        if any(char.isdigit() for char in value):
            return []  # an order number or a part of a number, not a name
        return list(people.filter(name__iexact=value).values_list("pk", flat=True)[:MAX_NAMESAKES])


def _whole_phone(value: str) -> str:
    """The 11 digits of a whole mainland mobile number, or "" for anything else."""
    if not PHONE_LIKE.fullmatch(value):
        return ""
    try:
        return normalise_phone(value)
    except InvalidInput:
        return ""
