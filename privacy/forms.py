"""The consumer's own data: the form that confirms deleting the account."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mediation.forms import DomainErrorsMixin


class DeleteAccountForm(DomainErrorsMixin, forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
