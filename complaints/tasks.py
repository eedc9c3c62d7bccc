from celery import shared_task

from . import calls, deadlines


@shared_task
def apply_deadlines() -> dict[str, int]:
    return deadlines.apply_deadlines()


@shared_task
def release_call_bindings() -> dict[str, int]:
    return calls.release_bindings()


@shared_task
def release_case_bindings(complaint_id: int) -> int:
    return calls.release_case_bindings(complaint_id)
