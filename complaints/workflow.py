"""The complaint state machine (SPEC "Lifecycle"): who may take which action, and running one.

Every change to an open case goes through `perform`: it locks the complaint row, checks the
actor's role and the case's state against the action's declaration (complaints/actions.py),
and runs the action's function, which appends the timeline event and writes its notices, all
in one transaction. Filing is complaints/filing.py; the deadline job, complaints/deadlines.py.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from audit.services import record as record_audit
from mediation.errors import InvalidInput, NotAllowed, WrongState

from . import access
from .actions import ACTIONS, COLLECTIVE_ACTIONS, Action
from .models import Complaint

# --- who may do what -----------------------------------------------------------------


def _is_actor(user, actor: str, complaint: Complaint) -> bool:
    if actor == "consumer":
        return user.role == Role.CONSUMER and complaint.consumer_id == user.pk
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


def _state_allows(action: Action, complaint: Complaint) -> bool:
    if complaint.status not in action.sources:
        return False
    return action.when is None or action.when(complaint)


def allowed_actions(user, complaint: Complaint) -> list[str]:
    return [name for name, a in ACTIONS.items() if _role_may(user, a, complaint) and _state_allows(a, complaint)]


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
    if not _state_allows(spec, complaint):
        raise WrongState(status=complaint.status, allowed_actions=allowed_actions(actor, complaint))


def perform(*, actor, complaint_id: int, action: str, **payload) -> Complaint:
    """Lock the case, check the actor and the state, and run one action."""
    spec = _action(action)
    with transaction.atomic():
        complaint = access.get_complaint_for(actor, complaint_id, for_update=True)
        # Checked again under the lock: the state may have moved since the caller checked.
        check_may(actor, complaint, action)
        spec.function(complaint=complaint, actor=actor, **payload)
        record_audit(action=f"complaint.{action}", actor=actor, obj=complaint, extra={"status": complaint.status})
        return complaint
