"""Forms for filing a complaint and adding evidence. They validate shape only;
complaints.filing and complaints.services do the work. The case actions' forms are
complaints/action_forms.py."""

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField
from merchants.models import Merchant, MerchantStatus

from .incident_selectors import open_public_incidents
from .models import AddressGrant, Category, Channel, EvidenceKind, Incident, Remedy

# --- evidence files -------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by complaints.uploads.check_evidence_file."""

    max_files = 20

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(_("Choose at most 20 files."), code="too_many")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


EVIDENCE_HELP = _(
    "Photos (JPEG, PNG, WebP) or PDF, at most 10 MB each and 20 per complaint. "
    "Location and camera data are removed from photos."
)


class EvidenceForm(forms.Form):
    files = MultipleFileField(label=_("Files"), help_text=EVIDENCE_HELP)
    kind = forms.ChoiceField(label=_("What the files show"), choices=EvidenceKind.choices, initial=EvidenceKind.PHOTO)


# --- filing ---------------------------------------------------------------------------

MAX_ID = 2**63 - 1  # the largest primary key a database holds


class MerchantChoiceField(forms.ModelChoiceField):
    """Lists the enrolled merchants and takes a merchant's id: which merchants a complaint may
    be filed against is filing.file_complaint's rule, the same for the page and the API."""

    def label_from_instance(self, obj: Merchant) -> str:
        return f"{obj.name} · {obj.region.name}"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        if not 1 <= pk <= MAX_ID:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return pk


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Council) -> str:
        depth = max(0, obj.path.count("/") - 2)
        return "\u2003" * depth + obj.name


