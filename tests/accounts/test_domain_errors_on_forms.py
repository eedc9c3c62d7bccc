"""A service's domain error shows on the form by one rule (mediation.forms.DomainErrorsMixin):
on the fields it names, above the form for a field the form does not show or when it names none."""

from django import forms

from accounts.forms import PhoneForm, SignupForm
from complaints.action_forms import ActionForm
from complaints.forms import ComplaintForm
from mediation.errors import InvalidInput, WrongState
from mediation.forms import DomainErrorsMixin
from merchants.forms import ApplicationForm, DecisionForm, InviteAgentForm
from privacy.forms import DeleteAccountForm


class NameForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField()


def bound() -> NameForm:
    form = NameForm({"name": "Wang"})
    assert form.is_valid()
    return form


def test_a_named_field_gets_its_messages():
    form = bound()
    form.add_domain_error(InvalidInput("Not valid.", fields={"name": ["Too short.", "Not a name."]}))
    assert form.errors == {"name": ["Too short.", "Not a name."]}


def test_a_field_the_form_does_not_show_goes_above_the_form():
    form = bound()
    form.add_domain_error(InvalidInput("Not valid.", fields={"phone": ["Taken."]}))
    assert form.non_field_errors() == ["Taken."]
    assert "name" not in form.errors


def test_an_error_naming_no_field_shows_its_message_above_the_form():
    form = bound()
    form.add_domain_error(WrongState("The case has moved on."))
    assert form.non_field_errors() == ["The case has moved on."]


def test_every_form_that_shows_domain_errors_uses_the_one_rule():
    for form_class in (
        PhoneForm,
        SignupForm,
        DeleteAccountForm,
        ActionForm,
        ComplaintForm,
        ApplicationForm,
        DecisionForm,
        InviteAgentForm,
    ):
        assert issubclass(form_class, DomainErrorsMixin), form_class
        assert form_class.add_domain_error is DomainErrorsMixin.add_domain_error, form_class
