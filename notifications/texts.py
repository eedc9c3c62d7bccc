"""Notice texts, one per event, translated into the recipient's language.

Each text names the case number, the deadline where there is one, and the link.
"""

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
}
