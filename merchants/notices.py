"""Notices of a merchant's enrolment and team, each to one person
(notifications.services.queue_user_notice, from merchants.enrolment and merchants.team)."""

from django.utils.translation import gettext_lazy as _

from notifications.types import NoticeType, declare

declare(
    NoticeType(
        name="merchant_approved",
        label=_("Approved"),
        subject=_("{merchant} is enrolled on the 315 platform"),
        body=_(
            "[315] {merchant} is enrolled. Complaints against it now reach you by SMS and you answer them here: {link}"
        ),
    ),
    NoticeType(
        name="merchant_refused",
        label=_("Refused"),
        subject=_("Enrolment of {merchant} was refused"),
        body=_("[315] The council refused the enrolment of {merchant}. Reason: {reason} Details: {link}"),
    ),
    NoticeType(
        name="merchant_suspended",
        label=_("Suspended"),
        subject=_("{merchant} is suspended from the 315 platform"),
        body=_("[315] The council suspended {merchant}: new complaints go to council review. Reason: {reason} {link}"),
    ),
    NoticeType(
        name="merchant_reinstated",
        label=_("Reinstated"),
        subject=_("{merchant} is enrolled again on the 315 platform"),
        body=_("[315] {merchant} is enrolled again and receives complaints directly: {link}"),
    ),
    NoticeType(
        name="agent_invited",
        label=_("agent invitation"),
        subject=_("{merchant} invites you to its team"),
        body=_(
            "[315] {merchant} invites you to answer complaints as its after-sales agent. "
            "Accept or decline with this mobile number: {link}"
        ),
    ),
)
