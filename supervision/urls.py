from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("council/", views.queue, name="queue"),
    path("council/dashboard/", views.dashboard, name="dashboard"),
    path("stats/", views.public_stats, name="public_stats"),
]
