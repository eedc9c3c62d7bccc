"""Small rules of the state machine that more than the transitions need: the forms and the
serializers check an offer's date and the mediation advice as the transitions do, the action
table (complaints/actions.py) names the conditions on a case beyond its status, and the
presenters label the advice."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Complaint, Outcome, Status

MAX_ROUNDS = 3  # the consumer asks the merchant again at most this often; then the council mediates
RATEABLE_OUTCOMES = frozenset({Outcome.RESOLVED, Outcome.NOT_SETTLED})
MEDIATION_ADVICE = {
    "12315": _("Complain to the market regulator through 12315"),
    "arbitration": _("Apply for arbitration"),
    "court": _("Bring a lawsuit in court"),
}


def promised_date_error(due_date: datetime.date | None) -> str:
    """Why a date an offer promises is refused ("" when it is fine): not in the past, and at
    most OFFER_MAX_DAYS ahead, so a settlement always falls due and can go overdue."""
    if due_date is None:
        return ""
    today = timezone.localdate()
    if due_date < today:
        return str(_("The date is in the past."))
    if due_date > today + datetime.timedelta(days=settings.OFFER_MAX_DAYS):
        return str(_("Choose a date at most %(n)d days from today.") % {"n": settings.OFFER_MAX_DAYS})
    return ""


# --- conditions on the case beyond its status (complaints/actions.py `when`) ----------------


def offer_open(complaint: Complaint) -> bool:
    return bool(complaint.offer) and complaint.offer.get("kind") == "offer"


def rateable(complaint: Complaint) -> bool:
    return complaint.outcome in RATEABLE_OUTCOMES and complaint.satisfaction is None


def unclaimed(complaint: Complaint) -> bool:
    """Staff filed the case for the consumer, who has not taken it over yet."""
    return complaint.filed_by_id is not None and complaint.claimed_at is None


def merchant_involved(complaint: Complaint) -> bool:
    """Once the case went to the merchant (settle_by is set only then) or it answered."""
    return complaint.merchant_id is not None and (complaint.settle_by or complaint.first_response_at) is not None


def in_incident(complaint: Complaint) -> bool:
    return complaint.incident_id is not None


# States whose case takes a collective offer (complaints.incidents): before settling, and in
# mediation; never under review (the council has not accepted it) or once settled.
COLLECTIVE_OFFER_STATES = frozenset({Status.AWAITING_MERCHANT, Status.AWAITING_CONSUMER, Status.IN_MEDIATION})
