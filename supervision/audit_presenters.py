"""The audit log in words: an entry's action, role, subject and details as labels in the reader's
language. The entries keep their codes (`complaint.respond`, `merchant_agent`); only the page
turns them into words, so an unknown code still shows, as itself."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from audit.models import AuditEntry
from complaints.actions import ACTIONS, COLLECTIVE_ACTIONS
from complaints.models import Category, Channel, Complaint, Outcome, Status

# Actions recorded outside the state machine (the state machine's are `complaint.<action>`).
ACTION_LABELS = {
    "complaint.correct": gettext_lazy("Case details corrected"),
    "contact.reveal": gettext_lazy("Consumer's phone number revealed"),
    "calls.bind": gettext_lazy("Privacy number given for a call"),
    "calls.off": gettext_lazy("Calls turned off by the consumer"),
    "calls.on": gettext_lazy("Calls turned back on by the consumer"),
    "case.bundle": gettext_lazy("Case bundle downloaded"),
    "login": gettext_lazy("Staff login"),
    "account.password_changed": gettext_lazy("Password changed"),
    "account.password_reset": gettext_lazy("Password reset by SMS code"),
    "account.signed_out_everywhere": gettext_lazy("Signed out on every device"),
    "account.data_export": gettext_lazy("Personal data downloaded"),
    "account.anonymised": gettext_lazy("Account deleted, data anonymised"),
    "account.password_set": gettext_lazy("First password chosen"),
    "council.targets": gettext_lazy("Council targets changed"),
    "address.share": gettext_lazy("Delivery address shared"),
    "address.withdraw": gettext_lazy("Delivery address access withdrawn"),
    "address.reveal": gettext_lazy("Consumer's delivery address revealed"),
    "incident.open": gettext_lazy("Incident opened"),
    "incident.close": gettext_lazy("Incident closed"),
    "incident.add_cases": gettext_lazy("Incident: cases added"),
    "incident.remove_cases": gettext_lazy("Incident: cases taken out"),
    "incident.message": gettext_lazy("Incident: message to every consumer"),
    "incident.assign": gettext_lazy("Incident: mediator for every case"),
    "incident.offer": gettext_lazy("Incident: collective offer"),
}
OBJECT_LABELS = {
    "complaint": gettext_lazy("Case"),
    "user": gettext_lazy("User"),
    "complaint_list": gettext_lazy("Case list"),
    "council": gettext_lazy("Council"),
    "incident": gettext_lazy("Incident"),
}
DETAIL_LABELS = {
    "status": gettext_lazy("Status"),
    "path": gettext_lazy("Page"),
    "query": gettext_lazy("Filters"),
    "rows": gettext_lazy("Cases"),
    "cases": gettext_lazy("Cases"),
    "evidence_files_deleted": gettext_lazy("Evidence files deleted"),
    "events_redacted": gettext_lazy("Timeline events redacted"),
    "handling_rate": gettext_lazy("Target: answered within the deadline (%)"),
    "satisfaction": gettext_lazy("Target: satisfaction (%)"),
    "first_response_hours": gettext_lazy("Target: first response within (hours)"),
    "on_behalf_of_consumer": gettext_lazy("On behalf of the consumer"),
    "grant": gettext_lazy("Who at the merchant sees it"),
    "addresses_deleted": gettext_lazy("Delivery addresses deleted"),
    "done": gettext_lazy("Cases done"),
    "already": gettext_lazy("Cases that had it already"),
    "refused": gettext_lazy("Cases that could not take it"),
    "act": gettext_lazy("Bulk act"),
    "terms": gettext_lazy("Terms"),
    "public": gettext_lazy("Public-facing"),
    "privacy_number": gettext_lazy("Privacy number"),
    "direction": gettext_lazy("Direction"),
    "expires_at": gettext_lazy("Expires at"),
    "reused": gettext_lazy("Given again"),
    "binding": gettext_lazy("Binding"),
    "bindings_released": gettext_lazy("Bindings let go"),
}
# Fields whose values are codes of a choices type (a corrected category, say).
CODED_VALUES = {
    "status": dict(Status.choices),
    "outcome": dict(Outcome.choices),
    "category": dict(Category.choices),
    "channel": dict(Channel.choices),
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    name = action.removeprefix("complaint.")
    if action.startswith("complaint.") and name in ACTIONS | COLLECTIVE_ACTIONS:
        return _("Case: %(action)s") % {"action": (ACTIONS | COLLECTIVE_ACTIONS)[name].label}
    if action.startswith("export."):
        return _("Case list exported (%(format)s)") % {"format": action.removeprefix("export.").upper()}
    return action


def action_choices(actions: list[str]) -> list[tuple[str, str]]:
    """The filter's options: each action found in the log, by its label."""
    return sorted(((a, action_label(a)) for a in actions), key=lambda choice: choice[1])


def _field_label(name: str) -> str:
    if name in DETAIL_LABELS:
        return str(DETAIL_LABELS[name])
    try:
        return str(Complaint._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def _value(name: str, value) -> str:
    if isinstance(value, dict) and set(value) == {"old", "new"}:  # a corrected field
        return f"{_value(name, value['old'])} → {_value(name, value['new'])}"
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items() if item not in (None, ""))
    return str(CODED_VALUES.get(name, {}).get(value, value))


def present(entry: AuditEntry) -> dict:
    """One row of the audit log page."""
    extra = entry.extra or {}
    return {
        "entry": entry,
        "action": action_label(entry.action),
        "role": str(dict(Role.choices).get(entry.actor_role, entry.actor_role)),
        "subject": str(OBJECT_LABELS.get(entry.object_type, entry.object_type)),
        "case_number": extra.get("case_number", ""),
        "details": [(_field_label(key), _value(key, value)) for key, value in extra.items() if key != "case_number"],
    }
