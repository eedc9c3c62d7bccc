from django.urls import path

from . import views
from .audit_views import audit_log, integrity
from .incident_views import (
    incident_assign,
    incident_cases,
    incident_close,
    incident_detail,
    incident_list,
    incident_message,
    incident_new,
    incident_offer,
)
from .intake_views import filed, intake
from .notice_views import notice_retry, notices
from .target_views import targets

app_name = "supervision"
urlpatterns = [
    path("council/", views.queue, name="queue"),
    path("council/dashboard/", views.dashboard, name="dashboard"),
    path("council/intake/", intake, name="intake"),
    path("council/intake/filed/", filed, name="filed"),
    path("council/incidents/", incident_list, name="incident_list"),
    path("council/incidents/new/", incident_new, name="incident_new"),
    path("council/incidents/<int:pk>/", incident_detail, name="incident_detail"),
    path("council/incidents/<int:pk>/cases/", incident_cases, name="incident_cases"),
    path("council/incidents/<int:pk>/message/", incident_message, name="incident_message"),
    path("council/incidents/<int:pk>/assign/", incident_assign, name="incident_assign"),
    path("council/incidents/<int:pk>/offer/", incident_offer, name="incident_offer"),
    path("council/incidents/<int:pk>/close/", incident_close, name="incident_close"),
    path("council/export.csv", views.export_csv, name="export_csv"),
    path("council/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("stats/", views.public_stats, name="public_stats"),
    path("council/targets/", targets, name="targets"),
    path("council/audit/", audit_log, name="audit_log"),
    path("council/integrity/", integrity, name="integrity"),
    path("council/notices/", notices, name="notices"),
    path("council/notices/<int:pk>/retry/", notice_retry, name="notice_retry"),
]
