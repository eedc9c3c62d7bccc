"""Deleting evidence files from storage once their rows say the files must go (the consumer's
account deleted, privacy.services.delete_account).

It runs after the commit, so a deletion that fails half-way loses no file of a kept account,
and in a task (complaints.tasks.delete_evidence_files) that tries again while the storage
cannot be reached: with evidence in a bucket that is a network away, an outage must not leave
a deleted person's photos behind.
"""

from .evidence_thumbnails import thumbnail_name
from .models import Evidence


def delete_evidence_files(evidence_ids: list[int]) -> int:
    """Delete the files of these evidence rows, each photo's thumbnail with it. A file already
    gone is no error, so a task run again after a failure deletes only what is left."""
    deleted = 0
    for item in Evidence.objects.filter(pk__in=evidence_ids).only("pk", "file").order_by("pk"):
        if not item.file.name:
            continue
        storage = item.file.storage
        storage.delete(item.file.name)
        storage.delete(thumbnail_name(item.file.name))
        deleted += 1
    return deleted
