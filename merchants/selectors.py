"""Reads on merchants: the enrolled ones, applications, what supervisors look after, the
merchant's team and its invitations. A merchant's record from its cases is complaints.records."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User

from .models import AgentInvitation, Merchant, MerchantStatus


def _get(qs: QuerySet, pk, message=None):
    try:
        return qs.get(pk=int(pk))
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(message or _("No such merchant.")) from None


def _clean_q(q: str) -> str:
    # PostgreSQL refuses NUL in a string literal; no name contains one.
    return (q or "").replace("\x00", "").strip()[:100]


def enrolled_merchants(q: str = "") -> QuerySet[Merchant]:
    """The public list: enrolled merchants only, searchable by name or credit code."""
    qs = Merchant.objects.filter(status=MerchantStatus.ENROLLED).select_related("region")
    q = _clean_q(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q))
    return qs.order_by("name", "id")


def public_merchant(pk) -> Merchant:
    """Only enrolled merchants have a public record; any other answers 404."""
    return _get(enrolled_merchants(), pk)


def applications_of(user: User) -> list[dict]:
    """The user's own applications, each with the council's last decision (and its reason)."""
    from django.db.models import Prefetch

    from .models import EnrolmentApplicant, MerchantDecision

    applications = (
        EnrolmentApplicant.objects.filter(user=user)
        .select_related("merchant", "merchant__region")
        .prefetch_related(
            Prefetch("merchant__decisions", queryset=MerchantDecision.objects.order_by("-created_at", "-id"))
        )
        .order_by("-created_at")
    )
    return [
        {"merchant": a.merchant, "last_decision": next(iter(a.merchant.decisions.all()), None)} for a in applications
    ]


# --- supervisors ----------------------------------------------------------------------


def merchant_for_supervisor(user: User, pk, *, for_update: bool = False) -> Merchant:
    """A merchant whose region is in the supervisor's jurisdiction, else 404."""
    qs = Merchant.objects.in_jurisdiction(user.council).select_related("region")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return _get(qs, pk)


def merchants_for_supervisor(user: User, *, status: str = "", q: str = "") -> QuerySet[Merchant]:
    """Applications and merchants of the supervisor's jurisdiction, applications first."""
    qs = (
        Merchant.objects.in_jurisdiction(user.council)
        .select_related("region", "applicant__user")
        .order_by("-created_at", "-id")
    )
    if status in MerchantStatus.values:
        qs = qs.filter(status=status)
    q = _clean_q(q)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q))
    return qs


def status_counts_for_supervisor(user: User) -> dict[str, int]:
    found = dict(
        Merchant.objects.in_jurisdiction(user.council).values_list("status").annotate(n=Count("id")).order_by()
    )
    return {s: found.get(s, 0) for s in MerchantStatus.values}


# --- the merchant's team ----------------------------------------------------------------


def team_of(merchant_id: int) -> QuerySet[User]:
    """Owners first, then agents; removed agents last."""
    return User.objects.filter(merchant_id=merchant_id).order_by("-is_active", "role", "name", "pk")


# An invitation is answered within a week, or the owner invites again.
INVITATION_VALID = datetime.timedelta(days=7)


def pending_invitations_to(phone: str | None) -> QuerySet[AgentInvitation]:
    """Invitations the person with this number may still answer (a week each)."""
    if not phone:
        return AgentInvitation.objects.none()
    since = timezone.now() - INVITATION_VALID
    return (
        AgentInvitation.objects.filter(phone=phone, status=AgentInvitation.Status.PENDING, created_at__gt=since)
        .select_related("merchant")
        .order_by("-created_at", "-pk")
    )


def invitations_of(merchant_id: int, limit: int = 20) -> list[AgentInvitation]:
    """The merchant's latest invitations, for its team page."""
    return list(AgentInvitation.objects.filter(merchant_id=merchant_id).order_by("-created_at", "-pk")[:limit])


def active_agents(merchant_id: int) -> QuerySet[User]:
    return User.objects.filter(merchant_id=merchant_id, role=Role.MERCHANT_AGENT, is_active=True).order_by("name", "pk")


def agent_of(merchant_id: int, pk, *, for_update: bool = False) -> User:
    qs = User.objects.filter(merchant_id=merchant_id, role=Role.MERCHANT_AGENT)
    if for_update:
        qs = qs.select_for_update()
    return _get(qs, pk, _("No such agent."))
