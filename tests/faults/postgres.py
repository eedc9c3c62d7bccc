"""A PostgreSQL server of the test's own, so stopping and starting it touches no other database
of the machine: a fresh cluster in a temporary directory, on a free port, trust authentication.

The server refuses to run as root, and tests run as root, so every server command runs as the
`postgres` user, in a directory that user owns.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg2
import pytest

from .stack import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresServer:
    def __init__(self):
        if not (PG_BIN / "pg_ctl").exists():
            pytest.fail(f"Fault tests need PostgreSQL's server binaries in {PG_BIN} (set PG_BIN).")
        # Not pytest's tmp_path: its parents are root's, closed to the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="fault-postgres-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *argv: str | Path) -> None:
        command = ["runuser", "-u", "postgres", "--", *map(str, argv)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}\n{self.log_tail()}")

    def init(self) -> None:
        self._as_postgres(
            PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        """Start it and wait until it accepts connections."""
        # fsync off: a clean stop still writes everything; only an OS crash would lose data.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`, as a restart for an upgrade does: connected sessions are cut off, open
        transactions rolled back."""
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def create_database(self, name: str) -> None:
        connection = psycopg2.connect(self.url("postgres"))
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            connection.close()

    def query(self, database: str, sql: str, params: tuple = ()) -> list[tuple]:
        connection = psycopg2.connect(self.url(database), connect_timeout=5)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def log_tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def remove(self) -> None:
        """Stop the server if it runs (immediately: nothing is kept) and delete its files."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
