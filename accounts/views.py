"""Sign-up and login pages, the password pages. The work is done by accounts.services."""

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from mediation.errors import InvalidInput, Throttled
from mediation.web import client_ip

from . import services
from .api import LoginThrottle
from .forms import CodeLoginForm, LoginForm, PasswordChangeForm, PasswordResetForm, PhoneForm, SignupForm
from .security import check_password_attempt

BACKEND = "accounts.backends.PhoneOrUsernameBackend"
SIGNUP_PHONE = "signup_phone"
LOGIN_PHONE = "code_login_phone"
RESET_PHONE = "password_reset_phone"


def _wait_message(exc: Throttled) -> str:
    return _("%(reason)s You can ask again in %(wait)s.") % {"reason": exc.message, "wait": _duration(exc.retry_after)}


def _duration(seconds: float) -> str:
    seconds = max(1, int(seconds))
    if seconds < 120:
        wait = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    elif seconds < 2 * 3600:
        minutes = (seconds + 59) // 60
        wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    else:
        hours = (seconds + 3599) // 3600
        wait = ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return wait


def _next_url(request) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _send_code(request, form: PhoneForm, session_key: str, *, signing_up: bool = False) -> int | None:
    """Ask for a code: None when it is on its way, else the page's status, with the reason on
    the form (429 and the wait on a throttle, 400 for a number refused). The answer never says
    whether the number has an account."""
    phone = form.cleaned_data["phone"]
    request.session[session_key] = phone
    try:
        services.request_code(phone=phone, ip=client_ip(request), signing_up=signing_up)
    except Throttled as exc:
        form.add_error(None, _wait_message(exc))
        return 429
    except InvalidInput as exc:
        form.add_error("phone", str(exc.message))
        return 400
    messages.success(request, _("We sent a 6-digit code by SMS. It is valid for 5 minutes."))
    return None


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The API's per-IP limit on password logins (auth/token/), with the same budget: django-axes
        # locks one account after 5 failures, this stops one network from trying many accounts.
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            return _too_many_logins(request, throttle.wait() or 60)
        return super().post(request, *args, **kwargs)


def _too_many_logins(request, retry_after: float):
    message = _("Too many logins from your network. Try again in %(wait)s.") % {"wait": _duration(retry_after)}
    response = render(request, "accounts/too_many_logins.html", {"message": message}, status=429)
    response["Retry-After"] = str(max(1, int(retry_after)))
    return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""


@require_http_methods(["GET", "POST"])
def signup(request):
    """Step one: the mobile number a code goes to."""
    form = PhoneForm(request.POST or None, initial={"phone": request.session.get(SIGNUP_PHONE, "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _send_code(request, form, SIGNUP_PHONE, signing_up=True)
        if status is None:
            return redirect("accounts:signup_complete")
    context = {"form": form, "throttled": status == 429}
    return render(request, "accounts/signup.html", context, status=status)


@sensitive_post_parameters("password", "password_confirm", "code")
@require_http_methods(["GET", "POST"])
def signup_complete(request):
    """Step two: code, name and password; then the consumer is logged in."""
    form = SignupForm(request.POST or None, initial={"phone": request.session.get(SIGNUP_PHONE, "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_consumer(
                phone=data["phone"],
                code=data["code"],
                password=data["password"],
                name=data["name"],
                language=getattr(request, "LANGUAGE_CODE", ""),
            )
        except services.AccountExists as exc:
            if not exc.user.is_active:
                form.add_domain_error(exc)
            else:
                # The code proved the number is theirs: as logging in with a code would.
                request.session.pop(SIGNUP_PHONE, None)
                login(request, exc.user, backend=BACKEND)
                messages.info(request, _("This number already had an account: you are now logged in to it."))
                return redirect("home")
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            request.session.pop(SIGNUP_PHONE, None)
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.display_name})
            return redirect("complaints:mine")
    return render(request, "accounts/signup_complete.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def request_code(request):
    """Logging in with a code, step one."""
    form = PhoneForm(request.POST or None, initial={"phone": request.session.get(LOGIN_PHONE, "")})
    next_url = _next_url(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _send_code(request, form, LOGIN_PHONE)
        if status is None:
            target = reverse("accounts:code_login")
            return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
    context = {"form": form, "next": next_url, "throttled": status == 429}
    return render(request, "accounts/request_code.html", context, status=status)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code_login(request):
    """Logging in with a code, step two."""
    form = CodeLoginForm(request.POST or None, initial={"phone": request.session.get(LOGIN_PHONE, "")})
    next_url = _next_url(request)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_with_code(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"])
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            request.session.pop(LOGIN_PHONE, None)
            login(request, user, backend=BACKEND)
            return redirect(next_url or "home")
    context = {"form": form, "next": next_url}
    return render(request, "accounts/code_login.html", context, status=400 if form.errors else 200)


# --- password and devices -------------------------------------------------------------


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change the password (old and new); every other session and every API token ends."""
    form = PasswordChangeForm(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                # A wrong old password is a guess like a login's, and counts towards the same lockout.
                check_password_attempt(request, user=request.user, password=data["old_password"], field="old_password")
                user = services.change_password(
                    user=request.user, old_password=data["old_password"], new_password=data["new_password1"]
                )
            except Throttled as exc:
                form.add_error(None, exc.message)
                status = 429
            except InvalidInput as exc:
                form.add_domain_error(exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password has been changed. Your other devices are signed out."))
                return redirect("accounts:password_change")
    return render(request, "accounts/password.html", {"form": form}, status=status)


@login_required
@require_POST
def sign_out_everywhere(request):
    """End every session (this one too) and delete every API token; the password stays."""
    services.sign_out_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You have been signed out on every device."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """A forgotten password, step one: the mobile number a code goes to."""
    form = PhoneForm(request.POST or None, initial={"phone": request.session.get(RESET_PHONE, "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        status = _send_code(request, form, RESET_PHONE)
        if status is None:
            return redirect("accounts:password_reset_complete")
    context = {"form": form, "throttled": status == 429}
    return render(request, "accounts/password_reset.html", context, status=status)


@sensitive_post_parameters("code", "password", "password_confirm")
@require_http_methods(["GET", "POST"])
def password_reset_complete(request):
    """A forgotten password, step two: the code and a new password; every earlier login ends."""
    form = PasswordResetForm(request.POST or None, initial={"phone": request.session.get(RESET_PHONE, "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reset_password(phone=data["phone"], code=data["code"], password=data["password"])
        except InvalidInput as exc:
            form.add_domain_error(exc)
        else:
            request.session.pop(RESET_PHONE, None)
            messages.success(request, _("Your password has been changed. Log in with the new one."))
            return redirect("accounts:login")
    status = 400 if form.errors else 200
    return render(request, "accounts/password_reset_complete.html", {"form": form}, status=status)
