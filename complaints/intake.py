"""Staff intake: a council supervisor files a complaint for a consumer who called the hotline,
came to the counter, wrote a letter or sent an e-mail.

The case is filed through complaints.filing.file_complaint, so its deadlines, notices and
masking are those of a case the consumer filed. The consumer's account is found by their mobile
number or made without a usable password; an SMS tells them the case number and how to set
their password: the claim link (complaints.views.claim) logs them in with an SMS code, sets
a password and takes the case over. Until then the staff member who filed it makes the
consumer's moves for them (complaints.access.acts_for_consumer).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.services import normalise_phone
from mediation.errors import InvalidInput, NotAllowed

from .filing import file_complaint
from .models import Complaint, IntakeChannel
from .notices import queue_case_notices

# What the consumer agrees to, as staff read it out (the page's consent box, the API's default).
CONSENT_STATEMENT = _(
    "The consumer agreed that the consumer council files this complaint on their behalf, and that the "
    "merchant will see the complaint, its evidence and their masked name and number (their full name "
    "and number only if they chose to share them)."
)


def _consumer_for(*, phone: str, name: str, again: bool = True) -> User:
    """The consumer account of this number, made (without a usable password) when there is none."""
    existing = User.objects.filter(phone=phone).first() or User.objects.filter(username=phone).first()
    if existing is not None:
        if existing.role != Role.CONSUMER:
            message = _(
                "This number belongs to an account that is not a consumer's (staff or a merchant). "
                "A complaint can only be filed for a consumer: check the number with the caller."
            )
            raise InvalidInput(message, fields={"phone": [message]})
        if not existing.is_active:
            message = _("The consumer account of this number is closed: the complaint cannot be filed for it.")
            raise InvalidInput(message, fields={"phone": [message]})
        return existing
    name = (name or "").strip()
    if not name:
        message = _("Write the consumer's name: this number has no account yet.")
        raise InvalidInput(message, fields={"name": [message]})
    consumer = User(username=phone, phone=phone, name=name, role=Role.CONSUMER, language=settings.LANGUAGE_CODE)
    consumer.set_unusable_password()
    try:
        with transaction.atomic():
            consumer.save()
    except IntegrityError:
        # The consumer signed up, or another supervisor filed for them, at this very moment.
        if not again:
            raise
        return _consumer_for(phone=phone, name=name, again=False)
    return consumer


def file_for_consumer(
    *,
    staff,
    phone: str,
    name: str,
    intake_channel: str,
    consent: bool,
    consent_statement: str,
    **complaint_fields,
) -> Complaint:
    """A supervisor or intake clerk files a complaint for the consumer of `phone`, who agreed to it.

    `complaint_fields` are file_complaint's (merchant, category, title, evidence ...). The
    consumer's account and the case are written in one transaction: a refused filing leaves no
    account behind.
    """
    if not (staff and staff.is_authenticated and staff.is_active and staff.files_for_consumers and staff.council_id):
        raise NotAllowed(_("Only council supervisors and intake clerks file complaints for consumers."))
    if intake_channel not in IntakeChannel.values:
        message = _("Choose how the complaint came in.")
        raise InvalidInput(message, fields={"intake_channel": [message]})
    if not consent:
        message = _("The consumer must agree to the filing and to what the merchant will see.")
        raise InvalidInput(message, fields={"consent": [message]})
    phone = normalise_phone(phone)
    if complaint_fields.get("merchant") is None and complaint_fields.get("region") is None:
        # A merchant not on the platform, place unknown: the council that took the call reviews it.
        complaint_fields["region"] = staff.council
    with transaction.atomic():
        consumer = _consumer_for(phone=phone, name=name)
        complaint = file_complaint(
            consumer=consumer,
            intake_channel=intake_channel,
            filed_by=staff,
            consent_statement=(consent_statement or "").strip() or str(CONSENT_STATEMENT),
            **complaint_fields,
        )
        queue_case_notices(
            complaint=complaint,
            event="filed_for_you",
            key=f"intake{complaint.pk}",
            extra={"claim_link": settings.SITE_URL + reverse("complaints:claim", args=[complaint.pk])},
        )
    return complaint
