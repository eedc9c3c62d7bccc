"""A consumer's personal data: downloading all of it, and deleting the account.

Deletion anonymises rather than removes: complaints stay (merchants' records, council
statistics and the case files of the other parties depend on them), but nothing left
names or reaches the person:
- the account: name "已注销用户", username a random token, phone cleared (a token there would
  be texted by the notice sender), email cleared, password unusable, inactive, API tokens gone;
- evidence the consumer uploaded: the files are deleted from storage; the rows stay, with
  their SHA-256 and size (the case bundle still lists what was filed) and the file name
  replaced by DELETED_FILE_NAME (downloads answer 404);
- timeline messages the consumer wrote: the text is replaced by the redaction text and the
  event marked `redacted`, keeping its original hash; a "consumer_data_removed" event
  appended to each case names the redacted events, so complaints.integrity reports them as
  redacted, not altered;
- the recipient address of notices sent to the consumer is cleared;
- the delivery addresses the consumer shared on their cases are deleted;
- the consumer's number is removed from the privacy-number bindings of their cases
  (complaints.calls.forget_consumer_phone), which are all unbound or being unbound: a
  deletion waits until every case is closed.
Each deletion and each download is recorded in the audit log.
"""

import secrets

from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import User
from audit.services import record
from complaints.access import actor_name_for, timeline_for
from complaints.call_presenters import consumer_calls
from complaints.calls import forget_consumer_phone
from complaints.integrity import REDACTED_MESSAGE, REDACTION_KIND
from complaints.models import OPEN_STATUSES, CaseAddress, Complaint, ComplaintEvent
from complaints.sessions import redact_consumer_words
from complaints.tasks import delete_evidence_files
from complaints.timeline import append_event
from mediation.errors import InvalidInput, NotAllowed, WrongState
from notifications.models import Notification

ANONYMOUS_NAME = "已注销用户"
DELETED_FILE_NAME = "[deleted at the consumer's request]"


def _require_consumer(user: User) -> None:
    if not (user.is_authenticated and user.is_consumer):
        raise NotAllowed(_("Only consumers download or delete their data here."))


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _address_data(complaint: Complaint) -> dict | None:
    address = CaseAddress.objects.filter(complaint=complaint).first()
    if address is None:
        return None
    fields = ("recipient", "district", "street", "postcode", "grant")
    return {**{name: getattr(address, name) for name in fields}, "updated_at": _iso(address.updated_at)}


def _complaint_data(user: User, complaint: Complaint) -> dict:
    return {
        "id": complaint.pk,
        "case_number": complaint.case_number,
        "merchant": complaint.merchant_display_name,
        "category": complaint.category,
        "channel": complaint.channel,
        "platform": complaint.platform,
        "order_number": complaint.order_number,
        "purchase_date": _iso(complaint.purchase_date),
        "amount": str(complaint.amount),
        "demands": complaint.demands,
        "title": complaint.title,
        "description": complaint.description,
        "share_contact": complaint.share_contact,
        "status": complaint.status,
        "outcome": complaint.outcome,
        "agreement": complaint.agreement,
        "proof_of_fulfilment": complaint.fulfilment,
        "delivery_address": _address_data(complaint),
        "filed_at": _iso(complaint.filed_at),
        "closed_at": _iso(complaint.closed_at),
        "rating": {"satisfaction": complaint.satisfaction, "comment": complaint.satisfaction_comment},
        "timeline": [
            {
                "kind": event.kind,
                "actor": actor_name_for(user, event, complaint),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "message": event.message,
                "data": event.data,
                "created_at": _iso(event.created_at),
            }
            for event in timeline_for(user, complaint)
        ],
        "evidence": [
            {
                "file_name": item.original_name,
                "kind": item.kind,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "uploaded_by_me": item.uploaded_by_id == user.pk,
                "created_at": _iso(item.created_at),
            }
            for item in complaint.evidence.all()
        ],
        # Bindings the consumer asked for and every call of the case, without the other side's number.
        "calls": consumer_calls(user, complaint),
    }


