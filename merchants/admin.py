from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mediation.errors import InvalidInput

from . import enrolment
from .models import ContactReveal, EnrolmentApplicant, Merchant, MerchantDecision, OverdueMark, Violation


class MerchantAdminForm(forms.ModelForm):
    """The same checks as an online application: a valid credit code and mobile numbers."""

    class Meta:
        model = Merchant
        fields = ["name", "uscc", "region", "sector", "address", "notice_phones", "email"]

    def _clean_with(self, clean, field):
        try:
            return clean(self.cleaned_data[field])
        except InvalidInput as exc:
            raise ValidationError(exc.fields.get(field) or [str(exc.message)]) from None

    def clean_uscc(self):
        return self._clean_with(enrolment.clean_uscc, "uscc")

    def clean_notice_phones(self):
        if not isinstance(self.cleaned_data.get("notice_phones"), list):
            raise ValidationError(_('A list of mobile numbers, like ["13900000001"].'))
        return self._clean_with(enrolment.clean_notice_phones, "notice_phones")


class OverdueMarkInline(admin.TabularInline):
    model = OverdueMark
    fields = ["complaint", "stage", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = MerchantDecision
    fields = ["decision", "actor", "reason", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    """Enrolment decisions (approve, refuse, suspend) are the supervisors' and are taken in
    the council portal, so the status is shown here but not edited."""

    form = MerchantAdminForm
    list_display = ["name", "uscc", "region", "sector", "status", "enrolled_at", "created_at"]
    list_filter = ["status", "sector", "region"]
    search_fields = ["name", "uscc", "email"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["status", "enrolled_at", "created_at"]
    fields = [
        "name",
        "uscc",
        "region",
        "sector",
        "address",
        "notice_phones",
        "email",
        "status",
        "enrolled_at",
        "created_at",
    ]
    date_hierarchy = "created_at"
    inlines = [DecisionInline, OverdueMarkInline]

    def has_delete_permission(self, request, obj=None):
        return False  # complaints and staff refer to it; suspend it instead


@admin.register(OverdueMark)
class OverdueMarkAdmin(admin.ModelAdmin):
    """Marks are written by the deadline job and count in the merchant's public record."""

    list_display = ["merchant", "complaint", "stage", "created_at"]
    list_filter = ["stage", "created_at"]
    search_fields = ["merchant__name", "complaint__case_number"]
    list_select_related = ["merchant", "complaint"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EnrolmentApplicant)
class EnrolmentApplicantAdmin(admin.ModelAdmin):
    list_display = ["merchant", "user", "merchant_status", "created_at"]
    list_filter = ["merchant__status"]
    search_fields = ["merchant__name", "merchant__uscc", "user__username", "user__name", "user__phone"]
    list_select_related = ["merchant", "user"]

    @admin.display(description=_("status"), ordering="merchant__status")
    def merchant_status(self, obj):
        return obj.merchant.get_status_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written by merchants.enrolment only; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Violation)
class ViolationAdmin(_ReadOnlyAdmin):
    """Supervisors confirm or dismiss reports in the council portal."""

    list_display = ["merchant", "complaint", "kind", "status", "compensation", "created_at", "decided_at"]
    list_filter = ["status", "kind"]
    search_fields = ["merchant__name", "complaint__case_number"]
    list_select_related = ["merchant", "complaint"]


@admin.register(ContactReveal)
class ContactRevealAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "user", "merchant", "complaint", "ip"]
    search_fields = ["merchant__name", "complaint__case_number", "user__username", "user__name"]
    list_select_related = ["merchant", "complaint", "user"]
    date_hierarchy = "created_at"


@admin.register(MerchantDecision)
class MerchantDecisionAdmin(_ReadOnlyAdmin):
    list_display = ["merchant", "decision", "actor", "created_at"]
    list_filter = ["decision"]
    search_fields = ["merchant__name", "merchant__uscc"]
    list_select_related = ["merchant", "actor"]
