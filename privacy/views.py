"""A consumer's own data pages: downloading it, deleting the account. The work is done by
privacy.services."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.gates import consumer_required
from accounts.security import check_password_attempt
from mediation.errors import DomainError, Throttled, WrongState

from . import services
from .forms import DeleteAccountForm


@consumer_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    """GET: what the consumer may do with their data; POST: their data as a JSON download."""
    if request.method == "POST":
        data = services.export_personal_data(user=request.user)
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        response["Cache-Control"] = "private, no-store"
        return response
    form = DeleteAccountForm()
    return render(request, "accounts/data.html", _data_context(request, form))


def _data_context(request, form) -> dict:
    return {"form": form, "refusal": services.deletion_refusal(request.user)}


@login_required  # then the method, then the role: as for every other page
@require_POST
@consumer_required
@sensitive_post_parameters("password")
def my_delete(request):
    form = DeleteAccountForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            # A wrong password here is a guess like a login's, and counts towards the same lockout.
            check_password_attempt(request, user=request.user, password=form.cleaned_data["password"])
            services.delete_account(user=request.user, password=form.cleaned_data["password"])
        except Throttled as exc:
            form.add_error(None, exc.message)
            status = 429
        except WrongState as exc:
            messages.error(request, exc.message)
            status = 409
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("home")
    return render(request, "accounts/data.html", _data_context(request, form), status=status)
