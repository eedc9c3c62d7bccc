"""Forms for filing a complaint and for each case action. They validate shape only;
complaints.workflow and complaints.services do the work."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from accounts.selectors import mediators_for
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField
from merchants.models import Merchant, MerchantStatus

from .models import Category, Channel, EvidenceKind, Remedy
from .workflow import MEDIATION_ADVICE, promised_date_error

# --- evidence files -------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by complaints.services.add_evidence."""

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
    be filed against is workflow.file_complaint's rule, the same for the page and the API."""

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
    evidence = MultipleFileField(label=_("Evidence"), required=False, help_text=EVIDENCE_HELP)
    evidence_kind = forms.ChoiceField(
        label=_("What the files show"), choices=EvidenceKind.choices, initial=EvidenceKind.PHOTO, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merchant"].queryset = (
            Merchant.objects.filter(status=MerchantStatus.ENROLLED).select_related("region").order_by("name")
        )
        self.fields["region"].queryset = Council.objects.order_by("path")

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
        """Keyword arguments for complaints.workflow.file_complaint."""
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
        )


# Guidance beside the form (SPEC "Guidance for consumers"). Keyed by category.
KEEP_EVIDENCE = _(
    "Keep screenshots of the listing and of your chat with the seller, the order page, "
    "logistics records and photos of the goods."
)
SEVEN_DAYS = _(
    "Online, TV, phone and mail-order purchases can be returned within 7 days of receipt "
    "without giving a reason (Consumer Rights Protection Law, art. 25), except custom-made, "
    "perishable, digital and a few other goods."
)
ART_55 = _(
    "Fraud or false advertising entitles you to a refund plus compensation of 3 times the price, "
    "at least 500 CNY (Consumer Rights Protection Law, art. 55)."
)

GUIDANCE: dict[str, list] = {
    Category.AFTER_SALES: [
        _("Write down when you contacted after-sales, whom you spoke to and what they promised."),
        KEEP_EVIDENCE,
        SEVEN_DAYS,
    ],
    Category.QUALITY: [
        _("Photograph the defect and the packaging before you send anything back; keep the goods."),
        KEEP_EVIDENCE,
        _(
            "Defective goods must be repaired, exchanged or taken back as the law, the warranty or your agreement "
            "provides (Consumer Rights Protection Law, art. 24)."
        ),
        SEVEN_DAYS,
        ART_55,
    ],
    Category.FALSE_ADVERTISING: [
        _("Save the advertisement or listing exactly as you saw it: screenshots or a screen recording with the date."),
        ART_55,
        KEEP_EVIDENCE,
        SEVEN_DAYS,
    ],
    Category.PRICE: [
        _("Keep the price shown when you ordered and what you were charged: screenshots and the payment record."),
        ART_55,
        KEEP_EVIDENCE,
    ],
    Category.DELIVERY: [
        _("Keep the logistics record with its tracking number, and photos of the parcel on arrival."),
        SEVEN_DAYS,
    ],
    Category.CONTRACT: [
        _("Keep the contract, the terms you were shown and any membership or prepaid card records."),
        _(
            "Terms that unfairly exclude your rights or the merchant's liability are void "
            "(Consumer Rights Protection Law, art. 26)."
        ),
    ],
    Category.PERSONAL_INFO: [
        _("Write down what was collected or disclosed, when, and any calls or messages you received because of it."),
        _(
            "A merchant may collect your personal information only with your consent and must keep it confidential "
            "(Consumer Rights Protection Law, art. 29)."
        ),
    ],
    Category.SAFETY: [
        _("If anyone is hurt or in danger, stop using the product and get help first. Keep the product and receipts."),
        _("Safety complaints are handled with priority by the council."),
        KEEP_EVIDENCE,
    ],
    Category.OTHER: [KEEP_EVIDENCE, SEVEN_DAYS, ART_55],
}


def guidance_list() -> list[dict]:
    return [{"category": value, "label": label, "points": GUIDANCE[value]} for value, label in Category.choices]


# --- case actions ---------------------------------------------------------------------

MESSAGE_ATTRS = {"rows": 3}


def _message(label=None, required=True, help_text=""):
    return TextField(
        label=label or _("Message"),
        multiline=True,
        required=required,
        max_length=5000,
        help_text=help_text,
        widget=forms.Textarea(attrs=MESSAGE_ATTRS),
    )


