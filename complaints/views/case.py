"""The case page every role shares, its action forms and its evidence files.

Everything is reached through complaints.access (404 when not visible) and every
change goes through complaints.workflow or complaints.services. Each action's label, form
and place on the page come from its declaration (complaints/actions.py).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mediation.errors import DomainError, NotAllowed, Throttled, WrongState
from mediation.kept_forms import keep_form, take_form, with_kept_errors
from mediation.web import file_response

from .. import access, addresses, rules, services, workflow
from ..actions import ACTIONS, action_form
from ..call_presenters import calls_overview
from ..forms import AddressForm, EvidenceForm
from ..integrity import verify_chain
from ..merchant_panels import case_panels
from ..models import Status
from ..presenters import (
    REMEDY_LABELS,
    STATUS_LABELS,
    deadline_notice,
    fulfilment_proof,
    notice_rows,
    session_entries,
    settlement,
    timeline_entries,
)
from ..priority import RULES
from ..waiting import is_your_move

# --- building the page ------------------------------------------------------------------


def _grouped(entries: list[dict]) -> list[dict]:
    """Actions that answer one question (was it carried out?) become one entry whose options
    the page shows side by side, as equal choices."""
    grouped: list[dict] = []
    for entry in entries:
        question = entry["choice"]
        if question and grouped and grouped[-1].get("choice") == question and "options" in grouped[-1]:
            grouped[-1]["options"].append(entry)
        elif question:
            grouped.append({**entry, "name": f"choice-{entry['name']}", "options": [entry]})
        else:
            grouped.append(entry)
    # The question the case waits on comes first.
    return sorted(grouped, key=lambda entry: "options" not in entry)


def action_entries(user, complaint, bound=None) -> list[dict]:
    """One small form per action the state machine allows this user now."""
    entries = []
    for name in workflow.allowed_actions(user, complaint):
        spec = ACTIONS[name]
        if bound is not None and bound.prefix == name:
            form = bound
        else:
            form = action_form(name, user=user, complaint=complaint)
        entries.append(
            {
                "name": name,
                "label": spec.label,
                "form": form,
                "url": reverse("complaints:act", args=[complaint.pk, name]),
                "open": form.is_bound,
                "careful": spec.careful,
                "has_fields": bool(form.fields),
                "choice": spec.choice,
            }
        )
    return _grouped(entries)


def _priority_reasons(complaint) -> list[str]:
    return [_(RULES[code][1]) if code in RULES else code for code in complaint.priority_reasons or []]


def _address_form(user, complaint, bound):
    """The consumer (or staff acting for them) shares or changes the address while the case is open."""
    if not complaint.is_open:
        return None
    if not (access.is_consumer_in_person(user, complaint) or access.acts_for_consumer(user, complaint)):
        return None
    if bound is not None:
        return bound
    current = getattr(complaint, "delivery_address", None)
    initial = {"recipient": complaint.consumer.display_name}
    if current is not None:
        initial = {f: getattr(current, f) for f in ("recipient", "district", "street", "postcode")}
        initial["grant"] = current.grant or "owner"
    return AddressForm(prefix="address", initial=initial)


def case_context(request, complaint, *, bound=None, upload_form=None, unsent=None, address_form=None) -> dict:
    user = request.user
    your_move = complaint.is_open and is_your_move(user, complaint)
    is_owner = user.is_consumer and complaint.consumer_id == user.pk
    acting_for_consumer = access.acts_for_consumer(user, complaint)
    # Everyone on the case adds evidence while it is open; council staff attach it once it is closed.
    may_upload = access.may_give_evidence(user, complaint) if complaint.is_open else user.is_council_staff
    actions = action_entries(user, complaint, bound)
    timeline = timeline_entries(user, complaint)
    return {
        "complaint": complaint,
        "acting_for_consumer": acting_for_consumer,
        "may_take_over": is_owner and rules.unclaimed(complaint),
        "contact": access.consumer_contact_for(user, complaint),
        "demands": [REMEDY_LABELS.get(d, d) for d in complaint.demands or []],
        "offer": settlement(complaint.offer) if complaint.status == Status.AWAITING_CONSUMER else None,
        "agreement": settlement(complaint.agreement),
        "proof": fulfilment_proof(complaint),
        "address": addresses.address_for(user, complaint),
        "address_form": _address_form(user, complaint, address_form),
        "evidence": list(complaint.evidence.all()),
        "timeline": timeline,
        "sessions": session_entries(user, complaint),
        "actions": [a for a in actions if not a["careful"]],
        "careful_actions": [a for a in actions if a["careful"]],
        "your_move": your_move,
        "deadline": deadline_notice(complaint, yours=your_move),
        "unsent": unsent or [],
        "is_staff": user.is_council_staff,
        "notices": notice_rows(complaint) if user.is_council_staff else [],
        "upload_form": (upload_form or EvidenceForm(prefix="evidence")) if may_upload else None,
        "priority_reasons": _priority_reasons(complaint) if user.is_council_staff else [],
        # Calls through a privacy number, on a case whose merchant is on the platform.
        "calls": calls_overview(user, complaint, with_calls=False) if complaint.merchant_id else None,
        "panels": case_panels(user, complaint, event_kinds={e["kind"] for e in timeline}),
        # Staff see whether the timeline's hash chain is intact (complaints/integrity.py).
        "chain_problems": verify_chain(complaint) if user.is_council_staff else None,
    }


# --- views ----------------------------------------------------------------------------


def _kept_key(complaint) -> str:
    return f"case:{complaint.pk}"


def _unsent_text(name: str, data, user, complaint) -> list[str]:
    """What was written in the text boxes of an action the case no longer offers."""
    form = action_form(name, user=user, complaint=complaint)
    boxes = [n for n, field in form.fields.items() if isinstance(field.widget, forms.Textarea)]
    return [text for n in boxes if (text := (data.get(form.add_prefix(n)) or "").strip())]


@login_required
@require_GET
def detail(request, pk: int):
    user = request.user
    complaint = access.get_complaint_for(user, pk)
    bound, unsent = None, []
    kept = take_form(request, _kept_key(complaint))
    if kept and kept["name"] in ACTIONS:
        name = kept["name"]
        if name in workflow.allowed_actions(user, complaint):
            form = action_form(name, user=user, complaint=complaint, data=kept["data"])
            bound = with_kept_errors(form, kept["errors"])
        else:
            unsent = _unsent_text(name, kept["data"], user, complaint)
    return render(request, "complaints/case.html", case_context(request, complaint, bound=bound, unsent=unsent))


def _no_longer_possible(request, action: str, status: str) -> None:
    messages.error(
        request,
        _("“%(action)s” is no longer possible: the case is now “%(status)s”.")
        % {"action": ACTIONS[action].label, "status": STATUS_LABELS.get(status, status)},
    )


def _refused(request, complaint, action: str) -> int | None:
    """Who before what: a role that may never do the action (403), then a state that does not
    allow it (409), shown as a message before the form is even read; None when it may go on."""
    try:
        workflow.check_may(request.user, complaint, action)
    except NotAllowed:
        label = ACTIONS[action].label
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
                payload = form.payload()
                files = form.cleaned_data.get("files") if form.takes_files else None
                if files:
                    # The proof's files join the case's evidence first; the action names them.
                    kind = form.evidence_kind()
                    payload["evidence"] = [
                        services.add_evidence(actor=request.user, complaint=complaint, upload=f, kind=kind).pk
                        for f in files
                    ]
                workflow.perform(actor=request.user, complaint_id=complaint.pk, action=action, **payload)
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
    messages.error(request, _("Please correct the marked fields of “%(action)s”.") % {"action": ACTIONS[action].label})
    return 400


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def act(request, pk: int, action: str):
    """Every outcome answers with the case page's address: done, refused or with errors (the
    form, what was typed and its errors are kept for the page, mediation.kept_forms). Opening
    an action's address (a reload, a language switch there) shows the case."""
    if action not in ACTIONS:
        raise Http404(_("No such action."))
    complaint = access.get_complaint_for(request.user, pk)
    case_url = reverse("complaints:detail", args=[complaint.pk])
    if request.method != "POST":
        return redirect(case_url)
    form = None
    if _refused(request, complaint, action) is None:
        form = action_form(action, user=request.user, complaint=complaint, data=request.POST, files=request.FILES)
        if _submit(request, complaint, action, form) is None:
            messages.success(request, _("Done: %(action)s.") % {"action": ACTIONS[action].label})
            return redirect(case_url + "#timeline")
    errors = form.errors if form is not None else None
    keep_form(request, _kept_key(complaint), name=action, data=request.POST, errors=errors)
    return redirect(case_url + f"#action-{action}")


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
