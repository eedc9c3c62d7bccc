from django import forms

MAX_ID = 2**63 - 1  # the largest primary key a database holds


class MarkReadForm(forms.Form):
    """Mark one notice read, or all of them; `page` is where to come back to."""

    notice = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    all = forms.BooleanField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=100000, widget=forms.HiddenInput)

    def ids(self) -> list[int] | None:
        """The notices to mark: None means all of them."""
        if self.cleaned_data.get("all"):
            return None
        notice = self.cleaned_data.get("notice")
        return [notice] if notice else []
