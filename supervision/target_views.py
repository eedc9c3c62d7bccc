"""A supervisor sets their council's targets (the dashboard shows each figure against them)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.gates import supervisor_required
from mediation.errors import InvalidInput

from .forms import TargetsForm
from .targets import FIELDS, set_targets, targets_for


@supervisor_required
@require_http_methods(["GET", "POST"])
def targets(request):
    council = request.user.council
    own = {name: getattr(council, field) for name, (field, _default) in FIELDS.items()}
    form = TargetsForm(request.POST if request.method == "POST" else None, initial=own)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                set_targets(actor=request.user, **form.cleaned_data)
            except InvalidInput as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The targets of %(council)s are saved.") % {"council": council.name})
                return redirect("supervision:targets")
    context = {"form": form, "council": council, "effective": targets_for(council)}
    return render(request, "supervision/targets.html", context, status=status)
