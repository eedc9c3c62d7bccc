"""Mediation as a meeting (SPEC "Intake, incidents and mediation sessions"): the case's mediator
schedules a session, a party may ask once to move it, the mediator moves it or keeps the time,
records the minutes afterwards, and each party acknowledges or disputes them within 3 working
days; silence counts as acknowledged. Acknowledged minutes with agreed terms settle the case as a
recorded agreement does; a failed session with no further one closes it when the mediation
deadline passes.

The transitions here run inside workflow.perform (complaints/actions.py declares them); the
deadline job's part (reminders, acknowledgements by silence, closures) is
complaints/session_deadlines.py. Every write holds the case's row lock.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from mediation.errors import InvalidInput, NotAllowed

from .clock import add_working_days
from .models import (
    Acknowledgement,
    Complaint,
    EventKind,
    MediationSession,
    Outcome,
    Party,
    RescheduleAnswer,
    SessionMode,
    SessionParticipant,
    SessionParty,
    Status,
)
from .notices import queue_case_notices
from .rules import MEDIATION_ADVICE
from .timeline import append_event
from .transitions import agreement_terms, close, notify, settle

SESSION_MAX_DAYS = 60  # a session is set at most this far ahead
ACKNOWLEDGE_WORKING_DAYS = 3
REMINDER_BEFORE = datetime.timedelta(hours=24)
DONE = frozenset({Acknowledgement.ACKNOWLEDGED, Acknowledgement.SILENCE})
PARTY_AUDIENCES = {
    SessionParty.CONSUMER: frozenset({"consumer"}),
    SessionParty.MERCHANT: frozenset({"merchant_phones", "merchant_users"}),
}


def session_time(at: datetime.datetime) -> str:
    """A session's time as notices and the timeline name it, the same in both languages."""
    return date_format(timezone.localtime(at), "Y-m-d H:i")


# --- reading -----------------------------------------------------------------------------


def sessions_of(complaint: Complaint) -> list[MediationSession]:
    """The case's sessions, first first, with their participants and invitees."""
    if not complaint.mediator_id:
        return []  # only the case's mediator schedules one: no query for most cases
    return list(
        complaint.sessions.select_related("mediator").prefetch_related("participants__invitee").order_by("number")
    )


def latest_session(complaint: Complaint) -> MediationSession | None:
    """The case's last session, read once per case object (the action table asks several times)."""
    cache = complaint.__dict__.setdefault("_session_cache", {})
    if "latest" not in cache:
        cache["latest"] = complaint.sessions.prefetch_related("participants").order_by("-number").first()
    return cache["latest"]


def _forget(complaint: Complaint) -> None:
    complaint.__dict__.pop("_session_cache", None)


def upcoming_session(complaint: Complaint) -> MediationSession | None:
    """The session scheduled and not yet minuted: the one to move, keep or minute."""
    session = latest_session(complaint)
    return session if session is not None and not session.has_minutes else None


def minuted_session(complaint: Complaint) -> MediationSession | None:
    session = latest_session(complaint)
    return session if session is not None and session.has_minutes else None


def participant(session: MediationSession, party: str) -> SessionParticipant | None:
    return next((p for p in session.participants.all() if p.party == party), None)


def party_of(user, complaint: Complaint) -> str:
    """Which side of the case `user` speaks for: consumer, merchant, or "" (staff, others)."""
    if user.role == Role.CONSUMER and complaint.consumer_id == user.pk:
        return SessionParty.CONSUMER
    if user.is_merchant_user and complaint.merchant_id and complaint.merchant_id == user.merchant_id:
        return SessionParty.MERCHANT
    return ""


def awaits_agreement(session: MediationSession) -> bool:
    """Minutes with agreed terms that may still become the agreement: nobody disputed them and a
    party has yet to acknowledge."""
    acks = [p.acknowledgement for p in session.participants.all()]
    return bool(session.agreed) and Acknowledgement.DISPUTED not in acks and any(a not in DONE for a in acks)


def acknowledged_by_all(session: MediationSession) -> bool:
    return all(p.acknowledgement in DONE for p in session.participants.all())


