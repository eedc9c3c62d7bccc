"""Small pieces the merchant pages share."""

import ipaddress

from django.shortcuts import render


def forbidden(request, message: str, status: int = 403):
    """The page is not for this person: say why, in words."""
    return render(request, "forbidden.html", {"message": message}, status=status)


def add_form_errors(form, exc) -> None:
    """A domain error shown on the form: on its fields where it names them."""
    placed = False
    for field, errors in (getattr(exc, "fields", None) or {}).items():
        for error in errors:
            form.add_error(field if field in form.fields else None, str(error))
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def client_ip(request) -> str | None:
    """The address the request came from, for the access log (the proxy in front sets REMOTE_ADDR)."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
