"""Every case action, declared once: who may take it from which states, the function that does
it, the form the case page shows, the body the API takes, and the timeline event and notices it
writes. workflow.perform runs them; the case page, the API (one endpoint each), the schema and
the tests read this table.

A new action is one declaration here, its function, and its form and serializer classes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework.serializers import Serializer

from . import action_forms as f
from . import rules
from . import serializers as s
from . import sessions as ms
from . import transitions as t
from .models import OPEN_STATUSES, Complaint, EventKind, Status
from .team import assign_agent
from .violations import report_violation

S = Status
CARRIED_OUT = _("Was it carried out?")
MINUTES_RIGHT = _("Are these minutes right?")


@dataclass(frozen=True, kw_only=True)
class Action:
    name: str
    label: Promise
    sources: frozenset[str]  # the statuses it may be taken in
    # consumer (in person, or the staff who filed the case for them until they take it over) |
    # consumer_in_person | merchant (owner or agent) | merchant_owner | supervisor | mediator |
    # party (anyone on the case); complaints.workflow decides who is which.
    actors: tuple[str, ...]
    function: Callable[..., object]  # keyword arguments: complaint, actor and the body's fields
    # The case page's form and the API's body; none for a collective action (COLLECTIVE_ACTIONS).
    form: type[f.ActionForm] | None = None
    serializer: type[Serializer] | None = None
    event: EventKind  # the timeline event the function appends
    notices: tuple[str, ...] = ()  # the case notices it may send (complaints/notices.py)
    careful: bool = False  # it ends or gives up something: the page shows it apart, below the others
    when: Callable[[Complaint], bool] | None = None  # a condition on the case beyond its status
    # A condition on this person's side of the case (a party that already asked, or answered).
    who: Callable[[object, Complaint], bool] | None = None
    # The question it answers when it is one of several equal answers (confirm or dispute):
    # the page shows those side by side under the question, none above the other.
    choice: Promise | None = None


_DECLARED = [
    Action(
        name="respond",
        label=_("Answer"),
        sources=frozenset({S.AWAITING_MERCHANT}),
        actors=("merchant",),
        function=t.respond,
        form=f.RespondForm,
        serializer=s.RespondSerializer,
        event=EventKind.RESPONDED,
        notices=("responded",),
    ),
    Action(
        name="accept",
        label=_("Accept the offer"),
        sources=frozenset({S.AWAITING_CONSUMER}),
        actors=("consumer",),
        function=t.accept,
        form=f.AcceptForm,
        serializer=s.EmptySerializer,
        event=EventKind.ACCEPTED,
        notices=("settled",),
        when=rules.offer_open,
    ),
    Action(
        name="reject",
        label=_("Not satisfied, ask again"),
        sources=frozenset({S.AWAITING_CONSUMER}),
        actors=("consumer",),
        function=t.reject,
        form=f.RejectForm,
        serializer=s.MessageRequiredSerializer,
        # Stored as "rejected"; the merchant is told "asked_again", or after the last round
        # the case goes to mediation ("escalated").
        event=EventKind.ASKED_AGAIN,
        notices=("asked_again", "escalated"),
    ),
    Action(
        name="request_mediation",
        label=_("Ask the council to mediate"),
        sources=frozenset({S.AWAITING_CONSUMER}),
        actors=("consumer",),
        function=t.request_mediation,
        form=f.RequestMediationForm,
        serializer=s.MessageRequiredSerializer,
        event=EventKind.MEDIATION_REQUESTED,
        notices=("escalated",),
    ),
    Action(
        name="withdraw",
        label=_("Withdraw the complaint"),
        sources=OPEN_STATUSES,
        actors=("consumer",),
        function=t.withdraw,
        form=f.WithdrawForm,
        serializer=s.MessageOptionalSerializer,
        event=EventKind.WITHDRAWN,
        notices=("consumer_moved",),
        careful=True,
    ),
    Action(
        name="message",
        label=_("Add a message"),
        sources=OPEN_STATUSES,
        actors=("party",),
        function=t.message,
        form=f.MessageForm,
        serializer=s.CaseMessageSerializer,
        event=EventKind.MESSAGE,
        notices=("message",),  # not for a note to the council
    ),
    Action(
        name="review_accept",
        label=_("Accept for mediation"),
        sources=frozenset({S.UNDER_REVIEW}),
        actors=("supervisor",),
        function=t.review_accept,
        form=f.ReviewAcceptForm,
        serializer=s.MessageOptionalSerializer,
        event=EventKind.REVIEW_ACCEPTED,
        notices=("review_accepted",),
    ),
    Action(
        name="review_reject",
        label=_("Reject"),
        sources=frozenset({S.UNDER_REVIEW}),
        actors=("supervisor",),
        function=t.review_reject,
        form=f.ReviewRejectForm,
        serializer=s.MessageRequiredSerializer,
        event=EventKind.REVIEW_REJECTED,
        notices=("closed",),
        careful=True,
    ),
    Action(
        name="assign",
        label=_("Assign a mediator"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("supervisor",),
        function=t.assign,
        form=f.AssignForm,
        serializer=s.AssignSerializer,
        event=EventKind.MEDIATOR_ASSIGNED,
        notices=("mediator_assigned",),
    ),
    Action(
        name="record_agreement",
        label=_("Record the agreement"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=t.record_agreement,
        form=f.RecordAgreementForm,
        serializer=s.RecordAgreementSerializer,
        event=EventKind.AGREEMENT_RECORDED,
        notices=("settled",),
    ),
    Action(
        name="record_failure",
        label=_("Record that mediation failed"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=t.record_failure,
        form=f.RecordFailureForm,
        serializer=s.RecordFailureSerializer,
        event=EventKind.MEDIATION_FAILED,
        notices=("closed",),
        careful=True,
    ),
    # Mediation as a meeting (complaints/sessions.py).
    Action(
        name="schedule_session",
        label=_("Schedule a mediation session"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=ms.schedule_session,
        form=f.ScheduleSessionForm,
        serializer=s.ScheduleSessionSerializer,
        event=EventKind.SESSION_SCHEDULED,
        notices=("session_scheduled",),
        when=ms.may_schedule,
    ),
    Action(
        name="request_reschedule",
        label=_("Ask to move the session"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("consumer", "merchant"),
        function=ms.request_move,
        form=f.RequestRescheduleForm,
        serializer=s.MessageRequiredSerializer,
        event=EventKind.SESSION_MOVE_REQUESTED,
        notices=("session_move_requested",),
        when=ms.has_upcoming,
        who=ms.may_ask_to_move,
    ),
    Action(
        name="reschedule_session",
        label=_("Move the session"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=ms.move_session,
        form=f.RescheduleSessionForm,
        serializer=s.RescheduleSessionSerializer,
        event=EventKind.SESSION_MOVED,
        notices=("session_moved",),
        when=ms.has_upcoming,
    ),
    Action(
        name="keep_session_time",
        label=_("Keep the session's time"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=ms.keep_session_time,
        form=f.KeepSessionTimeForm,
        serializer=s.MessageRequiredSerializer,
        event=EventKind.SESSION_TIME_KEPT,
        notices=("session_time_kept",),
        when=ms.move_asked,
    ),
    Action(
        name="record_minutes",
        label=_("Record the session's minutes"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("mediator",),
        function=ms.record_minutes,
        form=f.RecordMinutesForm,
        serializer=s.RecordMinutesSerializer,
        event=EventKind.MINUTES_RECORDED,
        notices=("minutes_recorded",),
        when=ms.session_begun,
    ),
    Action(
        name="acknowledge_minutes",
        label=_("Acknowledge the minutes"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("consumer", "merchant"),
        function=ms.acknowledge_minutes,
        form=f.AcknowledgeMinutesForm,
        serializer=s.MessageOptionalSerializer,
        event=EventKind.MINUTES_ACKNOWLEDGED,
        notices=("settled",),  # when the last acknowledgement makes agreed terms the agreement
        who=ms.minutes_await,
        choice=MINUTES_RIGHT,
    ),
    Action(
        name="dispute_minutes",
        label=_("Dispute the minutes"),
        sources=frozenset({S.IN_MEDIATION}),
        actors=("consumer", "merchant"),
        function=ms.dispute_minutes,
        form=f.DisputeMinutesForm,
        serializer=s.MessageRequiredSerializer,
        event=EventKind.MINUTES_DISPUTED,
        notices=("minutes_disputed",),
        who=ms.minutes_await,
        choice=MINUTES_RIGHT,
    ),
    Action(
        name="fulfil",
        label=_("Mark as carried out"),
        sources=frozenset({S.SETTLED}),
        # The assigned mediator records it where the merchant is not on the platform.
        actors=("merchant", "mediator"),
        function=t.fulfil,
        form=f.FulfilForm,
        serializer=s.FulfilSerializer,
        event=EventKind.FULFILLED,
        notices=("fulfilled",),
    ),
    Action(
        name="confirm",
        label=_("Confirm it was carried out"),
        sources=frozenset({S.AWAITING_CONFIRMATION}),
        actors=("consumer",),
        function=t.confirm,
        form=f.ConfirmForm,
        serializer=s.MessageOptionalSerializer,
        event=EventKind.CONFIRMED,
        notices=("consumer_moved",),
        choice=CARRIED_OUT,
    ),
    Action(
        name="dispute",
        label=_("It was not carried out"),
        sources=frozenset({S.AWAITING_CONFIRMATION}),
        actors=("consumer",),
        function=t.dispute,
        form=f.DisputeForm,
        serializer=s.DisputeSerializer,
        event=EventKind.DISPUTED,
        notices=("escalated",),
        choice=CARRIED_OUT,
    ),
    Action(
        name="take_over",
        label=_("Take over this case"),
        # Any state: the consumer may want to follow, rate or report a case that has closed.
        sources=frozenset(Status.values),
        actors=("consumer_in_person",),
        function=t.take_over,
        form=f.TakeOverForm,
        serializer=s.EmptySerializer,
        event=EventKind.CLAIMED,
        when=rules.unclaimed,
    ),
    Action(
        name="rate",
        label=_("Rate the handling"),
        sources=frozenset({S.CLOSED}),
        # The consumer's own judgement: staff who filed the case do not rate it for them.
        actors=("consumer_in_person",),
        function=t.rate,
        form=f.RateForm,
        serializer=s.RatingSerializer,
        event=EventKind.RATED,
        when=rules.rateable,
    ),
    Action(
        name="report_violation",
        label=_("Report the merchant"),
        # Any state once the merchant was involved; the status does not change.
        sources=frozenset(Status.values),
        actors=("consumer",),
        function=report_violation,
        form=f.ReportViolationForm,
        serializer=s.ReportViolationSerializer,
        event=EventKind.VIOLATION_REPORTED,
        notices=("violation_reported",),
        careful=True,
        when=rules.merchant_involved,
    ),
    Action(
        name="assign_agent",
        label=_("Assign to an agent"),
        sources=OPEN_STATUSES,
        actors=("merchant_owner",),
        function=assign_agent,
        form=f.AssignAgentForm,
        serializer=s.AssignAgentSerializer,
        event=EventKind.AGENT_ASSIGNED,  # the agent is told in the app (queue_user_notice), not a case notice
    ),
]
ACTIONS: dict[str, Action] = {action.name: action for action in _DECLARED}

# Collective actions: staff take them on every case of an incident at once (complaints.incidents),
# each case through workflow.perform like any action, never from one case's page or endpoint, so
# allowed_actions does not offer them. The payload names the incident or the bulk act.
_COLLECTIVE = [
    Action(
        name="incident_add",
        label=_("Add to the incident"),
        sources=OPEN_STATUSES,
        actors=("supervisor",),
        function=t.add_to_incident,
        event=EventKind.INCIDENT_ADDED,
        notices=("incident_added",),
    ),
    Action(
        name="incident_remove",
        label=_("Take out of the incident"),
        sources=frozenset(Status.values),
        actors=("supervisor",),
        function=t.remove_from_incident,
        event=EventKind.INCIDENT_REMOVED,
        when=rules.in_incident,
    ),
    Action(
        name="incident_message",
        label=_("Message every consumer of the incident"),
        sources=OPEN_STATUSES,
        actors=("supervisor",),
        function=t.incident_message,
        event=EventKind.INCIDENT_MESSAGE,
        notices=("incident_message",),
        when=rules.in_incident,
    ),
    Action(
        name="collective_offer",
        label=_("Record a collective offer"),
        sources=rules.COLLECTIVE_OFFER_STATES,
        actors=("supervisor",),
        function=t.collective_offer,
        event=EventKind.COLLECTIVE_OFFER,
        notices=("collective_offer",),
        when=rules.in_incident,
    ),
]
COLLECTIVE_ACTIONS: dict[str, Action] = {action.name: action for action in _COLLECTIVE}


def action_form(name: str, *, user, complaint, data=None, files=None) -> f.ActionForm:
    """The page form of one action, prefixed with its name so several share a page."""
    return ACTIONS[name].form(data, files, user=user, complaint=complaint, prefix=name)
