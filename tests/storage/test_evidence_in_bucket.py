"""Evidence in an S3-compatible bucket (EVIDENCE_STORAGE_URL): a file uploaded on one web node
is stored in the bucket, not on that node's disk, and any other node streams the same bytes to
the people who may see it, and to nobody else."""

import hashlib
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from complaints import services
from complaints.evidence_thumbnails import thumbnail_name
from complaints.models import Evidence

from .conftest import ACCESS_KEY, SECRET_KEY, keys_in, point_evidence_at

ROOT = Path(__file__).resolve().parents[2]
TEN_MB = 10 * 1024 * 1024


def noise_png(side: int) -> bytes:
    """A PNG of random pixels: it compresses to about its raw size, so `side` sets the file size."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def jpeg(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def body(response) -> bytes:
    assert response.streaming, "a file is streamed, never built in memory as one response body"
    return b"".join(response.streaming_content)


def stored_bytes(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture
def case(file_complaint):
    return file_complaint(share_contact=True)


@pytest.fixture
def photo(evidence_in_bucket, case, wang):
    upload = SimpleUploadedFile("kettle.jpg", jpeg(), content_type="image/jpeg")
    return services.add_evidence(actor=wang, complaint=case, upload=upload, kind="photo")


def test_a_10_mb_photo_uploaded_through_the_api_is_stored_in_the_bucket(
    api, wang, case, evidence_in_bucket, s3, bucket, settings
):
    data = noise_png(1860)
    assert TEN_MB - 200_000 < len(data) <= TEN_MB

    response = api.as_(wang).post(
        f"/api/v1/complaints/{case.pk}/evidence/",
        {"file": SimpleUploadedFile("receipt.png", data, content_type="image/png"), "kind": "receipt"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(pk=response.json()["id"])
    key = f"hubei/{evidence.file.name}"
    assert keys_in(s3, bucket) == {key: evidence.size}
    assert evidence.size > TEN_MB - 200_000
    assert hashlib.sha256(stored_bytes(s3, bucket, key)).hexdigest() == evidence.sha256
    # Nothing of it on this node's disk: another node could not have read it there.
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*"))


def test_the_upload_page_stores_the_photo_in_the_bucket(client, wang, case, evidence_in_bucket, s3, bucket):
    client.force_login(wang)

    response = client.post(
        f"/cases/{case.pk}/evidence/",
        {
            "evidence-files": SimpleUploadedFile("kettle.jpg", jpeg(), content_type="image/jpeg"),
            "evidence-kind": "photo",
        },
    )

    assert response.status_code == 302
    evidence = case.evidence.get()
    assert f"hubei/{evidence.file.name}" in keys_in(s3, bucket)


def test_another_node_streams_the_same_bytes_after_the_access_check(
    client, api, wang, photo, storage_url, settings, tmp_path, s3, bucket
):
    sent = stored_bytes(s3, bucket, f"hubei/{photo.file.name}")
    # A second node: the same EVIDENCE_STORAGE_URL, its own (empty) disk, a storage built afresh.
    settings.MEDIA_ROOT = tmp_path / "second-node"
    point_evidence_at(settings, storage_url)
    client.force_login(wang)

    page = client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/")
    from_api = api.as_(wang).get(f"/api/v1/complaints/{photo.complaint_id}/evidence/{photo.pk}/")

    assert page.status_code == 200 and from_api.status_code == 200
    assert body(page) == sent and body(from_api) == sent
    assert hashlib.sha256(sent).hexdigest() == photo.sha256
    assert page["Cache-Control"] == "private, no-store"
    assert int(page["Content-Length"]) == int(from_api["Content-Length"]) == len(sent)
    assert not (tmp_path / "second-node").exists()


@pytest.mark.parametrize("person", ["li", "other_agent", "sibling_supervisor"])
def test_people_who_may_not_see_the_case_get_nothing_from_the_bucket(client, api, request, photo, person):
    stranger = request.getfixturevalue(person)
    client.force_login(stranger)

    urls = [
        f"/cases/{photo.complaint_id}/evidence/{photo.pk}/",
        f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    assert api.as_(stranger).get(f"/api/v1/complaints/{photo.complaint_id}/evidence/{photo.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, photo):
    response = client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_file_gone_from_the_bucket_is_404(client, wang, photo, s3, bucket):
    s3.delete_object(Bucket=bucket, Key=f"hubei/{photo.file.name}")
    client.force_login(wang)
    assert client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/").status_code == 404
    assert client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/").status_code == 404


def test_the_thumbnail_is_made_once_and_kept_in_the_bucket(client, wang, agent, photo, s3, bucket):
    client.force_login(wang)

    first = body(client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/"))
    client.force_login(agent)
    second = body(client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/"))

    key = f"hubei/{thumbnail_name(photo.file.name)}"
    assert keys_in(s3, bucket)[key] == len(first)
    assert int(client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/")["Content-Length"]) == len(first)
    assert second == first == stored_bytes(s3, bucket, key)
    with Image.open(io.BytesIO(first)) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320


def test_deleting_the_account_deletes_the_photo_and_its_thumbnail_from_the_bucket(
    client, wang, photo, s3, bucket, django_capture_on_commit_callbacks
):
    from complaints import workflow
    from tests.conftest import PASSWORD

    client.force_login(wang)
    assert client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/thumb/").status_code == 200
    workflow.perform(actor=wang, complaint_id=photo.complaint_id, action="withdraw", message="")
    assert len(keys_in(s3, bucket)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert keys_in(s3, bucket) == {}


ANOTHER_NODE = """
import hashlib, sys
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
from accounts.models import User
setup_test_environment()
client = Client()
client.force_login(User.objects.get(pk=int(sys.argv[1])))
response = client.get(sys.argv[2])
digest = hashlib.sha256(b"".join(response.streaming_content) if response.streaming else response.content)
print(response.status_code, digest.hexdigest())
"""


def shared_database_url() -> str:
    """The test database as DATABASE_URL names it, for a process of its own to connect to."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_another_node(*, user, url: str, storage_url: str, evidence_root: Path) -> tuple[int, str]:
    """A separate Django process, started like a second web node: the same database and bucket,
    its own EVIDENCE_ROOT."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mediation.settings",
        "DATABASE_URL": shared_database_url(),
        "EVIDENCE_ROOT": str(evidence_root),
        "EVIDENCE_STORAGE_URL": storage_url,
        "EVIDENCE_STORAGE_ACCESS_KEY": ACCESS_KEY,
        "EVIDENCE_STORAGE_SECRET_KEY": SECRET_KEY,
        "LANGUAGE_CODE": "en",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", ANOTHER_NODE, str(user.pk), url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status, digest = result.stdout.strip().splitlines()[-1].split()
    return int(status), digest


@pytest.mark.django_db(transaction=True)
def test_a_separate_node_process_serves_the_file_to_its_owner_only(photo, wang, other_agent, storage_url, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a second node process needs a database server it can share (DATABASE_URL=postgres://...)")
    url = f"/cases/{photo.complaint_id}/evidence/{photo.pk}/"
    node = dict(url=url, storage_url=storage_url, evidence_root=tmp_path / "node-b")

    assert run_another_node(user=wang, **node) == (200, photo.sha256)
    assert run_another_node(user=other_agent, **node)[0] == 404
    assert not (tmp_path / "node-b").exists()


def take_the_bucket_down(settings) -> None:
    """The bucket's address no longer answers (its server is down): nothing listens on the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    point_evidence_at(settings, f"s3://evidence?endpoint_url=http://127.0.0.1:{port}&addressing_style=path")


