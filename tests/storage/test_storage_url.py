"""EVIDENCE_STORAGE_URL (mediation/storage.py): what a valid URL configures, the message an
invalid one stops the process with, and local disk when it is unset."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from mediation.storage import evidence_storage
from tests.test_settings import run_settings

OSS = "s3://hb315-evidence/wuhan/2026?endpoint_url=https://oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou&addressing_style=virtual"


def test_a_bucket_url_configures_a_private_s3_storage():
    config = evidence_storage(OSS, access_key="AK", secret_key="SK")

    assert config["BACKEND"] == "mediation.bucket.EvidenceBucketStorage"
    options = config["OPTIONS"]
    assert options["bucket_name"] == "hb315-evidence"
    assert options["location"] == "wuhan/2026"
    assert options["endpoint_url"] == "https://oss-cn-hangzhou.aliyuncs.com"
    assert options["region_name"] == "cn-hangzhou"
    assert options["addressing_style"] == "virtual"
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False


def test_a_bare_bucket_leaves_the_endpoint_region_and_keys_to_boto3():
    options = evidence_storage("s3://evidence")["OPTIONS"]
    assert options["location"] == ""
    assert options["endpoint_url"] is None and options["region_name"] is None
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["addressing_style"] == "auto"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://evidence.oss-cn-hangzhou.aliyuncs.com", "must start with s3://"),
        ("evidence", "must start with s3://"),
        ("s3://", "bucket name"),
        ("s3://Evidence_Bucket", "bucket name"),
        ("s3://ab", "bucket name"),
        ("s3://AK:SK@evidence", "EVIDENCE_STORAGE_ACCESS_KEY"),
        ("s3://evidence/../etc", "key prefix"),
        ("s3://evidence/a//b", "key prefix"),
        ("s3://evidence?endpoint=http://minio:9000", "unknown option endpoint"),
        ("s3://evidence?region=a&region=b", "more than once"),
        ("s3://evidence?addressing_style=dns", "addressing_style"),
        ("s3://evidence?endpoint_url=minio:9000", "endpoint_url"),
        ("s3://evidence?endpoint_url=ftp://minio", "endpoint_url"),
        ("s3://evidence?endpoint_url=http://minio:notaport", "invalid port"),
        ("s3://evidence?endpoint_url=http://minio/bucket", "scheme://host[:port] only"),
        ("s3://evidence?region", "name=value"),
        ("s3://evidence#x", "fragment"),
    ],
)
def test_an_invalid_url_is_refused_with_what_is_wrong(url, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        evidence_storage(url)
    assert "EVIDENCE_STORAGE_URL" in str(refused.value)
    assert says in str(refused.value)


def test_half_a_key_pair_is_refused():
    with pytest.raises(ImproperlyConfigured, match="both EVIDENCE_STORAGE_ACCESS_KEY and EVIDENCE_STORAGE_SECRET_KEY"):
        evidence_storage("s3://evidence", access_key="AK")


PRINT_STORAGE = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import default_storage
default_storage._setup()
backend = settings.STORAGES["default"]["BACKEND"]
print(json.dumps({"backend": backend, "class": type(default_storage._wrapped).__name__}))
"""


def storage_of(**env: str) -> dict:
    result = run_settings(PRINT_STORAGE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_unset_or_blank_the_evidence_stays_on_local_disk():
    assert storage_of() == {"backend": "django.core.files.storage.FileSystemStorage", "class": "FileSystemStorage"}
    assert storage_of(EVIDENCE_STORAGE_URL="")["class"] == "FileSystemStorage"


def test_set_the_evidence_goes_to_the_bucket():
    figures = storage_of(EVIDENCE_STORAGE_URL=OSS, EVIDENCE_STORAGE_ACCESS_KEY="AK", EVIDENCE_STORAGE_SECRET_KEY="SK")
    assert figures == {"backend": "mediation.bucket.EvidenceBucketStorage", "class": "EvidenceBucketStorage"}


def test_a_node_with_an_invalid_url_refuses_to_start():
    result = run_settings(PRINT_STORAGE, EVIDENCE_STORAGE_URL="s3://Evidence_Bucket")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "EVIDENCE_STORAGE_URL" in result.stderr