class ActionForm(DomainErrorsMixin, forms.Form):
    """One case action. `payload()` is what complaints.workflow.perform takes."""

    submit_label = _("Send")

    def __init__(self, *args, user=None, complaint=None, **kwargs):
        self.user, self.complaint = user, complaint
        super().__init__(*args, **kwargs)

    def payload(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def extra_steps(self) -> list[tuple[str, dict]]:
        """Further actions the same submission performs after this one, in the same transaction."""
        return []


class RespondForm(ActionForm):
    submit_label = _("Send the answer")
    kind = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("offer", _("Make an offer")), ("decline", _("Decline, with the reason"))],
        widget=forms.RadioSelect,
        initial="offer",
    )
    message = _message(_("Message to the consumer"))
    remedy = forms.ChoiceField(label=_("Remedy offered"), choices=[("", "—"), *Remedy.choices], required=False)
    offer_amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    due_date = forms.DateField(
        label=_("Carried out by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Without a date the council's fulfilment deadline applies."),
    )
    council_note = _message(
        _("Note for the council only (optional)"),
        required=False,
        help_text=_("Council staff see it beside your answer; the consumer does not."),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == "offer" and not data.get("remedy"):
            self.add_error("remedy", _("An offer names its remedy."))
        date_error = promised_date_error(data.get("due_date"))
        if date_error:
            self.add_error("due_date", date_error)
        return data

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {"kind": data["kind"], "message": data["message"]}
        if data["kind"] == "offer":
            payload.update(remedy=data["remedy"], offer_amount=data.get("offer_amount"), due_date=data.get("due_date"))
        return payload

    def extra_steps(self) -> list[tuple[str, dict]]:
        # The merchant's note for the council: a separate, merchant-and-staff-only message event.
        note = (self.cleaned_data.get("council_note") or "").strip()
        return [("message", {"message": note, "staff_only": True})] if note else []


class AcceptForm(ActionForm):
    submit_label = _("Accept the offer")


class RejectForm(ActionForm):
    submit_label = _("Ask the merchant again")
    message = _message(_("What is still wrong"))


class RequestMediationForm(ActionForm):
    submit_label = _("Ask the council to mediate")
    message = _message(_("Why you ask for mediation"))


class WithdrawForm(ActionForm):
    submit_label = _("Withdraw the complaint")
    message = _message(_("Reason (optional)"), required=False)


class MessageForm(ActionForm):
    submit_label = _("Add the message")
    message = _message()
    staff_only = forms.BooleanField(
        label=_("Note for the council only"),
        required=False,
        help_text=_("The consumer will not see this note."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.user and (self.user.is_council_staff or self.user.is_merchant_user)):
            del self.fields["staff_only"]
        elif self.user.is_council_staff:
            self.fields["staff_only"].label = _("Note for council staff only")
            self.fields["staff_only"].help_text = _("Neither the consumer nor the merchant will see this note.")

    def payload(self) -> dict:
        return {"message": self.cleaned_data["message"], "staff_only": bool(self.cleaned_data.get("staff_only"))}


class ReviewAcceptForm(ActionForm):
    submit_label = _("Accept for mediation")
    message = _message(_("Note to the consumer (optional)"), required=False)


class ReviewRejectForm(ActionForm):
    submit_label = _("Reject the complaint")
    message = _message(_("Reason given to the consumer"))


class AssignForm(ActionForm):
    submit_label = _("Assign")
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mediator"]
        field.queryset = mediators_for(self.complaint)
        field.label_from_instance = lambda u: f"{u.display_name} · {u.council.name}"
        if self.complaint is not None and self.complaint.mediator_id:
            field.initial = self.complaint.mediator_id


class RecordAgreementForm(ActionForm):
    submit_label = _("Record the agreement")
    message = _message(_("What was agreed"), help_text=_("Remedy, amount and the date it will be carried out."))


class RecordFailureForm(ActionForm):
    submit_label = _("Record that mediation failed")
    message = _message(_("Why mediation failed"))
    advice = forms.ChoiceField(label=_("Advice to the consumer"), choices=list(MEDIATION_ADVICE.items()))


class FulfilForm(ActionForm):
    submit_label = _("Mark as carried out")
    message = _message(_("What was done"), help_text=_("With the refund receipt or the tracking number."))


class ConfirmForm(ActionForm):
    submit_label = _("Confirm it was carried out")
    message = _message(_("Comment (optional)"), required=False)


class DisputeForm(ActionForm):
    submit_label = _("It was not carried out")
    message = _message(_("What is missing"), required=False)


class RateForm(ActionForm):
    submit_label = _("Send the rating")
    score = forms.TypedChoiceField(
        label=_("How well was your complaint handled? (1 poor, 5 very good)"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = TextField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        multiline=True,
        widget=forms.Textarea(attrs=MESSAGE_ATTRS),
    )


class ReportViolationForm(ActionForm):
    submit_label = _("Report the merchant")
    kind = forms.ChoiceField(
        label=_("What the merchant did"),
        choices=[("negative_handling", _("Handled my complaint negatively")), ("harassment", _("Harassed me"))],
    )
    message = _message(_("What happened"))


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "respond": RespondForm,
    "accept": AcceptForm,
    "reject": RejectForm,
    "request_mediation": RequestMediationForm,
    "withdraw": WithdrawForm,
    "message": MessageForm,
    "review_accept": ReviewAcceptForm,
    "review_reject": ReviewRejectForm,
    "assign": AssignForm,
    "record_agreement": RecordAgreementForm,
    "record_failure": RecordFailureForm,
    "fulfil": FulfilForm,
    "confirm": ConfirmForm,
    "dispute": DisputeForm,
    "rate": RateForm,
    "report_violation": ReportViolationForm,  # shown only once the state machine offers it
}


def action_form(action: str, *, user, complaint, data=None) -> ActionForm:
    """The form of one action, prefixed so several can share a page."""
    return ACTION_FORMS[action](data, user=user, complaint=complaint, prefix=action)
