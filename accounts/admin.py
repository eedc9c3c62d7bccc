from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mediation.errors import InvalidInput

from .models import Council, SmsCode, User
from .services import normalise_phone, revoke_tokens


class PhoneMixin:
    """Phones are stored as 11 digits, so people can log in with the number."""

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        if not phone:
            return None
        try:
            return normalise_phone(phone)
        except InvalidInput as exc:
            raise ValidationError(exc.fields["phone"]) from None


class UserForm(PhoneMixin, UserChangeForm):
    pass


class NewUserForm(PhoneMixin, AdminUserCreationForm):
    pass


class PasswordForm(AdminPasswordChangeForm):
    """An operator's password reset signs the account out everywhere: its sessions end with the
    old password's hash, and its API tokens are deleted here."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            revoke_tokens(user=user)
        return user


admin.site.site_header = _("315 complaint mediation platform")
admin.site.site_title = _("315 platform administration")
admin.site.index_title = _("Platform operations")


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "parent",
        "case_prefix",
        "working_days",
        "merchant_days",
        "consumer_days",
        "settlement_days",
        "review_days",
        "mediation_days",
    ]
    list_filter = ["working_days", "parent"]
    search_fields = ["name", "code"]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "code", "parent", "case_prefix"]}),
        (
            _("Deadlines"),
            {
                "fields": [
                    "working_days",
                    "merchant_days",
                    "consumer_days",
                    "settlement_days",
                    "fulfilment_days",
                    "confirmation_days",
                    "review_days",
                    "mediation_days",
                ]
            },
        ),
        (
            _("Targets (staff dashboard)"),
            {"fields": ["target_handling_rate", "target_satisfaction", "target_first_response_hours"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Moving a council would leave its subtree's paths and its cases' jurisdiction behind.
        return ["parent"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # staff, merchants and cases refer to it


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserForm
    add_form = NewUserForm
    change_password_form = PasswordForm
    list_display = ["username", "name", "role", "phone", "council", "merchant", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser", "language", "council"]
    search_fields = ["username", "name", "phone", "email"]
    list_select_related = ["council", "merchant"]
    autocomplete_fields = ["council", "merchant"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "phone", "email", "language"]}),
        (_("Role"), {"fields": ["role", "council", "merchant"]}),
        (
            _("Operator access"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "name",
                    "phone",
                    "role",
                    "council",
                    "merchant",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]


@admin.register(SmsCode)
class SmsCodeAdmin(admin.ModelAdmin):
    """Codes are kept only as hashes; operators see when and how often a number asked."""

    list_display = ["masked_phone", "ip", "created_at", "attempts", "used_at"]
    list_filter = ["created_at"]
    search_fields = ["phone", "ip"]
    date_hierarchy = "created_at"
    fields = ["phone", "ip", "created_at", "attempts", "used_at"]

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return f"{obj.phone[:3]}****{obj.phone[-4:]}" if len(obj.phone) >= 7 else obj.phone

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
