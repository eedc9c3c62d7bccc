from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (user name or name)"), required=False, max_length=100)
    day = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions: list[tuple[str, str]], **kwargs):
        """`actions`: (code, label) of each action the log holds (audit_presenters.action_choices)."""
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any action")), *actions]


class IntegrityForm(forms.Form):
    case = forms.CharField(label=_("Case number (empty: every case)"), required=False, max_length=20)
