from celery import shared_task

from . import deadlines


@shared_task
def apply_deadlines() -> dict[str, int]:
    return deadlines.apply_deadlines()
