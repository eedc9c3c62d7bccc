"""The audit log in words: an entry's action, role, subject and details as labels in the reader's
language. The entries keep their codes (`complaint.respond`, `merchant_agent`); only the page
turns them into words, so an unknown code still shows, as itself."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from audit.models import AuditEntry
from complaints.actions import ACTIONS
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
}
OBJECT_LABELS = {
    "complaint": gettext_lazy("Case"),
    "user": gettext_lazy("User"),
    "complaint_list": gettext_lazy("Case list"),
}
DETAIL_LABELS = {
    "status": gettext_lazy("Status"),
    "path": gettext_lazy("Page"),
    "query": gettext_lazy("Filters"),
    "rows": gettext_lazy("Cases"),
    "cases": gettext_lazy("Cases"),
    "evidence_files_deleted": gettext_lazy("Evidence files deleted"),
    "events_redacted": gettext_lazy("Timeline events redacted"),
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
    if action.startswith("complaint.") and action.removeprefix("complaint.") in ACTIONS:
        return _("Case: %(action)s") % {"action": ACTIONS[action.removeprefix("complaint.")].label}
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
