import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")

app = Celery("mediation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def _deadlines_at_first_start(sender, **kwargs) -> None:
    """Beat gives a job it has never run a full interval before its first run; the deadline job
    runs at once instead. A schedule file that has run it keeps its time, so a restart after an
    outage runs it once, as beat runs any overdue job."""
    entry = sender.scheduler.schedule.get("apply-deadlines")
    if entry is not None and not entry.total_run_count:
        entry.last_run_at -= entry.schedule.run_every
