"""A refused form survives the redirect back to its page (post, redirect, get).

A page that takes an action answers every submission with a redirect to the page the form
lives on, so the address bar never holds the action's URL (reloading it, or switching the
language there, shows the page again). What the person typed and the errors it got are kept
in their session until that page is shown once: nothing typed is lost.
"""

from django.forms import Form
from django.forms.utils import ErrorDict
from django.http import QueryDict

SESSION_KEY = "kept_forms"
SKIPPED = frozenset({"csrfmiddlewaretoken"})


def keep_form(request, key: str, *, name: str, data: QueryDict, errors: ErrorDict | None = None) -> None:
    """Keep the submission `data` of the form `name` (an action, a decision) for the page `key`."""
    kept = dict(request.session.get(SESSION_KEY) or {})
    kept[key] = {
        "name": name,
        "data": {field: data.getlist(field) for field in data if field not in SKIPPED},
        "errors": {field: [str(e) for e in errs] for field, errs in (errors or {}).items()},
    }
    request.session[SESSION_KEY] = kept


def take_form(request, key: str) -> dict | None:
    """What keep_form kept for the page `key`, once: {"name", "data" (a QueryDict), "errors"}."""
    kept = request.session.get(SESSION_KEY) or {}
    if key not in kept:
        return None
    entry = dict(kept[key])
    request.session[SESSION_KEY] = {k: v for k, v in kept.items() if k != key}
    data = QueryDict(mutable=True)
    for field, values in entry["data"].items():
        data.setlist(field, values)
    entry["data"] = data
    return entry


def with_kept_errors(form: Form, errors: dict) -> Form:
    """The form validated again, with the errors it got from the service added back (those
    re-validation cannot find: a domain error raised after the form was valid)."""
    form.is_valid()
    for field, messages in errors.items():
        target = field if field in form.fields else None
        shown = form.errors.get(field if target else "__all__", [])
        for message in messages:
            if message not in shown:
                form.add_error(target, message)
    return form
