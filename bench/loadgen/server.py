"""Start gunicorn with the repository's gunicorn.conf.py, wait until it answers, stop it.

The same configuration file serves this platform (`mediation.wsgi`) and the peer
(`peerdesk.wsgi` from bench/peer/, in its own virtual env), so both run with the same workers,
threads and limits. The settings can be changed through the environment (GUNICORN_WORKERS,
GUNICORN_THREADS, ...; see gunicorn.conf.py).
"""

import os
import runpy
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "gunicorn.conf.py"
REPORTED = ("workers", "threads", "worker_class", "max_requests", "max_requests_jitter", "timeout", "preload_app")


def gunicorn_settings(env: dict | None = None) -> dict:
    """The settings gunicorn.conf.py gives under `env` (default: this process's environment)."""
    saved = dict(os.environ)
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        values = runpy.run_path(str(CONFIG))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    settings = {name: values.get(name) for name in REPORTED}
    settings["access_log"] = bool(values.get("accesslog"))
    settings["config"] = CONFIG.name
    return settings


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process, its children alive now and the ones it reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for n, member in enumerate([pid, *_children(pid)]):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime are fields 14-17 of stat (11-14 after the name).
        used = int(fields[11]) + int(fields[12])
        if n == 0:
            used += int(fields[13]) + int(fields[14])
        total += used / ticks
    return total


class Gunicorn:
    """One gunicorn master and its workers, with its log in `log_path`."""

    def __init__(self, *, gunicorn: Path, app: str, cwd: Path, env: dict, port: int, log_path: Path):
        self.command = [str(gunicorn), "-c", str(CONFIG), app]
        self.cwd = cwd
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.env.setdefault("GUNICORN_ACCESS_LOG", "off")
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def settings(self) -> dict:
        return gunicorn_settings(self.env)

    def start(self, ready_path: str, *, timeout: float = 60) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + ready_path, timeout=5) as answer:
                    if answer.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer {ready_path}:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.3)

    def workers(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.process.pid) if self.process else 0.0

    def memory_mb(self) -> dict:
        """Peak resident memory (VmHWM) of the master and of the largest worker alive now, in MB."""

        def peak(pid: int) -> float:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
            except OSError:
                pass
            return 0.0

        worker_peaks = [peak(pid) for pid in self.workers()]
        return {
            "master_peak_rss_mb": round(peak(self.process.pid), 1) if self.process else None,
            "worker_peak_rss_mb": round(max(worker_peaks, default=0.0), 1),
            "workers_alive": len(worker_peaks),
        }

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
