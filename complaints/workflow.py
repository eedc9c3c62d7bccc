"""The complaint state machine (SPEC "Lifecycle"): who may take which action, and running one.

Every change to an open case goes through `perform`: it locks the complaint row, checks the
actor's role and the case's state against the action's declaration (complaints/actions.py),
and runs the action's function, which appends the timeline event and writes its notices, all
in one transaction. Filing is complaints/filing.py; the deadline job, complaints/deadlines.py.
"""

from contextlib import nullcontext

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed, WrongState

from . import access
from .actions import ACTIONS, COLLECTIVE_ACTIONS, Action
from .models import Complaint
from .timeline import on_behalf_of_consumer
from .transitions import take_over

# --- who may do what -----------------------------------------------------------------


def _is_actor(user, actor: str, complaint: Complaint) -> bool:
    if actor == "consumer":
        return access.is_consumer_in_person(user, complaint) or access.acts_for_consumer(user, complaint)
    if actor == "consumer_in_person":
        return access.is_consumer_in_person(user, complaint)
    if actor == "merchant":
        return user.is_merchant_user and complaint.merchant_id == user.merchant_id
    if actor == "merchant_owner":
        return user.role == Role.MERCHANT_OWNER and user.is_active and complaint.merchant_id == user.merchant_id
    if actor == "supervisor":
        return user.role == Role.SUPERVISOR and complaint.council_path.startswith(user.council.path)
    if actor == "mediator":
        return user.role == Role.MEDIATOR and complaint.mediator_id == user.pk
    if actor == "party":
        return access.is_party(user, complaint)
    raise ValueError(f"unknown actor {actor!r}")


def _role_may(user, action: Action, complaint: Complaint) -> bool:
    return any(_is_actor(user, actor, complaint) for actor in action.actors)


def _on_behalf(user, action: Action, complaint: Complaint) -> bool:
    """Staff make this move only as the consumer's stand-in (no other of its actors is theirs)."""
    if "consumer" not in action.actors or not access.acts_for_consumer(user, complaint):
        return False
    return not any(_is_actor(user, actor, complaint) for actor in action.actors if actor != "consumer")


def _state_allows(action: Action, complaint: Complaint, user) -> bool:
    if complaint.status not in action.sources:
        return False
    if action.when is not None and not action.when(complaint):
        return False
    return action.who is None or action.who(user, complaint)


def allowed_actions(user, complaint: Complaint) -> list[str]:
    # The state first: it rules out most actions at once, and the role's checks are the dearer.
    return [
        name
        for name, a in ACTIONS.items()
        if complaint.status in a.sources and _role_may(user, a, complaint) and _state_allows(a, complaint, user)
    ]


def _action(name: str) -> Action:
    spec = ACTIONS.get(name) or COLLECTIVE_ACTIONS.get(name)
    if spec is None:
        raise InvalidInput(_("Unknown action."), fields={"action": [_("Unknown action.")]})
    return spec


def check_may(actor, complaint: Complaint, action: str) -> None:
    """Who before what (API.md "Conventions"): a role that may never do the action on this case
    is NotAllowed (403); an action the case's state does not allow is WrongState (409). Pages and
    API call it on the case from access.get_complaint_for (404) before they validate the input,
    and perform calls it again under the row lock."""
    spec = _action(action)
    if not _role_may(actor, spec, complaint):
        raise NotAllowed(_("Your role may not do this on this case."))
    if not _state_allows(spec, complaint, actor):
        raise WrongState(status=complaint.status, allowed_actions=allowed_actions(actor, complaint))


def perform(*, actor, complaint_id: int, action: str, **payload) -> Complaint:
    """Lock the case, check the actor and the state, and run one action."""
    spec = _action(action)
    with transaction.atomic():
        complaint = access.get_complaint_for(actor, complaint_id, for_update=True)
        # Checked again under the lock: the state may have moved since the caller checked.
        check_may(actor, complaint, action)
        on_behalf = _on_behalf(actor, spec, complaint)
        if access.is_consumer_in_person(actor, complaint) and complaint.claimed_at is None and complaint.filed_by_id:
            # The consumer's first move of their own takes the case over from the staff who filed it.
            take_over(complaint=complaint, actor=actor)
        with on_behalf_of_consumer() if on_behalf else nullcontext():
            spec.function(complaint=complaint, actor=actor, **payload)
        extra = {"status": complaint.status, **({"on_behalf_of_consumer": True} if on_behalf else {})}
        record_audit(action=f"complaint.{action}", actor=actor, obj=complaint, extra=extra)
        return complaint
