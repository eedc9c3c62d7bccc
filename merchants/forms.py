"""Forms of the merchant pages. They validate shape (the credit code and phones with the
same checks as the service) and hand cleaned_data to merchants.enrolment and merchants.team."""

import re

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from mediation.errors import InvalidInput
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField

from . import enrolment
from .models import MerchantStatus, Sector, ViolationStatus

REASON_ATTRS = {"rows": 3}


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Council) -> str:
        depth = max(0, obj.path.count("/") - 2)
        return "\u2003" * depth + obj.name


def _domain_check(clean, value, field: str):
    """Run a service's check and turn its error into this field's error."""
    try:
        return clean(value)
    except InvalidInput as exc:
        raise forms.ValidationError(exc.fields.get(field) or [str(exc.message)]) from None


class ApplicationForm(DomainErrorsMixin, forms.Form):
    name = TextField(label=_("Registered name of the merchant"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("The 18 characters on the business licence; the last one is a check character."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, initial=Sector.OTHER)
    region = RegionChoiceField(
        label=_("Region"),
        queryset=Council.objects.none(),
        empty_label=None,
        help_text=_("The consumer council of this region supervises the merchant and decides on the application."),
    )
    address = TextField(label=_("Address"), max_length=255, required=False)
    notice_phones = forms.CharField(
        label=_("Mobile numbers for complaint notices"),
        max_length=200,
        help_text=_(
            "One or more mainland mobile numbers, separated by commas or spaces. Each gets an SMS per new complaint."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), max_length=254, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Council.objects.order_by("path")

    def clean_uscc(self):
        raw = re.sub(r"\s+", "", self.cleaned_data["uscc"]).upper()
        return _domain_check(enrolment.clean_uscc, raw, "uscc")

    def clean_notice_phones(self):
        raw = self.cleaned_data["notice_phones"]
        # Split on separators only: a number written "139 0000 0077" stays one number.
        parts = [p.strip() for p in re.split(r"[,，;；、\n]+", raw) if p.strip()]
        if len(parts) == 1 and len(re.sub(r"\D", "", parts[0])) > 13:
            parts = parts[0].split()
        return _domain_check(enrolment.clean_notice_phones, parts, "notice_phones")


class DecisionForm(DomainErrorsMixin, forms.Form):
    """A supervisor's decision on a merchant; the reason is required to refuse. Approving binds
    the council to the merchant's details (it is listed publicly and receives complaints), so
    the form names them and asks once."""

    reason = TextField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        multiline=True,
        widget=forms.Textarea(attrs=REASON_ATTRS),
        help_text=_("The applicant is told it."),
    )
    checked = forms.BooleanField(
        label=_("I checked these details against the business licence"),
        error_messages={"required": _("Tick the box to approve: the merchant is then listed and receives complaints.")},
    )

    def __init__(self, *args, decision: str = "", merchant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision = decision
        if decision == "refuse":
            self.fields["reason"].required = True
        if decision == "approve":
            del self.fields["reason"]
            if merchant is not None:
                self.fields["checked"].help_text = escape(approval_summary(merchant))
        else:
            del self.fields["checked"]


def approval_summary(merchant) -> str:
    """The details an approval makes public, on one line."""
    parts = [
        merchant.name,
        f"{_('Credit code')}: {merchant.uscc}",
        f"{_('Region')}: {merchant.region.name}" if merchant.region_id else "",
        f"{_('Notice phones')}: {', '.join(merchant.notice_phones)}" if merchant.notice_phones else "",
    ]
    return " · ".join(p for p in parts if p)


class MerchantReviewFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *MerchantStatus.choices], required=False)
    q = TextField(label=_("Name or credit code"), max_length=100, required=False)


class InviteAgentForm(DomainErrorsMixin, forms.Form):
    name = TextField(label=_("Agent's name"), max_length=100)
    phone = forms.CharField(
        label=_("Agent's mobile number"),
        max_length=20,
        help_text=_("They log in with this number and a one-time SMS code; you never handle a password."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )


class ViolationDecisionForm(forms.Form):
    """Confirming binds the merchant to the compensation the rules fix for the kind
    (complaints.violations.compensation_for): the page shows the amount and asks once."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm: the merchant owes the compensation")), ("dismiss", _("Dismiss"))],
        widget=forms.RadioSelect,
    )
    reason = TextField(
        label=_("Reason"),
        max_length=2000,
        required=False,
        multiline=True,
        widget=forms.Textarea(attrs=REASON_ATTRS),
        help_text=_("Shown on the case to the consumer and the merchant. Required to dismiss."),
    )
    compensation_checked = forms.BooleanField(label=_("I confirm the compensation shown"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "dismiss" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for dismissing the report."))
        if data.get("decision") == "confirm" and not data.get("compensation_checked"):
            self.add_error(
                "compensation_checked",
                _("Tick the box to confirm: the merchant then owes the consumer the compensation shown."),
            )
        return data


class ViolationFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any")), *ViolationStatus.choices], required=False)


class MerchantSearchForm(forms.Form):
    q = TextField(label=_("Merchant name or credit code"), max_length=100, required=False)
