"""bench/loadgen/cpu.py counts the CPU of a server with its children and of a database's backends."""

import subprocess
import sys
import time

import pytest
from django.db import connection

from bench.loadgen.cpu import BackendCpu, process_probe

# A server whose child works until it has used 0.5 s of CPU and is reaped; then the server idles.
# The kernel accounts CPU in clock ticks, sampled, so the probe may read a little less than the
# child measured of itself: the test asks for 0.3 s, far above what the idle server uses alone.
SERVER = """
import subprocess, sys, time
subprocess.run([sys.executable, "-c", "import time\\nwhile time.process_time() < 0.5: pass"], check=True)
open(sys.argv[1], "w").write("reaped")
time.sleep(30)
"""


def test_a_server_counts_with_the_children_it_started_and_reaped(tmp_path):
    reaped = tmp_path / "reaped"
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(reaped)])
    try:
        pidfile = tmp_path / "server.pid"
        pidfile.write_text(f"{server.pid}\n")
        probe = process_probe(str(pidfile))
        deadline = time.monotonic() + 20
        while not reaped.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert probe() >= 0.3
    finally:
        server.kill()
        server.wait()


@pytest.mark.django_db
def test_the_backends_of_the_database_count_while_they_work():
    with BackendCpu(connection.settings_dict["NAME"], interval=0.05) as backends:
        before = backends.seconds()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM generate_series(1, 4000000)")
        used = backends.seconds() - before

    assert used >= 0.1
