"""Run the periodic jobs of `settings.CELERY_BEAT_SCHEDULE` in this process, on beat's schedule.

The embedded default (`make run`: no Redis, tasks run eagerly) has no beat and no worker, so
`make run` starts this command beside runserver: without it no deadline would pass, no reminder
would go and no notice left behind would be swept. Each job runs once at start and then every
`schedule` seconds, measured from the start of its previous run, as beat counts. The task is
called here rather than queued, so whatever it queues in turn runs here too when tasks are eager,
or goes to the broker when `REDIS_URL` is set (where `celery beat` is the usual way to run these
jobs).

The schedule is read when the command starts, so a change to it needs no change here. A job
that raises is logged and runs again at its next time; SIGINT or SIGTERM ends the command
after the job that is running, with exit status 0.
"""

import datetime
import logging
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

from celery import Task
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from mediation.celery import app

logger = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    task: Task
    every: float
    args: tuple
    kwargs: dict
    due: float = 0.0  # time.monotonic() of the next run


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of CELERY_BEAT_SCHEDULE (deadlines and reminders, the outbox sweep) in this "
        "process, on their schedule, until SIGINT or SIGTERM. `make run` starts it beside runserver; with "
        "Redis, run `celery -A mediation beat` instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument("--seconds", type=float, help="Exit after this many seconds.")
        parser.add_argument(
            "--interval", type=float, help="Run every job this many seconds apart instead of on its schedule."
        )

    def handle(self, *args, once: bool, seconds: float | None, interval: float | None, **options):
        jobs = _jobs(settings.CELERY_BEAT_SCHEDULE, interval)
        logger.info(
            "Periodic jobs: %s",
            "; ".join(f"{job.name} ({job.task.name}) every {_duration(job.every)}" for job in jobs),
        )
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            _loop(jobs, stop, once=once, until=None if seconds is None else time.monotonic() + seconds)
        finally:
            # Once a signal stopped the jobs the process is about to exit: our handler stays, so a
            # second signal (`make run`'s trap sends SIGTERM after Ctrl-C's SIGINT) cannot kill it
            # mid-exit. Otherwise a caller in this process (a test) gets its own handlers back.
            if not stop.is_set():
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        logger.info("Periodic jobs stopped")


def _jobs(schedule: dict[str, dict[str, Any]], interval: float | None) -> list[Job]:
    # The `tasks` modules of every app, as a worker imports them when it starts: a task no
    # request has imported yet would be missing from the registry. (Not the worker's own
    # `loader.import_default_modules()`: it runs `django.setup()` again, which resets logging.)
    app.autodiscover_tasks(force=True)
    jobs = []
    for name, entry in schedule.items():
        try:
            task = app.tasks[entry["task"]]
        except KeyError:
            raise CommandError(f"{name}: no task named {entry['task']!r}")
        every = interval if interval is not None else _seconds(name, entry["schedule"])
        jobs.append(Job(name, task, every, tuple(entry.get("args", ())), dict(entry.get("kwargs", {}))))
    if not jobs:
        raise CommandError("CELERY_BEAT_SCHEDULE has no jobs")
    return jobs


def _seconds(name: str, schedule: Any) -> float:
    if isinstance(schedule, datetime.timedelta):
        return schedule.total_seconds()
    if isinstance(schedule, int | float):
        return float(schedule)
    run_every = getattr(schedule, "run_every", None)  # celery.schedules.schedule
    if isinstance(run_every, datetime.timedelta):
        return run_every.total_seconds()
    raise CommandError(f"{name}: only interval schedules (seconds, timedelta) are supported, not {schedule!r}")


def _loop(jobs: list[Job], stop: threading.Event, *, once: bool, until: float | None) -> None:
    for job in jobs:
        job.due = time.monotonic()
    while not stop.is_set():
        for job in jobs:
            if stop.is_set():
                break
            if job.due <= time.monotonic():
                job.due = time.monotonic() + job.every
                _run(job)
        if once or (until is not None and time.monotonic() >= until):
            break
        wake = min(job.due for job in jobs)
        if until is not None:
            wake = min(wake, until)
        stop.wait(max(0.0, wake - time.monotonic()))


def _run(job: Job) -> None:
    # A long-lived process, like a worker: a connection that broke or outlived CONN_MAX_AGE
    # is replaced before the next job, so one database restart does not fail every later run.
    close_old_connections()
    started = time.monotonic()
    try:
        result = job.task(*job.args, **job.kwargs)
    except Exception:  # noqa: BLE001 - one failed run must not end the jobs: it runs again at its next time
        logger.exception("%s (%s) failed after %.2f s", job.name, job.task.name, time.monotonic() - started)
    else:
        logger.info("%s (%s): %r in %.2f s", job.name, job.task.name, result, time.monotonic() - started)
    finally:
        close_old_connections()


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
