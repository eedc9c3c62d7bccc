"""Invitations to a merchant's team, seen by the person invited: answered with an account, or,
for a number without one, after proving the number with an SMS code."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts
from accounts.forms import CodeLoginForm, PhoneForm
from accounts.gates import forbidden
from accounts.models import User
from mediation.errors import DomainError, NotAllowed, Throttled
from mediation.web import client_ip

from .. import selectors, team

BACKEND = "accounts.backends.PhoneOrUsernameBackend"
# A number proved with an SMS code by a visitor without an account, kept in their session.
VERIFIED_PHONE = "invitation_phone"
CODE_SENT_TO = "invitation_code_phone"


def _invited_phone(request) -> str:
    if request.user.is_authenticated:
        return request.user.phone or ""
    return request.session.get(VERIFIED_PHONE, "")


def _account_of(request, phone: str) -> User | None:
    if request.user.is_authenticated:
        return request.user
    return User.objects.filter(phone=phone).first()


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def invitations(request):
    """The invitations to the visitor's number, each with why they may not accept where so."""
    phone = _invited_phone(request)
    sent_to = request.session.get(CODE_SENT_TO, "")
    phone_form = PhoneForm(prefix="send")
    code_form = CodeLoginForm(prefix="verify", initial={"phone": sent_to})
    status = 200
    if not phone and request.method == "POST":
        if "verify-code" in request.POST:
            code_form = CodeLoginForm(request.POST, prefix="verify")
            status = _verify_code(request, code_form)
        else:
            phone_form = PhoneForm(request.POST, prefix="send")
            status = _prove_number(request, phone_form)
        if status is None:
            return redirect("merchants:invitations")
    rows = []
    if phone:
        account = _account_of(request, phone)
        rows = [
            {"invitation": i, "refusal": team.acceptance_refusal(account, i)}
            for i in selectors.pending_invitations_to(phone)
        ]
    context = {"phone": phone, "sent_to": sent_to, "rows": rows, "phone_form": phone_form, "code_form": code_form}
    response = render(request, "merchants/invitations.html", context, status=status)
    if status == 429 and getattr(request, "_retry_after", None):
        response["Retry-After"] = str(request._retry_after)
    return response


def _prove_number(request, phone_form) -> int | None:
    """Step one: a code to the number. Returns the page's status (None: go on to step two)."""
    if not phone_form.is_valid():
        return 400
    try:
        accounts.request_code(phone=phone_form.cleaned_data["phone"], ip=client_ip(request))
    except Throttled as exc:
        phone_form.add_domain_error(exc)
        request._retry_after = exc.retry_after
        return 429
    except DomainError as exc:
        phone_form.add_domain_error(exc)
        return 400
    # The same answer whether or not the number has an account.
    messages.success(request, _("We sent a 6-digit code by SMS. It is valid for 5 minutes."))
    request.session[CODE_SENT_TO] = phone_form.cleaned_data["phone"]
    return None


def _verify_code(request, code_form) -> int | None:
    """Step two: the code proves the number. An account with it logs in as usual."""
    if not code_form.is_valid():
        return 400
    try:
        phone = accounts.check_code(phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"])
    except DomainError as exc:
        code_form.add_domain_error(exc)
        return 400
    account = User.objects.filter(phone=phone, is_active=True).first()
    if account is not None:
        login(request, account, backend=BACKEND)
    else:
        request.session[VERIFIED_PHONE] = phone
    return None


@require_POST
def answer(request, pk: int, choice: str):
    phone = _invited_phone(request)
    if choice not in ("accept", "decline"):
        raise Http404
    if not phone:
        return forbidden(request, _("First show the invitations to your number with an SMS code."))
    if choice == "decline":
        invitation = team.decline_invitation(phone=phone, invitation_id=pk)
        messages.success(request, _("You declined the invitation of %(merchant)s.") % {"merchant": invitation.merchant})
        return redirect("merchants:invitations")
    try:
        account = team.accept_invitation(phone=phone, invitation_id=pk)
    except NotAllowed as exc:
        return forbidden(request, str(exc.message))
    if not request.user.is_authenticated or request.user.pk != account.pk:
        request.session.pop(VERIFIED_PHONE, None)
        login(request, account, backend=BACKEND)
    messages.success(request, _("You are an after-sales agent of %(merchant)s.") % {"merchant": account.merchant.name})
    return redirect("merchants:inbox")
