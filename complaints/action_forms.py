"""One form per case action (complaints/actions.py declares which action shows which). They
validate shape only; `payload()` is what complaints.workflow.perform takes."""

from decimal import Decimal

from django import forms
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import mediators_for
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField
from merchants.selectors import active_agents

from .forms import EVIDENCE_HELP, MultipleFileField
from .models import EvidenceKind, Remedy, SessionMode
from .presenters import terms_summary
from .proof import PROOF_FIELDS, UNMET_TERMS, required_for
from .rules import MEDIATION_ADVICE, promised_date_error
from .sessions import merchant_invitees, upcoming_session

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


def _remedy(label, required=False):
    return forms.ChoiceField(label=label, choices=[("", "—"), *Remedy.choices], required=required)


def _amount():
    return forms.DecimalField(
        label=_("Amount (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _carried_out_by():
    return forms.DateField(
        label=_("Carried out by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Without a date the council's fulfilment deadline applies."),
    )


class ActionForm(DomainErrorsMixin, forms.Form):
    """One case action. `payload()` is what complaints.workflow.perform takes."""

    submit_label = _("Send")
    takes_files = False  # a form with files posts multipart; the view adds them to the evidence first

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
    remedy = _remedy(_("Remedy offered"))
    offer_amount = _amount()
    due_date = _carried_out_by()
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


class TakeOverForm(ActionForm):
    submit_label = _("Take over this case")
    confirm = forms.BooleanField(
        label=_("From now on I answer on this case myself"),
        error_messages={"required": _("Tick the box to take the case over from the council staff who filed it.")},
    )

    def payload(self) -> dict:
        return {}


class AcceptForm(ActionForm):
    """Accepting binds the consumer to the offer: the form shows its terms and asks once."""

    submit_label = _("Accept the offer")
    agree = forms.BooleanField(
        label=_("I have read these terms and accept them"),
        error_messages={"required": _("Tick the box to accept the offer: the case is then settled on these terms.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.complaint is not None:
            terms = terms_summary(self.complaint.offer, council=self.complaint.council)
            self.fields["agree"].help_text = escape(terms)

    def payload(self) -> dict:
        return {}


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
    """The agreed terms, structured like a merchant's offer: the date sets the fulfilment clock."""

    submit_label = _("Record the agreement")
    remedy = _remedy(_("Agreed remedy"), required=True)
    amount = _amount()
    due_date = _carried_out_by()
    message = _message(_("What was agreed"), help_text=_("The terms in words, as both parties agreed them."))

    def clean(self):
        data = super().clean()
        date_error = promised_date_error(data.get("due_date"))
        if date_error:
            self.add_error("due_date", date_error)
        return data


class RecordFailureForm(ActionForm):
    submit_label = _("Record that mediation failed")
    message = _message(_("Why mediation failed"))
    advice = forms.ChoiceField(label=_("Advice to the consumer"), choices=list(MEDIATION_ADVICE.items()))


def _date(label):
    return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _short(label, max_length=64):
    return TextField(label=label, max_length=max_length, required=False)


class FulfilForm(ActionForm):
    """Marking a settlement carried out, with the proof its agreed remedy needs (complaints.proof):
    the fields of the other remedies are left out, and files go to the case's evidence."""

    submit_label = _("Mark as carried out")
    takes_files = True
    message = _message(_("What was done"))
    amount = forms.DecimalField(
        label=PROOF_FIELDS["amount"][0],
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    paid_on = _date(PROOF_FIELDS["paid_on"][0])
    reference = _short(PROOF_FIELDS["reference"][0])
    courier = _short(PROOF_FIELDS["courier"][0], 50)
    tracking_number = _short(PROOF_FIELDS["tracking_number"][0])
    repaired_on = _date(PROOF_FIELDS["repaired_on"][0])
    files = MultipleFileField(
        label=_("Receipt, courier slip or photo (optional)"),
        required=False,
        help_text=format_lazy("{} {}", _("Added to the case's evidence, marked as given by you."), EVIDENCE_HELP),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        remedy = ((self.complaint.agreement if self.complaint else None) or {}).get("remedy") or ""
        needed = required_for(remedy)
        for name in PROOF_FIELDS:
            if name not in needed:
                del self.fields[name]
            else:
                self.fields[name].required = True

    def payload(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "files" and v not in (None, "")}

    def evidence_kind(self) -> str:
        remedy = ((self.complaint.agreement if self.complaint else None) or {}).get("remedy") or ""
        if remedy in (Remedy.RETURN, Remedy.EXCHANGE):
            return EvidenceKind.LOGISTICS
        if remedy == Remedy.REPAIR:
            return EvidenceKind.PHOTO
        return EvidenceKind.RECEIPT


class ConfirmForm(ActionForm):
    submit_label = _("Confirm it was carried out")
    message = _message(_("Comment (optional)"), required=False)


class DisputeForm(ActionForm):
    submit_label = _("It was not carried out")
    unmet_term = forms.ChoiceField(
        label=_("Which term was not met?"), choices=list(UNMET_TERMS.items()), widget=forms.RadioSelect
    )
    message = _message(_("What is missing"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("unmet_term") == "other" and not (data.get("message") or "").strip():
            self.add_error("message", _("Say what was not done."))
        return data


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


class AssignAgentForm(ActionForm):
    submit_label = _("Assign")
    agent = forms.ModelChoiceField(
        label=_("Agent in charge"), queryset=None, required=False, empty_label=_("Nobody (the owner)")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["agent"]
        merchant_id = getattr(self.user, "merchant_id", None)
        field.queryset = active_agents(merchant_id) if merchant_id else User.objects.none()
        field.label_from_instance = lambda u: u.display_name
        if self.complaint is not None:
            field.initial = self.complaint.agent_id

    def payload(self) -> dict:
        return {"agent": self.cleaned_data.get("agent")}  # None gives the case back to the owner


# --- mediation sessions (complaints/sessions.py) ----------------------------------------


def _session_time():
    return forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Both parties are told by SMS and in the app, and reminded the day before."),
    )


class SessionPlaceForm(ActionForm):
    """Where a session is held: a link to join online, or an address."""

    mode = forms.ChoiceField(
        label=_("Where"), choices=SessionMode.choices, widget=forms.RadioSelect, initial=SessionMode.ONLINE
    )
    link = TextField(
        label=_("Link to join (online)"),
        max_length=500,
        required=False,
        validators=[URLValidator(schemes=["https", "http"])],
        widget=forms.URLInput(attrs={"inputmode": "url"}),
        help_text=_("The full address of the meeting room, beginning with https."),
    )
    address = TextField(label=_("Address (in person)"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("mode") == SessionMode.ONLINE and not data.get("link") and "link" not in self.errors:
            self.add_error("link", _("Give the link the parties open to join the session."))
        if data.get("mode") == SessionMode.IN_PERSON and not data.get("address"):
            self.add_error("address", _("Give the address where the session is held."))
        return data


class ScheduleSessionForm(SessionPlaceForm):
    submit_label = _("Schedule the session")
    starts_at = _session_time()
    invite_consumer = forms.BooleanField(label=_("Invite the consumer"), required=False, initial=True)
    merchant_attendee = forms.ModelChoiceField(
        label=_("For the merchant, invite"),
        queryset=None,
        required=False,
        empty_label=_("Nobody from the merchant"),
    )
    message = _message(_("Note to the parties (optional)"), required=False)
    field_order = ["starts_at", "mode", "link", "address", "invite_consumer", "merchant_attendee", "message"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["merchant_attendee"]
        if self.complaint is None or not self.complaint.merchant_id:
            del self.fields["merchant_attendee"]
            return
        field.queryset = merchant_invitees(self.complaint)
        field.label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"
        field.initial = self.complaint.agent_id or field.queryset.values_list("pk", flat=True).first()

    def clean(self):
        data = super().clean()
        if not data.get("invite_consumer") and not data.get("merchant_attendee"):
            self.add_error("invite_consumer", _("Invite at least one party."))
        return data

    def payload(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "mode": data["mode"],
            "link": data.get("link") or "",
            "address": data.get("address") or "",
            "invite_consumer": bool(data.get("invite_consumer")),
            "merchant_attendee": data.get("merchant_attendee"),
            "message": data.get("message") or "",
        }


class RequestRescheduleForm(ActionForm):
    submit_label = _("Ask to move the session")
    message = _message(
        _("Why the session should move"), help_text=_("You can ask once for this session; the mediator decides.")
    )


class RescheduleSessionForm(SessionPlaceForm):
    submit_label = _("Move the session")
    starts_at = _session_time()
    message = _message(_("Note to the parties (optional)"), required=False)
    field_order = ["starts_at", "mode", "link", "address", "message"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        session = upcoming_session(self.complaint) if self.complaint is not None else None
        if session is not None and not self.is_bound:
            self.fields["mode"].initial = session.mode
            self.fields["link"].initial = session.link
            self.fields["address"].initial = session.address
            self.fields["starts_at"].initial = timezone.localtime(session.starts_at)

    def payload(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "mode": data["mode"],
            "link": data.get("link") or "",
            "address": data.get("address") or "",
            "message": data.get("message") or "",
        }


class KeepSessionTimeForm(ActionForm):
    submit_label = _("Keep the time")
    message = _message(_("Why the time stays"), help_text=_("The party who asked is told this reason."))


class RecordMinutesForm(ActionForm):
    """The minutes: attendance, positions, the terms (as a recorded agreement takes them) or the
    advice when none were agreed, and the next step."""

    submit_label = _("Record the minutes")
    consumer_attended = forms.BooleanField(label=_("The consumer attended"), required=False)
    merchant_attended = forms.BooleanField(label=_("The merchant attended"), required=False)
    consumer_position = _message(_("The consumer's position"), required=False)
    merchant_position = _message(_("The merchant's position"), required=False)
    agreed = forms.TypedChoiceField(
        label=_("Outcome of the session"),
        choices=[("yes", _("Terms were agreed")), ("no", _("No agreement was reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    remedy = _remedy(_("Agreed remedy"))
    amount = _amount()
    due_date = _carried_out_by()
    terms = _message(
        _("What was agreed"),
        required=False,
        help_text=_("Once both parties acknowledge the minutes, these terms are the case's agreement."),
    )
    advice = forms.ChoiceField(
        label=_("Advice to the consumer if no agreement"),
        choices=[("", "—"), *MEDIATION_ADVICE.items()],
        required=False,
        help_text=_("If no further session is held before the mediation deadline, the case closes with this advice."),
    )
    next_step = _message(_("Next step"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.complaint is not None and not self.complaint.merchant_id:
            del self.fields["merchant_attended"]
            del self.fields["merchant_position"]

    def clean(self):
        data = super().clean()
        if data.get("agreed") is True:
            if not data.get("remedy"):
                self.add_error("remedy", _("The agreed terms name their remedy."))
            if not data.get("terms"):
                self.add_error("terms", _("Write down what was agreed."))
            date_error = promised_date_error(data.get("due_date"))
            if date_error:
                self.add_error("due_date", date_error)
        elif data.get("agreed") is False and not data.get("advice"):
            self.add_error("advice", _("Choose the advice to the consumer."))
        return data

    def payload(self) -> dict:
        data = self.cleaned_data
        payload = {
            "agreed": data["agreed"],
            "next_step": data["next_step"],
            "consumer_attended": bool(data.get("consumer_attended")),
            "merchant_attended": bool(data.get("merchant_attended")),
            "consumer_position": data.get("consumer_position") or "",
            "merchant_position": data.get("merchant_position") or "",
        }
        if data["agreed"]:
            payload.update(
                terms=data["terms"], remedy=data["remedy"], amount=data.get("amount"), due_date=data.get("due_date")
            )
        else:
            payload["advice"] = data["advice"]
        return payload


class AcknowledgeMinutesForm(ActionForm):
    submit_label = _("Acknowledge the minutes")
    message = _message(_("Comment (optional)"), required=False)


class DisputeMinutesForm(ActionForm):
    submit_label = _("Dispute the minutes")
    message = _message(_("What the minutes get wrong"))
