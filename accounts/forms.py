"""Sign-up and login forms. They validate shape; accounts.services does the work."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mediation.errors import InvalidInput
from mediation.forms import DomainErrorsMixin
from mediation.text import TextField

from .services import normalise_phone

PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel", "placeholder": "138 0013 8000"}
CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*", "maxlength": "6"}


class PhoneField(forms.CharField):
    """A mainland mobile number, cleaned to its 11 digits."""

    widget = forms.TextInput(attrs={**PHONE_ATTRS, "type": "tel"})

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalise_phone(value)
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc.message), code="phone") from None


class CodeField(forms.CharField):
    widget = forms.TextInput(attrs=CODE_ATTRS)

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code from the SMS"))
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        super().__init__(**kwargs)


class PhoneForm(DomainErrorsMixin, forms.Form):
    """Step one of sign-up, and of logging in with a code: the number to send a code to."""

    phone = PhoneField()


class SignupForm(DomainErrorsMixin, forms.Form):
    phone = PhoneField()
    code = CodeField()
    name = TextField(
        label=_("Your name"),
        max_length=100,
        help_text=_("As on your ID; merchants see only its first character unless you agree otherwise."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords differ."))
        return data


class CodeLoginForm(DomainErrorsMixin, forms.Form):
    phone = PhoneField()
    code = CodeField()


class LoginForm(AuthenticationForm):
    """Log in with a mobile number or a username, and a password (PhoneOrUsernameBackend)."""

    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The mobile number, username or password is wrong."),
    }

    def clean_username(self):
        login = self.cleaned_data["username"].strip()
        try:
            # "+86 138 0013 8000" logs in as 13800138000; anything else is a username.
            return normalise_phone(login)
        except InvalidInput:
            return login


class PasswordChangeForm(DomainErrorsMixin, auth_forms.PasswordChangeForm):
    """Old password, new password twice, with Django's checks of the new one. The view checks the
    old one (accounts.security.check_password_attempt), so a wrong one counts towards the lockout."""

    def clean_old_password(self):
        return self.cleaned_data["old_password"]


class FirstPasswordForm(DomainErrorsMixin, forms.Form):
    """A password for an account that has none yet (staff filed a complaint for the consumer)."""

    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits. Next time you log in with your number and it."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("The password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords differ."))
        return data


class PasswordResetForm(DomainErrorsMixin, forms.Form):
    """A forgotten password: the code sent by SMS and a new password."""

    phone = PhoneField()
    code = CodeField()
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_confirm = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords differ."))
        return data