def merchant_invitees(complaint: Complaint):
    """Whom the mediator may invite for the merchant: its owner, or its agent on the case."""
    if not complaint.merchant_id:
        return User.objects.none()
    people = User.objects.filter(merchant_id=complaint.merchant_id, is_active=True, role=Role.MERCHANT_OWNER)
    if complaint.agent_id:
        people = people | User.objects.filter(pk=complaint.agent_id, is_active=True)
    return people.order_by("role", "name", "pk")


# --- conditions on the case (complaints/actions.py `when` and `who`) -----------------------


def may_schedule(complaint: Complaint) -> bool:
    """No session waiting to be held, and no minutes with agreed terms waiting to be acknowledged."""
    session = latest_session(complaint)
    if session is None:
        return True
    return session.has_minutes and not awaits_agreement(session)


def has_upcoming(complaint: Complaint) -> bool:
    return upcoming_session(complaint) is not None


def session_begun(complaint: Complaint) -> bool:
    session = upcoming_session(complaint)
    return session is not None and session.starts_at <= timezone.now()


def move_asked(complaint: Complaint) -> bool:
    session = upcoming_session(complaint)
    return session is not None and any(p.awaits_answer for p in session.participants.all())


def may_ask_to_move(user, complaint: Complaint) -> bool:
    """Once per session, for an invited party, before the session begins."""
    session = upcoming_session(complaint)
    if session is None or session.starts_at <= timezone.now():
        return False
    mine = participant(session, party_of(user, complaint))
    return mine is not None and mine.invited and not mine.asked_to_move


def minutes_await(user, complaint: Complaint) -> bool:
    """The party has not answered the latest minutes and their 3 working days still run."""
    session = minuted_session(complaint)
    if session is None or session.acknowledge_by < timezone.now():
        return False
    mine = participant(session, party_of(user, complaint))
    return mine is not None and not mine.acknowledgement


# --- checks shared by scheduling and moving ------------------------------------------------


def _check_time(starts_at: datetime.datetime | None) -> None:
    if starts_at is None:
        raise InvalidInput(_("Give the date and time."), fields={"starts_at": [_("Give the date and time.")]})
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    now = timezone.now()
    if starts_at <= now:
        msg = _("The session must be in the future.")
        raise InvalidInput(msg, fields={"starts_at": [msg]})
    if starts_at > now + datetime.timedelta(days=SESSION_MAX_DAYS):
        msg = _("Set the session at most %(n)d days ahead.") % {"n": SESSION_MAX_DAYS}
        raise InvalidInput(msg, fields={"starts_at": [msg]})


def _place(mode: str, link: str, address: str) -> tuple[str, str]:
    """The place of a session: a link to join online, or an address to come to."""
    if mode == SessionMode.ONLINE:
        try:
            URLValidator(schemes=["https", "http"])(link or "")
        except ValidationError:
            msg = _("Give the link the parties open to join the session.")
            raise InvalidInput(msg, fields={"link": [msg]}) from None
        return link, ""
    if mode == SessionMode.IN_PERSON:
        if not (address or "").strip():
            msg = _("Give the address where the session is held.")
            raise InvalidInput(msg, fields={"address": [msg]})
        return "", address.strip()
    raise InvalidInput(_("Choose online or in person."), fields={"mode": [_("Choose online or in person.")]})


def _place_data(session: MediationSession) -> dict:
    return {"mode": session.mode, "link": session.link, "address": session.address}


# --- the transitions ----------------------------------------------------------------------


