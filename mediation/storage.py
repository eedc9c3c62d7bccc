"""Evidence in an S3-compatible bucket (Alibaba OSS, Tencent COS, MinIO, Ceph, AWS S3), so that
every web node reads the files any other node stored.

EVIDENCE_STORAGE_URL names the bucket, an optional key prefix and how to reach it:

    s3://bucket[/prefix]?endpoint_url=https://host[:port]&region=cn-hangzhou&addressing_style=virtual

The keys come from EVIDENCE_STORAGE_ACCESS_KEY and EVIDENCE_STORAGE_SECRET_KEY, never from the
URL, which is logged and shown more freely; without them boto3 looks for its own (an instance
role, ~/.aws). Unset, evidence stays on local disk under MEDIA_ROOT.

Objects are private and the bucket is never linked to: a file is read by the web node, after
the access check, and streamed to the person as the bucket sends it (mediation/bucket.py,
mediation.web.file_response), so no signed URL is issued and none can leak.
"""

import re
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

# django-storages' S3 storage, reading by streaming (mediation/bucket.py).
S3_BACKEND = "mediation.bucket.EvidenceBucketStorage"
# Lower-case letters, digits, dots and hyphens, 3 to 63 of them: a name every S3 dialect accepts.
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX = re.compile(r"^[A-Za-z0-9._/-]+$")
OPTIONS = frozenset({"endpoint_url", "region", "addressing_style"})
ADDRESSING_STYLES = frozenset({"virtual", "path", "auto"})
# Whatever still reads through django-storages' own file (a write, a reopened file) is kept in
# memory up to this size and on disk beyond it, so a 10 MB file never sits whole in a worker.
SPOOL_MEMORY_BYTES = 1024 * 1024


class StorageUnavailable(Exception):
    """The evidence bucket could not be reached, or answered with its own error: the request
    answers 503 and may be tried again (mediation/unavailable.py)."""


def _invalid(url: str, reason: str) -> ImproperlyConfigured:
    # The URL holds no secret (keys have their own variables), so it may be quoted in full.
    return ImproperlyConfigured(f"EVIDENCE_STORAGE_URL={url!r} is not valid: {reason}")


def _options(url: str, query: str) -> dict[str, str]:
    try:
        parsed = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _invalid(url, "its query is not name=value pairs joined by &.") from None
    unknown = sorted(set(parsed) - OPTIONS)
    if unknown:
        raise _invalid(url, f"unknown option {', '.join(unknown)} (known: {', '.join(sorted(OPTIONS))}).")
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise _invalid(url, f"option {', '.join(repeated)} is given more than once.")
    return {name: values[0].strip() for name, values in parsed.items()}


def _endpoint(url: str, endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(url, "endpoint_url must be an http:// or https:// address with a host.")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise _invalid(url, "endpoint_url must be scheme://host[:port] only.")
    try:
        parts.port  # noqa: B018 - raises on a port that is no number or out of range
    except ValueError:
        raise _invalid(url, "endpoint_url has an invalid port.") from None
    return f"{parts.scheme}://{parts.netloc}"


def evidence_storage(url: str, *, access_key: str = "", secret_key: str = "") -> dict:
    """The STORAGES entry of the bucket EVIDENCE_STORAGE_URL names; ImproperlyConfigured saying
    what is wrong with the URL or the keys."""
    parts = urlsplit(url.strip())
    if parts.scheme != "s3":
        raise _invalid(
            url, "it must start with s3://, e.g. s3://evidence?endpoint_url=https://oss-cn-hangzhou.aliyuncs.com"
        )
    if parts.username is not None or parts.password is not None:
        raise _invalid(url, "keys go in EVIDENCE_STORAGE_ACCESS_KEY and EVIDENCE_STORAGE_SECRET_KEY, not in the URL.")
    if parts.fragment:
        raise _invalid(url, "it must not have a #fragment.")
    bucket = parts.netloc
    if not BUCKET_NAME.match(bucket) or ".." in bucket:
        raise _invalid(url, "the bucket name must be 3-63 lower-case letters, digits, dots or hyphens.")
    prefix = parts.path.strip("/")
    if prefix and (not PREFIX.match(prefix) or any(p in ("", ".", "..") for p in prefix.split("/"))):
        raise _invalid(url, "the key prefix may hold letters, digits, '.', '_', '-' and single '/' only.")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both EVIDENCE_STORAGE_ACCESS_KEY and EVIDENCE_STORAGE_SECRET_KEY, or neither (boto3's own keys)."
        )
    options = _options(url, parts.query)
    style = options.get("addressing_style", "") or "auto"
    if style not in ADDRESSING_STYLES:
        raise _invalid(url, "addressing_style must be virtual, path or auto.")
    endpoint = options.get("endpoint_url", "")
    backend_options = {
        "bucket_name": bucket,
        "location": prefix,
        "endpoint_url": _endpoint(url, endpoint) if endpoint else None,
        "region_name": options.get("region") or None,
        "addressing_style": style,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "default_acl": "private",
        # Files are streamed by the web node after the access check; the bucket is never linked to.
        "querystring_auth": False,
        # Two uploads never replace each other's file: a taken name gets a suffix.
        "file_overwrite": False,
        "max_memory_size": SPOOL_MEMORY_BYTES,
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": backend_options}
