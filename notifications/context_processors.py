"""The bell: how many in-app notices the logged-in person has not read, on every page."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notices(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Counted only when a page shows the bell (JSON answers and bare pages skip the query).
    return {"unread_notices": SimpleLazyObject(lambda: unread_count(user))}