class IncidentChoiceWidget(forms.RadioSelect):
    """Each incident names its merchant on its option, so the form's script shows only those of
    the merchant chosen; without the script every incident is listed."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        incident = getattr(value, "instance", None)
        if incident is not None:
            option["attrs"]["data-merchant"] = str(incident.merchant_id or "")
            option["attrs"]["data-merchant-name"] = incident.merchant_name
        return option


class IncidentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Incident) -> str:
        return f"{obj.merchant_display_name}: {obj.title}"


class ComplaintForm(DomainErrorsMixin, forms.Form):
    merchant = MerchantChoiceField(
        label=_("Merchant"),
        queryset=Merchant.objects.none(),
        required=False,
        empty_label=_("Choose the merchant, or name it below"),
        help_text=_("Merchants enrolled on the platform are told by SMS at once and answer here."),
    )
    merchant_name = TextField(label=_("Merchant's name (if not listed)"), max_length=200, required=False)
    merchant_phone = forms.CharField(
        label=_("Merchant's phone (if you know it)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    region = RegionChoiceField(
        label=_("Where the merchant is"),
        queryset=Council.objects.none(),
        required=False,
        empty_label=_("I don't know"),
        help_text=_("The consumer council of this region reviews complaints against merchants not on the platform."),
    )
    category = forms.ChoiceField(label=_("What went wrong"), choices=[("", "—"), *Category.choices])
    channel = forms.ChoiceField(label=_("Where you bought it"), choices=[("", "—"), *Channel.choices])
    platform = TextField(
        label=_("Platform or shop name"),
        max_length=100,
        required=False,
        help_text=_("For example the shopping app or the live-stream room."),
    )
    order_number = TextField(label=_("Order number"), max_length=64, required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label=_("Amount paid (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    demands = forms.MultipleChoiceField(
        label=_("What you ask for"), choices=Remedy.choices, widget=forms.CheckboxSelectMultiple
    )
    title = TextField(
        label=_("Title"), max_length=200, help_text=_("One line, e.g. 'Phone screen cracked on arrival'.")
    )
    description = TextField(
        label=_("What happened"),
        max_length=5000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("When and what you bought, what went wrong, what the merchant said so far."),
    )
    share_contact = forms.BooleanField(
        label=_("Let the merchant see my full name and phone"),
        required=False,
        help_text=_(
            "Without this the merchant sees only your masked name and number. "
            "With it, the merchant's manager sees them, and its after-sales agents may reveal your number "
            "to call you; each reveal is logged for the council."
        ),
    )
    incident = IncidentChoiceField(
        label=_("Join the council's incident"),
        queryset=Incident.objects.none(),
        required=False,
        widget=IncidentChoiceWidget,
        blank=True,
        empty_label=_("No: my complaint is about something else"),
        help_text=_(
            "Many consumers complained about the same thing, and the council handles their cases together. "
            "If your complaint is about it, join it: the council tells everyone at once, and each of you "
            "still decides on your own case."
        ),
    )
    evidence = MultipleFileField(label=_("Evidence"), required=False, help_text=EVIDENCE_HELP)
    evidence_kind = forms.ChoiceField(
        label=_("What the files show"), choices=EvidenceKind.choices, initial=EvidenceKind.PHOTO, required=False
    )
    # One token per form shown: the same form sent twice (back, then submit again) files once.
    # A text input, not type=hidden: a browser brings a text input's value back with the page
    # from its history (complaint-form.js), and only the markup's value of a hidden one.
    filing_token = forms.CharField(required=False, strip=True, widget=forms.TextInput(attrs={"hidden": True}))
    confirm_duplicate = forms.BooleanField(
        label=_("This is a different problem: file a new complaint"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("filing_token", uuid.uuid4().hex)
        self.fields["merchant"].queryset = (
            Merchant.objects.filter(status=MerchantStatus.ENROLLED).select_related("region").order_by("name")
        )
        self.fields["region"].queryset = Council.objects.order_by("path")
        self.fields["incident"].queryset = open_public_incidents().order_by("merchant__name", "merchant_name", "pk")

    def clean_filing_token(self) -> str:
        """A token that is not one the form gave out is dropped: the form is filed without it."""
        try:
            return uuid.UUID(self.cleaned_data.get("filing_token", "")[:64]).hex
        except ValueError:
            return ""

    def clean_purchase_date(self):
        value = self.cleaned_data.get("purchase_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The purchase date is in the future."))
        return value

    def clean_merchant_phone(self):
        value = self.cleaned_data.get("merchant_phone", "").strip()
        if value and not all(ch.isdigit() or ch in "+- ()" for ch in value):
            raise forms.ValidationError(_("Enter digits only."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("merchant") and not (data.get("merchant_name") or "").strip():
            self.add_error("merchant_name", _("Choose an enrolled merchant or write the merchant's name."))
        return data

    def filing_data(self) -> dict:
        """Keyword arguments for complaints.filing.file_complaint."""
        data = self.cleaned_data
        merchant = data.get("merchant")
        return dict(
            merchant=merchant,
            merchant_name="" if merchant else data["merchant_name"].strip(),
            merchant_phone="" if merchant else data.get("merchant_phone", ""),
            region=None if merchant else data.get("region"),
            category=data["category"],
            channel=data["channel"],
            platform=data.get("platform", ""),
            order_number=data.get("order_number", ""),
            purchase_date=data.get("purchase_date"),
            amount=data.get("amount") or Decimal("0"),
            demands=list(data["demands"]),
            title=data["title"].strip(),
            description=data["description"].strip(),
            share_contact=bool(data.get("share_contact")),
            evidence=data.get("evidence") or [],
            evidence_kind=data.get("evidence_kind") or "",
            filing_token=data.get("filing_token", ""),
            confirm_duplicate=bool(data.get("confirm_duplicate")),
            incident=data["incident"].pk if data.get("incident") else None,
        )


# --- a delivery address on a case -------------------------------------------------------------


class AddressForm(DomainErrorsMixin, forms.Form):
    recipient = TextField(label=_("Recipient"), max_length=100)
    district = TextField(
        label=_("Province, city and district"),
        max_length=100,
        help_text=_("For example: Hubei province, Wuhan, Jiang'an district."),
    )
    street = TextField(label=_("Street, building and room"), max_length=200)
    postcode = TextField(label=_("Postcode (optional)"), max_length=10, required=False)
    grant = forms.ChoiceField(
        label=_("Who at the merchant may see the full address?"),
        choices=AddressGrant.choices,
        initial=AddressGrant.OWNER,
        widget=forms.RadioSelect,
        help_text=_("Others at the merchant see only the district. Every look is recorded, and you can withdraw it."),
    )