def schedule_session(
    *,
    complaint: Complaint,
    actor,
    starts_at: datetime.datetime,
    mode: str,
    link: str = "",
    address: str = "",
    invite_consumer: bool = True,
    merchant_attendee=None,
    message: str = "",
) -> MediationSession:
    _check_time(starts_at)
    link, address = _place(mode, link, address)
    attendee = None
    if merchant_attendee is not None:
        attendee = merchant_invitees(complaint).filter(pk=getattr(merchant_attendee, "pk", merchant_attendee)).first()
        if attendee is None:
            msg = _("Invite the merchant's owner or its agent on this case.")
            raise InvalidInput(msg, fields={"merchant_attendee": [msg]})
    if not invite_consumer and attendee is None:
        msg = _("Invite at least one party.")
        raise InvalidInput(msg, fields={"invite_consumer": [msg]})
    latest = latest_session(complaint)
    session = MediationSession.objects.create(
        complaint=complaint,
        number=(latest.number if latest else 0) + 1,
        starts_at=starts_at,
        mode=mode,
        link=link,
        address=address,
        mediator=actor,
        created_at=timezone.now(),
    )
    SessionParticipant.objects.create(
        session=session, party=SessionParty.CONSUMER, invited=invite_consumer, invitee=complaint.consumer
    )
    if complaint.merchant_id:
        SessionParticipant.objects.create(
            session=session, party=SessionParty.MERCHANT, invited=attendee is not None, invitee=attendee
        )
    _forget(complaint)
    complaint.waiting_on = Party.MEDIATOR
    complaint.save(update_fields=["waiting_on"])
    invited = [SessionParty.CONSUMER] if invite_consumer else []
    invited += [SessionParty.MERCHANT] if attendee is not None else []
    data = {
        "session": session.number,
        "starts_at": starts_at.isoformat(),
        **_place_data(session),
        "invited": [str(p) for p in invited],
        "merchant_attendee": attendee.display_name if attendee else "",
    }
    event = append_event(
        complaint,
        kind=EventKind.SESSION_SCHEDULED,
        actor=actor,
        from_status=complaint.status,
        message=message,
        data=data,
    )
    notify(complaint, event, "session_scheduled", session_at=session_time(starts_at))
    return session


def request_move(*, complaint: Complaint, actor, message: str) -> None:
    if not (message or "").strip():
        msg = _("Tell the mediator why the session should move.")
        raise InvalidInput(msg, fields={"message": [msg]})
    session = upcoming_session(complaint)
    mine = participant(session, party_of(actor, complaint))
    mine.reschedule_reason = message
    mine.reschedule_asked_by = actor
    mine.reschedule_asked_at = timezone.now()
    mine.save(update_fields=["reschedule_reason", "reschedule_asked_by", "reschedule_asked_at"])
    _forget(complaint)
    data = {"session": session.number, "party": mine.party, "starts_at": session.starts_at.isoformat()}
    event = append_event(
        complaint,
        kind=EventKind.SESSION_MOVE_REQUESTED,
        actor=actor,
        from_status=complaint.status,
        message=message,
        data=data,
    )
    notify(complaint, event, "session_move_requested")


def _answer_requests(session: MediationSession, answer: str, reply: str) -> list[str]:
    """Answer the parties' open requests to move the session; the parties who had asked."""
    asked = [p for p in session.participants.all() if p.awaits_answer]
    for p in asked:
        p.reschedule_answer = answer
        p.reschedule_reply = reply
        p.save(update_fields=["reschedule_answer", "reschedule_reply"])
    return [p.party for p in asked]


def move_session(
    *,
    complaint: Complaint,
    actor,
    starts_at: datetime.datetime,
    mode: str | None = None,
    link: str | None = None,
    address: str | None = None,
    message: str = "",
) -> None:
    session = upcoming_session(complaint)
    _check_time(starts_at)
    mode = mode or session.mode
    link, address = _place(
        mode, session.link if link is None else link, session.address if address is None else address
    )
    before = session.starts_at
    session.starts_at, session.mode, session.link, session.address = starts_at, mode, link, address
    session.save(update_fields=["starts_at", "mode", "link", "address"])
    asked = _answer_requests(session, RescheduleAnswer.MOVED, message)
    _forget(complaint)
    data = {
        "session": session.number,
        "from": before.isoformat(),
        "starts_at": starts_at.isoformat(),
        **_place_data(session),
        "asked_by": asked,
    }
    event = append_event(
        complaint, kind=EventKind.SESSION_MOVED, actor=actor, from_status=complaint.status, message=message, data=data
    )
    notify(complaint, event, "session_moved", session_at=session_time(starts_at))


