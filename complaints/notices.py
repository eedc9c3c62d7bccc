"""Case notices: their types and who is told of each (SPEC "Notifications"), writing them in
the event's transaction, staff sending a failed one again, and delivery receipts on the case.

The outbox (notifications) stores and sends the rows; everything that knows about cases is
here: the audiences, the values of the texts, the jurisdiction, the timeline.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from mediation.errors import NotAllowed
from notifications.models import Channel, NoticeStatus, Notification
from notifications.services import (
    Receipt,
    Recipient,
    outbox_row,
    record_delivery,
    send_again,
    user_recipients,
    write_notices,
)
from notifications.types import NoticeType, declare, notice_type

from .access import masked_recipient
from .models import Complaint, EventKind, Visibility, jurisdiction_q
from .timeline import append_event

SMS, IN_APP, EMAIL = Channel.SMS, Channel.IN_APP, Channel.EMAIL
# The audiences a case notice goes to (resolved by _audience), each on its channels.
MERCHANT_PHONES = ("merchant_phones", (SMS,))
MERCHANT_USERS = ("merchant_users", (IN_APP,))
CONSUMER = ("consumer", (SMS, IN_APP))
SUPERVISORS = ("supervisors", (IN_APP, EMAIL))

declare(
    NoticeType(
        name="filed",
        label=gettext_lazy("New complaint"),
        subject=gettext_lazy("New complaint {case}"),
        body=gettext_lazy("[315] A consumer filed complaint {case} against you. Please answer by {deadline}: {link}"),
        audiences=(MERCHANT_PHONES,),
    ),
    # Staff filed the complaint for a consumer who called or came in (complaints.intake): the
    # consumer is told whether or not they had an account, and how to set their password.
    NoticeType(
        name="filed_for_you",
        label=gettext_lazy("Filed for the consumer by the council"),
        subject=gettext_lazy("Complaint {case} was filed for you"),
        body=gettext_lazy(
            "[315] The consumer council filed complaint {case} for you. To follow it yourself, open "
            "{claim_link} and log in with a code sent by SMS to this number."
        ),
        audiences=(("consumer", (SMS, IN_APP)),),
    ),
    NoticeType(
        name="asked_again",
        label=gettext_lazy("Consumer asks again"),
        subject=gettext_lazy("Complaint {case}: the consumer asks again"),
        body=gettext_lazy(
            "[315] The consumer did not accept your answer on complaint {case}. "
            "Please answer again by {deadline}: {link}"
        ),
        audiences=(MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="responded",
        label=gettext_lazy("Merchant answered"),
        subject=gettext_lazy("Complaint {case}: the merchant answered"),
        body=gettext_lazy("[315] The merchant answered your complaint {case}. Please reply by {deadline}: {link}"),
        audiences=(CONSUMER,),
    ),
    NoticeType(
        name="review_accepted",
        label=gettext_lazy("Accepted for mediation"),
        subject=gettext_lazy("Complaint {case} accepted for mediation"),
        body=gettext_lazy("[315] The council accepted complaint {case} and will mediate it: {link}"),
        audiences=(CONSUMER,),
    ),
    # The council's refusal closes the case and sends "closed", naming the outcome: the
    # consumer and the merchant read one notice for every way a case ends.
    NoticeType(
        name="escalated",
        label=gettext_lazy("Went to mediation"),
        subject=gettext_lazy("Complaint {case} went to mediation"),
        body=gettext_lazy("[315] Complaint {case} went to council mediation. To be settled by {deadline}: {link}"),
        audiences=(CONSUMER, MERCHANT_USERS, SUPERVISORS),
    ),
    NoticeType(
        name="mediator_assigned",
        label=gettext_lazy("Mediator assigned"),
        subject=gettext_lazy("Complaint {case} assigned to you"),
        body=gettext_lazy("[315] You are the mediator of complaint {case}, due {deadline}: {link}"),
        audiences=(("mediator", (IN_APP, EMAIL)),),
    ),
    NoticeType(
        name="settled",
        label=gettext_lazy("Settled"),
        subject=gettext_lazy("Complaint {case} is settled"),
        body=gettext_lazy("[315] Complaint {case} is settled. The merchant will carry it out by {deadline}: {link}"),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="fulfilled",
        label=gettext_lazy("Carried out, to confirm"),
        subject=gettext_lazy("Complaint {case}: please confirm"),
        body=gettext_lazy(
            "[315] The merchant says complaint {case} has been carried out. Please confirm by {deadline}: {link}"
        ),
        audiences=(CONSUMER,),
    ),
    NoticeType(
        name="closed",
        label=gettext_lazy("Closed"),
        subject=gettext_lazy("Complaint {case} is closed"),
        body=gettext_lazy("[315] Complaint {case} is closed: {outcome}. Details: {link}"),
        audiences=(CONSUMER, MERCHANT_USERS),
    ),
    NoticeType(
        name="reminder",
        label=gettext_lazy("Deadline reminder"),
        subject=gettext_lazy("Complaint {case}: deadline tomorrow"),
        body=gettext_lazy("[315] Reminder: complaint {case} needs your answer by {deadline}: {link}"),
        audiences=(MERCHANT_PHONES,),
    ),
    NoticeType(
        name="merchant_overdue",
        label=gettext_lazy("Merchant's deadline passed"),
        subject=gettext_lazy("Complaint {case}: deadline passed"),
        body=gettext_lazy(
            "[315] You missed the deadline on complaint {case}. "
            "It went to the council, and your record shows it: {link}"
        ),
        audiences=(MERCHANT_PHONES,),
    ),
    NoticeType(
        name="staff_overdue",
        label=gettext_lazy("Council's deadline passed"),
        subject=gettext_lazy("Complaint {case} is overdue"),
        body=gettext_lazy("[315] Complaint {case} is past its deadline: {link}"),
        audiences=(SUPERVISORS,),
    ),
    NoticeType(
        name="consumer_moved",
        label=gettext_lazy("Consumer answered"),
        subject=gettext_lazy("Complaint {case}: the consumer answered"),
        body=gettext_lazy("[315] The consumer acted on complaint {case}: {link}"),
        audiences=(MERCHANT_USERS,),
    ),
    NoticeType(
        name="message",
        label=gettext_lazy("New message"),
        subject=gettext_lazy("Complaint {case}: new message"),
        body=gettext_lazy("[315] New message on complaint {case}: {link}"),
        audiences=(("other_parties", (IN_APP,)),),
    ),
    # Violations (complaints.violations): the supervising council is told of a report; the
    # consumer and the merchant of the decision.
    NoticeType(
        name="violation_reported",
        label=gettext_lazy("The consumer reported a violation by the merchant"),
        subject=gettext_lazy("Complaint {case}: a violation was reported"),
        body=gettext_lazy("[315] The consumer reported a violation by the merchant on complaint {case}: {link}"),
        audiences=(SUPERVISORS,),
    ),
    NoticeType(
        name="violation_confirmed",
        label=gettext_lazy("The council confirmed the reported violation"),
        subject=gettext_lazy("Complaint {case}: the reported violation was confirmed"),
        body=gettext_lazy(
            "[315] The council confirmed the violation reported on complaint {case}; "
            "the merchant owes {compensation} CNY compensation: {link}"
        ),
        audiences=(CONSUMER, MERCHANT_USERS),
    ),
    NoticeType(
        name="violation_dismissed",
        label=gettext_lazy("The council dismissed the reported violation"),
        subject=gettext_lazy("Complaint {case}: the reported violation was dismissed"),
        body=gettext_lazy("[315] The council dismissed the violation reported on complaint {case}: {link}"),
        audiences=(("consumer", (IN_APP,)), MERCHANT_USERS),
    ),
    # Mediation sessions (complaints.sessions): both parties are told of the time, a move and the
    # minutes; the mediator of a request to move it and of a dispute of the minutes.
    NoticeType(
        name="session_scheduled",
        label=gettext_lazy("Mediation session scheduled"),
        subject=gettext_lazy("Complaint {case}: mediation session on {session_at}"),
        body=gettext_lazy(
            "[315] The council scheduled a mediation session on complaint {case} for {session_at}. Details: {link}"
        ),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="session_reminder",
        label=gettext_lazy("Mediation session reminder"),
        subject=gettext_lazy("Complaint {case}: mediation session tomorrow"),
        body=gettext_lazy("[315] Reminder: the mediation session on complaint {case} is on {session_at}: {link}"),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="session_moved",
        label=gettext_lazy("Mediation session moved"),
        subject=gettext_lazy("Complaint {case}: mediation session moved to {session_at}"),
        body=gettext_lazy("[315] The mediation session on complaint {case} was moved to {session_at}. Details: {link}"),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="session_move_requested",
        label=gettext_lazy("A party asks to move the session"),
        subject=gettext_lazy("Complaint {case}: a party asks to move the mediation session"),
        body=gettext_lazy("[315] A party asks to move the mediation session of complaint {case}: {link}"),
        audiences=(("mediator", (IN_APP, EMAIL)),),
    ),
    # To the party who asked to move the session (queue_case_notices `only`).
    NoticeType(
        name="session_time_kept",
        label=gettext_lazy("Session time kept"),
        subject=gettext_lazy("Complaint {case}: the mediation session stays on {session_at}"),
        body=gettext_lazy(
            "[315] The mediator keeps the mediation session of complaint {case} on {session_at}; "
            "the reason is on the case: {link}"
        ),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="minutes_recorded",
        label=gettext_lazy("Minutes to acknowledge"),
        subject=gettext_lazy("Complaint {case}: minutes of the mediation session"),
        body=gettext_lazy(
            "[315] The minutes of the mediation session on complaint {case} are ready. "
            "Acknowledge or dispute them by {acknowledge_by}; after that they count as acknowledged: {link}"
        ),
        audiences=(CONSUMER, MERCHANT_PHONES, MERCHANT_USERS),
    ),
    NoticeType(
        name="minutes_disputed",
        label=gettext_lazy("Minutes disputed"),
        subject=gettext_lazy("Complaint {case}: the minutes were disputed"),
        body=gettext_lazy("[315] A party disputed the minutes of the mediation session on complaint {case}: {link}"),
        audiences=(("mediator", (IN_APP, EMAIL)),),
    ),
    # Collective complaints (complaints.incidents): the consumer of each case of an incident.
    NoticeType(
        name="incident_added",
        label=gettext_lazy("The case is part of an incident"),
        subject=gettext_lazy("Complaint {case} is handled with others"),
        body=gettext_lazy(
            "[315] The consumer council handles your complaint {case} together with others about the same "
            "problem ({incident}): {link}"
        ),
        audiences=(("consumer", (IN_APP,)),),
    ),
    NoticeType(
        name="incident_message",
        label=gettext_lazy("The council's message about an incident"),
        subject=gettext_lazy("Complaint {case}: a message from the council"),
        body=gettext_lazy("[315] The consumer council wrote to everyone in {incident} about complaint {case}: {link}"),
        audiences=(CONSUMER,),
    ),
    NoticeType(
        name="collective_offer",
        label=gettext_lazy("Collective offer"),
        subject=gettext_lazy("Complaint {case}: an offer for everyone in the incident"),
        body=gettext_lazy(
            "[315] An offer was made to every consumer of {incident}, your complaint {case} included. "
            "Please accept or reject it by {deadline}: {link}"
        ),
        audiences=(CONSUMER, MERCHANT_USERS),
    ),
    # Calls through a privacy number (complaints.calls): the consumer learns which number the
    # merchant will call from (never the merchant's own); the merchant, that calls were turned off.
    NoticeType(
        name="call_coming",
        label=gettext_lazy("The merchant may call through a privacy number"),
        subject=gettext_lazy("Complaint {case}: the merchant may call you"),
        body=gettext_lazy(
            "[315] The merchant may call you about complaint {case} from {number} until {until}. "
            "You can turn calls off on the case page: {link}"
        ),
        audiences=(CONSUMER,),
    ),
    NoticeType(
        name="calls_turned_off",
        label=gettext_lazy("The consumer turned calls off"),
        subject=gettext_lazy("Complaint {case}: calls turned off"),
        body=gettext_lazy("[315] The consumer turned calls off on complaint {case}. Write on the case instead: {link}"),
        audiences=(MERCHANT_USERS,),
    ),
    # To the one agent a case is given to (complaints.team, through queue_user_notice), so it
    # has no audiences.
    NoticeType(
        name="agent_assigned",
        label=gettext_lazy("The case was given to a merchant agent"),
        subject=gettext_lazy("Complaint {case} assigned to you"),
        body=gettext_lazy("[315] Complaint {case} was assigned to you: {link}"),
    ),
)


# --- writing case notices ------------------------------------------------------------------


def _audience(complaint: Complaint, audience: str, channels, actor) -> list[Recipient]:
    if audience == "merchant_phones":
        if not (complaint.merchant_id and complaint.merchant.is_enrolled):
            return []
        return [Recipient(Channel.SMS, phone) for phone in complaint.merchant.notice_phones]
    if audience == "merchant_users":
        if not complaint.merchant_id:
            return []
        members = complaint.merchant.members.filter(is_active=True)
        if complaint.agent_id:
            members = members.filter(pk=complaint.agent_id) | members.filter(role=Role.MERCHANT_OWNER)
        else:
            members = members.filter(role=Role.MERCHANT_OWNER)
        return user_recipients(members, channels)
    if audience == "consumer":
        return user_recipients([complaint.consumer], channels)
    if audience == "mediator":
        return user_recipients([complaint.mediator] if complaint.mediator_id else [], channels)
    if audience == "supervisors":
        supervisors = User.objects.filter(
            role=Role.SUPERVISOR, is_active=True, council__path__in=_ancestor_paths(complaint.council_path)
        )
        return user_recipients(supervisors, channels)
    if audience == "other_parties":
        people = [complaint.consumer]
        if complaint.merchant_id:
            people += list(complaint.merchant.members.filter(is_active=True))
        if complaint.mediator_id:
            people.append(complaint.mediator)
        return user_recipients([p for p in people if actor is None or p.pk != actor.pk], channels)
    raise ValueError(audience)


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _values(complaint: Complaint, language: str, link: str, extra: dict) -> dict:
    """What a case notice's text names, in `language` (the deadline's format, the outcome)."""
    with translation.override(language):
        deadline = ""
        if complaint.due_at:
            deadline = formats.date_format(timezone.localtime(complaint.due_at), "SHORT_DATETIME_FORMAT")
        return {
            "case": complaint.case_number,
            "deadline": deadline,
            "link": settings.SITE_URL + link,
            # Django rebuilds a field's choices to name one: only a closed case has an outcome.
            "outcome": complaint.get_outcome_display() if complaint.outcome else "",
            **extra,
        }


def queue_case_notices(
    *,
    complaint: Complaint,
    event: str,
    key: str,
    actor=None,
    extra: dict | None = None,
    only: frozenset[str] | None = None,
    fresh: bool = False,
) -> list[Notification]:
    """Write the notices owed for a case event. Call inside the event's transaction, with the
    case's row locked (it keeps two writers of one event apart).

    `key` makes the rows idempotent: writing the same event twice adds nothing. `only` keeps
    those of the type's audiences (a reply to the one party who asked). `fresh`: the key names
    an event appended in this transaction and this is its only notice type (write_notices).
    """
    notice = notice_type(event)
    if not notice.audiences:
        raise ValueError(f"{event!r} is not a case notice (it has no audiences)")
    link = reverse("complaints:detail", args=[complaint.pk])
    rows = []
    for audience, channels in notice.audiences:
        if only is not None and audience not in only:
            continue
        for recipient in _audience(complaint, audience, channels, actor):
            values = _values(complaint, recipient.language or settings.LANGUAGE_CODE, link, extra or {})
            rows.append(outbox_row(notice, recipient, key=key, values=values, link=link, complaint=complaint))
    return write_notices(rows, fresh=fresh)


# --- staff: the notices of a jurisdiction, sending a failed one again -----------------------


def staff_notices(user) -> QuerySet[Notification]:
    """Case notices of the staff member's jurisdiction; nothing for anyone else.

    Login-code texts and notices to one person belong to no case and are shown to nobody."""
    if not (user.is_authenticated and user.is_council_staff):
        return Notification.objects.none()
    return Notification.objects.filter(complaint__isnull=False).filter(
        jurisdiction_q(user.council, "complaint__council_path")
    )


@transaction.atomic
def retry_notice(*, actor, notice_id) -> Notification:
    """Send a failed notice again (council staff, within their jurisdiction; 404 otherwise).

    The row goes back to pending with its tries kept, so its history stays visible; the
    task is queued after commit; the case's timeline tells staff. A notice that is no
    longer failed is left as it is.
    """
    if not actor.is_council_staff:
        raise NotAllowed(_("Only council staff send notices again."))
    try:
        pk = int(notice_id)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        raise Http404(_("No such notice."))
    notice = staff_notices(actor).select_for_update(of=("self",)).select_related("complaint").filter(pk=pk).first()
    if notice is None:
        raise Http404(_("No such notice."))
    if notice.status != NoticeStatus.FAILED:
        return notice
    send_again(notice)
    append_event(
        notice.complaint,
        kind=EventKind.NOTICE_RETRIED,
        actor=actor,
        data={"notice": notice.pk, "channel": notice.channel, "recipient": masked_recipient(notice)},
        visibility=Visibility.STAFF,
    )
    return notice


# --- proof of notice -----------------------------------------------------------------------


def record_receipts(receipts: list[Receipt]) -> int:
    """Record delivery receipts on their notices and on their cases' timelines (proof of
    notice); return how many notices changed. Unknown message ids and repeated receipts
    change nothing."""
    return sum(_record_receipt(receipt) for receipt in receipts)


@transaction.atomic
def _record_receipt(receipt: Receipt) -> int:
    changed = record_delivery(receipt)
    for notice in changed:
        if notice.complaint_id is None:
            continue  # a login code: no case timeline to tell
        complaint = Complaint.objects.select_for_update().get(pk=notice.complaint_id)
        at = notice.delivered_at or receipt.at or timezone.now()
        # A text to the merchant's notice phone proves to every party that the merchant was told;
        # receipts of texts to people are for staff.
        merchant_phone = notice.recipient_id is None
        append_event(
            complaint,
            kind=EventKind.NOTICE_DELIVERED if receipt.delivered else EventKind.NOTICE_UNDELIVERED,
            data={
                "notice": notice.pk,
                "event": notice.event,
                "channel": notice.channel,
                "recipient": masked_recipient(notice),
                "at": at.isoformat(),
                **({} if receipt.delivered else {"error": notice.delivery_error}),
            },
            visibility=Visibility.PARTIES if merchant_phone else Visibility.STAFF,
        )
    return len(changed)
