"""The case page every role shares, its action forms and its evidence files.

Everything is reached through complaints.access (404 when not visible) and every
change goes through complaints.workflow or complaints.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from mediation.errors import DomainError, NotAllowed, Throttled, WrongState
from mediation.web import file_response
from merchants.case_panels import case_panels
from merchants.models import ViolationKind
from notifications.texts import event_name

from .. import access, services, workflow
from ..forms import ACTION_FORMS, EvidenceForm, action_form
from ..integrity import verify_chain
from ..models import Party, Remedy, Status, Visibility
from ..priority import RULES
from ..templatetags.cases import cny

VIOLATION_KINDS = dict(ViolationKind.choices)

EVENT_LABELS = {
    "filed": gettext_lazy("Complaint filed"),
    "responded": gettext_lazy("The merchant answered"),
    "accepted": gettext_lazy("The consumer accepted the offer"),
    "rejected": gettext_lazy("The consumer asked the merchant again"),
    "mediation_requested": gettext_lazy("The consumer asked the council to mediate"),
    "withdrawn": gettext_lazy("The consumer withdrew the complaint"),
    "message": gettext_lazy("Message"),
    "review_accepted": gettext_lazy("The council accepted the complaint for mediation"),
    "review_rejected": gettext_lazy("The council rejected the complaint"),
    "mediator_assigned": gettext_lazy("A mediator was assigned"),
    "agreement_recorded": gettext_lazy("The mediator recorded an agreement"),
    "mediation_failed": gettext_lazy("Mediation failed"),
    "fulfilled": gettext_lazy("The settlement was marked as carried out"),
    "confirmed": gettext_lazy("The consumer confirmed it was carried out"),
    "disputed": gettext_lazy("The consumer said it was not carried out"),
    "rated": gettext_lazy("The consumer rated the handling"),
    "evidence_added": gettext_lazy("Evidence added"),
    "settlement_deadline_passed": gettext_lazy("Not settled within the time limit: passed to the council"),
    "merchant_deadline_passed": gettext_lazy("The merchant did not answer in time: passed to the council"),
    "consumer_deadline_passed": gettext_lazy("The consumer did not answer in time: case closed"),
    "fulfilment_deadline_passed": gettext_lazy("Not carried out in time: passed to the council"),
    "confirmation_deadline_passed": gettext_lazy("Not confirmed in time: case closed"),
    "staff_deadline_passed": gettext_lazy("The council's deadline passed"),
    "notice_delivered": gettext_lazy("The gateway reported a notice delivered"),
    "notice_undelivered": gettext_lazy("The gateway reported a notice not delivered"),
    "notice_retried": gettext_lazy("A failed notice is being sent again"),
}
# The merchants app's events (merchants.services): the team and violation reports.
EVENT_LABELS.update(
    {
        "agent_assigned": gettext_lazy("The case was given to a merchant agent"),
        "agent_unassigned": gettext_lazy("The agent left the merchant's team: the case is back with the owner"),
        "violation_reported": gettext_lazy("The consumer reported a violation by the merchant"),
        "violation_confirmed": gettext_lazy("The council confirmed the reported violation"),
        "violation_dismissed": gettext_lazy("The council dismissed the reported violation"),
    }
)
ROLE_LABELS = {**dict(Role.choices), "system": gettext_lazy("Platform")}
REMEDY_LABELS = dict(Remedy.choices)
STATUS_LABELS = dict(Status.choices)
OFFER_KIND_LABELS = {"offer": gettext_lazy("Offer"), "decline": gettext_lazy("Declined")}
# Actions that end or give up something: shown apart, below the others.
CAREFUL_ACTIONS = frozenset({"withdraw", "review_reject", "record_failure", "dispute", "report_violation"})


# --- building the page ------------------------------------------------------------------


def _settlement(offer: dict | None) -> dict | None:
    """An offer or agreement as the page shows it."""
    if not offer:
        return None
    return {
        "kind": offer.get("kind") or "",
        "kind_label": OFFER_KIND_LABELS.get(offer.get("kind"), ""),
        "remedy": REMEDY_LABELS.get(offer.get("remedy"), ""),
        "amount": offer.get("amount") or "",
        "due_date": offer.get("due_date") or "",
        "message": offer.get("message") or "",
        "from_mediation": offer.get("source") == "mediation",
    }


def _event_details(event) -> list[tuple[str, str]]:
    data = event.data or {}
    details = []
    if event.kind in ("responded", "accepted"):
        offer = _settlement(data) or {}
        if offer.get("remedy"):
            details.append((_("Remedy"), str(dict(Remedy.choices).get(offer["remedy"], offer["remedy"]))))
        if offer.get("amount"):
            details.append((_("Amount"), cny(offer["amount"])))
        if offer.get("due_date"):
            details.append((_("Carried out by"), offer["due_date"]))
    elif event.kind == "mediator_assigned" and data.get("mediator_name"):
        details.append((_("Mediator"), data["mediator_name"]))
    elif event.kind == "mediation_failed" and data.get("advice") in workflow.MEDIATION_ADVICE:
        details.append((_("Advice"), str(workflow.MEDIATION_ADVICE[data["advice"]])))
    elif event.kind == "rated" and data.get("score"):
        details.append((_("Score"), f"{data['score']} / 5"))
    elif event.kind == "evidence_added" and data.get("name"):
        details.append((_("File"), data["name"]))
    elif event.kind == "rejected" and data.get("round"):
        details.append((_("Round"), str(data["round"])))
    elif event.kind in ("agent_assigned", "agent_unassigned"):
        details.append((_("Agent"), data.get("agent_name") or _("Nobody (the owner)")))
    elif event.kind.startswith("violation_") and data.get("violation_kind") in VIOLATION_KINDS:
        details.append((_("Kind"), str(VIOLATION_KINDS[data["violation_kind"]])))
        if data.get("compensation"):
            details.append((_("Compensation owed"), cny(data["compensation"])))
    elif event.kind in ("notice_delivered", "notice_undelivered", "notice_retried") and data.get("recipient"):
        details.append((_("To"), data["recipient"]))
    return details


def _event_label(event) -> str:
    if event.kind == "responded" and (event.data or {}).get("kind") == "decline":
        return _("The merchant declined")
    if event.kind == "responded":
        return _("The merchant made an offer")
    if event.kind == "evidence_added" and (event.data or {}).get("after_closing"):
        return _("The council added evidence after the case was closed")
    label = EVENT_LABELS.get(event.kind)
    return str(label) if label else event.kind.replace("_", " ").capitalize()


def timeline_entries(user, complaint) -> list[dict]:
    entries = []
    for event in access.timeline_for(user, complaint):
        moved = event.to_status and event.from_status and event.to_status != event.from_status
        entries.append(
            {
                "id": event.pk,
                "kind": event.kind,
                "label": _event_label(event),
                "actor": access.actor_name_for(user, event, complaint),
                "role": ROLE_LABELS.get(event.actor_role, ""),
                "at": event.created_at,
                "message": event.message,
                "details": _event_details(event),
                "staff_only": event.visibility != Visibility.PARTIES,
                "visibility": event.get_visibility_display(),
                "new_status": STATUS_LABELS.get(event.to_status, "") if moved else "",
            }
        )
    return entries


def notice_rows(complaint) -> list[dict]:
    rows = []
    for notice in complaint.notices.select_related("recipient").order_by("created_at", "id"):
        rows.append(
            {
                "event": event_name(notice.event),
                "channel": notice.get_channel_display(),
                "recipient": access.masked_recipient(notice),
                "status": notice.get_status_display(),
                "failed": notice.status == "failed",
                "attempts": notice.attempts,
                "sent_at": notice.sent_at,
                "delivery": notice.get_delivery_status_display(),
                "delivered_at": notice.delivered_at,
            }
        )
    return rows


def _your_move(user, complaint) -> bool:
    waiting = complaint.waiting_on
    if waiting == Party.CONSUMER:
        return complaint.consumer_id == user.pk
    if waiting == Party.MERCHANT:
        return user.is_merchant_user
    if waiting == Party.COUNCIL:
        return user.role == Role.SUPERVISOR
    if waiting == Party.MEDIATOR:
        return complaint.mediator_id == user.pk
    return False


def action_entries(user, complaint, bound=None) -> list[dict]:
    """One small form per action the state machine allows this user now."""
    entries = []
    for name in workflow.allowed_actions(user, complaint):
        if name not in ACTION_FORMS:
            continue
        if bound is not None and bound.prefix == name:
            form = bound
        else:
            form = action_form(name, user=user, complaint=complaint)
        entries.append(
            {
                "name": name,
                "label": workflow.ACTIONS[name].label,
                "form": form,
                "url": reverse("complaints:act", args=[complaint.pk, name]),
                "open": form.is_bound,
                "careful": name in CAREFUL_ACTIONS,
                "has_fields": bool(form.fields),
            }
        )
    return entries


def _priority_reasons(complaint) -> list[str]:
    return [_(RULES[code][1]) if code in RULES else code for code in complaint.priority_reasons or []]


def case_context(request, complaint, *, bound=None, upload_form=None) -> dict:
    user = request.user
    is_owner = user.is_consumer and complaint.consumer_id == user.pk
    # The consumer adds evidence while the case is open; council staff attach it once it is closed.
    may_upload = is_owner if complaint.is_open else user.is_council_staff
    actions = action_entries(user, complaint, bound)
    timeline = timeline_entries(user, complaint)
    return {
        "complaint": complaint,
        "contact": access.consumer_contact_for(user, complaint),
        "demands": [REMEDY_LABELS.get(d, d) for d in complaint.demands or []],
        "offer": _settlement(complaint.offer) if complaint.status == Status.AWAITING_CONSUMER else None,
        "agreement": _settlement(complaint.agreement),
        "evidence": list(complaint.evidence.all()),
        "timeline": timeline,
        "actions": [a for a in actions if not a["careful"]],
        "careful_actions": [a for a in actions if a["careful"]],
        "your_move": complaint.is_open and _your_move(user, complaint),
        "is_staff": user.is_council_staff,
        "notices": notice_rows(complaint) if user.is_council_staff else [],
        "upload_form": (upload_form or EvidenceForm(prefix="evidence")) if may_upload else None,
        "priority_reasons": _priority_reasons(complaint) if user.is_council_staff else [],
        "panels": case_panels(user, complaint, event_kinds={e["kind"] for e in timeline}),
        # Staff see whether the timeline's hash chain is intact (complaints/integrity.py).
        "chain_problems": verify_chain(complaint) if user.is_council_staff else None,
    }


# --- views ----------------------------------------------------------------------------


@login_required
@require_GET
def detail(request, pk: int):
    complaint = access.get_complaint_for(request.user, pk)
    return render(request, "complaints/case.html", case_context(request, complaint))


def _no_longer_possible(request, action: str, status: str) -> None:
    messages.error(
        request,
        _("“%(action)s” is no longer possible: the case is now “%(status)s”.")
        % {"action": workflow.ACTIONS[action].label, "status": STATUS_LABELS.get(status, status)},
    )


def _refused(request, complaint, action: str) -> int | None:
    """Who before what: a role that may never do the action (403), then a state that does not
    allow it (409), shown as a message before the form is even read; None when it may go on."""
    try:
        workflow.check_may(request.user, complaint, action)
    except NotAllowed:
        label = workflow.ACTIONS[action].label
        messages.error(request, _("“%(action)s” is not open to your role on this case.") % {"action": label})
        return 403
    except WrongState as exc:
        _no_longer_possible(request, action, exc.status)
        return 409
    return None


def _submit(request, complaint, action: str, form) -> int | None:
    """Run a valid form through the state machine: None when done, else the status to answer."""
    if form.is_valid():
        try:
            with transaction.atomic():
                workflow.perform(actor=request.user, complaint_id=complaint.pk, action=action, **form.payload())
                for step, payload in form.extra_steps():
                    workflow.perform(actor=request.user, complaint_id=complaint.pk, action=step, **payload)
        except WrongState as exc:
            # The case moved since the check above: perform re-checks under the row lock.
            _no_longer_possible(request, action, exc.status or complaint.status)
            return 409
        except NotAllowed as exc:
            messages.error(request, exc.message)
            return 403
        except Throttled as exc:
            messages.error(request, exc.message)
            return 429
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return None
    messages.error(
        request, _("Please correct the marked fields of “%(action)s”.") % {"action": workflow.ACTIONS[action].label}
    )
    return 400


@login_required
@require_POST
def act(request, pk: int, action: str):
    if action not in workflow.ACTIONS or action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    complaint = access.get_complaint_for(request.user, pk)
    form = None
    status = _refused(request, complaint, action)
    if status is None:
        form = action_form(action, user=request.user, complaint=complaint, data=request.POST)
        status = _submit(request, complaint, action, form)
        if status is None:
            messages.success(request, _("Done: %(action)s.") % {"action": workflow.ACTIONS[action].label})
            return redirect(reverse("complaints:detail", args=[complaint.pk]) + "#timeline")
    # Show the page as it is now, with the form and its errors where they belong.
    complaint = access.get_complaint_for(request.user, pk)
    return render(request, "complaints/case.html", case_context(request, complaint, bound=form), status=status)


def add_evidence_files(request, complaint, files, kind: str) -> int:
    """Each file on its own: a refused file is reported by name and the others still count."""
    added = 0
    for upload in files:
        try:
            services.add_evidence(actor=request.user, complaint=complaint, upload=upload, kind=kind or "other")
        except (NotAllowed, WrongState, Throttled) as exc:
            # Nothing after this file would be taken either.
            messages.error(request, exc.message)
            break
        except DomainError as exc:
            reason = {"file": upload.name, "reason": exc.message}
            messages.error(request, _("%(file)s was not added: %(reason)s") % reason)
        else:
            added += 1
    return added


@login_required
@require_POST
def evidence_upload(request, pk: int):
    complaint = access.get_complaint_for(request.user, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    if not form.is_valid():
        return render(request, "complaints/case.html", case_context(request, complaint, upload_form=form), status=400)
    added = add_evidence_files(request, complaint, form.cleaned_data["files"], form.cleaned_data["kind"])
    if added:
        messages.success(
            request, ngettext("%(n)d file added as evidence.", "%(n)d files added as evidence.", added) % {"n": added}
        )
    return redirect(reverse("complaints:detail", args=[complaint.pk]) + "#evidence")


@login_required
@require_GET
def evidence(request, pk: int, eid: int):
    complaint = access.get_complaint_for(request.user, pk)
    item = complaint.evidence.filter(pk=eid).first()
    if item is None:
        raise Http404(_("No such file."))
    return file_response(item.file, filename=item.original_name, content_type=item.content_type)
