"""The bucket storage of evidence (EVIDENCE_STORAGE_URL, mediation/storage.py): django-storages'
S3 storage, except that a file opened for reading is streamed as the bucket sends it, and a
bucket that cannot be reached is StorageUnavailable (503, mediation/unavailable.py).

django-storages reads a whole object into a temporary file before the first byte can be sent;
for a 10 MB file that is the whole download's wait and a spool file per request. Here the
response starts with the object's first bytes and holds one block at a time. Writing, listing
and deleting are django-storages' own. Kept apart from mediation/storage.py, so that the
settings do not import boto3 on nodes that keep evidence on local disk.
"""

from contextlib import contextmanager

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from .storage import StorageUnavailable

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# A bucket that does not answer fails the request within seconds instead of botocore's 60 s
# per try, five tries over: a web worker waiting on it serves nobody else meanwhile.
PATIENCE = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


@contextmanager
def _reachable():
    """Connection errors, timeouts and the bucket's own 5xx answers (after botocore's retries)
    are an outage, not a missing file or a bug."""
    try:
        yield
    except BotoCoreError as err:
        raise StorageUnavailable(str(err)) from err
    except ClientError as err:
        if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            raise StorageUnavailable(str(err)) from err
        raise


class StreamedObject(File):
    """An object of the bucket, read once from start to end (no seeking); its size is the one
    the bucket announced."""

    def __init__(self, body, *, name: str, size: int):
        super().__init__(body, name)
        self.size = size
        self.mode = "rb"

    def open(self, mode=None):
        # It is open from the start; a stream already read cannot be rewound, only fetched again.
        if self.closed or self.file.tell():
            raise ValueError("A streamed object is read once; open it again from the storage.")
        return self


class EvidenceBucketStorage(S3Storage):
    def __init__(self, **settings):
        super().__init__(**settings)
        self.client_config = self.client_config.merge(PATIENCE)

    def _open(self, name, mode="rb"):
        if mode not in ("r", "rb"):
            with _reachable():
                return super()._open(name, mode)
        key = self._normalize_name(clean_name(name))
        try:
            with _reachable():
                answer = self.bucket.Object(key).get()
        except ClientError as err:
            if str(err.response.get("Error", {}).get("Code")) in MISSING:
                raise FileNotFoundError(f"File does not exist: {name}") from err
            raise
        return StreamedObject(answer["Body"], name=name, size=answer["ContentLength"])

    def _save(self, name, content):
        with _reachable():
            return super()._save(name, content)

    def exists(self, name):
        with _reachable():
            return super().exists(name)

    def delete(self, name):
        with _reachable():
            super().delete(name)

    def size(self, name):
        with _reachable():
            return super().size(name)
