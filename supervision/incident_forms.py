"""Forms of the incident pages. They validate shape only; complaints.incidents does the work."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from complaints.models import Remedy
from complaints.rules import promised_date_error
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField

from .selectors import jurisdiction_merchants

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IncidentForm(DomainErrorsMixin, forms.Form):
    merchant = forms.ModelChoiceField(
        label=_("Enrolled merchant"),
        queryset=None,
        required=False,
        empty_label=_("Not on the platform: name it below"),
    )
    merchant_name = TextField(
        label=_("Merchant's name (if not on the platform)"),
        max_length=200,
        required=False,
        help_text=_("As consumers write it on their complaints; cases are matched on the whole name."),
    )
    title = TextField(label=_("Title"), max_length=200, help_text=_("Consumers and the public read it."))
    description = TextField(
        label=_("Description"),
        max_length=5000,
        required=False,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    period_from = forms.DateField(label=_("Cases filed from"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("Cases filed until"), required=False, widget=DATE)
    keywords = TextField(
        label=_("Keywords"),
        max_length=300,
        required=False,
        help_text=_("Separated by spaces or commas; a case whose title or description has any of them matches."),
    )
    order_pattern = TextField(
        label=_("Order-number pattern"),
        max_length=64,
        required=False,
        help_text=_("* stands for any characters and ? for one, e.g. CARD-2026-*. Matches like a keyword."),
    )
    public = forms.BooleanField(
        label=_("Public-facing"),
        required=False,
        initial=True,
        help_text=_(
            "Consumers filing against this merchant see the incident and may join it; with enough cases it is "
            "listed on the public statistics page."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = jurisdiction_merchants(user)

    def clean(self):
        data = super().clean()
        if not data.get("merchant") and not (data.get("merchant_name") or "").strip():
            self.add_error("merchant_name", _("Choose an enrolled merchant or write the merchant's name."))
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The end of the period comes before its start."))
        return data


class _OnceForm(DomainErrorsMixin, forms.Form):
    """A bulk act's form: its content is its key (complaints.incidents.act_key), so the same form
    sent again, even from a page the browser brought back, acts once."""


class IncidentMessageForm(_OnceForm):
    message = TextField(
        label=_("Message to every consumer"),
        max_length=2000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Each consumer gets an SMS and an in-app notice, and the message goes on each case's timeline once: "
            "the same words are never sent twice (to remind everyone, write a new message)."
        ),
    )


class IncidentAssignForm(_OnceForm):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=None, empty_label=None)

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        # Mediators of the incident's council or a council above it cover all of its cases.
        parts = [p for p in incident.council_path.split("/") if p]
        paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        field.queryset = (
            User.objects.filter(role=Role.MEDIATOR, is_active=True, council__path__in=paths)
            .select_related("council")
            .order_by("council__path", "name", "username")
        )
        field.label_from_instance = lambda u: f"{u.display_name} · {u.council.name}"


class CollectiveOfferForm(_OnceForm):
    remedy = forms.ChoiceField(label=_("Remedy offered"), choices=[("", "—"), *Remedy.choices])
    amount = forms.DecimalField(
        label=_("The same amount for every case (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    percent = forms.DecimalField(
        label=_("Or a percentage of each case's amount claimed"),
        max_digits=6,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1000"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text=_("For example 100 refunds what each consumer paid; 300 pays three times."),
    )
    due_date = forms.DateField(label=_("Carried out by"), required=False, widget=DATE)
    message = TextField(
        label=_("The offer in words, to every consumer"),
        max_length=5000,
        multiline=True,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and data.get("percent") is not None:
            self.add_error("percent", _("Give one sum for every case or a percentage of each claim, not both."))
        date_error = promised_date_error(data.get("due_date"))
        if date_error:
            self.add_error("due_date", date_error)
        return data

    def offer_data(self) -> dict:
        data = self.cleaned_data
        return dict(
            remedy=data["remedy"],
            amount=data.get("amount"),
            percent=data.get("percent"),
            due_date=data.get("due_date"),
            message=data["message"],
        )
