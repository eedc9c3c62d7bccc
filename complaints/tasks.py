from celery import shared_task

from mediation.storage import StorageUnavailable

from . import calls, deadlines, evidence_removal


@shared_task
def apply_deadlines() -> dict[str, int]:
    return deadlines.apply_deadlines()


@shared_task
def release_call_bindings() -> dict[str, int]:
    return calls.release_bindings()


@shared_task
def release_case_bindings(complaint_id: int) -> int:
    return calls.release_case_bindings(complaint_id)


# Tried again while the storage cannot be reached: after up to 30 s, 1 min, 2 min ... then up
# to an hour each time (spread at random), for up to about ten hours, before the failure is
# left in the log for an operator.
@shared_task(
    autoretry_for=(StorageUnavailable, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=16,
    acks_late=True,
)
def delete_evidence_files(evidence_ids: list[int]) -> int:
    return evidence_removal.delete_evidence_files(evidence_ids)
