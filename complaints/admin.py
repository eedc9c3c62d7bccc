"""Complaints in the operators' admin.

A complaint's status, deadlines and parties change only through the state machine
(complaints.workflow), and its timeline is append-only; so here they are shown, never
edited. Operators may correct the descriptive fields (say, to remove personal data a
consumer typed into the description)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CaseSequence, Complaint, ComplaintEvent, Evidence, Incident, MediationSession
from .services import CORRECTABLE_FIELDS, correct_complaint

EDITABLE = list(CORRECTABLE_FIELDS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = ["created_at", "kind", "actor", "actor_role", "from_status", "to_status", "visibility", "message"]
    readonly_fields = fields
    ordering = ["created_at", "id"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    # The file itself is served only through the permission-checked case view.
    fields = ["original_name", "kind", "content_type", "size", "sha256", "uploaded_by", "created_at"]
    readonly_fields = fields


class SessionInline(ReadOnlyInline):
    """Mediation sessions change only through the case's actions (complaints.sessions)."""

    model = MediationSession
    fields = ["number", "starts_at", "mode", "link", "address", "mediator", "minutes_at", "agreed", "acknowledge_by"]
    readonly_fields = fields
    ordering = ["number"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "case_number",
        "title",
        "status",
        "outcome",
        "merchant_display_name",
        "council",
        "category",
        "priority",
        "is_overdue",
        "due_at",
        "filed_at",
    ]
    list_filter = ["status", "outcome", "category", "channel", "is_overdue", "council"]
    search_fields = [
        "case_number",
        "order_number",
        "title",
        "merchant__name",
        "merchant_name",
        "consumer__phone",
        "consumer__name",
    ]
    list_select_related = ["merchant", "council"]
    date_hierarchy = "filed_at"
    ordering = ["-filed_at"]
    inlines = [EventInline, EvidenceInline, SessionInline]
    fieldsets = [
        (None, {"fields": ["case_number", "status", "outcome", "waiting_on", "due_at", "settle_by", "is_overdue"]}),
        (
            _("Parties"),
            {"fields": ["consumer", "merchant", "merchant_name", "merchant_phone", "council", "agent", "mediator"]},
        ),
        (_("Complaint"), {"fields": [*EDITABLE, "purchase_date", "amount", "demands", "share_contact"]}),
        (_("Handling"), {"fields": ["priority", "priority_reasons", "round", "offer", "agreement", "incident"]}),
        (
            _("Key times"),
            {
                "fields": [
                    "filed_at",
                    "first_response_at",
                    "settled_at",
                    "closed_at",
                    "satisfaction",
                    "satisfaction_comment",
                ]
            },
        ),
    ]

    @admin.display(description=_("merchant"))
    def merchant_display_name(self, obj):
        return obj.merchant_display_name

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"] if name not in EDITABLE]

    def save_model(self, request, obj, form, change):
        # A correction refreshes the search terms and the priority and is audited: the service does it.
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        if fields:
            corrected = correct_complaint(actor=request.user, complaint_id=obj.pk, **fields)
            obj.priority, obj.priority_reasons = corrected.priority, corrected.priority_reasons

    def has_add_permission(self, request):
        return False  # consumers file complaints; the state machine numbers and routes them

    def has_delete_permission(self, request, obj=None):
        return False  # a case record is permanent; withdrawing or rejecting closes it


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(admin.ModelAdmin):
    """The timeline is append-only: no one adds, changes or deletes an event here."""

    list_display = ["complaint", "kind", "actor", "actor_role", "from_status", "to_status", "visibility", "created_at"]
    list_filter = ["kind", "actor_role", "visibility", "to_status"]
    search_fields = ["complaint__case_number", "message"]
    list_select_related = ["complaint", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "complaint", "kind", "content_type", "size", "uploaded_by", "created_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "sha256", "complaint__case_number"]
    list_select_related = ["complaint", "uploaded_by"]
    fields = ["complaint", "original_name", "kind", "content_type", "size", "sha256", "uploaded_by", "created_at"]

    def has_add_permission(self, request):
        return False  # uploads are checked by content and stripped of metadata by the service

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaseSequence)
class CaseSequenceAdmin(admin.ModelAdmin):
    list_display = ["prefix", "year", "last"]
    list_filter = ["prefix"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Incidents are opened, filled and closed by supervisors (complaints.incidents, audited):
    operators read them here."""

    list_display = ["title", "merchant_display_name", "council", "status", "public", "created_at"]
    list_filter = ["status", "public", "council"]
    search_fields = ["title", "merchant__name", "merchant_name"]
    list_select_related = ["merchant", "council"]
    ordering = ["-created_at"]

    @admin.display(description=_("merchant"))
    def merchant_display_name(self, obj):
        return obj.merchant_display_name

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Incident._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
