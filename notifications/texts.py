"""Notice texts, one per event, translated into the recipient's language.

Each text names the case number, the deadline where there is one, and the link.
"""

import string

from django.utils import translation
from django.utils.translation import gettext_lazy as _

SUBJECTS = {
    "filed": _("New complaint {case}"),
    "asked_again": _("Complaint {case}: the consumer asks again"),
    "responded": _("Complaint {case}: the merchant answered"),
    "review_accepted": _("Complaint {case} accepted for mediation"),
    "rejected": _("Complaint {case} was not accepted"),
    "escalated": _("Complaint {case} went to mediation"),
    "mediator_assigned": _("Complaint {case} assigned to you"),
    "settled": _("Complaint {case} is settled"),
    "fulfilled": _("Complaint {case}: please confirm"),
    "closed": _("Complaint {case} is closed"),
    "reminder": _("Complaint {case}: deadline tomorrow"),
    "merchant_overdue": _("Complaint {case}: deadline passed"),
    "staff_overdue": _("Complaint {case} is overdue"),
    "consumer_moved": _("Complaint {case}: the consumer answered"),
    "message": _("Complaint {case}: new message"),
}

# What each notice is about, as staff read it in the outbox tables.
EVENT_NAMES = {
    "filed": _("New complaint"),
    "asked_again": _("Consumer asks again"),
    "responded": _("Merchant answered"),
    "review_accepted": _("Accepted for mediation"),
    "rejected": _("Not accepted"),
    "escalated": _("Went to mediation"),
    "mediator_assigned": _("Mediator assigned"),
    "settled": _("Settled"),
    "fulfilled": _("Carried out, to confirm"),
    "closed": _("Closed"),
    "reminder": _("Deadline reminder"),
    "merchant_overdue": _("Merchant's deadline passed"),
    "staff_overdue": _("Council's deadline passed"),
    "consumer_moved": _("Consumer answered"),
    "message": _("New message"),
}


def event_name(event: str) -> str:
    return str(EVENT_NAMES.get(event, event.replace("_", " ")))


BODIES = {
    "filed": _("[315] A consumer filed complaint {case} against you. Please answer by {deadline}: {link}"),
    "asked_again": _(
        "[315] The consumer did not accept your answer on complaint {case}. Please answer again by {deadline}: {link}"
    ),
    "responded": _("[315] The merchant answered your complaint {case}. Please reply by {deadline}: {link}"),
    "review_accepted": _("[315] The council accepted complaint {case} and will mediate it: {link}"),
    "rejected": _("[315] The council did not accept complaint {case}. Reason and advice: {link}"),
    "escalated": _("[315] Complaint {case} went to council mediation. To be settled by {deadline}: {link}"),
    "mediator_assigned": _("[315] You are the mediator of complaint {case}, due {deadline}: {link}"),
    "settled": _("[315] Complaint {case} is settled. The merchant will carry it out by {deadline}: {link}"),
    "fulfilled": _(
        "[315] The merchant says complaint {case} has been carried out. Please confirm by {deadline}: {link}"
    ),
    "closed": _("[315] Complaint {case} is closed: {outcome}. Details: {link}"),
    "reminder": _("[315] Reminder: complaint {case} needs your answer by {deadline}: {link}"),
    "merchant_overdue": _(
        "[315] You missed the deadline on complaint {case}. It went to the council, and your record shows it: {link}"
    ),
    "staff_overdue": _("[315] Complaint {case} is past its deadline: {link}"),
    "consumer_moved": _("[315] The consumer acted on complaint {case}: {link}"),
    "message": _("[315] New message on complaint {case}: {link}"),
    "login_code": _("[315] Your verification code is {code}. It is valid for 5 minutes. Never share it."),
}

# Notices of merchant enrolment, the merchant's team and violations (merchants.services).
# Enrolment and team notices go to one person (notifications.services.queue_user_notice);
# violation notices are case notices (AUDIENCES).
SUBJECTS.update(
    {
        "merchant_approved": _("{merchant} is enrolled on the 315 platform"),
        "merchant_refused": _("Enrolment of {merchant} was refused"),
        "merchant_suspended": _("{merchant} is suspended from the 315 platform"),
        "merchant_reinstated": _("{merchant} is enrolled again on the 315 platform"),
        "agent_invited": _("{merchant} invites you to its team"),
        "agent_assigned": _("Complaint {case} assigned to you"),
        "violation_reported": _("Complaint {case}: a violation was reported"),
        "violation_confirmed": _("Complaint {case}: the reported violation was confirmed"),
        "violation_dismissed": _("Complaint {case}: the reported violation was dismissed"),
    }
)
BODIES.update(
    {
        "merchant_approved": _(
            "[315] {merchant} is enrolled. Complaints against it now reach you by SMS and you answer them here: {link}"
        ),
        "merchant_refused": _(
            "[315] The council refused the enrolment of {merchant}. Reason: {reason} Details: {link}"
        ),
        "merchant_suspended": _(
            "[315] The council suspended {merchant}: new complaints go to council review. Reason: {reason} {link}"
        ),
        "merchant_reinstated": _("[315] {merchant} is enrolled again and receives complaints directly: {link}"),
        "agent_invited": _(
            "[315] {merchant} invites you to answer complaints as its after-sales agent. "
            "Accept or decline with this mobile number: {link}"
        ),
        "agent_assigned": _("[315] Complaint {case} was assigned to you: {link}"),
        "violation_reported": _("[315] The consumer reported a violation by the merchant on complaint {case}: {link}"),
        "violation_confirmed": _(
            "[315] The council confirmed the violation reported on complaint {case}; "
            "the merchant owes {compensation} CNY compensation: {link}"
        ),
        "violation_dismissed": _("[315] The council dismissed the violation reported on complaint {case}: {link}"),
    }
)


def template_params(event: str) -> list[str]:
    """The values an SMS template of `event` takes, in the order they appear in the notice's
    English source text: a gateway's approved template mirrors that text, with its variables
    named (Aliyun: ${case}) or numbered in this order (Tencent Cloud: {1}, {2} ...)."""
    source = BODIES.get(event)
    if source is None:
        return []
    with translation.override("en"):
        text = str(source)
    names = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name]
    return list(dict.fromkeys(names))
