"""Reads for the council's workspace: the staff queue and the merchants of a jurisdiction.
The public statistics are supervision/figures.py, the dashboard's figures supervision/dashboard.py."""

import datetime

from django.db.models import QuerySet

from complaints.access import complaints_visible_to
from complaints.models import Complaint
from merchants.models import Merchant

DUE_SOON = datetime.timedelta(hours=24)


def staff_queue(user) -> QuerySet[Complaint]:
    """The cases a council staff member sees, highest priority first, ready for one page query."""
    return (
        complaints_visible_to(user)
        .select_related("merchant", "council", "mediator")
        .order_by("-priority", "filed_at", "pk")
    )


def filed_by(user) -> QuerySet[Complaint]:
    """The cases this staff member filed for consumers, newest first: those still waiting on the
    consumer (whom they may answer for until the case is taken over) read from the list."""
    return complaints_visible_to(user).filter(filed_by=user).select_related("merchant").order_by("-filed_at", "-pk")


def jurisdiction_merchants(user) -> QuerySet[Merchant]:
    """Merchants whose region lies in the staff member's jurisdiction."""
    return Merchant.objects.in_jurisdiction(user.council).order_by("name", "pk")
