"""Statistics served by a real PostgreSQL streaming replica, while filings go to the primary.

The module makes a second cluster on this machine from the test database's server with
`pg_basebackup -R` (a physical copy of the whole cluster, so the test database is on it),
starts it on a free port as a hot standby, and points the "replica" alias at it. Where the
replica cannot be made (no pg_basebackup, no replication entry in pg_hba.conf, wal_level
minimal) the tests skip and say why; .ci/run allows replication from 127.0.0.1.
"""

import copy
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Complaint
from mediation import db_router
from mediation.db_router import REPLICA, statistics_reads

from .conftest import wait_for

pytestmark = [
    pytest.mark.integration,
    # The replica is declared a test mirror: the test case neither creates nor flushes it.
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
]

# A hot standby refuses to start with less of these than its primary has.
STANDBY_MINIMUMS = [
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _binary(name: str, major: int) -> str | None:
    """The server's own version of a PostgreSQL program (Debian keeps them per version)."""
    found = glob.glob(f"/usr/lib/postgresql/{major}/bin/{name}") or sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    )
    return found[-1] if found else shutil.which(name)


def _show(cursor, setting: str) -> str:
    cursor.execute(f"SHOW {setting}")
    return cursor.fetchone()[0]


class StreamingReplica:
    """A hot standby of the primary in a temporary directory, run as the postgres user when
    this process is root (the server refuses to run as root)."""

    def __init__(self, primary: dict, major: int, settings: dict[str, str]):
        self.primary = primary
        self.settings = settings
        self.basebackup = _binary("pg_basebackup", major)
        self.pg_ctl = _binary("pg_ctl", major)
        self.port = _free_port()
        self.slot = f"test_replica_{os.getpid()}"
        self.workdir = Path(tempfile.mkdtemp(prefix="replica-"))
        self.data = self.workdir / "data"
        self.log = self.workdir / "server.log"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.started = False

    def run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        env = {**os.environ, "PGPASSWORD": self.primary.get("PASSWORD") or ""}
        return subprocess.run(
            self.as_owner + argv, capture_output=True, text=True, timeout=timeout, env=env, cwd=self.workdir
        )

    def create(self) -> str | None:
        """Copy the cluster; the reason it could not be copied, or None."""
        shutil.rmtree(self.data, ignore_errors=True)
        copied = self.run(
            [
                *(self.basebackup, "-h", self.primary["HOST"] or "127.0.0.1", "-p", str(self.primary["PORT"] or 5432)),
                *("-U", self.primary["USER"], "-D", str(self.data), "-R", "-X", "stream", "-C", "-S", self.slot),
            ],
            timeout=900,
        )
        if copied.returncode != 0:
            return copied.stderr.strip() or copied.stdout.strip()
        # Debian keeps the configuration outside the data directory: the copy gets its own.
        config = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.workdir}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "fsync": "off",
            **self.settings,
        }
        (self.data / "postgresql.conf").write_text("".join(f"{k} = {v}\n" for k, v in config.items()))
        (self.data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        if self.as_owner:
            shutil.chown(self.data / "postgresql.conf", "postgres", "postgres")
            shutil.chown(self.data / "pg_hba.conf", "postgres", "postgres")
        return None

    def start(self) -> None:
        started = self.run([self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start"], 180)
        self.started = True
        if started.returncode != 0:
            pytest.fail(f"the replica did not start:\n{started.stderr}\n{self.log_tail()}")

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:]) if self.log.exists() else ""

    def destroy(self, primary_cursor) -> None:
        if self.started:
            self.run([self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"], 120)
        self.drop_slot(primary_cursor)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def drop_slot(self, primary_cursor) -> None:
        # The slot keeps the primary's WAL until dropped; it is released once the standby is gone.
        deadline = time.monotonic() + 30
        while True:
            primary_cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                "WHERE slot_name = %s AND NOT active",
                [self.slot],
            )
            primary_cursor.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s", [self.slot])
            if primary_cursor.fetchone()[0] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    """A running hot standby of the test database's server, as the "replica" alias."""
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        pytest.skip("A read replica needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    with django_db_blocker.unblock(), primary.cursor() as cursor:
        major = int(_show(cursor, "server_version_num")) // 10000
        wal_level = _show(cursor, "wal_level")
        minimums = {name: _show(cursor, name) for name in STANDBY_MINIMUMS}
    if wal_level == "minimal" or int(minimums["max_wal_senders"]) == 0:
        pytest.skip(f"The server cannot stream to a replica (wal_level={wal_level}, max_wal_senders=0?).")
    if not _binary("pg_basebackup", major) or not _binary("pg_ctl", major):
        pytest.skip(f"No pg_basebackup or pg_ctl of PostgreSQL {major} on this machine: no replica to test.")

    replica = StreamingReplica(primary.settings_dict, major, minimums)
    previous = connections.settings.get(REPLICA)
    with django_db_blocker.unblock():
        try:
            reason = replica.create()
            if reason:  # a second try, where the first copy was cut off (its backend terminated)
                with primary.cursor() as cursor:
                    replica.drop_slot(cursor)
                reason = replica.create()
            if reason:
                pytest.skip(
                    "Could not create a streaming replica with pg_basebackup (.ci/run allows replication "
                    f"from 127.0.0.1 in pg_hba.conf): {reason}"
                )
            replica.start()
            settings_dict = copy.deepcopy(primary.settings_dict)
            settings_dict.update(HOST="127.0.0.1", PORT=str(replica.port))
            settings_dict["TEST"] = {**settings_dict["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
            connections.settings[REPLICA] = settings_dict
            _forget_replica_connection()
            yield replica
        finally:
            _forget_replica_connection()
            if previous is not None:
                connections.settings[REPLICA] = previous
            else:
                connections.settings.pop(REPLICA, None)
            with primary.cursor() as cursor:
                replica.destroy(cursor)


def _forget_replica_connection() -> None:
    if hasattr(connections._connections, REPLICA):
        connections[REPLICA].close()
        delattr(connections._connections, REPLICA)


@pytest.fixture(autouse=True)
def _replica_ready(streaming_replica, monkeypatch):
    monkeypatch.setattr(db_router, "_replica_down_until", 0.0)

    def accepts():
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                return cursor.fetchone()[0]
        except Exception:
            connections[REPLICA].close()
            return False

    wait_for(accepts, "the replica to accept connections as a standby", timeout=120)


def on_replica(sql: str, params=()):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_a_dashboard_read_is_served_by_the_replica_while_a_filing_goes_to_the_primary(
    streaming_replica, client, supervisor, file_complaint
):
    with statistics_reads():
        # A read-only standby would refuse the insert: the filing went to the primary.
        case = file_complaint()
        alias = Complaint.objects.all().db
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
            assert cursor.fetchone() == (True, streaming_replica.port)
    assert alias == REPLICA
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (False,)
    wait_for(
        lambda: on_replica("SELECT count(*) FROM complaints_complaint WHERE id = %s", [case.pk])[0],
        "the replica to replay the filing",
    )
    client.force_login(supervisor)

    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        response = client.get(reverse("supervision:dashboard"))

    assert response.status_code == 200
    assert response.context["figures"]["total"] == 1
    assert any("complaints_complaint" in q["sql"] for q in replica_queries.captured_queries)


def test_a_fresh_read_right_after_a_filing_sees_it_on_the_replica(file_complaint):
    case = file_complaint()

    with statistics_reads(fresh=True):
        assert Complaint.objects.all().db == REPLICA
        assert Complaint.objects.get(pk=case.pk).case_number == case.case_number


def test_an_export_streams_its_rows_from_the_replica(client, supervisor, file_complaint):
    case = file_complaint()
    with statistics_reads(fresh=True):
        pass  # waits until the replica has the case
    client.force_login(supervisor)

    response = client.get(reverse("supervision:export_csv"))
    # The rows are read as the file streams, after the view has returned.
    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response.status_code == 200
    assert case.case_number in body
    assert any("complaints_complaint" in q["sql"] for q in replica_queries.captured_queries)


def test_a_fresh_read_goes_to_the_primary_while_the_replica_is_behind(file_complaint, monkeypatch, caplog):
    monkeypatch.setattr(db_router, "FRESH_WAIT_SECONDS", 0.5)
    on_replica("SELECT pg_wal_replay_pause()")
    try:
        case = file_complaint()

        with statistics_reads(fresh=True):
            assert Complaint.objects.all().db == DEFAULT_DB_ALIAS
            assert Complaint.objects.filter(pk=case.pk).exists()
        with statistics_reads():  # not fresh: the replica, which has not replayed the filing
            assert not Complaint.objects.filter(pk=case.pk).exists()
    finally:
        on_replica("SELECT pg_wal_replay_resume()")

    assert "behind the primary" in caplog.text
    with statistics_reads(fresh=True):
        assert Complaint.objects.all().db == REPLICA
        assert Complaint.objects.filter(pk=case.pk).exists()
