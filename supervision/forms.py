"""Forms of the staff queue and the public statistics page. They validate shape only."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from complaints.filters import ComplaintFilter
from complaints.forms import ComplaintForm
from complaints.intake import CONSENT_STATEMENT
from complaints.models import OPEN_STATUSES, IntakeChannel
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField

from .dashboard import jurisdiction_councils
from .selectors import jurisdiction_merchants

# Up to this many merchants in the jurisdiction, the queue offers them as a list.
MERCHANT_CHOICES = 200


class QueueOrdering(django_filters.OrderingFilter):
    """The queue's order: the menu offers each order once, under a label that says what comes
    first. Links and the API may still give any field either way ("-priority", "-due_at");
    every order ends on the case's id, so pages never overlap."""

    MENU = (
        ("due_at", _("Nearest deadline first")),
        ("-filed_at", _("Newest first")),
        ("filed_at", _("Oldest first")),
    )

    def __init__(self, **kwargs):
        super().__init__(fields=(("priority", "priority"), ("filed_at", "filed_at"), ("due_at", "due_at")), **kwargs)

    @property
    def field(self):
        field = super().field
        # No choice means the queue's own order, highest priority first (selectors.staff_queue).
        field.widget.choices = [("", _("Highest priority first")), *self.MENU]
        return field

    def filter(self, qs, value):
        fields = [self.get_ordering_value(param) for param in value or () if param]
        return qs.order_by(*fields, "pk") if fields else qs


class StaffQueueFilter(ComplaintFilter):
    """The shared case filters, limited to the viewer's jurisdiction, plus "mine" for mediators."""

    ordering = QueueOrdering(label=_("Order by"))
    open = django_filters.BooleanFilter(method="filter_open", widget=forms.CheckboxInput, label=_("Open cases only"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", widget=forms.CheckboxInput, label=_("Only cases assigned to me")
    )

    merchant_name = django_filters.CharFilter(method="filter_merchant_name", label=_("Merchant name"))

    class Meta(ComplaintFilter.Meta):
        fields = [*ComplaintFilter.Meta.fields, "open", "mine"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = request.user
        merchants = jurisdiction_merchants(user)
        self.filters["merchant"].queryset = merchants
        if merchants[: MERCHANT_CHOICES + 1].count() > MERCHANT_CHOICES:
            # Thousands of merchants make no list: staff type a name; links keep the merchant's id.
            self.filters["merchant"].extra["widget"] = forms.HiddenInput
        else:
            del self.filters["merchant_name"]
        if user.role != Role.MEDIATOR:
            del self.filters["mine"]
        self._label_for_people()

    def filter_merchant_name(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(Q(merchant__name__icontains=value) | Q(merchant_name__icontains=value))

    def _label_for_people(self) -> None:
        """Words and widgets for the page form; the API uses the same filters without them."""
        for name in ("status", "category", "channel", "intake_channel"):
            self.filters[name].extra["empty_label"] = _("Any")
        self.filters["merchant"].extra["empty_label"] = _("Any merchant")
        self.filters["region"].extra["empty_label"] = _("The whole jurisdiction")
        self.filters["priority"].extra["widget"] = forms.NumberInput(attrs={"min": 0, "step": 1})
        self.filters["q"].extra["help_text"] = _("Or the consumer's whole mobile number, or their full name.")
        overdue = forms.NullBooleanSelect()
        overdue.choices = [("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        self.filters["overdue"].label = _("Overdue")
        self.filters["overdue"].extra["widget"] = overdue
        for name in ("filed_after", "filed_before"):
            self.filters[name].extra["widget"] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value else queryset

    def filter_mine(self, queryset, name, value):
        # An unticked box means "all cases", not "cases not assigned to me".
        if value:
            return queryset.filter(mediator=self.request.user)
        return queryset


class MerchantSearchForm(forms.Form):
    q = forms.CharField(label=_("Merchant name"), max_length=100, required=False)


class DashboardFilterForm(forms.Form):
    """The dashboard's filters: a filing period and a council of the viewer's jurisdiction."""

    filed_after = forms.DateField(
        label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    filed_before = forms.DateField(
        label=_("Filed until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        empty_label=_("The whole jurisdiction"),
        help_text=_("A council and every council below it."),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].queryset = jurisdiction_councils(user)

    def clean(self):
        data = super().clean()
        after, before = data.get("filed_after"), data.get("filed_before")
        if after and before and after > before:
            self.add_error("filed_before", _("The end of the period comes before its start."))
        return data

    def valid_filters(self) -> dict:
        """The filters that were understood; one that was not is left out (and shown as an error)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name in self.cleaned_data}


class IntakeForm(ComplaintForm):
    """A supervisor files for a consumer who called or came in: the consumer's form, and who
    the consumer is, how the complaint came in and the consumer's agreement."""

    phone = forms.CharField(
        label=_("Consumer's mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("The consumer gets an SMS with the case number and how to follow the case."),
    )
    name = TextField(
        label=_("Consumer's name"),
        max_length=100,
        required=False,
        help_text=_("Needed when the number has no account yet."),
    )
    intake_channel = forms.ChoiceField(
        label=_("How the complaint came in"),
        choices=[(code, label) for code, label in IntakeChannel.choices if code != IntakeChannel.ONLINE],
    )
    consent = forms.BooleanField(label=_("The consumer agreed to this statement"), required=False)
    field_order = ["phone", "name", "intake_channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["share_contact"].label = _("The consumer lets the merchant see their full name and phone")
        self.fields["consent"].help_text = CONSENT_STATEMENT

    def intake_data(self) -> dict:
        """Keyword arguments for complaints.intake.file_for_consumer (without the staff member)."""
        data = self.cleaned_data
        return dict(
            phone=data["phone"],
            name=(data.get("name") or "").strip(),
            intake_channel=data["intake_channel"],
            consent=bool(data.get("consent")),
            consent_statement=str(CONSENT_STATEMENT),
            **self.filing_data(),
        )


class TargetsForm(DomainErrorsMixin, forms.Form):
    """A council's own targets; an empty field takes the council above's (or the default)."""

    handling_rate = forms.IntegerField(
        label=_("Answered within the deadline (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("The share of cases the merchant answers within its first deadline. Default 90%."),
    )
    satisfaction = forms.IntegerField(
        label=_("Satisfaction (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_("The average rating as a share of 5: 85% means at least 4.25 of 5. Default 85%."),
    )
    first_response_hours = forms.IntegerField(
        label=_("First response within (hours)"),
        required=False,
        min_value=1,
        max_value=24 * 30,
        help_text=_("The average time from filing to the merchant's first answer. Default 24 hours."),
    )
