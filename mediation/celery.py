import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

app = Celery("mediation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
