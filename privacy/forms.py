from django import forms
from django.utils.translation import gettext_lazy as _lazy

from mediation.forms import DomainErrorsMixin


class DeleteAccountForm(DomainErrorsMixin, forms.Form):
    password = forms.CharField(
        label=_lazy("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
