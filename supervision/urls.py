from django.urls import path

from . import views
from .audit_views import audit_log, integrity
from .intake_views import filed, intake
from .notice_views import notice_retry, notices
from .target_views import targets

app_name = "supervision"
urlpatterns = [
    path("council/", views.queue, name="queue"),
    path("council/dashboard/", views.dashboard, name="dashboard"),
    path("council/intake/", intake, name="intake"),
    path("council/intake/filed/", filed, name="filed"),
    path("council/export.csv", views.export_csv, name="export_csv"),
    path("council/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("stats/", views.public_stats, name="public_stats"),
    path("council/targets/", targets, name="targets"),
    path("council/audit/", audit_log, name="audit_log"),
    path("council/integrity/", integrity, name="integrity"),
    path("council/notices/", notices, name="notices"),
    path("council/notices/<int:pk>/retry/", notice_retry, name="notice_retry"),
]
