"""Reads on people with the rules that go with them."""

from django.db.models import QuerySet

from .models import Role, User


def ancestor_paths(path: str) -> list[str]:
    """ "/1/4/9/" -> ["/1/", "/1/4/", "/1/4/9/"]: the councils whose jurisdiction covers `path`."""
    parts = [p for p in (path or "").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def mediators_for(complaint) -> QuerySet[User]:
    """Active mediators of a council whose jurisdiction covers the case (its council or one above)."""
    return (
        User.objects.filter(
            role=Role.MEDIATOR, is_active=True, council__path__in=ancestor_paths(complaint.council_path)
        )
        .select_related("council")
        .order_by("council__path", "name", "username")
    )
