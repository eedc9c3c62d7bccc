"""Whose move it is on an open case, as the person viewing it: the case page (and the words of
its deadline, complaints.presenters.deadline_notice) and the lists' "waiting on you" read it."""

from accounts.models import Role

from .access import acts_for_consumer
from .models import Complaint, Party


def is_your_move(user, complaint: Complaint) -> bool:
    waiting = complaint.waiting_on
    if waiting == Party.CONSUMER:
        return complaint.consumer_id == user.pk or acts_for_consumer(user, complaint)
    if waiting == Party.MERCHANT:
        return user.is_merchant_user
    if waiting == Party.COUNCIL:
        return user.role == Role.SUPERVISOR
    if waiting == Party.MEDIATOR:
        return complaint.mediator_id == user.pk
    return False
