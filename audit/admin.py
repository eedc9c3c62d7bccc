from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    list_display = ["created_at", "action", "actor", "actor_role", "object_type", "object_id", "ip"]
    list_filter = ["action", "actor_role"]
    search_fields = ["action", "object_id", "actor__username", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
