from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("council/", views.queue, name="queue"),
    path("council/dashboard/", views.dashboard, name="dashboard"),
    path("council/export.csv", views.export_csv, name="export_csv"),
    path("council/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("stats/", views.public_stats, name="public_stats"),
]
