"""What the case page shows of the merchant's side: who of the merchant's team has the case
(the owner changes it with the case action `assign_agent`), the phone-reveal button, violation reports, and, for
council staff, the log of phone reveals. complaints.views.case adds it to its context."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role

from . import access
from .team import contact_reveals_of


def case_panels(user, complaint, *, event_kinds: set[str] | None = None) -> dict:
    """`event_kinds`: the kinds on the timeline the page already loaded; without a
    "violation_reported" event there is no report to look up."""
    reported = event_kinds is None or "violation_reported" in event_kinds
    panels = {
        "assigned_agent": complaint.agent if complaint.agent_id else None,
        "reveal_url": "",
        "violations": list(complaint.violations.order_by("created_at", "id")) if reported else [],
        "contact_reveals": [],
        "violations_url": "",
        "contact_note": "",
    }
    if user.is_merchant_user:
        contact = access.consumer_contact_for(user, complaint)
        if contact.masked:
            # The contact box says why it is masked in the words of the reveal rule, so it never
            # says "did not consent" above a button that says the consumer did.
            refusal = access.phone_reveal_refusal(user, complaint)
            if refusal:
                panels["contact_note"] = _("Shown masked: %(reason)s") % {"reason": refusal}
            else:
                panels["reveal_url"] = reverse("merchants:reveal_phone", args=[complaint.pk])
                panels["contact_note"] = _(
                    "Shown masked to merchant agents. The consumer agreed to share their contact details: "
                    "you may reveal the phone number below."
                )
    if user.is_council_staff:
        panels["contact_reveals"] = list(contact_reveals_of(complaint)[:100])
        if user.role == Role.SUPERVISOR:
            panels["violations_url"] = reverse("merchants:council_violations") + "?status=reported"
    return panels
