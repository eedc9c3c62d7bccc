from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.mark_read, name="mark_read"),
    path("council/notices/", views.staff_overview, name="staff_overview"),
    path("council/notices/<int:pk>/retry/", views.retry, name="retry"),
]
