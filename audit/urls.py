from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("council/audit/", views.audit_log, name="log"),
    path("council/integrity/", views.integrity, name="integrity"),
]
