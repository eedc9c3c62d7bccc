import os

from celery import Celery
from celery.signals import beat_init, task_postrun, task_prerun
from django.db import close_old_connections

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


@task_prerun.connect
@task_postrun.connect
def _close_old_database_connections(sender=None, task=None, **kwargs) -> None:
    """Around each task, what Django does around each request: a connection that broke or
    outlived CONN_MAX_AGE is closed, any other one kept (settings.CELERY_DB_REUSE_MAX). A task
    run eagerly runs inside its caller's request or transaction and leaves it alone."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