def keep_session_time(*, complaint: Complaint, actor, message: str) -> None:
    if not (message or "").strip():
        msg = _("Tell the party why the time stays.")
        raise InvalidInput(msg, fields={"message": [msg]})
    session = upcoming_session(complaint)
    asked = _answer_requests(session, RescheduleAnswer.KEPT, message)
    _forget(complaint)
    data = {"session": session.number, "starts_at": session.starts_at.isoformat(), "asked_by": asked}
    event = append_event(
        complaint,
        kind=EventKind.SESSION_TIME_KEPT,
        actor=actor,
        from_status=complaint.status,
        message=message,
        data=data,
    )
    audiences = frozenset().union(*(PARTY_AUDIENCES[p] for p in asked))
    queue_case_notices(
        complaint=complaint,
        event="session_time_kept",
        key=f"ev{event.pk}",
        actor=actor,
        extra={"session_at": session_time(session.starts_at)},
        only=audiences,
    )


def record_minutes(
    *,
    complaint: Complaint,
    actor,
    agreed: bool,
    next_step: str,
    consumer_attended: bool = False,
    merchant_attended: bool = False,
    consumer_position: str = "",
    merchant_position: str = "",
    terms: str = "",
    remedy: str | None = None,
    amount: Decimal | None = None,
    due_date: datetime.date | None = None,
    advice: str = "",
) -> None:
    """After the session: who attended, each side's position, the terms agreed (as a recorded
    agreement takes them) or that none were, with the advice for the consumer, and the next step."""
    session = upcoming_session(complaint)
    if not (next_step or "").strip():
        msg = _("Write down the next step.")
        raise InvalidInput(msg, fields={"next_step": [msg]})
    agreement = None
    if agreed:
        try:
            agreement = agreement_terms(message=terms, remedy=remedy, amount=amount, due_date=due_date)
        except InvalidInput as exc:
            # The minutes call the terms' text "terms".
            fields = {("terms" if k == "message" else k): v for k, v in (exc.fields or {}).items()}
            raise InvalidInput(exc.message, fields=fields) from None
        if not remedy:
            msg = _("The agreed terms name their remedy.")
            raise InvalidInput(msg, fields={"remedy": [msg]})
    elif advice not in MEDIATION_ADVICE:
        msg = _("Choose the advice to the consumer.")
        raise InvalidInput(msg, fields={"advice": [msg]})
    now = timezone.now()
    acknowledge_by = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localtime(add_working_days(now, ACKNOWLEDGE_WORKING_DAYS)).date(), datetime.time(23, 59, 59)
        )
    )
    session.minutes_at = now
    session.agreed = bool(agreed)
    session.terms = agreement
    session.advice = "" if agreed else advice
    session.next_step = next_step
    session.acknowledge_by = acknowledge_by
    session.save(update_fields=["minutes_at", "agreed", "terms", "advice", "next_step", "acknowledge_by"])
    attended = {SessionParty.CONSUMER: consumer_attended, SessionParty.MERCHANT: merchant_attended}
    positions = {SessionParty.CONSUMER: consumer_position, SessionParty.MERCHANT: merchant_position}
    for p in session.participants.all():
        p.attended = bool(attended[p.party])
        p.position = positions[p.party] or ""
        p.save(update_fields=["attended", "position"])
    _forget(complaint)
    complaint.waiting_on = Party.MEDIATOR  # the parties answer the minutes; the case stays with the mediator
    complaint.save(update_fields=["waiting_on"])
    data = {
        "session": session.number,
        "agreed": session.agreed,
        "terms": agreement,
        "advice": session.advice,
        "next_step": next_step,
        "attended": {p.party: p.attended for p in session.participants.all()},
        "positions": {p.party: p.position for p in session.participants.all()},
        "acknowledge_by": acknowledge_by.isoformat(),
    }
    event = append_event(
        complaint, kind=EventKind.MINUTES_RECORDED, actor=actor, from_status=complaint.status, data=data
    )
    notify(
        complaint, event, "minutes_recorded", acknowledge_by=date_format(timezone.localtime(acknowledge_by), "Y-m-d")
    )


