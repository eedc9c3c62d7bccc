"""Small pieces the merchant pages share."""

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