def export_personal_data(*, user: User) -> dict:
    """Everything the platform holds about the consumer, as they may see it."""
    _require_consumer(user)
    complaints = (
        Complaint.objects.filter(consumer=user).select_related("merchant", "consumer").prefetch_related("evidence")
    )
    notices = Notification.objects.filter(recipient=user).order_by("created_at", "id")
    data = {
        "profile": {
            "username": user.username,
            "name": user.name,
            "phone": user.phone,
            "email": user.email,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "complaints": [_complaint_data(user, c) for c in complaints.order_by("filed_at", "id")],
        "notices": [
            {
                "event": n.event,
                "channel": n.channel,
                "address": n.address,
                "subject": n.subject,
                "body": n.body,
                "status": n.status,
                "created_at": _iso(n.created_at),
                "sent_at": _iso(n.sent_at),
                "read_at": _iso(n.read_at),
            }
            for n in notices
        ],
    }
    record(action="account.data_export", actor=user, object_type="user", object_id=user.pk)
    return data


def deletion_refusal(user: User) -> str:
    """Why the account may not be deleted now ("" when it may)."""
    open_cases = list(
        Complaint.objects.filter(consumer=user, status__in=OPEN_STATUSES).values_list("case_number", flat=True)
    )
    if open_cases:
        return _(
            "Your account cannot be deleted while a complaint is open (%(cases)s). "
            "Withdraw it or wait until it is closed."
        ) % {"cases": ", ".join(open_cases)}
    return ""


@transaction.atomic
def delete_account(*, user: User, password: str) -> None:
    """Anonymise the consumer's account (see the module's docstring). Refused while a case is open."""
    _require_consumer(user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise NotAllowed(_("This account has already been deleted."))
    if not password or not user.check_password(password):
        msg = _("The password is wrong.")
        raise InvalidInput(msg, fields={"password": [msg]})
    refusal = deletion_refusal(user)
    if refusal:
        raise WrongState(refusal)

    events_redacted = 0
    files_to_delete: list[int] = []
    complaints = list(Complaint.objects.select_for_update().filter(consumer=user).order_by("pk"))
    for complaint in complaints:
        for item in complaint.evidence.filter(uploaded_by=user):
            if item.file.name:
                files_to_delete.append(item.pk)
            item.original_name = DELETED_FILE_NAME
            item.save(update_fields=["original_name"])
        redacted = list(
            ComplaintEvent.objects.filter(complaint=complaint, actor=user, redacted=False)
            .exclude(message="")
            .values_list("pk", flat=True)
        )
        ComplaintEvent.objects.filter(pk__in=redacted).update(message=REDACTED_MESSAGE, redacted=True)
        events_redacted += len(redacted)
        redact_consumer_words(complaint, replacement=REDACTED_MESSAGE)
        append_event(complaint, kind=REDACTION_KIND, actor=user, data={"redacted_events": redacted})

    if files_to_delete:
        # The files (and the photos' thumbnails) after commit, by a task that tries again while
        # the storage cannot be reached (complaints/evidence_removal.py).
        transaction.on_commit(lambda: delete_evidence_files.delay(files_to_delete), robust=True)
    files_deleted = len(files_to_delete)

    # The delivery addresses the consumer shared go with the account.
    addresses_deleted = CaseAddress.objects.filter(complaint__in=complaints).delete()[0]
    Notification.objects.filter(recipient=user).update(address="")
    forget_consumer_phone(consumer=user)
    Token.objects.filter(user=user).delete()
    token = secrets.token_hex(8)
    user.name = ANONYMOUS_NAME
    user.first_name = user.last_name = ""
    user.username = f"deleted-{token}"
    user.phone = None
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    record(
        action="account.anonymised",
        actor=user,
        object_type="user",
        object_id=user.pk,
        extra={
            "cases": len(complaints),
            "evidence_files_deleted": files_deleted,
            "events_redacted": events_redacted,
            "addresses_deleted": addresses_deleted,
        },
    )
