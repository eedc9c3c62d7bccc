"""Writing the audit log: the one function that adds an entry."""

import ipaddress

from django.utils import timezone

from mediation.web import client_ip

from .context import USER_AGENT_LENGTH, current_client
from .models import AuditEntry


def _valid_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def record(
    *,
    action: str,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    council_path: str = "",
    extra: dict | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> AuditEntry:
    """Record one act. A complaint given as `obj` files the entry under the case (its number
    goes in `extra`) and its council; the IP and user agent come from the current request
    (audit.context) unless given."""
    client = current_client()
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = obj.pk
        council_path = council_path or getattr(obj, "council_path", "")
        extra = {"case_number": obj.case_number, **(extra or {})} if hasattr(obj, "case_number") else extra
    authenticated = actor is not None and actor.is_authenticated
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_role=actor.role if authenticated else "",
        action=action[:64],
        object_type=object_type[:40],
        object_id=str(object_id)[:64],
        council_path=council_path,
        ip=_valid_ip(ip if ip is not None else client.ip),
        user_agent=(user_agent if user_agent is not None else client.user_agent)[:USER_AGENT_LENGTH],
        extra=extra or {},
        created_at=timezone.now(),
    )


def record_staff_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: council staff logins are audited (pages and API tokens)."""
    if not user.is_council_staff:
        return
    ip = user_agent = None
    if request is not None:
        ip = client_ip(request)
        user_agent = request.META.get("HTTP_USER_AGENT", "")
    record(
        action="login",
        actor=user,
        object_type="user",
        object_id=user.pk,
        council_path=user.council.path if user.council_id else "",
        ip=ip,
        user_agent=user_agent,
    )


def record_export(user, path: str, query: str, cases) -> AuditEntry:
    """An export of a case list (pages and API): its filters and how many cases it holds."""
    kind = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "file"
    return record(
        action=f"export.{kind}",
        actor=user,
        object_type="complaint_list",
        council_path=user.council.path if user.council_id else "",
        extra={"path": path, "query": query[:1000], "rows": cases.count()},
    )
