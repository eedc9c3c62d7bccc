"""Proof of fulfilment: what the merchant (or the mediator) gives when marking a settlement
carried out, by the remedy agreed, and the terms a consumer may say were not met.

A refund names its amount, the day it was paid and the payment reference; a return or an
exchange its courier and tracking number; a repair the day it was done; compensation its
amount and day. Files (a receipt, a courier slip, a photo) are the case's evidence, named by id.
The transition (complaints.transitions.fulfil), the page form and the API all check a proof here.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.errors import InvalidInput

from .models import Remedy
from .templatetags.cases import cny

# Each proof field: its label, and the remedies that must give it.
PROOF_FIELDS = {
    "amount": (gettext_lazy("Amount paid (CNY)"), {Remedy.REFUND, Remedy.COMPENSATION}),
    "paid_on": (gettext_lazy("Paid on"), {Remedy.REFUND, Remedy.COMPENSATION}),
    "reference": (gettext_lazy("Payment reference"), {Remedy.REFUND}),
    "courier": (gettext_lazy("Courier"), {Remedy.RETURN, Remedy.EXCHANGE}),
    "tracking_number": (gettext_lazy("Tracking number"), {Remedy.RETURN, Remedy.EXCHANGE}),
    "repaired_on": (gettext_lazy("Repaired on"), {Remedy.REPAIR}),
}
DATE_FIELDS = ("paid_on", "repaired_on")

# What a consumer who says it was not carried out names as the term not met.
UNMET_TERMS = {
    "remedy": gettext_lazy("The remedy was not given at all"),
    "amount": gettext_lazy("The amount is not what was agreed"),
    "date": gettext_lazy("It was not done by the agreed date"),
    "proof": gettext_lazy("The proof does not match what I received"),
    "other": gettext_lazy("Something else (say what below)"),
}


def required_for(remedy: str) -> list[str]:
    return [name for name, (_label, remedies) in PROOF_FIELDS.items() if remedy in remedies]


def check_proof(remedy: str, fields: dict) -> dict:
    """The proof as stored: the fields the remedy needs (each required) and any others given,
    dates as ISO strings and the amount as a string. InvalidInput names each missing field."""
    errors = {}
    for name in required_for(remedy):
        if fields.get(name) in (None, ""):
            errors[name] = [
                _("%(field)s: needed to show the settlement was carried out.") % {"field": PROOF_FIELDS[name][0]}
            ]
    today = timezone.localdate()
    for name in DATE_FIELDS:
        value = fields.get(name)
        if isinstance(value, datetime.date) and value > today:
            errors[name] = [_("The date is in the future.")]
    amount = fields.get("amount")
    if amount not in (None, "") and Decimal(amount) <= 0:
        errors["amount"] = [_("Enter the amount paid.")]
    if errors:
        raise InvalidInput(_("Give the proof the agreed remedy needs."), fields=errors)
    proof = {"remedy": remedy}
    for name in PROOF_FIELDS:
        value = fields.get(name)
        if value in (None, ""):
            continue
        proof[name] = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
    return proof


def proof_rows(proof: dict | None) -> list[tuple[str, str]]:
    """The proof as people read it: (label, value) in the fields' order."""
    rows = []
    for name, (label, _remedies) in PROOF_FIELDS.items():
        value = (proof or {}).get(name)
        if value:
            rows.append((str(label), cny(value) if name == "amount" else value))
    return rows
