"""Small pieces the merchant pages share."""

from django.shortcuts import render


def forbidden(request, message: str, status: int = 403):
    """The page is not for this person: say why, in words."""
    return render(request, "forbidden.html", {"message": message}, status=status)
