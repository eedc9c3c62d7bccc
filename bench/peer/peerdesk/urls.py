"""django-helpdesk at the site root: the public form at /tickets/submit/, the API at /api/."""

from django.urls import include, path

urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
