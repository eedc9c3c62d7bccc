from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .services import record_staff_login

        user_logged_in.connect(record_staff_login, dispatch_uid="audit_staff_login")
