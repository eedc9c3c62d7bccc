"""A real S3-protocol server for the evidence-on-object-storage tests: moto's standalone server,
started as its own process on a free local port, and a fresh bucket per test that the settings
point evidence at, as EVIDENCE_STORAGE_URL would."""

import importlib.util
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from mediation.storage import evidence_storage

ACCESS_KEY = "evidence-test-key"
SECRET_KEY = "evidence-test-secret"
REGION = "cn-hangzhou"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the S3 server exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the S3 server did not answer on {url} within {seconds} s")


@pytest.fixture(scope="session")
def s3_endpoint():
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask") is None:
        pytest.skip("moto[server] is not installed (pip install -r requirements-dev.txt): no S3 server to test against")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint):
    """A boto3 client of the server, to look into the bucket as an operator would."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def bucket(s3):
    name = f"evidence-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def storage_url(s3_endpoint, bucket) -> str:
    return f"s3://{bucket}/hubei?endpoint_url={s3_endpoint}&region={REGION}&addressing_style=path"


def point_evidence_at(settings, url: str) -> None:
    """Settings as a node started with EVIDENCE_STORAGE_URL=url reads them; a new STORAGES
    makes Django build the storage afresh, as a new process would."""
    settings.EVIDENCE_STORAGE_URL = url
    settings.STORAGES = {
        **settings.STORAGES,
        "default": evidence_storage(url, access_key=ACCESS_KEY, secret_key=SECRET_KEY),
    }


@pytest.fixture
def evidence_in_bucket(settings, storage_url):
    point_evidence_at(settings, storage_url)
    return storage_url


def keys_in(s3, bucket: str) -> dict[str, int]:
    """Every object in the bucket, by key, with its size."""
    listed = s3.list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["Size"] for item in listed.get("Contents", [])}
