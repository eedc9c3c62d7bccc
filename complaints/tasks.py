from celery import shared_task

from . import workflow


@shared_task
def apply_deadlines() -> dict[str, int]:
    return workflow.apply_deadlines()