@pytest.fixture
def bucket_down(settings, photo):
    take_the_bucket_down(settings)


def test_a_bucket_that_cannot_be_reached_answers_503_within_seconds(api, wang, photo, bucket_down):
    client = Client(raise_request_exception=False)  # the answer a browser gets, not the traceback
    client.force_login(wang)
    started = time.monotonic()

    page = client.get(f"/cases/{photo.complaint_id}/evidence/{photo.pk}/")
    from_api = api.as_(wang).get(f"/api/v1/complaints/{photo.complaint_id}/evidence/{photo.pk}/")
    upload = api.as_(wang).post(
        f"/api/v1/complaints/{photo.complaint_id}/evidence/",
        {"file": SimpleUploadedFile("receipt.jpg", jpeg()), "kind": "receipt"},
        format="multipart",
    )

    assert (page.status_code, from_api.status_code, upload.status_code) == (503, 503, 503)
    assert page["Retry-After"] and from_api.json()["code"] == "service_unavailable"
    assert Evidence.objects.filter(complaint_id=photo.complaint_id).count() == 1
    assert time.monotonic() - started < 30


def test_files_of_a_deleted_account_are_deleted_once_the_bucket_is_back(
    client, wang, photo, storage_url, settings, s3, bucket, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts.models import User
    from complaints import tasks, workflow
    from tests.conftest import PASSWORD

    workflow.perform(actor=wang, complaint_id=photo.complaint_id, action="withdraw", message="")
    key = f"hubei/{photo.file.name}"
    # Two tries instead of half a day's: the tasks run in this process, one after the other.
    monkeypatch.setattr(tasks.delete_evidence_files, "max_retries", 1)
    take_the_bucket_down(settings)
    client.force_login(wang)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/my/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.get(pk=wang.pk).is_active
    assert key in keys_in(s3, bucket)  # nobody could reach the bucket
    point_evidence_at(settings, storage_url)
    assert tasks.delete_evidence_files.apply(args=[[photo.pk]]).get() == 1
    assert keys_in(s3, bucket) == {}