def acknowledge_minutes(*, complaint: Complaint, actor, message: str = "") -> None:
    session = minuted_session(complaint)
    mine = participant(session, party_of(actor, complaint))
    _answer_minutes(mine, Acknowledgement.ACKNOWLEDGED, actor=actor, at=timezone.now())
    append_event(
        complaint,
        kind=EventKind.MINUTES_ACKNOWLEDGED,
        actor=actor,
        from_status=complaint.status,
        message=message,
        data={"session": session.number, "party": mine.party},
    )
    conclude(complaint, session, actor=actor, now=timezone.now())


def dispute_minutes(*, complaint: Complaint, actor, message: str) -> None:
    if not (message or "").strip():
        msg = _("Tell the mediator what the minutes get wrong.")
        raise InvalidInput(msg, fields={"message": [msg]})
    session = minuted_session(complaint)
    mine = participant(session, party_of(actor, complaint))
    _answer_minutes(mine, Acknowledgement.DISPUTED, actor=actor, at=timezone.now(), reason=message)
    event = append_event(
        complaint,
        kind=EventKind.MINUTES_DISPUTED,
        actor=actor,
        from_status=complaint.status,
        message=message,
        data={"session": session.number, "party": mine.party},
    )
    notify(complaint, event, "minutes_disputed")


def _answer_minutes(mine: SessionParticipant, answer: str, *, actor, at, reason: str = "") -> None:
    if mine is None or mine.acknowledgement:
        raise NotAllowed(_("These minutes were already answered for your side."))
    mine.acknowledgement = answer
    mine.acknowledged_by = actor
    mine.acknowledged_at = at
    mine.dispute_reason = reason
    mine.save(update_fields=["acknowledgement", "acknowledged_by", "acknowledged_at", "dispute_reason"])


def conclude(complaint: Complaint, session: MediationSession, *, actor, now: datetime.datetime) -> str:
    """What acknowledged minutes do: agreed terms become the case's agreement, as a recorded
    agreement does (settled, with its notices); a failed session closes the case once the
    mediation deadline has passed. Returns what happened ("" for nothing)."""
    _forget(complaint)
    if complaint.status != Status.IN_MEDIATION or not acknowledged_by_all(session):
        return ""
    if session.agreed:
        agreement = {**session.terms, "session": session.number}
        settle(complaint, kind=EventKind.MINUTES_AGREED, actor=actor, message=agreement["message"], agreement=agreement)
        return "minutes_agreed"
    return "session_failed" if close_after_failed_session(complaint, now) else ""


def close_after_failed_session(complaint: Complaint, now: datetime.datetime) -> bool:
    """A case in mediation whose deadline has passed, whose last session reached no agreement and
    whose minutes both parties acknowledged (no further session was scheduled) closes as not
    settled, with the advice the minutes chose (as record_failure does)."""
    if complaint.status != Status.IN_MEDIATION or complaint.due_at is None or complaint.due_at >= now:
        return False
    session = minuted_session(complaint)
    if session is None or session.agreed or not acknowledged_by_all(session):
        return False
    close(
        complaint,
        outcome=Outcome.NOT_SETTLED,
        kind=EventKind.SESSION_FAILED_CLOSED,
        message=session.next_step,
        data={"advice": session.advice, "session": session.number},
    )
    return True


# --- privacy ---------------------------------------------------------------------------------


def redact_consumer_words(complaint: Complaint, *, replacement: str) -> int:
    """What the consumer wrote in the case's sessions (a request to move one, a dispute of the
    minutes), replaced when the consumer deletes their account; the timeline's copies of the
    same words are redacted with the consumer's events (privacy.services). Returns how many."""
    rows = SessionParticipant.objects.filter(session__complaint=complaint, party=SessionParty.CONSUMER)
    moved = rows.exclude(reschedule_reason="").update(reschedule_reason=replacement)
    disputed = rows.exclude(dispute_reason="").update(dispute_reason=replacement)
    return moved + disputed
